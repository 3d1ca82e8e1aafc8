// The plugin as the loader sees it: negotiation, and an init that never
// crashes and always gives a reason when there is no usable driver. On a
// machine without an NVIDIA driver it checks the "not found" reason; run with
// KEEL_CUDA_EXPECT_STUB=1 and the toolkit's stub first on LD_LIBRARY_PATH
// (ctest does) it checks the stub reason.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "fake_services.h"

namespace keel::cuda {
namespace {

class PluginInit : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = dlopen(KEEL_CUDA_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib_, nullptr) << dlerror();
    negotiate_ = reinterpret_cast<PFN_keelBackendNegotiate>(dlsym(lib_, KEEL_BACKEND_ENTRY_POINT));
    ASSERT_NE(negotiate_, nullptr);
  }
  void* lib_ = nullptr;
  PFN_keelBackendNegotiate negotiate_ = nullptr;
};

TEST_F(PluginInit, ExportsOnlyTheEntryPointAndNegotiatesVersion1) {
  KLbackendInterface iface{};
  iface.structSize = sizeof iface;
  ASSERT_EQ(negotiate_(test::FakeServices(), &iface), KL_SUCCESS);
  EXPECT_EQ(iface.interfaceVersion, 1u);
  EXPECT_STREQ(iface.name, "cuda");
  ASSERT_NE(iface.table, nullptr);
  EXPECT_EQ(iface.table->size, sizeof(KLdispatchTable));
  // Every slot of the v1 table is implemented.
  const void* const* slots = reinterpret_cast<const void* const*>(&iface.table->size + 1);
  size_t n = (sizeof(KLdispatchTable) - sizeof(size_t)) / sizeof(void*);
  for (size_t i = 0; i < n; ++i) EXPECT_NE(slots[i], nullptr) << "slot " << i;
  EXPECT_EQ(dlsym(lib_, "klMemAlloc"), nullptr) << "the plugin must not export Keel API symbols";
  EXPECT_EQ(dlsym(lib_, "cuInit"), nullptr) << "the plugin must not link libcuda";
}

TEST_F(PluginInit, RefusesALoaderWithoutVersion1) {
  KLloaderServices old = *test::FakeServices();
  old.interfaceVersion = 0;
  KLbackendInterface iface{};
  EXPECT_EQ(negotiate_(&old, &iface), KL_ERROR_NOT_SUPPORTED);
  EXPECT_NE(test::t_last_message.find("interface version 1"), std::string::npos) << test::t_last_message;
}

TEST_F(PluginInit, GivesAReasonWhenThereIsNoUsableDriver) {
  KLbackendInterface iface{};
  ASSERT_EQ(negotiate_(test::FakeServices(), &iface), KL_SUCCESS);
  test::t_last_message.clear();
  KLresult r = iface.init();
  int count = -1;
  ASSERT_EQ(iface.getDevices(&count, nullptr), KL_SUCCESS);
  if (std::getenv("KEEL_CUDA_EXPECT_STUB") != nullptr) {
    EXPECT_EQ(r, KL_ERROR_NO_DEVICE);
    EXPECT_NE(test::t_last_message.find("stub libcuda (CUDA_ERROR_STUB_LIBRARY)"), std::string::npos)
        << test::t_last_message;
    EXPECT_EQ(count, 0);
    return;
  }
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver == nullptr) {
    EXPECT_EQ(r, KL_ERROR_NO_DEVICE);
    EXPECT_EQ(test::t_last_message, "no NVIDIA driver (libcuda.so.1 not found)");
    EXPECT_EQ(count, 0);
    EXPECT_EQ(iface.driverVersion(), nullptr);
    return;
  }
  // A driver is installed: either devices, or a reason why none is usable.
  if (r == KL_SUCCESS) {
    EXPECT_GT(count, 0);
    ASSERT_NE(iface.driverVersion(), nullptr);
    EXPECT_EQ(std::string(iface.driverVersion()).rfind("CUDA ", 0), 0u) << iface.driverVersion();
  } else {
    EXPECT_FALSE(test::t_last_message.empty());
    EXPECT_EQ(count, 0);
  }
  // A second init returns the first result and does not enumerate twice.
  EXPECT_EQ(iface.init(), r);
}

}  // namespace
}  // namespace keel::cuda
