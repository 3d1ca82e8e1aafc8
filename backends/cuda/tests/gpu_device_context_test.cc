// Devices, contexts, primary contexts, threads, and the CUDA current context.
#include <dlfcn.h>

#include <cstdint>
#include <thread>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

using CudaDevice = CudaGpuTest;
using CudaContext = CudaGpuTest;
using CudaPrimaryContext = CudaGpuTest;

TEST_F(CudaDevice, NameUuidPciMemoryAndNativeHandle) {
  char name[256] = "";
  KL_ASSERT_OK(klDeviceGetName(name, sizeof name, device_));
  EXPECT_GT(std::strlen(name), 0u);
  char shortname[5];
  KL_ASSERT_OK(klDeviceGetName(shortname, sizeof shortname, device_));
  EXPECT_EQ(std::strlen(shortname), 4u);
  KLuuid uuid{};
  KL_ASSERT_OK(klDeviceGetUuid(&uuid, device_));
  EXPECT_NE(std::memcmp(uuid.bytes, KLuuid{}.bytes, 16), 0);
  char pci[32] = "";
  KL_ASSERT_OK(klDeviceGetPCIBusId(pci, sizeof pci, device_));
  EXPECT_GE(std::strlen(pci), 12u) << pci;  // dddd:bb:dd.f
  size_t total = 0;
  KL_ASSERT_OK(klDeviceTotalMem(&total, device_));
  EXPECT_GT(total, size_t{1} << 30);
  void* native = reinterpret_cast<void*>(-1);
  KL_ASSERT_OK(klDeviceGetNativeHandle(&native, device_));
  EXPECT_GE(reinterpret_cast<intptr_t>(native), 0);
  KL_EXPECT_ERROR(klDeviceGetName(nullptr, 10, device_), KL_ERROR_INVALID_VALUE, "klDeviceGetName");
  KL_EXPECT_ERROR(klDeviceGetUuid(nullptr, device_), KL_ERROR_INVALID_VALUE, "uuid is NULL");
}

TEST_F(CudaDevice, EveryAttributeHasAValue) {
  for (int a = 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
    int v = -12345;
    EXPECT_EQ(klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(a), device_), KL_SUCCESS)
        << "attribute " << a << ": " << LastError();
    EXPECT_NE(v, -12345) << "attribute " << a;
  }
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_WARP_SIZE), 32);
  EXPECT_GE(Attr(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK), 1024);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X), 2147483647);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK), 48 * 1024);
  EXPECT_GT(Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), 48 * 1024);
  EXPECT_GE(Attr(KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR), 5);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_SHADER_INT64), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD), 1);
  EXPECT_EQ(Attr(KL_DEVICE_ATTRIBUTE_TIMESTAMPS), 1);
  int params = Attr(KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES);
  EXPECT_TRUE(params == 32764 || params == 4096) << params;
  int v = 0;
  KL_EXPECT_ERROR(klDeviceGetAttribute(&v, KL_DEVICE_ATTRIBUTE_COUNT_, device_), KL_ERROR_INVALID_VALUE,
                  "not a KLdevice_attribute");
  KL_EXPECT_ERROR(klDeviceGetAttribute(nullptr, KL_DEVICE_ATTRIBUTE_WARP_SIZE, device_), KL_ERROR_INVALID_VALUE,
                  "pi is NULL");
}

TEST_F(CudaContext, QueriesOfTheCurrentContext) {
  KLdevice d = nullptr;
  KL_ASSERT_OK(klCtxGetDevice(&d));
  EXPECT_EQ(d, device_);
  int least = 99, greatest = 99;
  KL_ASSERT_OK(klCtxGetStreamPriorityRange(&least, &greatest));
  EXPECT_LE(greatest, least);
  KL_EXPECT_OK(klCtxGetStreamPriorityRange(nullptr, nullptr));
  KL_EXPECT_OK(klCtxSynchronize());
  void* native = nullptr;
  KL_ASSERT_OK(klCtxGetNativeHandle(&native, ctx_));
  EXPECT_NE(native, nullptr);
  KL_EXPECT_ERROR(klCtxCreate(nullptr, 0, device_), KL_ERROR_INVALID_VALUE, "pctx is NULL");
  KLcontext c = nullptr;
  KL_EXPECT_ERROR(klCtxCreate(&c, 0x100, device_), KL_ERROR_INVALID_VALUE, "flags");
}

