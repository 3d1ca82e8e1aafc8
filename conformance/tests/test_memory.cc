// Memory: device allocation sizes and alignment, out-of-memory recovery,
// free, memory info, address ranges, pinned host memory, host registration.
#include <cstdlib>
#include <cstring>

#include "fixture.h"

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
  size_t total = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&total, device()));
  for (size_t huge : {total * 4, size_t{1} << 62}) {
    KLdeviceptr p = 0;
    KLresult r = klMemAlloc(&p, huge);
    KC_EXPECT_RESULT(KL_ERROR_OUT_OF_MEMORY, r) << huge << " bytes";
    if (r == KL_SUCCESS) klMemFree(p);
  }
  // The context stays usable.
  KC_ALLOC(buf, 4096);
  std::vector<uint32_t> data = rng().U32s(1024), got;
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 1024));
  KC_EXPECT_ARRAYS_EQ(data, got);
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
