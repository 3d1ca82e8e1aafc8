// Launches: argument forms, grid shapes, limits, dynamic shared memory.
#include <cstdint>
#include <cstring>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

using CudaLaunch = CudaGpuTest;

TEST_F(CudaLaunch, VectorAddWithKernelParams) {
  KLmodule m = Load("smoke.fatbin");
  constexpr int n = 100000;
  std::vector<float> a(n), b(n), c(n, -1.0f);
  for (int i = 0; i < n; ++i) a[i] = static_cast<float>(i) * 0.5f, b[i] = static_cast<float>(n - i);
  KLdeviceptr da = 0, db = 0, dc = 0;
  KL_ASSERT_OK(klMemAlloc(&da, n * 4));
  KL_ASSERT_OK(klMemAlloc(&db, n * 4));
  KL_ASSERT_OK(klMemAlloc(&dc, n * 4));
  KL_ASSERT_OK(klMemcpyHtoD(da, a.data(), n * 4));
  KL_ASSERT_OK(klMemcpyHtoD(db, b.data(), n * 4));
  int count = n;
  void* params[] = {&da, &db, &dc, &count};
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "vec_add"), (n + 255) / 256, 1, 1, 256, 1, 1, 0, nullptr, params, nullptr));
  KL_ASSERT_OK(klMemcpyDtoH(c.data(), dc, n * 4));
  for (int i = 0; i < n; ++i) ASSERT_EQ(c[i], a[i] + b[i]) << i;
  for (KLdeviceptr p : {da, db, dc}) KL_EXPECT_OK(klMemFree(p));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLaunch, PackedExtraBufferFollowsTheParameterLayout) {
  KLmodule m = Load("smoke.ptx");
  KLdeviceptr out = AllocU32(3);
  // args_mixed(i8 a, double b, u32* out): a@0, b@8, out@16.
  alignas(8) unsigned char buffer[24] = {};
  signed char a = -5;
  double b = 3.25;
  std::memcpy(buffer + 0, &a, 1);
  std::memcpy(buffer + 8, &b, 8);
  std::memcpy(buffer + 16, &out, 8);
  size_t size = sizeof buffer;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &size, KL_LAUNCH_PARAM_END};
  KLfunction f = Fn(m, "args_mixed");
  KL_ASSERT_OK(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, extra));
  auto v = ReadU32(out, 3);
  uint64_t bits = 0;
  std::memcpy(&bits, &b, 8);
  EXPECT_EQ(v[0], static_cast<unsigned int>(-5));
  EXPECT_EQ(v[1], static_cast<unsigned int>(bits));
  EXPECT_EQ(v[2], static_cast<unsigned int>(bits >> 32));
  // Both forms at once, neither, a short buffer, a malformed list.
  void* params[] = {&a, &b, &out};
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, params, extra), KL_ERROR_INVALID_VALUE, "both");
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr), KL_ERROR_INVALID_VALUE,
                  "neither");
  size_t small = 16;
  void* short_extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &small,
                         KL_LAUNCH_PARAM_END};
  size_t count = 0;
  if (klFuncGetParamCount(f, &count) == KL_SUCCESS) {
    KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, short_extra), KL_ERROR_INVALID_VALUE,
                    "16 bytes");
  }
  void* bad_extra[] = {reinterpret_cast<void*>(7), buffer, KL_LAUNCH_PARAM_END};
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, bad_extra), KL_ERROR_INVALID_VALUE,
                  "marker");
  KL_EXPECT_OK(klLaunchKernel(Fn(m, "empty"), 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr));
  KL_EXPECT_OK(klCtxSynchronize());
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLaunch, ThreeDimensionalGridsAndBlocks) {
  KLmodule m = Load("smoke.ptx");
  KLdeviceptr out = AllocU32(6), count = AllocU32(1, 0);
  void* params[] = {&out, &count};
  KLstream s = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, 0));
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "grid_dims"), 3, 5, 7, 4, 2, 8, 0, s, params, nullptr));
  KL_ASSERT_OK(klStreamSynchronize(s));
  auto dims = ReadU32(out, 6);
  const unsigned int expected[] = {3, 5, 7, 4, 2, 8};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(dims[i], expected[i]) << i;
  EXPECT_EQ(ReadU32(count, 1)[0], 3u * 5 * 7 * 4 * 2 * 8);
  KL_EXPECT_OK(klStreamDestroy(s));
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klMemFree(count));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLaunch, OverLimitLaunchesNameTheLimit) {
  KLmodule m = Load("smoke.ptx");
  KLdeviceptr out = AllocU32(1024), count = AllocU32(1, 0);
  void* params[] = {&out, &count};
  KLfunction f = Fn(m, "grid_dims");
  unsigned int max_y = static_cast<unsigned int>(Attr(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y));
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, max_y + 1, 1, 1, 1, 1, 0, nullptr, params, nullptr), KL_ERROR_INVALID_VALUE,
                  "gridDim.y");
  KL_EXPECT_ERROR(klLaunchKernel(f, 0, 1, 1, 1, 1, 1, 0, nullptr, params, nullptr), KL_ERROR_INVALID_VALUE,
                  "gridDim.x is 0");
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 2048, 1, 1, 0, nullptr, params, nullptr), KL_ERROR_INVALID_VALUE,
                  "blockDim.x");
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 32, 32, 2, 0, nullptr, params, nullptr), KL_ERROR_INVALID_VALUE,
                  "2048 threads");
  void* bparams[] = {&out};
  KL_EXPECT_ERROR(klLaunchKernel(Fn(m, "bounded"), 1, 1, 1, 256, 1, 1, 0, nullptr, bparams, nullptr),
                  KL_ERROR_INVALID_VALUE, "at most 128");
  KL_EXPECT_OK(klLaunchKernel(Fn(m, "bounded"), 1, 1, 1, 128, 1, 1, 0, nullptr, bparams, nullptr));
  KL_EXPECT_OK(klCtxSynchronize());  // the refused launches left the context usable
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klMemFree(count));
  KL_EXPECT_OK(klModuleUnload(m));
}

