// Devices, contexts and primary contexts on the Vulkan backend.
#include <climits>
#include <cstring>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using DeviceTest = VulkanTest;

TEST_F(DeviceTest, AnswersEveryAttribute) {
  for (int a = KL_DEVICE_ATTRIBUTE_INVALID + 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
    int v = -12345;
    EXPECT_EQ(klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(a), device_), KL_SUCCESS)
        << "attribute " << a << ": " << LastError();
    EXPECT_NE(v, -12345) << a;
  }
  EXPECT_GE(Attribute(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 128);
  EXPECT_GE(Attribute(KL_DEVICE_ATTRIBUTE_WARP_SIZE), 1);
  EXPECT_GE(Attribute(KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), 1);
  // Grids are split, so any int-sized grid is accepted.
  EXPECT_EQ(Attribute(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X), INT_MAX);
  EXPECT_EQ(Attribute(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y), INT_MAX);
  EXPECT_EQ(Attribute(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z), INT_MAX);
  EXPECT_EQ(Attribute(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS), 1);  // the KEEL_GLOBALS block
  EXPECT_GE(Attribute(KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), 1);
  EXPECT_GE(Attribute(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), 16384);
  int v = 0;
  EXPECT_EQ(klDeviceGetAttribute(&v, KL_DEVICE_ATTRIBUTE_COUNT_, device_), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klDeviceGetAttribute(nullptr, KL_DEVICE_ATTRIBUTE_WARP_SIZE, device_),
            KL_ERROR_INVALID_VALUE);
}

TEST_F(DeviceTest, NameUuidMemoryAndNativeHandles) {
  char name[256] = {};
  KL_EXPECT(klDeviceGetName(name, sizeof name, device_));
  EXPECT_GT(std::strlen(name), 0u);
  char tiny[4];
  KL_EXPECT(klDeviceGetName(tiny, sizeof tiny, device_));
  EXPECT_EQ(std::strlen(tiny), 3u);
  EXPECT_EQ(klDeviceGetName(name, 0, device_), KL_ERROR_INVALID_VALUE);
  KLuuid uuid;
  KL_EXPECT(klDeviceGetUuid(&uuid, device_));
  size_t total = 0;
  KL_EXPECT(klDeviceTotalMem(&total, device_));
  EXPECT_GT(total, 0u);
  void* native = nullptr;
  KL_EXPECT(klDeviceGetNativeHandle(&native, device_));
  EXPECT_NE(native, nullptr);  // VkPhysicalDevice
  KL_EXPECT(klCtxGetNativeHandle(&native, ctx_));
  EXPECT_NE(native, nullptr);  // VkDevice
  char bus[32];
  KLresult r = klDeviceGetPCIBusId(bus, sizeof bus, device_);
  if (Attribute(KL_DEVICE_ATTRIBUTE_PCI_BUS_ID) < 0) {
    EXPECT_EQ(r, KL_ERROR_NOT_SUPPORTED);  // lavapipe: a CPU device
    EXPECT_FALSE(LastError().empty());
  } else {
    EXPECT_EQ(r, KL_SUCCESS) << LastError();
  }
}

TEST_F(DeviceTest, ContextBasics) {
  KLdevice d = nullptr;
  KL_EXPECT(klCtxGetDevice(&d));
  EXPECT_EQ(d, device_);
  int least = 7, greatest = 7;
  KL_EXPECT(klCtxGetStreamPriorityRange(&least, &greatest));
  EXPECT_EQ(least, 0);
  EXPECT_EQ(greatest, 0);
  KL_EXPECT(klCtxSynchronize());
  KLcontext other = nullptr;
  EXPECT_EQ(klCtxCreate(&other, 0x100, device_), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klCtxCreate(&other, KL_CTX_SCHED_BLOCKING_SYNC, device_));
  KLdeviceptr p = 0;
  KL_EXPECT(klMemAlloc(&p, 1024));  // in `other`, now current
  KL_EXPECT(klCtxDestroy(other));   // frees p with the context
}

TEST_F(DeviceTest, MemoryOfAnotherContextIsRejected) {
  KLdeviceptr mine = Alloc(256);
  KLcontext other = nullptr;
  KL_ASSERT(klCtxCreate(&other, 0, device_));
  uint32_t value = 1;
  // `mine` belongs to ctx_: in `other` it names nothing.
  EXPECT_EQ(klMemcpyHtoD(mine, &value, 4), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("not inside any allocation"), std::string::npos) << LastError();
  KL_EXPECT(klCtxDestroy(other));
  KL_EXPECT(klMemcpyHtoD(mine, &value, 4));
}

TEST_F(DeviceTest, PrimaryContextIsOneHandleAcrossRetains) {
  KLcontext a = nullptr, b = nullptr;
  KL_ASSERT(klDevicePrimaryCtxRetain(&a, device_));
  KL_ASSERT(klDevicePrimaryCtxRetain(&b, device_));
  EXPECT_EQ(a, b);
  unsigned flags = 99;
  int active = 0;
  KL_EXPECT(klDevicePrimaryCtxGetState(device_, &flags, &active));
  EXPECT_EQ(active, 1);
  EXPECT_EQ(klCtxDestroy(a), KL_ERROR_INVALID_CONTEXT);  // primary: release it instead

  KL_ASSERT(klCtxPushCurrent(a));
  KLdeviceptr p = 0;
  KL_EXPECT(klMemAlloc(&p, 4096));
  // Reset: everything in it is gone, the handle stays and works.
  KL_EXPECT(klDevicePrimaryCtxReset(device_));
  KLdeviceptr base = 0;
  EXPECT_EQ(klMemGetAddressRange(&base, nullptr, p), KL_ERROR_NOT_FOUND);
  KL_EXPECT(klMemAlloc(&p, 4096));
  KL_EXPECT(klMemFree(p));

  KL_EXPECT(klDevicePrimaryCtxRelease(device_));
  KL_EXPECT(klDevicePrimaryCtxRelease(device_));
  KL_EXPECT(klDevicePrimaryCtxGetState(device_, &flags, &active));
  EXPECT_EQ(active, 0);
  EXPECT_EQ(klDevicePrimaryCtxRelease(device_), KL_ERROR_INVALID_CONTEXT);
  // Still current on this thread, but inactive.
  EXPECT_EQ(klMemAlloc(&p, 4096), KL_ERROR_CONTEXT_IS_DESTROYED);
  EXPECT_FALSE(LastError().empty());
  // A new retain brings the same handle back to life.
  KL_ASSERT(klDevicePrimaryCtxRetain(&b, device_));
  EXPECT_EQ(a, b);
  KL_EXPECT(klMemAlloc(&p, 4096));
  KL_EXPECT(klMemFree(p));
  KL_EXPECT(klDevicePrimaryCtxSetFlags(device_, KL_CTX_SCHED_YIELD));
  EXPECT_EQ(klDevicePrimaryCtxSetFlags(device_, 0x80), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klDevicePrimaryCtxGetState(device_, &flags, &active));
  EXPECT_EQ(flags, static_cast<unsigned>(KL_CTX_SCHED_YIELD));
  KL_EXPECT(klDevicePrimaryCtxRelease(device_));
  KLcontext popped = nullptr;
  KL_EXPECT(klCtxPopCurrent(&popped));
  EXPECT_EQ(popped, a);
}

TEST_F(DeviceTest, UnsupportedEntryPointsSaySo) {
  KLlinkState link = nullptr;
  EXPECT_EQ(klLinkCreate(0, nullptr, nullptr, &link), KL_ERROR_NOT_SUPPORTED);
}

}  // namespace
}  // namespace keel_vk_test
