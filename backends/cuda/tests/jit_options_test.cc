// JIT options: Keel's log buffers are always added; the caller's get copies.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "common/services.h"
#include "cuda/jit_options.h"
#include "fake_services.h"

namespace keel::cuda {
namespace {

class JitOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { SetServices(test::FakeServices(), "cuda"); }
};

void* AsValue(size_t v) { return reinterpret_cast<void*>(static_cast<uintptr_t>(v)); }

TEST_F(JitOptionsTest, AlwaysCapturesBothLogs) {
  JitOptions jit;
  ASSERT_EQ(jit.Init("klModuleLoadData", 0, nullptr, nullptr), KL_SUCCESS);
  ASSERT_EQ(jit.count(), 4u);
  bool info = false, error = false;
  for (unsigned i = 0; i < jit.count(); ++i) {
    info |= jit.options()[i] == CU_JIT_INFO_LOG_BUFFER && jit.values()[i] != nullptr;
    error |= jit.options()[i] == CU_JIT_ERROR_LOG_BUFFER && jit.values()[i] != nullptr;
  }
  EXPECT_TRUE(info);
  EXPECT_TRUE(error);
  EXPECT_STREQ(jit.error_log(), "");
}

TEST_F(JitOptionsTest, CopiesLogsIntoTheCallersBuffersAndReportsSizes) {
  char info[8] = "xxxxxxx", error[64] = "";
  KLjit_option keys[] = {KL_JIT_MAX_REGISTERS, KL_JIT_INFO_LOG_BUFFER, KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                         KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {AsValue(32), info, AsValue(sizeof info), error, AsValue(sizeof error)};
  JitOptions jit;
  ASSERT_EQ(jit.Init("klModuleLoadDataEx", 5, keys, values), KL_SUCCESS);
  // The caller's options pass through; the caller's log buffers are replaced.
  ASSERT_EQ(jit.count(), 5u);
  EXPECT_EQ(jit.options()[0], CU_JIT_MAX_REGISTERS);
  EXPECT_EQ(jit.values()[0], AsValue(32));
  // Play the driver: write both logs into the buffers it was given.
  for (unsigned i = 0; i < jit.count(); ++i) {
    if (jit.options()[i] == CU_JIT_INFO_LOG_BUFFER) std::strcpy(static_cast<char*>(jit.values()[i]), "info: long log");
    if (jit.options()[i] == CU_JIT_ERROR_LOG_BUFFER) std::strcpy(static_cast<char*>(jit.values()[i]), "error: bad");
  }
  jit.CopyOut();
  EXPECT_STREQ(jit.error_log(), "error: bad");
  EXPECT_STREQ(info, "info: l");  // truncated to the caller's 8 bytes
  EXPECT_EQ(values[2], AsValue(8));
  EXPECT_STREQ(error, "error: bad");
  EXPECT_EQ(values[4], AsValue(11));
}

TEST_F(JitOptionsTest, RejectsMalformedOptions) {
  JitOptions a;
  EXPECT_EQ(a.Init("klModuleLoadDataEx", 1, nullptr, nullptr), KL_ERROR_INVALID_VALUE);
  KLjit_option unknown[] = {static_cast<KLjit_option>(99)};
  void* v[] = {nullptr};
  JitOptions b;
  EXPECT_EQ(b.Init("klModuleLoadDataEx", 1, unknown, v), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(test::t_last_message.find("not a KLjit_option"), std::string::npos) << test::t_last_message;
  char buf[16];
  KLjit_option no_size[] = {KL_JIT_ERROR_LOG_BUFFER};
  void* w[] = {buf};
  JitOptions c;
  EXPECT_EQ(c.Init("klModuleLoadDataEx", 1, no_size, w), KL_ERROR_INVALID_VALUE);
}

TEST_F(JitOptionsTest, LinkInputOptionsPassThroughWithoutLogs) {
  KLjit_option keys[] = {KL_JIT_OPTIMIZATION_LEVEL};
  void* values[] = {AsValue(3)};
  JitOptions jit;
  ASSERT_EQ(jit.Init("klLinkAddData", 1, keys, values, /*with_logs=*/false), KL_SUCCESS);
  ASSERT_EQ(jit.count(), 1u);
  EXPECT_EQ(jit.options()[0], CU_JIT_OPTIMIZATION_LEVEL);
}

TEST(LogExcerpt, LabelsTrimsAndTruncates) {
  char buf[2048];
  EXPECT_STREQ(LogExcerpt(buf, sizeof buf, "JIT log", ""), "");
  EXPECT_STREQ(LogExcerpt(buf, sizeof buf, "JIT log", "line 3: error\n\n"), "JIT log: line 3: error");
  std::string huge(5000, 'a');
  std::string out = LogExcerpt(buf, sizeof buf, "JIT log", huge.c_str());
  EXPECT_LT(out.size(), 1300u);
  EXPECT_NE(out.find("[...]"), std::string::npos);
}

}  // namespace
}  // namespace keel::cuda
