// The pinned-staging path of pageable copies (staging.cc) on a real GPU:
// what the driver reports for pageable, pinned and registered memory (the
// detection the path relies on), staged copies across context teardown and
// primary-context release (buffers freed, copy pool stopped and restarted),
// and pinned/registered memory, which keeps the direct path.
#include <cuda.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

using CudaStaging = CudaGpuTest;

// Fills, copies up and down through Keel (pageable when `host` is plain
// memory) and checks every byte against a pinned read-back.
void RoundTrip(void* host, size_t bytes, unsigned seed) {
  auto* h = static_cast<unsigned char*>(host);
  for (size_t i = 0; i < bytes; ++i) h[i] = static_cast<unsigned char>((i * 131 + seed) >> 3);
  std::vector<unsigned char> want(h, h + bytes);
  KLdeviceptr d = 0;
  KL_ASSERT_OK(klMemAlloc(&d, bytes));
  KL_ASSERT_OK(klMemcpyHtoD(d, host, bytes));
  void* pinned = nullptr;
  KL_ASSERT_OK(klMemHostAlloc(&pinned, bytes, 0));
  KL_ASSERT_OK(klMemcpyDtoH(pinned, d, bytes));
  EXPECT_EQ(0, std::memcmp(pinned, want.data(), bytes)) << "device copy";
  std::memset(host, 0, bytes);
  KL_ASSERT_OK(klMemcpyDtoH(host, d, bytes));
  EXPECT_EQ(0, std::memcmp(host, want.data(), bytes)) << "host copy";
  KL_EXPECT_OK(klMemFreeHost(pinned));
  KL_EXPECT_OK(klMemFree(d));
}

// The staging path takes host memory for pageable when cuPointerGetAttributes
// reports no memory type. This records what the driver answers for each kind
// of host memory (plain exports of libcuda, current context = Keel's).
TEST_F(CudaStaging, DriverReportsPageableMemoryAsUnknown) {
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr);
  using GetAttribute = CUresult (*)(void*, CUpointer_attribute, CUdeviceptr);
  using GetAttributes = CUresult (*)(unsigned, CUpointer_attribute*, void**, CUdeviceptr);
  using HostGetFlags = CUresult (*)(unsigned*, void*);
  auto get1 = reinterpret_cast<GetAttribute>(dlsym(lib, "cuPointerGetAttribute"));
  auto getn = reinterpret_cast<GetAttributes>(dlsym(lib, "cuPointerGetAttributes"));
  auto flags = reinterpret_cast<HostGetFlags>(dlsym(lib, "cuMemHostGetFlags"));
  ASSERT_TRUE(get1 && getn && flags);

  std::vector<unsigned char> heap(8 * kMiB, 1);
  void* registered = std::aligned_alloc(4096, 4 * kMiB);
  ASSERT_NE(registered, nullptr);
  KL_ASSERT_OK(klMemHostRegister(registered, 4 * kMiB, 0));
  void* pinned = nullptr;
  KL_ASSERT_OK(klMemHostAlloc(&pinned, 4 * kMiB, 0));
  struct Kind {
    const char* name;
    void* p;
    unsigned want_type;
  } kinds[] = {{"malloc", heap.data() + 12345, 0},
               {"registered", static_cast<char*>(registered) + 100, CU_MEMORYTYPE_HOST},
               {"klMemHostAlloc", static_cast<char*>(pinned) + 100, CU_MEMORYTYPE_HOST}};
  for (const Kind& k : kinds) {
    auto ptr = reinterpret_cast<CUdeviceptr>(k.p);
    unsigned type1 = 0xFFFF, typen = 0xFFFF, f = 0;
    CUresult r1 = get1(&type1, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, ptr);
    CUpointer_attribute attr = CU_POINTER_ATTRIBUTE_MEMORY_TYPE;
    void* data[] = {&typen};
    CUresult rn = getn(1, &attr, data, ptr);
    CUresult rf = flags(&f, k.p);
    std::printf("[ message  ] %-14s cuPointerGetAttribute(MEMORY_TYPE) = %d (type %u); cuPointerGetAttributes = %d "
                "(type %u); cuMemHostGetFlags = %d (flags 0x%x)\n",
                k.name, r1, type1, rn, typen, rf, f);
    EXPECT_EQ(rn, CUDA_SUCCESS) << k.name;
    EXPECT_EQ(typen, k.want_type) << k.name;
  }
  KL_EXPECT_OK(klMemFreeHost(pinned));
  KL_EXPECT_OK(klMemHostUnregister(registered));
  std::free(registered);
}

// Staged copies in a created context, destroyed with its staging buffers,
// then in a new one (the copy pool stopped with the last user and starts
// again), then in the primary context across its release and re-retain.
TEST_F(CudaStaging, StagingSurvivesContextTeardown) {
  std::vector<unsigned char> host(24 * kMiB + 3);
  for (int round = 0; round < 3; ++round) {
    KLcontext c = nullptr;
    KL_ASSERT_OK(klCtxCreate(&c, 0, device_));
    ASSERT_NO_FATAL_FAILURE(RoundTrip(host.data(), host.size(), round));
    KL_ASSERT_OK(klCtxDestroy(c));
  }
  for (int round = 0; round < 2; ++round) {
    KLcontext primary = nullptr;
    KL_ASSERT_OK(klDevicePrimaryCtxRetain(&primary, device_));
    KL_ASSERT_OK(klCtxPushCurrent(primary));
    ASSERT_NO_FATAL_FAILURE(RoundTrip(host.data() + 1, host.size() - 1, 10 + round));
    KL_ASSERT_OK(klCtxPopCurrent(nullptr));
    KL_ASSERT_OK(klDevicePrimaryCtxRelease(device_));
  }
}

// Pinned and registered memory keep the direct path and copy correctly at
// sizes the staging path would take.
TEST_F(CudaStaging, PinnedAndRegisteredMemoryCopyDirectly) {
  void* pinned = nullptr;
  KL_ASSERT_OK(klMemHostAlloc(&pinned, 16 * kMiB, 0));
  ASSERT_NO_FATAL_FAILURE(RoundTrip(pinned, 16 * kMiB, 1));
  KL_EXPECT_OK(klMemFreeHost(pinned));
  void* registered = std::aligned_alloc(4096, 16 * kMiB);
  ASSERT_NE(registered, nullptr);
  KL_ASSERT_OK(klMemHostRegister(registered, 16 * kMiB, 0));
  ASSERT_NO_FATAL_FAILURE(RoundTrip(registered, 16 * kMiB, 2));
  KL_EXPECT_OK(klMemHostUnregister(registered));
  std::free(registered);
}

}  // namespace
}  // namespace keel::cuda::test
