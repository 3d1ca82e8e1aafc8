// Memory: device allocation sizes and alignment, out-of-memory recovery,
// free, memory info, address ranges, pinned host memory, host registration.
// In the stress tier (MemoryExhaustion): device memory allocated until it is
// refused, streams and events by the thousand, each followed by proof that
// the context still works.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fixture.h"
#include "stress_util.h"

namespace {

using MemoryAlloc = kc::ContextCaseTest<size_t>;

TEST_P(MemoryAlloc, AllocWriteReadFree) {
  size_t n = value();
  KLdeviceptr p = 0;
  KC_ASSERT_OK(klMemAlloc(&p, n));
  EXPECT_NE(0u, p);
  EXPECT_EQ(0u, p % 256) << "allocations are aligned to at least 256 bytes";
  // The whole allocation is usable: write random bytes, read them back.
  std::vector<uint8_t> data = rng().Bytes(n), got(n);
  kc::PoisonHost(&got);
  KC_EXPECT_OK(klMemcpyHtoD(p, data.data(), n));
  KC_EXPECT_OK(klMemcpyDtoH(got.data(), p, n));
  KC_EXPECT_ARRAYS_EQ(data, got);
  KC_EXPECT_OK(klMemFree(p));
}

KC_INSTANTIATE_CASES(Memory, MemoryAlloc, size_t,
                     ({1, 3, 4096, (1u << 20) + 1, size_t{256} << 20}));

using Memory = kc::ContextTest;

TEST_P(Memory, AllocZeroFails) {
  KLdeviceptr p = 0x1234;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemAlloc(&p, 0));
  EXPECT_EQ(0x1234u, p);
}

TEST_P(Memory, AllocationsDistinctAndAligned) {
  std::vector<kc::DeviceBuffer> buffers(32);
  std::vector<size_t> sizes;
  for (size_t i = 0; i < buffers.size(); ++i) {
    sizes.push_back(1 + rng().Below(100000));
    ASSERT_NO_FATAL_FAILURE(buffers[i].Alloc(sizes[i]));
    EXPECT_EQ(0u, buffers[i].get() % 256);
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      KLdeviceptr a = buffers[i].get(), b = buffers[j].get();
      bool disjoint = a + sizes[i] <= b || b + sizes[j] <= a;
      EXPECT_TRUE(disjoint) << "allocations " << i << " and " << j << " overlap";
    }
}

TEST_P(Memory, AllocTooLargeThenUsable) {
  KC_KERNEL(fill, "basic", "fill_u32");
  size_t total = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&total, device()));
  for (size_t huge : {total * 4, size_t{1} << 62}) {
    KLdeviceptr p = 0x1234;
    KLresult r = klMemAlloc(&p, huge);
    KC_EXPECT_RESULT(KL_ERROR_OUT_OF_MEMORY, r) << huge << " bytes";
    if (r == KL_SUCCESS) {
      klMemFree(p);
    } else {
      EXPECT_EQ(0x1234u, p) << "the output was written on failure";
    }
  }
  // The context stays usable: copies and a launch.
  ASSERT_NO_FATAL_FAILURE(kc_stress::ExpectContextWorks(fill, &rng()));
}

TEST_P(Memory, FreeZeroIsNoop) { KC_EXPECT_OK(klMemFree(0)); }

TEST_P(Memory, FreeInteriorPointerFails) {
  KC_ALLOC(buf, 4096);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemFree(buf.at(256)));
  // Still allocated and usable.
  std::vector<uint32_t> data = rng().U32s(1024), got;
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 1024));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

TEST_P(Memory, FreeTwiceFails) {
  KLdeviceptr p = 0;
  KC_ASSERT_OK(klMemAlloc(&p, 4096));
  KC_ASSERT_OK(klMemFree(p));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemFree(p));
}

TEST_P(Memory, GetInfo) {
  size_t free_bytes = 0, total = 0;
  KC_ASSERT_OK(klMemGetInfo(&free_bytes, &total));
  EXPECT_GT(total, 0u);
  EXPECT_LE(free_bytes, total);
  KC_EXPECT_OK(klMemGetInfo(nullptr, &total)) << "free may be NULL";
  KC_EXPECT_OK(klMemGetInfo(&free_bytes, nullptr)) << "total may be NULL";
}

