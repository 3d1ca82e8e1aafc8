// Argument packing and dispatch splitting (launch.h), without a device.
#include "vulkan/launch.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include <keel/keel_vulkan.h>

#include "test_services.h"

namespace keel {
namespace vk {
namespace {

// args_i8's layout: i8 a @0, u8 b @1, u32* out @8, after the hidden header.
KernelInfo ArgsI8() {
  KernelInfo k;
  k.name = "args_i8";
  k.keel_header = true;
  k.params_base = KEEL_VULKAN_HIDDEN_BYTES;
  k.params = {{0, 1}, {1, 1}, {8, 8}};
  k.param_bytes = 16;
  k.block_bytes = 48;
  k.layout.offsets = {0, 1, 8};
  k.layout.sizes = {1, 1, 8};
  k.layout.end = 16;
  k.layout.alignment = 8;
  return k;
}

TEST(PackArguments, KernelParamsGoToTheirCOffsetsAfterTheHeader) {
  KernelInfo k = ArgsI8();
  int8_t a = -5;
  uint8_t b = 200;
  uint64_t out = 0x1122334455667788ull;
  void* params[] = {&a, &b, &out};
  std::vector<uint8_t> block(k.block_bytes, 0xee);
  ASSERT_EQ(PackArguments(k, params, nullptr, block.data(), "test"), KL_SUCCESS);
  EXPECT_EQ(static_cast<int8_t>(block[32]), -5);
  EXPECT_EQ(block[33], 200);
  uint64_t read;
  std::memcpy(&read, &block[40], 8);
  EXPECT_EQ(read, out);
  EXPECT_EQ(block[0], 0xee);  // the header is the launch's to fill
}

TEST(PackArguments, ExtraBufferIsCopiedWhole) {
  KernelInfo k = ArgsI8();
  struct {
    int8_t a;
    uint8_t b;
    uint64_t out;
  } packed = {7, 9, 42};
  size_t size = sizeof packed;  // 16: C layout, same as the parameters
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &packed, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  std::vector<uint8_t> block(k.block_bytes, 0);
  ASSERT_EQ(PackArguments(k, nullptr, extra, block.data(), "test"), KL_SUCCESS);
  EXPECT_EQ(block[32], 7);
  EXPECT_EQ(block[33], 9);
  EXPECT_EQ(block[40], 42);
}

TEST(PackArguments, RejectsMalformedArguments) {
  KernelInfo k = ArgsI8();
  std::vector<uint8_t> block(k.block_bytes, 0);
  uint64_t value = 0;
  void* params[] = {&value, &value, &value};
  size_t size = 16;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &value, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  EXPECT_EQ(PackArguments(k, params, extra, block.data(), "test"), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(test::LastError().find("both"), std::string::npos) << test::LastError();
  EXPECT_EQ(PackArguments(k, nullptr, nullptr, block.data(), "test"), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(test::LastError().find("3 parameter"), std::string::npos) << test::LastError();
  EXPECT_NE(test::LastError().find("args_i8"), std::string::npos) << test::LastError();
  void* with_null[] = {&value, nullptr, &value};
  EXPECT_EQ(PackArguments(k, with_null, nullptr, block.data(), "test"), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(test::LastError().find("kernelParams[1]"), std::string::npos);

  for (size_t bad : {size_t{15}, size_t{17}}) {
    size = bad;
    EXPECT_EQ(PackArguments(k, nullptr, extra, block.data(), "test"), KL_ERROR_INVALID_VALUE)
        << bad;
  }
  size = 16;
  void* no_size[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &value, KL_LAUNCH_PARAM_END};
  EXPECT_EQ(PackArguments(k, nullptr, no_size, block.data(), "test"), KL_ERROR_INVALID_VALUE);
  void* unknown_key[] = {reinterpret_cast<void*>(0x7), &value, KL_LAUNCH_PARAM_END};
  EXPECT_EQ(PackArguments(k, nullptr, unknown_key, block.data(), "test"), KL_ERROR_INVALID_VALUE);
  std::vector<void*> endless(200, KL_LAUNCH_PARAM_BUFFER_POINTER);
  EXPECT_EQ(PackArguments(k, nullptr, endless.data(), block.data(), "test"),
            KL_ERROR_INVALID_VALUE);
}

TEST(PackArguments, KernelsWithoutParametersAcceptNothing) {
  KernelInfo k;
  k.name = "empty";
  uint8_t block[32] = {};
  EXPECT_EQ(PackArguments(k, nullptr, nullptr, block, "test"), KL_SUCCESS);
}

// Splitting: every block of the grid in exactly one dispatch, none larger
// than the limit, bases at multiples of the limit.
void CheckSplit(const uint32_t grid[3], const uint32_t limit[3]) {
  std::vector<uint8_t> seen(static_cast<size_t>(grid[0]) * grid[1] * grid[2], 0);
  uint64_t parts = 0;
  ForEachDispatchPart(grid, limit, [&](const DispatchPart& p) {
    ++parts;
    for (int i = 0; i < 3; ++i) {
      ASSERT_GE(p.count[i], 1u);
      ASSERT_LE(p.count[i], limit[i]);
      ASSERT_EQ(p.base[i] % limit[i], 0u);
      ASSERT_LE(uint64_t{p.base[i]} + p.count[i], grid[i]);
    }
    for (uint32_t z = 0; z < p.count[2]; ++z)
      for (uint32_t y = 0; y < p.count[1]; ++y)
        for (uint32_t x = 0; x < p.count[0]; ++x) {
          size_t i = (static_cast<size_t>(p.base[2] + z) * grid[1] + p.base[1] + y) * grid[0] +
                     p.base[0] + x;
          ++seen[i];
        }
  });
  EXPECT_EQ(parts, DispatchPartCount(grid, limit));
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "block " << i;
}

TEST(DispatchSplit, CoversEveryBlockExactlyOnce) {
  std::mt19937 rng(7);
  auto next = [&](uint32_t m) { return 1u + static_cast<uint32_t>(rng() % m); };
  for (int t = 0; t < 200; ++t) {
    uint32_t grid[3] = {next(40), next(20), next(10)};
    uint32_t limit[3] = {next(12), next(6), next(4)};
    CheckSplit(grid, limit);
  }
  const uint32_t exact[3] = {21, 10, 3}, limit[3] = {7, 5, 3};
  CheckSplit(exact, limit);
}

TEST(DispatchSplit, WithinTheLimitIsOneDispatch) {
  const uint32_t grid[3] = {65535, 65535, 65535}, limit[3] = {65535, 65535, 65535};
  EXPECT_EQ(DispatchPartCount(grid, limit), 1u);
  const uint32_t big[3] = {2147483647u, 1, 1};
  EXPECT_EQ(DispatchPartCount(big, limit), 32769u);
  uint64_t last_base = 0, total = 0;
  ForEachDispatchPart(big, limit, [&](const DispatchPart& p) {
    last_base = p.base[0];
    total += p.count[0];
  });
  EXPECT_EQ(total, 2147483647u);
  EXPECT_EQ(last_base, 32768u * 65535u);
}

}  // namespace
}  // namespace vk
}  // namespace keel