// Above 48 KiB the CUDA driver wants an opt-in; Keel sets it for the caller.
TEST_F(CudaLaunch, DynamicSharedMemoryAbove48KiB) {
  KLmodule m = Load("smoke.ptx");
  KLfunction f = Fn(m, "dynamic_shared");
  const int optin = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  ASSERT_GT(optin, 64 * 1024);
  const unsigned int blocks = 4;
  for (unsigned int bytes : {1024u, 64u * 1024, static_cast<unsigned int>(optin)}) {
    unsigned int words = bytes / 4;
    KLdeviceptr out = AllocU32(blocks * words);
    void* params[] = {&out, &words};
    KL_ASSERT_OK(klLaunchKernel(f, blocks, 1, 1, 256, 1, 1, bytes, nullptr, params, nullptr)) << bytes;
    auto v = ReadU32(out, blocks * words);
    for (unsigned int blk = 0; blk < blocks; ++blk) {
      for (unsigned int k = 0; k < words; ++k) {
        ASSERT_EQ(v[blk * words + k], ((k + 1) % words) * 3 + blk) << "bytes " << bytes << " block " << blk;
      }
    }
    KL_EXPECT_OK(klMemFree(out));
  }
  int limit = 0;
  KL_ASSERT_OK(klFuncGetAttribute(&limit, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  EXPECT_EQ(limit, optin);
  unsigned int words = 1;
  KLdeviceptr dummy = 0;
  void* params[] = {&dummy, &words};
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 32, 1, 1, static_cast<unsigned int>(optin) + 4, nullptr, params, nullptr),
                  KL_ERROR_LAUNCH_OUT_OF_RESOURCES, "OPTIN");
  // Explicit setting works too, and is what klFuncGetAttribute reports.
  KL_ASSERT_OK(klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 80 * 1024));
  KL_ASSERT_OK(klFuncGetAttribute(&limit, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  EXPECT_EQ(limit, 80 * 1024);
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLaunch, StreamOfAnotherContextIsRefused) {
  KLmodule m = Load("smoke.ptx");
  KLfunction f = Fn(m, "empty");
  KLcontext other = nullptr;
  KL_ASSERT_OK(klCtxCreate(&other, 0, device_));
  KLstream foreign = nullptr;
  KL_ASSERT_OK(klStreamCreate(&foreign, 0));
  KL_EXPECT_ERROR(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, foreign, nullptr, nullptr), KL_ERROR_INVALID_HANDLE,
                  "another context");
  KL_ASSERT_OK(klCtxDestroy(other));
  KL_EXPECT_OK(klModuleUnload(m));
}

// Back-to-back launches: the steady state the benchmark measures.
TEST_F(CudaLaunch, ManyLaunchesStayCorrect) {
  KLmodule m = Load("smoke.ptx");
  KLfunction f = Fn(m, "fill_u32");
  KLdeviceptr out = AllocU32(1024);
  unsigned int n = 1024;
  for (unsigned int i = 0; i < 10000; ++i) {
    void* params[] = {&out, &i, &n};
    ASSERT_EQ(klLaunchKernel(f, 4, 1, 1, 256, 1, 1, 0, nullptr, params, nullptr), KL_SUCCESS) << LastError();
  }
  for (unsigned int v : ReadU32(out, 1024)) ASSERT_EQ(v, 9999u);
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

}  // namespace
}  // namespace keel::cuda::test