TEST_P(Memory, MemInfoDecreasesAfterAlloc) {
  size_t before = 0, during = 0, after = 0, total = 0;
  constexpr size_t kBytes = size_t{64} << 20;
  KC_ASSERT_OK(klMemGetInfo(&before, &total));
  KLdeviceptr p = 0;
  KC_ASSERT_OK(klMemAlloc(&p, kBytes));
  KC_ASSERT_OK(klMemGetInfo(&during, &total));
  KC_ASSERT_OK(klMemFree(p));
  KC_ASSERT_OK(klMemGetInfo(&after, &total));
  EXPECT_LT(during, before) << "free memory did not decrease after allocating 64 MiB";
  EXPECT_LE(during + kBytes / 2, before) << "free memory decreased by much less than 64 MiB";
  EXPECT_GT(after, during) << "free memory did not recover after the free";
}

TEST_P(Memory, AddressRange) {
  constexpr size_t kBytes = 10000;
  KC_ALLOC(buf, kBytes);
  for (size_t offset : {size_t{0}, size_t{1}, kBytes / 2, kBytes - 1}) {
    KLdeviceptr base = 0;
    size_t size = 0;
    KC_ASSERT_OK(klMemGetAddressRange(&base, &size, buf.at(offset))) << "offset " << offset;
    EXPECT_EQ(buf.get(), base) << "offset " << offset;
    EXPECT_GE(size, kBytes) << "offset " << offset;
  }
  KLdeviceptr base = 0;
  size_t size = 0;
  KC_EXPECT_OK(klMemGetAddressRange(nullptr, &size, buf.get()));
  KC_EXPECT_OK(klMemGetAddressRange(&base, nullptr, buf.get()));
}

TEST_P(Memory, AddressRangeAfterFreeNotFound) {
  KLdeviceptr p = 0;
  KC_ASSERT_OK(klMemAlloc(&p, 4096));
  KC_ASSERT_OK(klMemFree(p));
  KLdeviceptr base = 0;
  size_t size = 0;
  KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klMemGetAddressRange(&base, &size, p));
}

TEST_P(Memory, HostAllocZeroFails) {
  void* p = nullptr;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemHostAlloc(&p, 0, 0));
}

TEST_P(Memory, FreeHostNullIsNoop) { KC_EXPECT_OK(klMemFreeHost(nullptr)); }

TEST_P(Memory, FreeHostForeignPointerFails) {
  std::vector<char> mine(4096);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemFreeHost(mine.data()));
}

TEST_P(Memory, HostRegister) {
  constexpr size_t kBytes = 1 << 20;
  void* raw = std::aligned_alloc(4096, kBytes);
  ASSERT_NE(nullptr, raw);
  KLresult r = klMemHostRegister(raw, kBytes, 0);
  if (r == KL_ERROR_NOT_SUPPORTED) {
    // Documented for backends that cannot pin foreign memory; then there is
    // nothing to unregister either.
    KC_EXPECT_RESULT_IN(klMemHostUnregister(raw), KL_ERROR_NOT_SUPPORTED,
                        KL_ERROR_HOST_MEMORY_NOT_REGISTERED);
    std::free(raw);
    return;
  }
  KC_EXPECT_OK(r);
  KC_EXPECT_RESULT(KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED, klMemHostRegister(raw, kBytes, 0));
  // Copies work from and to registered memory, async included.
  auto* bytes = static_cast<uint8_t*>(raw);
  std::vector<uint8_t> data = rng().Bytes(kBytes);
  std::memcpy(bytes, data.data(), kBytes);
  KC_ALLOC(buf, kBytes);
  KC_STREAM(s);
  KC_EXPECT_OK(klMemcpyHtoDAsync(buf.get(), raw, kBytes, s));
  KC_EXPECT_OK(klStreamSynchronize(s));
  std::memset(raw, kc::kPoisonByte, kBytes);
  KC_EXPECT_OK(klMemcpyDtoHAsync(raw, buf.get(), kBytes, s));
  KC_EXPECT_OK(klStreamSynchronize(s));
  KC_EXPECT_ARRAYS_EQ(data, std::vector<uint8_t>(bytes, bytes + kBytes));
  KC_EXPECT_OK(klMemHostUnregister(raw));
  KC_EXPECT_RESULT(KL_ERROR_HOST_MEMORY_NOT_REGISTERED, klMemHostUnregister(raw));
  std::free(raw);
}

