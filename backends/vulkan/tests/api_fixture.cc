#include "api_fixture.h"

namespace keel_vk_test {

std::string LastError() {
  const char* message = nullptr;
  klGetLastErrorMessage(&message);
  return message != nullptr ? message : "";
}

void VulkanTest::SetUp() {
  KLresult r = klInit(0);
  if (r == KL_ERROR_NO_DEVICE || r == KL_ERROR_NO_BACKEND)
    GTEST_SKIP() << "no Vulkan device: " << LastError();
  KL_ASSERT(r);
  int count = 0;
  KL_ASSERT(klDeviceGetCount(&count));
  ASSERT_GT(count, 0);
  KL_ASSERT(klDeviceGet(&device_, 0));
  KL_ASSERT(klCtxCreate(&ctx_, 0, device_));
}

void VulkanTest::TearDown() {
  if (ctx_ == nullptr) return;
  for (KLdeviceptr p : allocations_) KL_EXPECT(klMemFree(p));
  for (KLmodule m : modules_) KL_EXPECT(klModuleUnload(m));
  KL_EXPECT(klCtxDestroy(ctx_));
  ctx_ = nullptr;
}

std::string VulkanTest::KernelPath(const char* module) {
  return std::string(KEEL_TEST_KERNEL_DIR) + "/" + module + ".spv";
}

KLmodule VulkanTest::Module(const char* name) {
  KLmodule m = nullptr;
  KLresult r = klModuleLoad(&m, KernelPath(name).c_str());
  EXPECT_EQ(r, KL_SUCCESS) << name << ": " << LastError();
  if (r == KL_SUCCESS) modules_.push_back(m);
  return m;
}

KLfunction VulkanTest::Function(const char* module, const char* kernel) {
  KLmodule m = Module(module);
  KLfunction f = nullptr;
  if (m != nullptr) {
    EXPECT_EQ(klModuleGetFunction(&f, m, kernel), KL_SUCCESS) << LastError();
  }
  return f;
}

KLdeviceptr VulkanTest::Alloc(size_t bytes) {
  KLdeviceptr p = 0;
  EXPECT_EQ(klMemAlloc(&p, bytes), KL_SUCCESS) << LastError();
  if (p != 0) allocations_.push_back(p);
  return p;
}

int VulkanTest::Attribute(KLdevice_attribute a) {
  int v = 0;
  EXPECT_EQ(klDeviceGetAttribute(&v, a, device_), KL_SUCCESS) << LastError();
  return v;
}

}  // namespace keel_vk_test
