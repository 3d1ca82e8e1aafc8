// Large copies from and to pageable host memory (malloc'd, not pinned).
//
// For the API these are ordinary copies; backends may stage them through
// pinned buffers in chunks (the CUDA backend does from 1 MiB on, in chunks of
// a quarter of the copy up to 8 MiB, through 4 buffers; docs/backends/cuda.md;
// the Vulkan backend cuts its staged copies the same way from 1 MiB on, reads
// back through a ring of 4 chunks, and below 1 MiB copies one piece without
// its thread pool; docs/backends/vulkan.md).
// The sizes sit below, at and above that threshold and around chunk and
// buffer-ring boundaries; host pointers, device addresses and sizes are
// unaligned. What is checked on every backend:
//   - every byte arrives, and the bytes around the destination keep their
//     poison; the device side is read back through pinned memory, so a
//     wrong staged HtoD cannot be hidden by a matching wrong staged DtoH;
//   - an asynchronous HtoD has consumed its source when it returns (the test
//     overwrites it at once) and stays ordered in its stream between kernels;
//   - a DtoH returns with the data in place;
//   - several threads copying at once, in one context and in their own;
//   - a copy past the end of an allocation fails and writes nothing.
#include <cstring>
#include <thread>

#include "fixture.h"

namespace {

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kDevOffset = 67;  // odd device address for the copies
constexpr size_t kGuard = 64;       // poisoned bytes on each side
constexpr size_t kSrcOffset = 3;    // unaligned host pointers
constexpr size_t kDstOffset = 5;

struct StagingCase {
  std::string name;
  size_t bytes;
  bool async;
};

std::vector<StagingCase> StagingCases() {
  const std::pair<const char*, size_t> sizes[] = {
      {"1M_minus1", kMiB - 1},                // below the threshold (CUDA, Vulkan)
      {"1M", kMiB},                           // at it: four 256 KiB chunks
      {"1M_plus1", kMiB + 1},                 // a 1-byte fifth chunk
      {"3M_plus4097", 3 * kMiB + 4097},       // chunks not a multiple of pages
      {"32M_minus1", 32 * kMiB - 1},          // four 8 MiB chunks, the last short by one
      {"32M_plus1", 32 * kMiB + 1},           // a 1-byte fifth chunk in buffer 0 again
      {"40M_plus3", 40 * kMiB + 3}};          // the buffer ring wraps
  std::vector<StagingCase> out;
  for (bool async : {false, true})
    for (auto [name, bytes] : sizes) out.push_back({std::string(async ? "async_" : "sync_") + name, bytes, async});
  return out;
}

// Reads `bytes` of device memory at `addr` through pinned host memory.
void ReadThroughPinned(KLdeviceptr addr, size_t bytes, std::vector<uint8_t>* out) {
  kc::PinnedBuffer pinned;
  ASSERT_NO_FATAL_FAILURE(pinned.Alloc(bytes));
  std::memset(pinned.get(), kc::kPoisonByte ^ 0xFF, bytes);
  KC_ASSERT_OK(klMemcpyDtoH(pinned.get(), addr, bytes));
  out->assign(pinned.as<uint8_t>(), pinned.as<uint8_t>() + bytes);
}

// Writes `data` to device memory at `addr` through pinned host memory.
void WriteThroughPinned(KLdeviceptr addr, const std::vector<uint8_t>& data) {
  kc::PinnedBuffer pinned;
  ASSERT_NO_FATAL_FAILURE(pinned.Alloc(data.size()));
  std::memcpy(pinned.get(), data.data(), data.size());
  KC_ASSERT_OK(klMemcpyHtoD(addr, pinned.get(), data.size()));
}

// Expects `got` to be `data` with kGuard poison bytes on each side.
void ExpectGuarded(const std::vector<uint8_t>& data, const std::vector<uint8_t>& got, const char* what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.size(), data.size() + 2 * kGuard);
  std::vector<uint8_t> poison(kGuard, kc::kPoisonByte);
  KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(got.begin(), got.begin() + kGuard));
  KC_EXPECT_ARRAYS_EQ(data, std::vector<uint8_t>(got.begin() + kGuard, got.end() - kGuard));
  KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(got.end() - kGuard, got.end()));
}

using MemcpyStagingSizes = kc::ContextCaseTest<StagingCase>;