// The Keel current context drives CUDA's: libraries on the runtime API see it.
TEST_F(CudaContext, KeelCurrentContextIsTheCudaCurrentContext) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr);
  using GetCurrent = int (*)(void**);
  auto cu_ctx_get_current = reinterpret_cast<GetCurrent>(dlsym(lib, "cuCtxGetCurrent"));
  ASSERT_NE(cu_ctx_get_current, nullptr);
  KLcontext other = nullptr;
  KL_ASSERT_OK(klCtxCreate(&other, KL_CTX_SCHED_BLOCKING_SYNC, device_));  // pushed: current now
  void *native_ctx = nullptr, *native_other = nullptr, *cur = nullptr;
  KL_ASSERT_OK(klCtxGetNativeHandle(&native_ctx, ctx_));
  KL_ASSERT_OK(klCtxGetNativeHandle(&native_other, other));
  ASSERT_EQ(cu_ctx_get_current(&cur), 0);
  EXPECT_EQ(cur, native_other);
  KLcontext popped = nullptr;
  KL_ASSERT_OK(klCtxPopCurrent(&popped));
  EXPECT_EQ(popped, other);
  ASSERT_EQ(cu_ctx_get_current(&cur), 0);
  EXPECT_EQ(cur, native_ctx);
  KL_ASSERT_OK(klCtxPushCurrent(other));
  ASSERT_EQ(cu_ctx_get_current(&cur), 0);
  EXPECT_EQ(cur, native_other);
  KL_ASSERT_OK(klCtxDestroy(other));
  KLcontext now = nullptr;
  KL_ASSERT_OK(klCtxGetCurrent(&now));
  EXPECT_EQ(now, ctx_);
  ASSERT_EQ(cu_ctx_get_current(&cur), 0);
  EXPECT_EQ(cur, native_ctx);
}

// Objects remember their context: a launch and copies on objects of context
// A work while context B is current, and memory calls go to B.
TEST_F(CudaContext, ObjectsRunInTheirOwnContext) {
  KLmodule m = Load("smoke.ptx");
  KLfunction fill = Fn(m, "fill_u32");
  KLstream s = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  KLdeviceptr out = AllocU32(256);
  KLcontext b = nullptr;
  KL_ASSERT_OK(klCtxCreate(&b, 0, device_));  // b is current now
  unsigned int value = 7, n = 256;
  void* params[] = {&out, &value, &n};
  KL_EXPECT_OK(klLaunchKernel(fill, 1, 1, 1, 256, 1, 1, 0, s, params, nullptr));
  KL_EXPECT_OK(klStreamSynchronize(s));
  KLdeviceptr in_b = 0;
  KL_ASSERT_OK(klMemAlloc(&in_b, 1024));
  KL_EXPECT_OK(klMemcpyDtoD(in_b, out, 1024));  // unified addressing spans contexts
  std::vector<unsigned int> host(256);
  KL_EXPECT_OK(klMemcpyDtoH(host.data(), in_b, 1024));
  for (unsigned int v : host) ASSERT_EQ(v, 7u);
  KL_EXPECT_OK(klMemFree(in_b));
  KL_ASSERT_OK(klCtxDestroy(b));
  KL_EXPECT_OK(klStreamDestroy(s));
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

// A context floats between threads (pop on one, push on another), and
// objects are usable from threads where no context is current at all.
TEST_F(CudaContext, FloatsBetweenThreads) {
  KLmodule m = Load("smoke.ptx");
  KLfunction fill = Fn(m, "fill_u32");
  KLdeviceptr out = AllocU32(64);
  KLcontext popped = nullptr;
  KL_ASSERT_OK(klCtxPopCurrent(&popped));
  ASSERT_EQ(popped, ctx_);
  KLresult r1 = KL_ERROR_UNKNOWN, r2 = KL_ERROR_UNKNOWN, r3 = KL_ERROR_UNKNOWN;
  std::thread worker([&] {
    r1 = klCtxPushCurrent(ctx_);
    unsigned int value = 42, n = 32;
    void* params[] = {&out, &value, &n};
    r2 = klLaunchKernel(fill, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr);
    r3 = klCtxSynchronize();
    klCtxPopCurrent(nullptr);
  });
  worker.join();
  EXPECT_EQ(r1, KL_SUCCESS);
  EXPECT_EQ(r2, KL_SUCCESS);
  EXPECT_EQ(r3, KL_SUCCESS);
  KLresult r4 = KL_ERROR_UNKNOWN;
  std::thread bare([&] {  // no current context on this thread
    unsigned int value = 43, n = 64;
    void* params[] = {&out, &value, &n};
    KLresult a = klLaunchKernel(fill, 1, 1, 1, 64, 1, 1, 0, nullptr, params, nullptr);
    r4 = a != KL_SUCCESS ? a : klModuleGetFunction(&fill, m, "fill_u32");
  });
  bare.join();
  EXPECT_EQ(r4, KL_SUCCESS);
  KL_ASSERT_OK(klCtxPushCurrent(ctx_));
  KL_ASSERT_OK(klCtxSynchronize());
  for (unsigned int v : ReadU32(out, 64)) EXPECT_EQ(v, 43u);
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaContext, DestroyFreesObjectsCreatedInIt) {
  KLcontext c = nullptr;
  KL_ASSERT_OK(klCtxCreate(&c, 0, device_));
  KLmodule m = Load("smoke.ptx");
  Fn(m, "vec_add");
  KLstream s = nullptr;
  KLevent e = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, 0));
  KL_ASSERT_OK(klEventCreate(&e, 0));
  KL_ASSERT_OK(klEventRecord(e, s));
  KL_EXPECT_OK(klCtxDestroy(c));  // frees m, s, e without the caller
  KL_EXPECT_ERROR(klCtxDestroy(nullptr), KL_ERROR_INVALID_HANDLE, "ctx");
}

