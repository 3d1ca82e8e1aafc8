// Selftest: the suite's own machinery. A planted wrong result makes the
// comparison fail and show the first mismatches; seeds are deterministic;
// the glob and the expectations parser behave.
#include <gtest/gtest-spi.h>

#include <cstring>

#include "fixture.h"

namespace {

TEST(Selftest, CompareEqualPasses) {
  std::vector<uint32_t> a = {1, 2, 3}, b = {1, 2, 3};
  EXPECT_TRUE(kc::CompareArrays(a, b));
  std::vector<float> x = {1.0f, 2.0f}, y = {1.0f, 2.00001f};
  kc::Tolerance tol;
  tol.rel = 1e-4;
  EXPECT_TRUE(kc::CompareArrays(x, y, tol));
}

TEST(Selftest, PlantedMismatchShowsFirstMismatches) {
  std::vector<uint32_t> expected(100), actual(100);
  for (uint32_t i = 0; i < 100; ++i) expected[i] = actual[i] = i * 3;
  actual[17] = 999;  // planted
  actual[42] = 0;    // planted
  EXPECT_NONFATAL_FAILURE(KC_EXPECT_ARRAYS_EQ(expected, actual),
                          "2 of 100 elements differ; first mismatches (index, expected, actual):\n"
                          "    [17] expected 51 (0x00000033), actual 999 (0x000003e7)\n"
                          "    [42] expected 126 (0x0000007e), actual 0 (0x00000000)");
}

TEST(Selftest, ManyMismatchesAreCapped) {
  std::vector<int32_t> expected(1000, 5), actual(1000, -5);
  testing::AssertionResult r = kc::CompareArrays(expected, actual);
  ASSERT_FALSE(r);
  std::string message = r.message();
  EXPECT_NE(std::string::npos, message.find("1000 of 1000 elements differ")) << message;
  EXPECT_NE(std::string::npos, message.find("[9] expected 5")) << message;
  EXPECT_EQ(std::string::npos, message.find("[10] expected")) << "more than 10 mismatches listed";
  EXPECT_NE(std::string::npos, message.find("... 990 more")) << message;
}

TEST(Selftest, LengthMismatchFails) {
  std::vector<uint8_t> a(3), b(4);
  EXPECT_FALSE(kc::CompareArrays(a, b));
}

TEST(Selftest, FloatExactComparesBits) {
  std::vector<float> a = {0.0f}, b = {-0.0f};
  EXPECT_FALSE(kc::CompareArrays(a, b)) << "exact comparison must see the sign of zero";
  std::vector<float> nan = {std::nanf("")};
  EXPECT_TRUE(kc::CompareArrays(nan, nan));
}

TEST(Selftest, ToleranceRejectsLargeError) {
  std::vector<float> a = {100.0f}, b = {101.0f};
  kc::Tolerance tol;
  tol.abs = 0.5;
  EXPECT_NONFATAL_FAILURE(KC_EXPECT_ARRAYS_NEAR(a, b, tol), "[0] expected 100");
}

TEST(Selftest, SeedsAreDeterministicAndDistinct) {
  EXPECT_EQ(kc::HashName("Memcpy/A.B/vulkan_0_1"), kc::HashName("Memcpy/A.B/vulkan_0_1"));
  EXPECT_NE(kc::HashName("Memcpy/A.B/vulkan_0_1"), kc::HashName("Memcpy/A.B/vulkan_0_2"));
  kc::Rng a(42), b(42), c(43);
  EXPECT_EQ(a.U64(), b.U64());
  EXPECT_NE(a.U64(), c.U64());
  // Known value: the generator is the same on every platform.
  kc::Rng fixed(0);
  EXPECT_EQ(0xE220A8397B1DCDAFull, fixed.U64());
}

TEST(Selftest, GlobMatch) {
  EXPECT_TRUE(kc::GlobMatch("*", "anything"));
  EXPECT_TRUE(kc::GlobMatch("Memory/*Decreases*", "Memory/Memory.MemInfoDecreasesAfterAlloc/vulkan_0"));
  EXPECT_TRUE(kc::GlobMatch("a?c", "abc"));
  EXPECT_FALSE(kc::GlobMatch("a?c", "ac"));
  EXPECT_FALSE(kc::GlobMatch("Memory/*", "Memcpy/X.Y/z"));
  EXPECT_TRUE(kc::GlobMatch("*_4097", "Memcpy/MemcpyRoundTrip.HtoDDtoDDtoH/cuda_0_sync_4097"));
}

TEST(Selftest, PoisonFillsHostBuffers) {
  std::vector<uint32_t> v(7, 0);
  kc::PoisonHost(&v);
  for (uint32_t x : v) EXPECT_EQ(0xCDCDCDCDu, x);
}

// On a device: a kernel's correct output compared against a deliberately
// wrong expectation fails with the first mismatch shown.
using SelftestDevice = kc::ContextTest;

TEST_P(SelftestDevice, PlantedWrongKernelResultIsReported) {
  KC_KERNEL(write, "basic", "write_index");
  constexpr unsigned int kN = 512;
  KC_ALLOC(out, kN * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(write, {kN / 64}, {64}, 0, nullptr, out.get(), kN));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got, wrong(kN);
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, kN));
  for (uint32_t i = 0; i < kN; ++i) wrong[i] = i;
  wrong[300] = 301;  // planted
  EXPECT_NONFATAL_FAILURE(KC_EXPECT_ARRAYS_EQ(wrong, got),
                          "1 of 512 elements differ; first mismatches (index, expected, actual):\n"
                          "    [300] expected 301 (0x0000012d), actual 300 (0x0000012c)");
  // And the real result is right.
  wrong[300] = 300;
  KC_EXPECT_ARRAYS_EQ(wrong, got);
}

TEST_P(SelftestDevice, PoisonReachesDevice) {
  KC_ALLOC(buf, 1000);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 1000));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(1000, kc::kPoisonByte), got);
}

KC_INSTANTIATE(Selftest, SelftestDevice);

}  // namespace
