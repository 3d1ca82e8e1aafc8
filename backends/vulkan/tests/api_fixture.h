// A fixture for end-to-end tests of the Vulkan backend through libkeel
// (KEEL_BACKENDS=vulkan): one context per test on device 0, modules from the
// conformance kernels built for these tests, and small helpers.
#ifndef KEEL_BACKENDS_VULKAN_TESTS_API_FIXTURE_H_
#define KEEL_BACKENDS_VULKAN_TESTS_API_FIXTURE_H_

#include <gtest/gtest.h>
#include <keel/keel.h>

#include <string>
#include <vector>

namespace keel_vk_test {

// The last-error message of this thread.
std::string LastError();

#define KL_ASSERT(call)                                                        \
  do {                                                                         \
    KLresult keel_test_r_ = (call);                                            \
    ASSERT_EQ(keel_test_r_, KL_SUCCESS) << #call << ": " << ::keel_vk_test::LastError(); \
  } while (0)
#define KL_EXPECT(call)                                                        \
  do {                                                                         \
    KLresult keel_test_r_ = (call);                                            \
    EXPECT_EQ(keel_test_r_, KL_SUCCESS) << #call << ": " << ::keel_vk_test::LastError(); \
  } while (0)

class VulkanTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Loads <module>.spv of the test kernels (kept until TearDown).
  KLmodule Module(const char* name);
  KLfunction Function(const char* module, const char* kernel);
  // Device memory freed at TearDown.
  KLdeviceptr Alloc(size_t bytes);
  template <typename T>
  std::vector<T> Read(KLdeviceptr p, size_t count) {
    std::vector<T> v(count);
    EXPECT_EQ(klMemcpyDtoH(v.data(), p, count * sizeof(T)), KL_SUCCESS) << LastError();
    return v;
  }
  template <typename T>
  void Write(KLdeviceptr p, const std::vector<T>& v) {
    EXPECT_EQ(klMemcpyHtoD(p, v.data(), v.size() * sizeof(T)), KL_SUCCESS) << LastError();
  }
  int Attribute(KLdevice_attribute a);
  static std::string KernelPath(const char* module);

  KLdevice device_ = nullptr;
  KLcontext ctx_ = nullptr;

 private:
  std::vector<KLmodule> modules_;
  std::vector<KLdeviceptr> allocations_;
};

}  // namespace keel_vk_test

#endif  // KEEL_BACKENDS_VULKAN_TESTS_API_FIXTURE_H_