KC_INSTANTIATE(Memory, Memory);

// ---- stress tier: exhaustion ------------------------------------------------------

using MemoryExhaustion = kc::ContextTest;

TEST_P(MemoryExhaustion, AllocUntilOutOfMemoryThenUsable) {
  // Allocates in chunks of 1/64 of the device's total memory; at each refusal
  // the chunk halves, down to 1 MiB, so the device ends up full to within a
  // MiB. Every refusal must be KL_ERROR_OUT_OF_MEMORY. Then everything is
  // freed and the context must allocate, copy and launch again.
  //
  // Bounded, because some devices never refuse: lavapipe's device memory is
  // host memory from malloc, committed only when touched, so allocations
  // succeed far beyond the heap it reports. The loop stops, and the test
  // fails saying so, once it holds twice the reported total; it also stops
  // if the host's available memory falls below max(2 GiB, 10%), so that a
  // device sharing host memory that does commit it cannot take the machine
  // down. Nothing is written to the allocations.
  KC_KERNEL(fill, "basic", "fill_u32");
  constexpr size_t kMiB = size_t{1} << 20;
  size_t total = 0, free_before = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&total, device()));
  KC_ASSERT_OK(klMemGetInfo(&free_before, nullptr));
  const uint64_t cap = uint64_t{2} * total;
  const uint64_t host_total = kc_stress::HostMemInfo("MemTotal");
  const uint64_t host_floor = std::max<uint64_t>(uint64_t{2} << 30, host_total / 10);
  size_t chunk = std::max(kMiB, total / 64 / kMiB * kMiB);
  const size_t first_chunk = chunk;
  std::vector<KLdeviceptr> held;
  uint64_t held_bytes = 0;
  int refusals = 0;
  std::string first_refusal, stopped;
  while (chunk >= kMiB) {
    if (held_bytes + chunk > cap) {
      char why[256];
      std::snprintf(why, sizeof why,
                    "no KL_ERROR_OUT_OF_MEMORY after %.2f GiB in %zu allocations, twice the %.2f GiB "
                    "the device reports (klDeviceTotalMem): it does not refuse memory it may not back",
                    held_bytes / 1073741824.0, held.size(), total / 1073741824.0);
      stopped = why;
      break;
    }
    KLdeviceptr p = 0;
    KLresult r = klMemAlloc(&p, chunk);
    if (r == KL_SUCCESS) {
      held.push_back(p);
      held_bytes += chunk;
      uint64_t avail = kc_stress::HostMemInfo("MemAvailable");
      if (avail != 0 && avail < host_floor) {
        stopped = "stopped to protect the host: MemAvailable fell to " + std::to_string(avail >> 20) +
                  " MiB after " + std::to_string(held_bytes >> 20) + " MiB of device memory";
        break;
      }
      continue;
    }
    if (refusals++ == 0) first_refusal = kc::LastError();
    KC_EXPECT_RESULT(KL_ERROR_OUT_OF_MEMORY, r) << "refusal of " << chunk << " bytes after " << held_bytes
                                                << " bytes in " << held.size() << " allocations";
    if (r != KL_ERROR_OUT_OF_MEMORY) break;
    chunk /= 2;
  }
  size_t free_full = 0;
  KC_EXPECT_OK(klMemGetInfo(&free_full, nullptr));
  for (KLdeviceptr p : held) KC_EXPECT_OK(klMemFree(p));
  std::printf("  exhaustion: %.2f GiB in %zu allocations (first chunk %zu MiB), %d refusal(s); device total "
              "%.2f GiB, free before %.2f GiB, free when full %.2f GiB\n",
              held_bytes / 1073741824.0, held.size(), first_chunk >> 20, refusals, total / 1073741824.0,
              free_before / 1073741824.0, free_full / 1073741824.0);
  if (!first_refusal.empty()) std::printf("  first refusal: %s\n", first_refusal.c_str());
  ::testing::Test::RecordProperty("allocated_bytes", std::to_string(held_bytes));
  EXPECT_EQ("", stopped);
  EXPECT_GT(refusals, 0) << "the device never refused an allocation";
  // The memory came back: the first chunk fits again, and the context works.
  KLdeviceptr again = 0;
  KC_EXPECT_OK(klMemAlloc(&again, first_chunk)) << "after freeing everything";
  if (again != 0) {
    KC_EXPECT_OK(klMemFree(again));
  }
  ASSERT_NO_FATAL_FAILURE(kc_stress::ExpectContextWorks(fill, &rng()));
}

