// Launches on the Vulkan backend: every conformance kernel, argument packing
// through kernelParams and extra, arguments over the push-constant limit,
// grids over the per-dispatch limit, and the launch checks.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using LaunchTest = VulkanTest;

KLresult Launch(KLfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                unsigned bz, unsigned shared, KLstream s, std::vector<void*> params) {
  return klLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, s, params.data(), nullptr);
}

TEST_F(LaunchTest, VecAdd) {
  KLfunction f = Function("basic", "vec_add");
  const int n = 10007;
  KLdeviceptr a = Alloc(n * 4), b = Alloc(n * 4), c = Alloc(n * 4 + 4);
  std::vector<float> ha(n), hb(n);
  for (int i = 0; i < n; ++i) {
    ha[i] = static_cast<float>(i) * 0.5f;
    hb[i] = 3.0f - static_cast<float>(i);
  }
  Write(a, ha);
  Write(b, hb);
  KL_ASSERT(klMemsetD32(c, 0x7fc00000u, n + 1));
  int count = n;
  KL_ASSERT(Launch(f, (n + 255) / 256, 1, 1, 256, 1, 1, 0, nullptr, {&a, &b, &c, &count}));
  std::vector<float> hc = Read<float>(c, n + 1);
  for (int i = 0; i < n; ++i) ASSERT_EQ(hc[i], ha[i] + hb[i]) << i;
  EXPECT_TRUE(std::isnan(hc[n]));  // past n: untouched
}

TEST_F(LaunchTest, GridsOverTheDispatchLimitAreSplit) {
  // lavapipe allows 65535 workgroups per dimension; KEEL_VULKAN_MAX_WORKGROUP_COUNT
  // (the small-limits run) lowers it to 7,5,3.
  KLfunction f = Function("basic", "coverage");
  struct Case {
    unsigned grid[3], block[3];
  };
  for (const Case& c : {Case{{70000, 1, 1}, {1, 1, 1}}, Case{{20, 11, 4}, {3, 2, 2}},
                        Case{{1, 70000, 1}, {1, 1, 1}}, Case{{9, 1, 7}, {4, 1, 1}}}) {
    uint32_t nx = c.grid[0] * c.block[0], ny = c.grid[1] * c.block[1], nz = c.grid[2] * c.block[2];
    size_t total = static_cast<size_t>(nx) * ny * nz;
    KLdeviceptr counts = Alloc(total * 4);
    KL_ASSERT(klMemsetD32(counts, 0, total));
    KL_ASSERT(Launch(f, c.grid[0], c.grid[1], c.grid[2], c.block[0], c.block[1], c.block[2], 0,
                     nullptr, {&counts, &nx, &ny, &nz}));
    std::vector<uint32_t> h = Read<uint32_t>(counts, total);
    for (size_t i = 0; i < total; ++i) ASSERT_EQ(h[i], 1u) << "index " << i << " of " << nx << "x" << ny << "x" << nz;
  }
  // A kernel without parameters (no header at all) splits too.
  KL_ASSERT(klLaunchKernel(Function("basic", "empty"), 200000, 3, 1, 1, 1, 1, 0, nullptr, nullptr,
                           nullptr));
  KL_ASSERT(klCtxSynchronize());
  // gridDim is the whole grid in every part.
  KLfunction dims = Function("basic", "grid_dims");
  KLdeviceptr out = Alloc(6 * 4);
  KL_ASSERT(Launch(dims, 70001, 9, 5, 2, 3, 4, 0, nullptr, {&out}));
  EXPECT_EQ(Read<uint32_t>(out, 6), (std::vector<uint32_t>{70001, 9, 5, 2, 3, 4}));
}

TEST_F(LaunchTest, ScalarArguments) {
  KLdeviceptr out = Alloc(64);
  {
    KLfunction f = Function("args", "args_i8");
    int8_t a = -7;
    uint8_t b = 250;
    KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, {&a, &b, &out}));
    EXPECT_EQ(Read<uint32_t>(out, 2), (std::vector<uint32_t>{0xfffffff9u, 250u}));
  }
  {
    KLfunction f = Function("args", "args_i16");
    int16_t a = -300;
    uint16_t b = 65000;
    KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, {&a, &b, &out}));
    EXPECT_EQ(Read<uint32_t>(out, 2), (std::vector<uint32_t>{static_cast<uint32_t>(-300), 65000u}));
  }
  {
    KLfunction f = Function("args", "args_i32_f32");
    int32_t a = -123456;
    uint32_t b = 0xfeedfaceu;
    float c = 1.25f;
    KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, {&a, &b, &c, &out}));
    uint32_t cbits;
    std::memcpy(&cbits, &c, 4);
    EXPECT_EQ(Read<uint32_t>(out, 3), (std::vector<uint32_t>{static_cast<uint32_t>(a), b, cbits}));
  }
  {
    KLfunction f = Function("args", "args_i64");
    int64_t a = -0x123456789abll;
    uint64_t b = 0xfedcba9876543210ull;
    KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, {&a, &b, &out}));
    uint64_t ua = static_cast<uint64_t>(a);
    EXPECT_EQ(Read<uint32_t>(out, 4),
              (std::vector<uint32_t>{static_cast<uint32_t>(ua), static_cast<uint32_t>(ua >> 32),
                                     static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32)}));
  }
  {
    KLfunction f = Function("args", "args_f64");
    double a = -3.141592653589793;
    KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, {&a, &out}));
    uint64_t bits;
    std::memcpy(&bits, &a, 8);
    EXPECT_EQ(Read<uint32_t>(out, 2),
              (std::vector<uint32_t>{static_cast<uint32_t>(bits), static_cast<uint32_t>(bits >> 32)}));
  }
}

