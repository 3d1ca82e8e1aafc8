// The settings of the pageable staging path (KEEL_CUDA_*). The chunk plan
// and the memcpy pool it drives are tested with the shared code
// (backends/common/tests/parallel_copy_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/tests/fake_env.h"
#include "cuda/host_copy.h"

namespace keel::cuda {
namespace {

constexpr size_t kKiB = size_t{1} << 10;
constexpr size_t kMiB = size_t{1} << 20;

class StagingConfigTest : public ::testing::Test {
 protected:
  StagingConfig Parse(int cpus = 16) {
    return ParseStagingConfig(keel::test::FakeEnv::Get, cpus, keel::test::FakeEnv::Warn);
  }
  keel::test::FakeEnv env_;
};

TEST_F(StagingConfigTest, Defaults) {
  StagingConfig c = Parse(16);
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.threshold, 1 * kMiB);
  EXPECT_EQ(c.chunk, 8 * kMiB);
  EXPECT_EQ(c.buffers, 4);
  EXPECT_EQ(c.threads, 12);
  EXPECT_TRUE(env_.warned.empty());
}

TEST_F(StagingConfigTest, EnvironmentOverrides) {
  env_.vars = {{"KEEL_CUDA_PAGEABLE_STAGING", "0"},
          {"KEEL_CUDA_STAGING_THRESHOLD", "256K"},
          {"KEEL_CUDA_STAGING_CHUNK", "100K"},  // rounded up to 64 KiB units
          {"KEEL_CUDA_STAGING_BUFFERS", "3"},
          {"KEEL_CUDA_STAGING_THREADS", "5"}};
  StagingConfig c = Parse();
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.threshold, 256 * kKiB);
  EXPECT_EQ(c.chunk, 128 * kKiB);
  EXPECT_EQ(c.buffers, 3);
  EXPECT_EQ(c.threads, 5);
  EXPECT_TRUE(env_.warned.empty());
  env_.vars = {{"KEEL_CUDA_PAGEABLE_STAGING", "1"}};
  EXPECT_TRUE(Parse().enabled);
}

TEST_F(StagingConfigTest, MalformedValuesKeepTheDefaultsAndWarn) {
  env_.vars = {{"KEEL_CUDA_PAGEABLE_STAGING", "off"},
          {"KEEL_CUDA_STAGING_THRESHOLD", "lots"},
          {"KEEL_CUDA_STAGING_CHUNK", "4K"},  // below 64 KiB
          {"KEEL_CUDA_STAGING_BUFFERS", "1"},
          {"KEEL_CUDA_STAGING_THREADS", "0"}};
  StagingConfig c = Parse(4);
  StagingConfig d = StagingConfig{};
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.threshold, d.threshold);
  EXPECT_EQ(c.chunk, d.chunk);
  EXPECT_EQ(c.buffers, d.buffers);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(env_.warned.size(), 5u);
}

// KEEL_CUDA_PAGEABLE_STAGING and KEEL_CUDA_STAGING_BUFFERS go through the
// shared parsers (common/settings.h) like the rest: a switch is exactly "0"
// or "1", a number decimal digits only; anything else keeps the default.
TEST_F(StagingConfigTest, SharedSpellingsOnly) {
  for (const char* bad : {"3x", " 3", "3 ", "+3", "0x3", "-3", "", "9", "99999999999999999999"}) {
    env_.vars = {{"KEEL_CUDA_STAGING_BUFFERS", bad}};
    env_.warned.clear();
    EXPECT_EQ(Parse().buffers, 4) << "'" << bad << "'";
    EXPECT_EQ(env_.warned, std::vector<std::string>{"KEEL_CUDA_STAGING_BUFFERS"}) << "'" << bad << "'";
  }
  for (const char* bad : {"true", "on", "00", " 0", "0 ", "2", ""}) {
    env_.vars = {{"KEEL_CUDA_PAGEABLE_STAGING", bad}};
    env_.warned.clear();
    EXPECT_TRUE(Parse().enabled) << "'" << bad << "'";
    EXPECT_EQ(env_.warned, std::vector<std::string>{"KEEL_CUDA_PAGEABLE_STAGING"}) << "'" << bad << "'";
  }
  env_.vars = {{"KEEL_CUDA_STAGING_BUFFERS", "8"}};
  env_.warned.clear();
  EXPECT_EQ(Parse().buffers, 8);  // the maximum
  env_.vars = {{"KEEL_CUDA_STAGING_BUFFERS", "2"}};
  EXPECT_EQ(Parse().buffers, 2);  // the minimum
  EXPECT_TRUE(env_.warned.empty());
}

}  // namespace
}  // namespace keel::cuda