// Pageable HtoD (checked through pinned memory), then pageable DtoH of what
// a pinned upload put there, both at unaligned addresses.
TEST_P(MemcpyStagingSizes, HtoDThenDtoH) {
  const StagingCase& c = value();
  const size_t n = c.bytes;
  std::vector<uint8_t> data = rng().Bytes(n);
  KC_ALLOC(dev, kDevOffset + n + kGuard);
  ASSERT_NO_FATAL_FAILURE(dev.Poison());
  const KLdeviceptr at = dev.at(kDevOffset);
  KC_STREAM(s);

  std::vector<uint8_t> src(kSrcOffset + n);
  std::memcpy(src.data() + kSrcOffset, data.data(), n);
  if (c.async) {
    KC_ASSERT_OK(klMemcpyHtoDAsync(at, src.data() + kSrcOffset, n, s));
    std::memset(src.data(), 0, src.size());  // consumed: the copy must not see this
    KC_ASSERT_OK(klStreamSynchronize(s));
  } else {
    KC_ASSERT_OK(klMemcpyHtoD(at, src.data() + kSrcOffset, n));
  }
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(ReadThroughPinned(at - kGuard, n + 2 * kGuard, &got));
  ASSERT_NO_FATAL_FAILURE(ExpectGuarded(data, got, "device after the pageable HtoD"));

  // DtoH of fresh data uploaded through pinned memory.
  std::vector<uint8_t> data2 = rng().Bytes(n);
  ASSERT_NO_FATAL_FAILURE(WriteThroughPinned(at, data2));
  std::vector<uint8_t> dst(kDstOffset + n + 2 * kGuard, kc::kPoisonByte);
  uint8_t* out = dst.data() + kDstOffset + kGuard;
  if (c.async) {
    KC_ASSERT_OK(klMemcpyDtoHAsync(out, at, n, s));
    KC_ASSERT_OK(klStreamSynchronize(s));
  } else {
    KC_ASSERT_OK(klMemcpyDtoH(out, at, n));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectGuarded(
      data2, std::vector<uint8_t>(dst.begin() + kDstOffset, dst.end()), "host after the pageable DtoH"));
}

KC_INSTANTIATE_CASES(Memcpy, MemcpyStagingSizes, StagingCase, (StagingCases()));

using MemcpyStaging = kc::ContextTest;

