// Memset: D8, D16 and D32, synchronous and asynchronous, across sizes and
// element offsets, and at every offset mod 16; the surrounding bytes keep
// their poison.
#include <cstring>
#include <string>
#include <vector>

#include "fixture.h"

namespace {

struct MemsetCase {
  std::string name;
  int width;      // bytes per element: 1, 2, 4
  size_t count;   // elements
  size_t offset;  // elements from the start of the allocation
  bool async;
};

std::vector<MemsetCase> MemsetCases() {
  std::vector<MemsetCase> out;
  const std::pair<const char*, size_t> counts[] = {
      {"1", 1}, {"7", 7}, {"4097", 4097}, {"1Mplus1", (1u << 20) + 1}};
  for (bool async : {false, true})
    for (int width : {1, 2, 4})
      for (auto [cname, count] : counts)
        for (size_t offset : {0, 1, 5}) {
          if (async && offset == 5) continue;
          out.push_back({std::string(async ? "async" : "sync") + "_D" + std::to_string(width * 8) +
                             "_n" + cname + "_at" + std::to_string(offset),
                         width, count, offset, async});
        }
  return out;
}

using MemsetFill = kc::ContextCaseTest<MemsetCase>;

TEST_P(MemsetFill, Pattern) {
  const MemsetCase& c = value();
  constexpr size_t kGuard = 64;
  const size_t bytes = kGuard + (c.offset + c.count) * c.width + kGuard;
  KC_ALLOC(buf, bytes);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  KC_STREAM(s);
  KLdeviceptr dst = buf.at(kGuard + c.offset * c.width);
  uint32_t pattern = rng().U32();
  // Never equal to the poison, so an untouched element shows.
  if ((pattern & 0xFF) == kc::kPoisonByte) pattern ^= 0x1;
  std::vector<uint8_t> want(bytes, kc::kPoisonByte);
  uint8_t* first = want.data() + kGuard + c.offset * c.width;
  for (size_t i = 0; i < c.count; ++i) std::memcpy(first + i * c.width, &pattern, c.width);
  KLresult r = KL_ERROR_UNKNOWN;
  switch (c.width) {
    case 1:
      r = c.async ? klMemsetD8Async(dst, static_cast<unsigned char>(pattern), c.count, s)
                  : klMemsetD8(dst, static_cast<unsigned char>(pattern), c.count);
      break;
    case 2:
      r = c.async ? klMemsetD16Async(dst, static_cast<unsigned short>(pattern), c.count, s)
                  : klMemsetD16(dst, static_cast<unsigned short>(pattern), c.count);
      break;
    default:
      r = c.async ? klMemsetD32Async(dst, pattern, c.count, s) : klMemsetD32(dst, pattern, c.count);
  }
  KC_ASSERT_OK(r);
  if (c.async) {
    KC_ASSERT_OK(klStreamSynchronize(s));
  }
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, bytes));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Memset, MemsetFill, MemsetCase, (MemsetCases()));

using Memset = kc::ContextTest;