TEST_F(CudaPrimaryContext, RetainReleaseStateFlagsReset) {
  KLcontext p1 = nullptr, p2 = nullptr;
  KL_ASSERT_OK(klDevicePrimaryCtxSetFlags(device_, KL_CTX_SCHED_BLOCKING_SYNC));
  KL_ASSERT_OK(klDevicePrimaryCtxRetain(&p1, device_));
  KL_ASSERT_OK(klDevicePrimaryCtxRetain(&p2, device_));
  EXPECT_EQ(p1, p2);
  unsigned int flags = 0;
  int active = 0;
  KL_ASSERT_OK(klDevicePrimaryCtxGetState(device_, &flags, &active));
  EXPECT_EQ(active, 1);
  EXPECT_EQ(flags, static_cast<unsigned int>(KL_CTX_SCHED_BLOCKING_SYNC));
  // Use it: it is a context like any other, but never destroyed by klCtxDestroy.
  KL_ASSERT_OK(klCtxPushCurrent(p1));
  KLmodule m = Load("smoke.ptx");
  KLfunction fill = Fn(m, "fill_u32");
  KLdeviceptr out = AllocU32(32);
  unsigned int value = 5, n = 32;
  void* params[] = {&out, &value, &n};
  KL_EXPECT_OK(klLaunchKernel(fill, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr));
  for (unsigned int v : ReadU32(out, 32)) EXPECT_EQ(v, 5u);
  KL_EXPECT_ERROR(klCtxDestroy(p1), KL_ERROR_INVALID_CONTEXT, "klDevicePrimaryCtxRelease");
  // Reset destroys its objects; the retains stay and the context is usable.
  KL_ASSERT_OK(klDevicePrimaryCtxReset(device_));
  KL_ASSERT_OK(klCtxSetCurrent(p1));
  KLdeviceptr again = 0;
  KL_EXPECT_OK(klMemAlloc(&again, 64));
  KL_EXPECT_OK(klMemFree(again));
  KL_ASSERT_OK(klCtxPopCurrent(nullptr));
  KL_EXPECT_OK(klDevicePrimaryCtxRelease(device_));
  KL_EXPECT_OK(klDevicePrimaryCtxRelease(device_));
  KL_EXPECT_ERROR(klDevicePrimaryCtxRelease(device_), KL_ERROR_INVALID_CONTEXT, "not retained");
  KL_EXPECT_ERROR(klDevicePrimaryCtxSetFlags(device_, 0x40), KL_ERROR_INVALID_VALUE, "flags");
  KL_EXPECT_ERROR(klDevicePrimaryCtxGetState(device_, nullptr, &active), KL_ERROR_INVALID_VALUE, "NULL");
  KL_EXPECT_OK(klDevicePrimaryCtxSetFlags(device_, 0));
}

}  // namespace
}  // namespace keel::cuda::test
