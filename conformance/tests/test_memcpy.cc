// Memcpy: host-to-device, device-to-host and device-to-device, synchronous
// and asynchronous, from pageable and pinned host memory, at every size from
// 0 to 64 MiB + 7 and at unaligned offsets. Every byte is checked, and the
// bytes around the destination range must keep their poison.
#include <cstring>

#include "fixture.h"

namespace {

enum class CopyMode { kSync, kAsyncPageable, kAsyncPinned };

struct CopyCase {
  std::string name;
  size_t bytes;
  CopyMode mode;
};

std::vector<CopyCase> CopyCases() {
  const std::pair<const char*, size_t> sizes[] = {
      {"0", 0},        {"1", 1},           {"3", 3},         {"4", 4},
      {"255", 255},    {"4K", 4096},       {"4Kplus1", 4097}, {"1M", 1 << 20},
      {"64Mplus7", (size_t{64} << 20) + 7}};
  const std::pair<const char*, CopyMode> modes[] = {
      {"sync", CopyMode::kSync}, {"asyncPageable", CopyMode::kAsyncPageable},
      {"asyncPinned", CopyMode::kAsyncPinned}};
  std::vector<CopyCase> out;
  for (auto [mname, mode] : modes)
    for (auto [sname, bytes] : sizes) out.push_back({std::string(mname) + "_" + sname, bytes, mode});
  return out;
}

// A host buffer of the case's kind: pageable (std::vector) or pinned.
class HostBuffer {
 public:
  void Alloc(size_t bytes, bool pinned) {
    size_t n = bytes == 0 ? 1 : bytes;
    if (pinned) {
      ASSERT_NO_FATAL_FAILURE(pinned_.Alloc(n));
      data_ = static_cast<uint8_t*>(pinned_.get());
    } else {
      pageable_.assign(n, kc::kPoisonByte);
      data_ = pageable_.data();
    }
  }
  uint8_t* data() { return data_; }

 private:
  std::vector<uint8_t> pageable_;
  kc::PinnedBuffer pinned_;
  uint8_t* data_ = nullptr;
};

using MemcpyRoundTrip = kc::ContextCaseTest<CopyCase>;

// HtoD into the middle of a poisoned buffer, DtoD to a second buffer, DtoH
// back: data intact, guard bytes untouched.
TEST_P(MemcpyRoundTrip, HtoDDtoDDtoH) {
  const CopyCase& c = value();
  constexpr size_t kGuard = 64;
  bool async = c.mode != CopyMode::kSync;
  HostBuffer src, dst;
  ASSERT_NO_FATAL_FAILURE(src.Alloc(c.bytes, c.mode == CopyMode::kAsyncPinned));
  ASSERT_NO_FATAL_FAILURE(dst.Alloc(c.bytes, c.mode == CopyMode::kAsyncPinned));
  std::vector<uint8_t> data = rng().Bytes(c.bytes);
  if (c.bytes) std::memcpy(src.data(), data.data(), c.bytes);
  KC_ALLOC(a, c.bytes + 2 * kGuard);
  KC_ALLOC(b, c.bytes + 2 * kGuard);
  ASSERT_NO_FATAL_FAILURE(a.Poison());
  ASSERT_NO_FATAL_FAILURE(b.Poison());
  KC_STREAM(s);
  if (async) {
    KC_ASSERT_OK(klMemcpyHtoDAsync(a.at(kGuard), src.data(), c.bytes, s));
    if (c.mode == CopyMode::kAsyncPageable && c.bytes) {
      // Pageable sources are consumed before the call returns.
      std::memset(src.data(), 0, c.bytes);
    }
    KC_ASSERT_OK(klMemcpyDtoDAsync(b.at(kGuard), a.at(kGuard), c.bytes, s));
    KC_ASSERT_OK(klMemcpyDtoHAsync(dst.data(), b.at(kGuard), c.bytes, s));
    KC_ASSERT_OK(klStreamSynchronize(s));
  } else {
    KC_ASSERT_OK(klMemcpyHtoD(a.at(kGuard), src.data(), c.bytes));
    KC_ASSERT_OK(klMemcpyDtoD(b.at(kGuard), a.at(kGuard), c.bytes));
    KC_ASSERT_OK(klMemcpyDtoH(dst.data(), b.at(kGuard), c.bytes));
  }
  KC_EXPECT_ARRAYS_EQ(data, std::vector<uint8_t>(dst.data(), dst.data() + c.bytes));
  // The guards around the copied range in both device buffers.
  std::vector<uint8_t> whole, poison(kGuard, kc::kPoisonByte);
  for (kc::DeviceBuffer* buf : {&a, &b}) {
    ASSERT_NO_FATAL_FAILURE(buf->Download(&whole, c.bytes + 2 * kGuard));
    KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(whole.begin(), whole.begin() + kGuard));
    KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(whole.end() - kGuard, whole.end()));
  }
}

KC_INSTANTIATE_CASES(Memcpy, MemcpyRoundTrip, CopyCase, (CopyCases()));

// Offsets 1..15 on host and device sides (device source and destination at
// different offsets), odd lengths.
using MemcpyUnaligned = kc::ContextCaseTest<int>;