// One stream: busy work, fill kernel, pageable HtoD (source overwritten at
// once), write_index kernel over the first half, pageable DtoH. The copy
// must land after the fill and before write_index, and the DtoH must see
// write_index's output.
TEST_P(MemcpyStaging, OrderedBetweenKernelsOnOneStream) {
  KC_KERNEL(fill, "basic", "fill_u32");
  KC_KERNEL(index, "basic", "write_index");
  KC_BUSY(busy, 50);
  constexpr uint32_t kWords = (9u << 20) / 4 + 3;  // 9 MiB + 12 bytes
  constexpr uint32_t kIndexed = kWords / 2 + 1;
  const size_t bytes = size_t{kWords} * 4;
  std::vector<uint8_t> data = rng().Bytes(bytes);
  std::vector<uint8_t> src(data);
  KC_ALLOC(dev, bytes);
  KC_ALLOC(busy_out, 4);
  ASSERT_NO_FATAL_FAILURE(dev.Poison());
  KC_STREAM(s);
  KC_ASSERT_OK(busy.Enqueue(s, busy_out.get()));
  KC_ASSERT_OK(kc::Launch(fill, {kc::BlocksFor(kWords, 256)}, {256}, 0, s, dev.get(), 0x600DF111u, kWords));
  KC_ASSERT_OK(klMemcpyHtoDAsync(dev.get(), src.data(), bytes, s));
  std::memset(src.data(), 0xEE, bytes);
  KC_ASSERT_OK(kc::Launch(index, {kc::BlocksFor(kIndexed, 256)}, {256}, 0, s, dev.get(), kIndexed));
  std::vector<uint8_t> got(bytes, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoHAsync(got.data(), dev.get(), bytes, s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<uint8_t> want(data);
  for (uint32_t i = 0; i < kIndexed; ++i) std::memcpy(want.data() + size_t{i} * 4, &i, 4);
  KC_EXPECT_ARRAYS_EQ(want, got);
}

// The same order with the synchronous copies and the NULL stream.
TEST_P(MemcpyStaging, SyncCopiesOrderedWithNullStreamKernels) {
  KC_KERNEL(fill, "basic", "fill_u32");
  KC_KERNEL(index, "basic", "write_index");
  KC_BUSY(busy, 50);
  constexpr uint32_t kWords = (5u << 20) / 4 + 1;
  constexpr uint32_t kIndexed = kWords / 3;
  const size_t bytes = size_t{kWords} * 4;
  std::vector<uint8_t> data = rng().Bytes(bytes);
  KC_ALLOC(dev, bytes);
  KC_ALLOC(busy_out, 4);
  KC_ASSERT_OK(busy.Enqueue(nullptr, busy_out.get()));
  KC_ASSERT_OK(kc::Launch(fill, {kc::BlocksFor(kWords, 256)}, {256}, 0, nullptr, dev.get(), 0x600DF111u, kWords));
  KC_ASSERT_OK(klMemcpyHtoD(dev.get(), data.data(), bytes));
  KC_ASSERT_OK(kc::Launch(index, {kc::BlocksFor(kIndexed, 256)}, {256}, 0, nullptr, dev.get(), kIndexed));
  std::vector<uint8_t> got(bytes, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoH(got.data(), dev.get(), bytes));
  std::vector<uint8_t> want(data);
  for (uint32_t i = 0; i < kIndexed; ++i) std::memcpy(want.data() + size_t{i} * 4, &i, 4);
  KC_EXPECT_ARRAYS_EQ(want, got);
}

// An async DtoH into pageable memory is complete for what the stream runs
// after it: a host function queued next sees every byte, and so does the
// host once an event recorded after the copy completes (the Vulkan backend
// copies chunks out off the stream's chain and ends with one host step; the
// copy is large enough for its staging ring to wrap).
struct DtoHCheck {
  const uint8_t* got;
  const uint8_t* want;
  size_t bytes;
  int result;  // -1: not run; 0: equal; 1: different
};

void CheckCopiedOut(void* p) {
  auto* c = static_cast<DtoHCheck*>(p);
  c->result = std::memcmp(c->got, c->want, c->bytes) != 0;
}

TEST_P(MemcpyStaging, AsyncDtoHCompleteForLaterHostFuncAndEvent) {
  constexpr size_t kBytes = 40 * kMiB + 3;
  std::vector<uint8_t> data = rng().Bytes(kBytes);
  KC_ALLOC(dev, kBytes + kDevOffset);
  ASSERT_NO_FATAL_FAILURE(WriteThroughPinned(dev.at(kDevOffset), data));
  KC_STREAM(s);
  std::vector<uint8_t> got(kBytes + kDstOffset, kc::kPoisonByte);
  DtoHCheck check{got.data() + kDstOffset, data.data(), kBytes, -1};
  KC_ASSERT_OK(klMemcpyDtoHAsync(got.data() + kDstOffset, dev.at(kDevOffset), kBytes, s));
  KC_ASSERT_OK(klLaunchHostFunc(s, CheckCopiedOut, &check));
  KC_EVENT(e);
  KC_ASSERT_OK(klEventRecord(e, s));
  KC_ASSERT_OK(klEventSynchronize(e));
  EXPECT_EQ(check.result, 0) << "the host function ran before the copy was complete";
  EXPECT_EQ(0, std::memcmp(got.data() + kDstOffset, data.data(), kBytes));
  KC_ASSERT_OK(klStreamSynchronize(s));
}

// Back-to-back async HtoDs on one stream from one reused source buffer:
// each copy must carry the bytes the source held when it was called.
TEST_P(MemcpyStaging, ReusedSourceBetweenAsyncCopies) {
  constexpr size_t kBytes = 6 * kMiB + 5;
  constexpr int kCopies = 5;
  KC_ALLOC(dev, kBytes * kCopies);
  KC_STREAM(s);
  std::vector<std::vector<uint8_t>> sent;
  std::vector<uint8_t> src(kBytes);
  for (int i = 0; i < kCopies; ++i) {
    sent.push_back(rng().Bytes(kBytes));
    std::memcpy(src.data(), sent.back().data(), kBytes);
    KC_ASSERT_OK(klMemcpyHtoDAsync(dev.at(kBytes * i), src.data(), kBytes, s));
  }
  KC_ASSERT_OK(klStreamSynchronize(s));
  for (int i = 0; i < kCopies; ++i) {
    std::vector<uint8_t> got;
    ASSERT_NO_FATAL_FAILURE(ReadThroughPinned(dev.at(kBytes * i), kBytes, &got));
    KC_EXPECT_ARRAYS_EQ(sent[i], got) << "copy " << i;
  }
}

// Four threads in the test's context, each with its own stream, and two
// threads with contexts of their own, all copying large pageable buffers
// both ways at once.
TEST_P(MemcpyStaging, SeveralThreadsAtOnce) {
  constexpr int kShared = 4, kOwn = 2, kRounds = 3;
  KLcontext shared = ctx();
  std::vector<uint64_t> seeds(kShared + kOwn);
  for (uint64_t& s : seeds) s = rng().U64();
  std::vector<std::string> errors(kShared + kOwn);
  auto body = [&](int t, bool own_context) {
    KLcontext own = nullptr;
    if (own_context) {
      if (klCtxCreate(&own, 0, device()) != KL_SUCCESS) return void(errors[t] = "klCtxCreate: " + kc::LastError());
    } else {
      klCtxPushCurrent(shared);
    }
    kc::Rng r(seeds[t]);
    KLstream stream = nullptr;
    KLdeviceptr dev = 0;
    const size_t max_bytes = 3 * kMiB + 4096 * kRounds;
    if (klStreamCreate(&stream, KL_STREAM_NON_BLOCKING) != KL_SUCCESS || klMemAlloc(&dev, max_bytes) != KL_SUCCESS) {
      errors[t] = "setup: " + kc::LastError();
    }
    for (int k = 0; k < kRounds && errors[t].empty(); ++k) {
      size_t bytes = 2 * kMiB + r.Below(static_cast<uint32_t>(kMiB)) + 4096 * k;
      std::vector<uint8_t> data = r.Bytes(bytes), back(bytes + 1, kc::kPoisonByte);
      bool async = (t + k) % 2 == 0;
      KLresult res = async ? klMemcpyHtoDAsync(dev, data.data(), bytes, stream) : klMemcpyHtoD(dev, data.data(), bytes);
      if (res == KL_SUCCESS) {
        res = async ? klMemcpyDtoHAsync(back.data() + 1, dev, bytes, stream) : klMemcpyDtoH(back.data() + 1, dev, bytes);
      }
      if (res == KL_SUCCESS && async) res = klStreamSynchronize(stream);
      if (res != KL_SUCCESS) errors[t] = "copy: " + kc::LastError();
      else if (std::memcmp(back.data() + 1, data.data(), bytes) != 0 || back[0] != kc::kPoisonByte)
        errors[t] = "round " + std::to_string(k) + ": " + std::to_string(bytes) + " bytes came back wrong";
    }
    if (dev != 0) klMemFree(dev);
    if (stream != nullptr) klStreamDestroy(stream);
    if (own != nullptr) klCtxDestroy(own);
    else klCtxPopCurrent(nullptr);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kShared + kOwn; ++t) threads.emplace_back(body, t, t >= kShared);
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kShared + kOwn; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
  EXPECT_EQ(ctx(), kc::CurrentContext());
}

// Copies that run past the end of their allocation fail as before, whatever
// path large copies take, and write nothing.
TEST_P(MemcpyStaging, PastTheEndOfAnAllocationFails) {
  constexpr size_t kAlloc = 2 * kMiB;
  KC_ALLOC(dev, kAlloc);
  ASSERT_NO_FATAL_FAILURE(dev.Poison());
  std::vector<uint8_t> src = rng().Bytes(kAlloc + 4096), dst(kAlloc + 4096, kc::kPoisonByte);
  KC_STREAM(s);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(dev.at(4096), src.data(), kAlloc));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyHtoDAsync(dev.get(), src.data(), kAlloc + 1, s));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyDtoH(dst.data(), dev.at(1), kAlloc));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyDtoHAsync(dst.data(), dev.get(), kAlloc + 4096, s));
  klStreamSynchronize(s);
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(ReadThroughPinned(dev.get(), kAlloc, &got));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(kAlloc, kc::kPoisonByte), got);
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(kAlloc + 4096, kc::kPoisonByte), dst);
  // NULL host pointers with a large size.
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(dev.get(), nullptr, kAlloc));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyDtoHAsync(nullptr, dev.get(), kAlloc, s));
}

KC_INSTANTIATE(Memcpy, MemcpyStaging);

}  // namespace
