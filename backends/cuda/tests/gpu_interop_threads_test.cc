// Lazy loading, the native driver seen through Keel's handles, recovery when
// the CUDA current context is changed behind Keel's back, and many threads.
#include <dlfcn.h>

#include <atomic>
#include <thread>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

// A few libcuda entry points, opened directly as an application using native
// interop would (plain exports whose ABI never changed).
struct NativeCuda {
  NativeCuda() {
    lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return;
    func_is_loaded = reinterpret_cast<int (*)(int*, void*)>(dlsym(lib, "cuFuncIsLoaded"));
    loading_mode = reinterpret_cast<int (*)(int*)>(dlsym(lib, "cuModuleGetLoadingMode"));
    ctx_set_current = reinterpret_cast<int (*)(void*)>(dlsym(lib, "cuCtxSetCurrent"));
    ctx_get_current = reinterpret_cast<int (*)(void**)>(dlsym(lib, "cuCtxGetCurrent"));
    stream_query = reinterpret_cast<int (*)(void*)>(dlsym(lib, "cuStreamQuery"));
  }
  void* lib = nullptr;
  int (*func_is_loaded)(int* state, void* func) = nullptr;
  int (*loading_mode)(int* mode) = nullptr;
  int (*ctx_set_current)(void* ctx) = nullptr;
  int (*ctx_get_current)(void** ctx) = nullptr;
  int (*stream_query)(void* stream) = nullptr;
};

using CudaLazyLoading = CudaGpuTest;
using CudaInterop = CudaGpuTest;
using CudaThreads = CudaGpuTest;

// Whatever CUDA_MODULE_LOADING says, a kernel is loaded once
// klModuleGetFunction has returned it (docs/backends/cuda.md).
TEST_F(CudaLazyLoading, KernelsAreLoadedWhenLookedUp) {
  NativeCuda native;
  ASSERT_NE(native.loading_mode, nullptr);
  int mode = 0;
  ASSERT_EQ(native.loading_mode(&mode), 0);
  std::printf("[ loading  ] CUDA module loading mode: %s\n", mode == 2 ? "lazy" : "eager");
  if (native.func_is_loaded == nullptr) GTEST_SKIP() << "cuFuncIsLoaded needs a CUDA 12.4 driver";
  for (const char* file : {"smoke.ptx", "smoke.fatbin"}) {
    KLmodule m = Load(file);
    for (const char* name : {"vec_add", "dynamic_shared", "spin"}) {
      void* f = nullptr;
      KL_ASSERT_OK(klFuncGetNativeHandle(&f, Fn(m, name)));
      int state = -1;
      ASSERT_EQ(native.func_is_loaded(&state, f), 0);
      EXPECT_EQ(state, 1) << file << " " << name << " is not loaded after klModuleGetFunction";
    }
    KL_EXPECT_OK(klModuleUnload(m));
  }
}

TEST_F(CudaInterop, NativeHandlesAreTheDriversObjects) {
  NativeCuda native;
  ASSERT_NE(native.stream_query, nullptr);
  KLstream s = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, 0));
  void* cu_stream = nullptr;
  KL_ASSERT_OK(klStreamGetNativeHandle(&cu_stream, s));
  EXPECT_EQ(native.stream_query(cu_stream), 0);  // CUDA_SUCCESS: a live, idle CUstream
  void* cu_ctx = nullptr;
  void* current = nullptr;
  KL_ASSERT_OK(klCtxGetNativeHandle(&cu_ctx, ctx_));
  ASSERT_EQ(native.ctx_get_current(&current), 0);
  EXPECT_EQ(current, cu_ctx);
  KL_EXPECT_OK(klStreamDestroy(s));
}

// Someone calls cuCtxSetCurrent(NULL) (or cudaSetDevice) behind Keel's back:
// the next Keel calls still run in the right context.
TEST_F(CudaInterop, RecoversWhenTheCudaCurrentContextChangesBehindKeel) {
  NativeCuda native;
  ASSERT_NE(native.ctx_set_current, nullptr);
  KLmodule m = Load("smoke.ptx");
  KLfunction fill = Fn(m, "fill_u32");
  KLdeviceptr out = AllocU32(64);
  ASSERT_EQ(native.ctx_set_current(nullptr), 0);
  KLdeviceptr more = 0;
  KL_ASSERT_OK(klMemAlloc(&more, 256));  // cuMemAlloc needs a context: Keel rebinds and retries
  void *cu_ctx = nullptr, *current = nullptr;
  KL_ASSERT_OK(klCtxGetNativeHandle(&cu_ctx, ctx_));
  ASSERT_EQ(native.ctx_get_current(&current), 0);
  EXPECT_EQ(current, cu_ctx);
  ASSERT_EQ(native.ctx_set_current(nullptr), 0);
  unsigned int value = 77, n = 64;
  void* params[] = {&out, &value, &n};
  KL_ASSERT_OK(klLaunchKernel(fill, 1, 1, 1, 64, 1, 1, 0, nullptr, params, nullptr));
  ASSERT_EQ(native.ctx_set_current(nullptr), 0);
  KL_ASSERT_OK(klMemcpyDtoD(more, out, 256));
  for (unsigned int v : ReadU32(more, 64)) ASSERT_EQ(v, 77u);
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klMemFree(more));
  KL_EXPECT_OK(klModuleUnload(m));
}

// Many threads launch into one context on their own streams while looking the
// same kernel up: one handle, every result right.
TEST_F(CudaThreads, ConcurrentLookupsAndLaunches) {
  KLmodule m = Load("smoke.ptx");
  constexpr int kThreads = 8, kLaunches = 500;
  constexpr unsigned int n = 4096;
  std::vector<KLdeviceptr> outs(kThreads);
  for (auto& o : outs) o = AllocU32(n);
  std::vector<KLfunction> seen(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      KLfunction f = nullptr;
      KLstream s = nullptr;
      // A context may be current on many threads at once.
      if (klCtxPushCurrent(ctx_) != KL_SUCCESS || klModuleGetFunction(&f, m, "fill_u32") != KL_SUCCESS ||
          klStreamCreate(&s, KL_STREAM_NON_BLOCKING) != KL_SUCCESS) {
        failures.fetch_add(1);
        return;
      }
      seen[t] = f;
      unsigned int count = n;
      for (int i = 0; i < kLaunches; ++i) {
        unsigned int value = static_cast<unsigned int>(t * 100000 + i);
        void* params[] = {&outs[t], &value, &count};
        if (klLaunchKernel(f, n / 256, 1, 1, 256, 1, 1, 0, s, params, nullptr) != KL_SUCCESS) failures.fetch_add(1);
      }
      if (klStreamSynchronize(s) != KL_SUCCESS || klStreamDestroy(s) != KL_SUCCESS) failures.fetch_add(1);
      klCtxPopCurrent(nullptr);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(seen[t], seen[0]);
    for (unsigned int v : ReadU32(outs[t], n)) ASSERT_EQ(v, static_cast<unsigned int>(t * 100000 + kLaunches - 1));
    KL_EXPECT_OK(klMemFree(outs[t]));
  }
  KL_EXPECT_OK(klModuleUnload(m));
}

}  // namespace
}  // namespace keel::cuda::test