// many_args_64 and struct_arg_256 have blocks over the push-constant limit
// of lavapipe and NVIDIA: their arguments go through a buffer.
TEST_F(LaunchTest, ArgumentsOverThePushConstantLimit) {
  KLdeviceptr out = Alloc(64 * 4);
  for (int n : {16, 64}) {
    KLfunction f = Function("args", n == 16 ? "many_args_16" : "many_args_64");
    std::vector<uint32_t> values(n - 1);
    std::vector<void*> params = {&out};
    uint32_t sum = 0;
    for (int k = 0; k < n - 1; ++k) {
      values[k] = 1000u * k + 17u;
      sum += values[k] * static_cast<uint32_t>(k + 1);
    }
    for (int k = 0; k < n - 1; ++k) params.push_back(&values[k]);
    // Launched twice on a grid over the small-limits dispatch limit: every
    // part gets its own copy of the block.
    KL_ASSERT(klMemsetD32(out, 0, 64));
    KL_ASSERT(klLaunchKernel(f, 9, 1, 1, 1, 1, 1, 0, nullptr, params.data(), nullptr));
    std::vector<uint32_t> h = Read<uint32_t>(out, n);
    EXPECT_EQ(h[0], sum) << n;
    for (int k = 0; k < n - 1; ++k) ASSERT_EQ(h[1 + k], values[k]) << n << " " << k;
  }
  KLfunction f = Function("args", "struct_arg_256");
  struct {
    uint32_t v[64];
    uint64_t out;
  } packed;
  for (uint32_t i = 0; i < 64; ++i) packed.v[i] = i * 3 + 1;
  packed.out = out;
  size_t size = sizeof packed;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &packed, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  KL_ASSERT(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, extra));
  std::vector<uint32_t> h = Read<uint32_t>(out, 64);
  for (uint32_t i = 0; i < 64; ++i) ASSERT_EQ(h[i], (i * 3 + 1) * 2 + 1) << i;

  KLfunction s16 = Function("args", "struct_arg_16");
  struct {
    int32_t a;
    float b;
    uint32_t c;
    int32_t d;
  } s = {-1, 2.5f, 7u, -9};
  KL_ASSERT(Launch(s16, 1, 1, 1, 1, 1, 1, 0, nullptr, {&s, &out}));
  uint32_t bbits;
  std::memcpy(&bbits, &s.b, 4);
  EXPECT_EQ(Read<uint32_t>(out, 4),
            (std::vector<uint32_t>{0xffffffffu, bbits, 7u, static_cast<uint32_t>(-9)}));
}