// Streams or events in the thousands: KEEL_CONFORMANCE_EXHAUST_OBJECTS
// (10 000 by default) are created, or as many as the device gives before it
// refuses one, which must then be KL_ERROR_OUT_OF_MEMORY. Every one is used
// (a stream runs a kernel writing its index; an event is recorded and
// waited on), all are destroyed, and the context must still work.
unsigned int ExhaustObjects() {
  return static_cast<unsigned int>(kc_stress::EnvNumber("KEEL_CONFORMANCE_EXHAUST_OBJECTS", 10000, 1e6));
}

TEST_P(MemoryExhaustion, StreamsInTheThousandsThenUsable) {
  KC_KERNEL(fill, "basic", "fill_u32");
  const unsigned int cap = ExhaustObjects();
  ASSERT_GT(cap, 0u);
  KC_ALLOC(buf, size_t{cap} * 4);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  std::vector<KLstream> streams;
  streams.reserve(cap);
  KLresult refused = KL_SUCCESS;
  while (streams.size() < cap) {
    KLstream s = nullptr;
    refused = klStreamCreate(&s, KL_STREAM_NON_BLOCKING);
    if (refused != KL_SUCCESS) break;
    streams.push_back(s);
  }
  if (refused != KL_SUCCESS) {
    KC_EXPECT_RESULT(KL_ERROR_OUT_OF_MEMORY, refused) << "stream " << streams.size();
    std::printf("  refused after %zu streams: %s\n", streams.size(), kc::LastError().c_str());
  }
  const unsigned int one = 1;
  for (size_t i = 0; i < streams.size(); ++i) {
    const auto value = static_cast<uint32_t>(i);
    KC_EXPECT_OK(kc::Launch(fill, {1}, {1}, 0, streams[i], buf.at(i * 4), value, one)) << "stream " << i;
  }
  for (size_t i = 0; i < streams.size(); ++i) KC_EXPECT_OK(klStreamSynchronize(streams[i])) << "stream " << i;
  std::vector<uint32_t> got, want(streams.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<uint32_t>(i);
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, want.size()));
  KC_EXPECT_ARRAYS_EQ(want, got);
  for (size_t i = 0; i < streams.size(); ++i) KC_EXPECT_OK(klStreamDestroy(streams[i])) << "stream " << i;
  std::printf("  %zu streams created, used and destroyed\n", streams.size());
  ASSERT_NO_FATAL_FAILURE(kc_stress::ExpectContextWorks(fill, &rng()));
}