// A backend may fill in pieces chosen by alignment: the Vulkan backend fills
// the partial words at either end with one kernel, and the aligned words
// between with 32-bit words until the destination is 16-byte aligned, then
// 16-byte units, then the last words (backends/vulkan/copy_kernels.h). Every
// start offset mod 16 a width allows (D8: 0..15, D16: even, D32: multiples
// of 4; allocations are 256-byte aligned), lengths below, at and past 16
// bytes, multiples of 16 and not, each fill with its own value into its own
// poisoned slot; every byte is checked. Even slots synchronous, odd ones on
// a stream.
TEST_P(Memset, Alignments) {
  constexpr size_t kLengths[] = {4,  8,  12, 16, 20,  28,   32,   36,  44,
                                 48, 60, 64, 68, 1020, 1024, 1036};  // bytes
  constexpr size_t kOddLengths[] = {1, 3, 17, 33, 1001};  // D8 only
  constexpr size_t kShortLengths[] = {2, 6, 18, 34, 1002};  // D8 and D16
  // 16 bytes of poison, the offset, the fill, poison to the slot's end.
  constexpr size_t kSlot = 2048;
  struct Fill {
    int width;
    size_t offset, length;  // bytes
  };
  std::vector<Fill> fills;
  for (int width : {1, 2, 4})
    for (size_t offset = 0; offset < 16; offset += width) {
      for (size_t length : kLengths) fills.push_back({width, offset, length});
      if (width <= 2)
        for (size_t length : kShortLengths) fills.push_back({width, offset, length});
      if (width == 1)
        for (size_t length : kOddLengths) fills.push_back({width, offset, length});
    }
  const size_t bytes = fills.size() * kSlot;
  KC_ALLOC(buf, bytes);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  KC_STREAM(s);
  std::vector<uint8_t> want(bytes, kc::kPoisonByte);
  std::vector<std::string> what;
  for (size_t i = 0; i < fills.size(); ++i) {
    const Fill& f = fills[i];
    const bool async = i % 2 == 1;
    // No byte equal to the poison, so an untouched byte shows.
    uint32_t value = rng().U32();
    for (int k = 0; k < 4; ++k)
      if (((value >> (8 * k)) & 0xFF) == kc::kPoisonByte) value ^= 1u << (8 * k);
    const size_t at = i * kSlot + 16 + f.offset, count = f.length / f.width;
    what.push_back("klMemsetD" + std::to_string(8 * f.width) + (async ? "Async" : "") + " of " +
                   std::to_string(count) + " values at offset " + std::to_string(16 + f.offset) +
                   " of a slot of " + std::to_string(kSlot));
    const KLdeviceptr dst = buf.at(at);
    KLresult r = KL_ERROR_UNKNOWN;
    switch (f.width) {
      case 1:
        r = async ? klMemsetD8Async(dst, static_cast<unsigned char>(value), count, s)
                  : klMemsetD8(dst, static_cast<unsigned char>(value), count);
        break;
      case 2:
        r = async ? klMemsetD16Async(dst, static_cast<unsigned short>(value), count, s)
                  : klMemsetD16(dst, static_cast<unsigned short>(value), count);
        break;
      default:
        r = async ? klMemsetD32Async(dst, value, count, s) : klMemsetD32(dst, value, count);
    }
    KC_ASSERT_OK(r) << what.back();
    for (size_t j = 0; j < count; ++j) std::memcpy(want.data() + at + j * f.width, &value, f.width);
  }
  KC_ASSERT_OK(klStreamSynchronize(s));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, bytes));
  for (size_t i = 0; i < fills.size(); ++i) {
    EXPECT_TRUE(kc::CompareArrays(want.data() + i * kSlot, kSlot, got.data() + i * kSlot, kSlot))
        << what[i] << " (indices from the slot's start)";
  }
}

TEST_P(Memset, ZeroCountIsNoop) {
  KC_ALLOC(buf, 64);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  KC_EXPECT_OK(klMemsetD8(buf.get(), 1, 0));
  KC_EXPECT_OK(klMemsetD16(buf.get(), 1, 0));
  KC_EXPECT_OK(klMemsetD32(buf.get(), 1, 0));
  KC_EXPECT_OK(klMemsetD8Async(buf.get(), 1, 0, nullptr));
  KC_EXPECT_OK(klMemsetD16Async(buf.get(), 1, 0, nullptr));
  KC_EXPECT_OK(klMemsetD32Async(buf.get(), 1, 0, nullptr));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 64));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(64, kc::kPoisonByte), got);
}

TEST_P(Memset, MisalignedFails) {
  KC_ALLOC(buf, 64);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  for (size_t misalign : {1, 3}) {
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemsetD16(buf.at(misalign), 0, 4)) << misalign;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemsetD32(buf.at(misalign), 0, 4)) << misalign;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemsetD16Async(buf.at(misalign), 0, 4, nullptr)) << misalign;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemsetD32Async(buf.at(misalign), 0, 4, nullptr)) << misalign;
  }
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemsetD32(buf.at(2), 0, 4));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 64));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(64, kc::kPoisonByte), got) << "a failed memset wrote";
}

TEST_P(Memset, AsyncOrderedWithKernel) {
  // memset -> kernel -> memset of the first half -> copy out, on one stream.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 1 << 16;
  KC_ALLOC(buf, kN * 4);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  KC_STREAM(s);
  float start = 1.5f, later = -7.25f;
  uint32_t start_bits, later_bits;
  std::memcpy(&start_bits, &start, 4);
  std::memcpy(&later_bits, &later, 4);
  KC_ASSERT_OK(klMemsetD32Async(buf.get(), start_bits, kN, s));
  KC_ASSERT_OK(kc::Launch(add, {kc::BlocksFor(kN, 256)}, {256}, 0, s, buf.get(), 2.0f, kN));
  KC_ASSERT_OK(klMemsetD32Async(buf.get(), later_bits, kN / 2, s));
  std::vector<float> got(kN);
  kc::PoisonHost(&got);
  KC_ASSERT_OK(klMemcpyDtoHAsync(got.data(), buf.get(), kN * 4, s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<float> want(kN, 3.5f);
  std::fill(want.begin(), want.begin() + kN / 2, later);
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE(Memset, Memset);

}  // namespace