TEST_P(MemcpyUnaligned, Offsets) {
  const size_t offset = static_cast<size_t>(value());
  const size_t length = 1000 + 3 * offset;  // odd and even lengths
  const size_t dst_offset = (offset * 7) % 16;
  constexpr size_t kSize = 4096;
  std::vector<uint8_t> host = rng().Bytes(kSize);
  KC_ALLOC(a, kSize);
  KC_ALLOC(b, kSize);
  ASSERT_NO_FATAL_FAILURE(a.Poison());
  ASSERT_NO_FATAL_FAILURE(b.Poison());
  KC_ASSERT_OK(klMemcpyHtoD(a.at(offset), host.data() + offset, length));
  KC_ASSERT_OK(klMemcpyDtoD(b.at(dst_offset), a.at(offset), length));
  // Expected device contents: poison except the copied range.
  std::vector<uint8_t> want_a(kSize, kc::kPoisonByte), want_b(kSize, kc::kPoisonByte), got;
  std::memcpy(want_a.data() + offset, host.data() + offset, length);
  std::memcpy(want_b.data() + dst_offset, host.data() + offset, length);
  ASSERT_NO_FATAL_FAILURE(a.Download(&got, kSize));
  KC_EXPECT_ARRAYS_EQ(want_a, got);
  ASSERT_NO_FATAL_FAILURE(b.Download(&got, kSize));
  KC_EXPECT_ARRAYS_EQ(want_b, got);
  // DtoH into an unaligned host address.
  std::vector<uint8_t> out(kSize + 16, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoH(out.data() + offset, b.at(dst_offset), length));
  std::vector<uint8_t> want_out(kSize + 16, kc::kPoisonByte);
  std::memcpy(want_out.data() + offset, host.data() + offset, length);
  KC_EXPECT_ARRAYS_EQ(want_out, out);
  // The same through the async entry points.
  KC_STREAM(s);
  std::vector<uint8_t> out2(kSize + 16, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoDAsync(a.at(dst_offset + 1), b.at(dst_offset), length, s));
  KC_ASSERT_OK(klMemcpyDtoHAsync(out2.data() + offset, a.at(dst_offset + 1), length, s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  KC_EXPECT_ARRAYS_EQ(want_out, out2);
}

KC_INSTANTIATE_CASES(Memcpy, MemcpyUnaligned, int,
                     ({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));

using Memcpy = kc::ContextTest;

TEST_P(Memcpy, ZeroSizeWithNullHost) {
  KC_ALLOC(buf, 64);
  KC_EXPECT_OK(klMemcpyHtoD(buf.get(), nullptr, 0));
  KC_EXPECT_OK(klMemcpyDtoH(nullptr, buf.get(), 0));
  KC_EXPECT_OK(klMemcpyDtoD(buf.get(), buf.get(), 0));
  KC_EXPECT_OK(klMemcpyHtoDAsync(buf.get(), nullptr, 0, nullptr));
  KC_EXPECT_OK(klMemcpyDtoHAsync(nullptr, buf.get(), 0, nullptr));
  KC_EXPECT_OK(klStreamSynchronize(nullptr));
}

TEST_P(Memcpy, NullHostWithSizeFails) {
  KC_ALLOC(buf, 64);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(buf.get(), nullptr, 16));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyDtoH(nullptr, buf.get(), 16));
}

TEST_P(Memcpy, AsyncStreamOrdered) {
  // HtoD, kernel, DtoH queued back to back on one stream.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 100000;
  std::vector<float> data = rng().Floats(kN, -100.0f, 100.0f), got(kN), want(kN);
  for (int i = 0; i < kN; ++i) want[i] = data[i] + 2.5f;
  KC_PINNED(host, kN * sizeof(float));
  std::memcpy(host.get(), data.data(), kN * sizeof(float));
  KC_ALLOC(dev, kN * sizeof(float));
  ASSERT_NO_FATAL_FAILURE(dev.Poison());
  KC_STREAM(s);
  KC_ASSERT_OK(klMemcpyHtoDAsync(dev.get(), host.get(), kN * sizeof(float), s));
  KC_ASSERT_OK(kc::Launch(add, {kc::BlocksFor(kN, 128)}, {128}, 0, s, dev.get(), 2.5f, kN));
  KC_ASSERT_OK(klMemcpyDtoHAsync(host.get(), dev.get(), kN * sizeof(float), s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::memcpy(got.data(), host.get(), kN * sizeof(float));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(Memcpy, AsyncDefaultStream) {
  constexpr size_t kBytes = 1 << 16;
  std::vector<uint8_t> data = rng().Bytes(kBytes), got(kBytes, kc::kPoisonByte);
  KC_ALLOC(a, kBytes);
  KC_ALLOC(b, kBytes);
  KC_ASSERT_OK(klMemcpyHtoDAsync(a.get(), data.data(), kBytes, nullptr));
  KC_ASSERT_OK(klMemcpyDtoDAsync(b.get(), a.get(), kBytes, nullptr));
  KC_ASSERT_OK(klMemcpyDtoHAsync(got.data(), b.get(), kBytes, nullptr));
  KC_ASSERT_OK(klStreamSynchronize(nullptr));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

TEST_P(Memcpy, OverlappingDeviceRangesDistinctBuffers) {
  // Copies between sub-ranges of one allocation (non-overlapping).
  constexpr size_t kBytes = 1 << 16;
  std::vector<uint8_t> data = rng().Bytes(kBytes / 2);
  KC_ALLOC(buf, kBytes);
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  KC_ASSERT_OK(klMemcpyDtoD(buf.at(kBytes / 2), buf.get(), kBytes / 2));
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kBytes / 2, kBytes / 2));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

KC_INSTANTIATE(Memcpy, Memcpy);

}  // namespace