TEST_F(LaunchTest, SharedMemoryKernels) {
  const uint32_t n = 1000, block = 128, blocks = (n + block - 1) / block;
  KLdeviceptr in = Alloc(blocks * block * 4), out = Alloc(blocks * block * 4);
  std::vector<uint32_t> h(n);
  std::iota(h.begin(), h.end(), 5u);
  Write(in, h);
  uint32_t count = n;
  KL_ASSERT(Launch(Function("shared", "reverse_dynamic"), blocks, 1, 1, block, 1, 1, block * 4,
                   nullptr, {&in, &out, &count}));
  std::vector<uint32_t> r = Read<uint32_t>(out, n);
  for (uint32_t g = 0; g < n; ++g) {
    uint32_t t = g % block, src = g - t + (block - 1 - t);
    ASSERT_EQ(r[g], src < n ? h[src] : 0u) << g;
  }

  uint32_t words = 300;
  KLdeviceptr fill = Alloc(4 * words * 4);
  KL_ASSERT(Launch(Function("shared", "dynamic_shared_fill"), 4, 1, 1, 64, 1, 1, words * 4,
                   nullptr, {&fill, &words}));
  std::vector<uint32_t> f = Read<uint32_t>(fill, 4 * words);
  for (uint32_t b = 0; b < 4; ++b)
    for (uint32_t k = 0; k < words; ++k) ASSERT_EQ(f[b * words + k], ((k + 1) % words) * 3 + b);

  KLdeviceptr both = Alloc(2 * 256 * 4);
  uint32_t w = 256;
  KL_ASSERT(Launch(Function("shared", "static_plus_dynamic"), 2, 1, 1, 256, 1, 1, 256 * 4, nullptr,
                   {&both, &w}));
  std::vector<uint32_t> s = Read<uint32_t>(both, 512);
  for (uint32_t g = 0; g < 512; ++g) {
    uint32_t t = g % 256;
    ASSERT_EQ(s[g], ((t + 1) % 256) * 7 + ((t + 2) % 256) * 5 + 1) << g;
  }

  KLdeviceptr sum = Alloc(4);
  KL_ASSERT(klMemsetD32(sum, 0, 1));
  KL_ASSERT(Launch(Function("shared", "reduce_sum_u32"), blocks, 1, 1, 256, 1, 1, 0, nullptr,
                   {&in, &sum, &count}));
  EXPECT_EQ(Read<uint32_t>(sum, 1)[0], std::accumulate(h.begin(), h.end(), 0u));
}

TEST_F(LaunchTest, Atomics) {
  const uint32_t n = 5000;
  KLdeviceptr counter = Alloc(8);
  uint32_t count = n;
  KL_ASSERT(klMemsetD32(counter, 0, 2));
  KL_ASSERT(Launch(Function("atomics", "atomic_add_i32"), 40, 1, 1, 128, 1, 1, 0, nullptr,
                   {&counter, &count}));
  EXPECT_EQ(Read<int32_t>(counter, 1)[0], static_cast<int32_t>(n));
  if (Attribute(KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD)) {
    KL_ASSERT(klMemsetD32(counter, 0, 1));
    KL_ASSERT(Launch(Function("atomics", "atomic_add_f32"), 40, 1, 1, 128, 1, 1, 0, nullptr,
                     {&counter, &count}));
    EXPECT_EQ(Read<float>(counter, 1)[0], static_cast<float>(n));
  }
  if (Attribute(KL_DEVICE_ATTRIBUTE_SHADER_INT64)) {
    KL_ASSERT(klMemsetD32(counter, 0xffffffffu, 1));  // 0x00000000ffffffff: carries into the high word
    KL_ASSERT(klMemsetD32(counter + 4, 0, 1));
    KL_ASSERT(Launch(Function("atomics", "atomic_cas_u64"), 40, 1, 1, 128, 1, 1, 0, nullptr,
                     {&counter, &count}));
    EXPECT_EQ(Read<uint64_t>(counter, 1)[0], 0xffffffffull + n);
  }
  std::vector<int32_t> values(n);
  std::mt19937 rng(5);
  for (auto& v : values) v = static_cast<int32_t>(rng());
  KLdeviceptr in = Alloc(n * 4), out = Alloc(6 * 4);
  Write(in, values);
  std::vector<int32_t> init = {INT32_MAX, INT32_MIN, -1, 0, 0, 0};
  Write(out, init);
  KL_ASSERT(Launch(Function("atomics", "atomic_minmax"), 40, 1, 1, 128, 1, 1, 0, nullptr,
                   {&in, &out, &count}));
  std::vector<int32_t> r = Read<int32_t>(out, 6);
  int32_t mn = INT32_MAX, mx = INT32_MIN, a = -1, o = 0, x = 0;
  for (int32_t v : values) {
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    a &= v;
    o |= v;
    x ^= v;
  }
  EXPECT_EQ(r[0], mn);
  EXPECT_EQ(r[1], mx);
  EXPECT_EQ(r[2], a);
  EXPECT_EQ(r[3], o);
  EXPECT_EQ(r[4], x);
  EXPECT_NE(std::find(values.begin(), values.end(), r[5]), values.end());

  KLdeviceptr hist = Alloc(64 * 4);
  KL_ASSERT(klMemsetD32(hist, 0, 64));
  KL_ASSERT(Launch(Function("atomics", "shared_atomics"), 40, 1, 1, 128, 1, 1, 0, nullptr,
                   {&in, &hist, &count}));
  std::vector<uint32_t> want(64, 0);
  for (int32_t v : values) ++want[static_cast<uint32_t>(v) % 64];
  EXPECT_EQ(Read<uint32_t>(hist, 64), want);
}