TEST_P(MemoryExhaustion, EventsInTheThousandsThenUsable) {
  KC_KERNEL(fill, "basic", "fill_u32");
  const unsigned int cap = ExhaustObjects();
  ASSERT_GT(cap, 0u);
  KC_STREAM(s, KL_STREAM_NON_BLOCKING);
  std::vector<KLevent> events;
  events.reserve(cap);
  KLresult refused = KL_SUCCESS;
  while (events.size() < cap) {
    KLevent e = nullptr;
    // Alternate timing and non-timing events: both kinds hold driver objects.
    refused = klEventCreate(&e, events.size() % 2 == 0 ? KL_EVENT_DEFAULT : KL_EVENT_DISABLE_TIMING);
    if (refused != KL_SUCCESS) break;
    events.push_back(e);
  }
  if (refused != KL_SUCCESS) {
    KC_EXPECT_RESULT(KL_ERROR_OUT_OF_MEMORY, refused) << "event " << events.size();
    std::printf("  refused after %zu events: %s\n", events.size(), kc::LastError().c_str());
  }
  // Each event marks one kernel in a chain on the stream, which writes the
  // event's index: when event i has completed, out holds at least i.
  KC_ALLOC(out, 4);
  const unsigned int one = 1;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto value = static_cast<uint32_t>(i);
    KC_EXPECT_OK(kc::Launch(fill, {1}, {1}, 0, s, out.get(), value, one)) << "event " << i;
    KC_EXPECT_OK(klEventRecord(events[i], s)) << "event " << i;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    KC_EXPECT_OK(klEventSynchronize(events[i])) << "event " << i;
    KC_EXPECT_OK(klEventQuery(events[i])) << "event " << i;
  }
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  if (!events.empty()) {
    KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{static_cast<uint32_t>(events.size() - 1)}, got);
  }
  // Timing events are the even ones: the first against the last of them.
  if (const size_t last = (events.size() - 1) / 2 * 2; events.size() >= 3) {
    float ms = -1.0f;
    KC_EXPECT_OK(klEventElapsedTime(&ms, events.front(), events[last]));
    EXPECT_GE(ms, 0.0f);
  }
  for (size_t i = 0; i < events.size(); ++i) KC_EXPECT_OK(klEventDestroy(events[i])) << "event " << i;
  std::printf("  %zu events created, recorded, waited on and destroyed\n", events.size());
  ASSERT_NO_FATAL_FAILURE(kc_stress::ExpectContextWorks(fill, &rng()));
}

KC_INSTANTIATE_STRESS(MemoryExhaustion);

struct HostAllocCase {
  std::string name;
  size_t bytes;
  unsigned int flags;
};

using MemoryHostAlloc = kc::ContextCaseTest<HostAllocCase>;

TEST_P(MemoryHostAlloc, AllocCopyFree) {
  const HostAllocCase& c = value();
  void* p = nullptr;
  KC_ASSERT_OK(klMemHostAlloc(&p, c.bytes, c.flags));
  ASSERT_NE(nullptr, p);
  // Host-writable, and a source and destination of copies.
  std::vector<uint8_t> data = rng().Bytes(c.bytes);
  std::memcpy(p, data.data(), c.bytes);
  KLdeviceptr d = 0;
  KC_ASSERT_OK(klMemAlloc(&d, c.bytes));
  KC_EXPECT_OK(klMemcpyHtoD(d, p, c.bytes));
  std::memset(p, kc::kPoisonByte, c.bytes);
  KC_EXPECT_OK(klMemcpyDtoH(p, d, c.bytes));
  auto* bytes = static_cast<uint8_t*>(p);
  KC_EXPECT_ARRAYS_EQ(data, std::vector<uint8_t>(bytes, bytes + c.bytes));
  KC_EXPECT_OK(klMemFree(d));
  KC_EXPECT_OK(klMemFreeHost(p));
}

KC_INSTANTIATE_CASES(Memory, MemoryHostAlloc, HostAllocCase,
                     ({{"1B", 1, 0},
                       {"4K", 4096, 0},
                       {"1M", 1 << 20, 0},
                       {"portable", 65536, KL_MEMHOSTALLOC_PORTABLE},
                       {"devicemap", 65536, KL_MEMHOSTALLOC_DEVICEMAP},
                       {"writecombined", 65536, KL_MEMHOSTALLOC_WRITECOMBINED},
                       {"allFlags", 65536,
                        KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP | KL_MEMHOSTALLOC_WRITECOMBINED}}));

}  // namespace