TEST_F(LaunchTest, MatmulTiled) {
  const uint32_t M = 37, N = 45, K = 29;
  std::vector<float> A(M * K), B(K * N);
  for (uint32_t i = 0; i < M * K; ++i) A[i] = static_cast<float>(i % 7) - 3.0f;
  for (uint32_t i = 0; i < K * N; ++i) B[i] = static_cast<float>(i % 5) * 0.5f;
  KLdeviceptr a = Alloc(A.size() * 4), b = Alloc(B.size() * 4), c = Alloc(M * N * 4);
  Write(a, A);
  Write(b, B);
  uint32_t m = M, n = N, k = K;
  KL_ASSERT(Launch(Function("matmul", "matmul_tiled"), (N + 15) / 16, (M + 15) / 16, 1, 16, 16, 1,
                   0, nullptr, {&a, &b, &c, &m, &n, &k}));
  std::vector<float> C = Read<float>(c, M * N);
  for (uint32_t r = 0; r < M; ++r)
    for (uint32_t col = 0; col < N; ++col) {
      float want = 0;
      for (uint32_t i = 0; i < K; ++i) want += A[r * K + i] * B[i * N + col];
      ASSERT_FLOAT_EQ(C[r * N + col], want) << r << "," << col;
    }
}

TEST_F(LaunchTest, LimitsAreEnforcedBeforeAnythingRuns) {
  KLfunction f = Function("basic", "fill_u32");
  KLdeviceptr out = Alloc(4096);
  uint32_t value = 1, n = 1;
  std::vector<void*> params = {&out, &value, &n};
  EXPECT_EQ(Launch(f, 0, 1, 1, 1, 1, 1, 0, nullptr, params), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(Launch(f, 1, 1, 1, 0, 1, 1, 0, nullptr, params), KL_ERROR_INVALID_VALUE);
  const int max_threads = Attribute(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  EXPECT_EQ(Launch(f, 1, 1, 1, max_threads * 2, 1, 1, 0, nullptr, params), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("blockDim.x"), std::string::npos) << LastError();
  EXPECT_EQ(Launch(f, 1, 1, 1, 64, 64, 1, 0, nullptr, params), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("maxComputeWorkGroupInvocations"), std::string::npos) << LastError();
  EXPECT_EQ(Launch(f, 0x80000000u, 1, 1, 1, 1, 1, 0, nullptr, params), KL_ERROR_INVALID_VALUE);
  const int shared = Attribute(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  EXPECT_EQ(Launch(f, 1, 1, 1, 1, 1, 1, shared + 4, nullptr, params),
            KL_ERROR_LAUNCH_OUT_OF_RESOURCES);
  // static_plus_dynamic: 1 KiB static + dynamic over the limit.
  KLfunction both = Function("shared", "static_plus_dynamic");
  uint32_t words = 1;
  std::vector<void*> bp = {&out, &words};
  EXPECT_EQ(Launch(both, 1, 1, 1, 1, 1, 1, shared - 512, nullptr, bp),
            KL_ERROR_LAUNCH_OUT_OF_RESOURCES);
  EXPECT_NE(LastError().find("static"), std::string::npos) << LastError();
  void* extra[] = {KL_LAUNCH_PARAM_END};
  EXPECT_EQ(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, params.data(), extra),
            KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr),
            KL_ERROR_INVALID_VALUE);
  // A stream of another context.
  KLcontext other = nullptr;
  KL_ASSERT(klCtxCreate(&other, 0, device_));
  KLstream foreign = nullptr;
  KL_ASSERT(klStreamCreate(&foreign, 0));
  EXPECT_EQ(Launch(f, 1, 1, 1, 1, 1, 1, 0, foreign, params), KL_ERROR_INVALID_HANDLE);
  KL_EXPECT(klCtxDestroy(other));
  // Nothing above ran: the buffer is as it was.
  KL_ASSERT(klMemsetD32(out, 9, 1));
  KL_ASSERT(Launch(f, 1, 1, 1, 1, 1, 1, 0, nullptr, params));
  EXPECT_EQ(Read<uint32_t>(out, 1)[0], 1u);
}

TEST_F(LaunchTest, ManyBatchedLaunches) {
  KLfunction f = Function("atomics", "atomic_add_i32");
  KLdeviceptr counter = Alloc(4);
  KL_ASSERT(klMemsetD32(counter, 0, 1));
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  uint32_t n = 64;
  for (int i = 0; i < 1000; ++i) KL_ASSERT(Launch(f, 1, 1, 1, 64, 1, 1, 0, s, {&counter, &n}));
  KL_ASSERT(klStreamSynchronize(s));
  EXPECT_EQ(Read<int32_t>(counter, 1)[0], 64000);
  KL_EXPECT(klStreamDestroy(s));
}

}  // namespace
}  // namespace keel_vk_test
