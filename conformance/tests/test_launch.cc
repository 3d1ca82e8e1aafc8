// Launch: grid and block shapes (every index covered exactly once), reported
// dimensions, device limits, zero and over-limit dimensions, argument-passing
// errors, streams of other contexts.
#include <climits>

#include "fixture.h"

namespace {

struct ShapeCase {
  std::string name;
  kc::Dim3 grid, block;
  unsigned int nx, ny, nz;  // items; some threads fall outside
};

std::vector<ShapeCase> ShapeCases() {
  return {
      {"single", {1, 1, 1}, {1, 1, 1}, 1, 1, 1},
      {"1D", {40, 1, 1}, {256, 1, 1}, 10000, 1, 1},
      {"1Dlarge", {4096, 1, 1}, {128, 1, 1}, 4096 * 128, 1, 1},
      {"2D", {8, 6, 1}, {16, 16, 1}, 120, 90, 1},
      {"3D", {4, 3, 5}, {8, 4, 4}, 30, 12, 19},
      {"prime", {7, 11, 13}, {3, 5, 2}, 19, 53, 25},
      {"primeBlocks", {3, 1, 1}, {97, 1, 1}, 290, 1, 1},
      {"tallY", {1, 300, 1}, {1, 32, 1}, 1, 9600, 1},
      {"deepZ", {1, 1, 70}, {2, 2, 16}, 2, 2, 1100},
  };
}

using LaunchShape = kc::ContextCaseTest<ShapeCase>;

TEST_P(LaunchShape, CoverageExactlyOnce) {
  const ShapeCase& c = value();
  KC_KERNEL(coverage, "basic", "coverage");
  size_t items = size_t{c.nx} * c.ny * c.nz;
  KC_ALLOC(counts, items * 4);
  KC_ASSERT_OK(klMemsetD32(counts.get(), 0, items));
  KC_ASSERT_OK(kc::Launch(coverage, c.grid, c.block, 0, nullptr, counts.get(), c.nx, c.ny, c.nz));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(counts.Download(&got, items));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>(items, 1u), got);
}

TEST_P(LaunchShape, GridDimsReported) {
  const ShapeCase& c = value();
  KC_KERNEL(dims, "basic", "grid_dims");
  KC_ALLOC(out, 6 * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(dims, c.grid, c.block, 0, nullptr, out.get()));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 6));
  std::vector<uint32_t> want = {c.grid.x, c.grid.y, c.grid.z, c.block.x, c.block.y, c.block.z};
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Launch, LaunchShape, ShapeCase, (ShapeCases()));

// One dimension of the block at its device maximum.
using LaunchMaxBlock = kc::ContextCaseTest<std::string>;

TEST_P(LaunchMaxBlock, Coverage) {
  KC_KERNEL(coverage, "basic", "coverage");
  int max_threads = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&max_threads, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, coverage));
  kc::Dim3 block;
  const std::string& axis = value();
  KLdevice_attribute attr = axis == "x" ? KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X
                            : axis == "y" ? KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y
                                          : KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z;
  unsigned int n = static_cast<unsigned int>(std::min(Attr(attr), max_threads));
  (axis == "x" ? block.x : axis == "y" ? block.y : block.z) = n;
  kc::Dim3 grid{2, 2, 2};
  unsigned int nx = 2 * block.x, ny = 2 * block.y, nz = 2 * block.z;
  size_t items = size_t{nx} * ny * nz;
  KC_ALLOC(counts, items * 4);
  KC_ASSERT_OK(klMemsetD32(counts.get(), 0, items));
  KC_ASSERT_OK(kc::Launch(coverage, grid, block, 0, nullptr, counts.get(), nx, ny, nz))
      << "block " << block.x << "x" << block.y << "x" << block.z;
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(counts.Download(&got, items));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>(items, 1u), got);
}

KC_INSTANTIATE_CASES(Launch, LaunchMaxBlock, std::string, ({"x", "y", "z"}));

// Dimensions over the limits, and zero dimensions: INVALID_VALUE.
struct BadDimCase {
  std::string name;
  int which;  // 0..5: grid x,y,z, block x,y,z
  bool zero;  // zero instead of limit + 1
};

std::vector<BadDimCase> BadDimCases() {
  const char* names[] = {"gridX", "gridY", "gridZ", "blockX", "blockY", "blockZ"};
  std::vector<BadDimCase> out;
  for (int i = 0; i < 6; ++i) out.push_back({std::string(names[i]) + "Zero", i, true});
  for (int i = 0; i < 6; ++i) out.push_back({std::string(names[i]) + "OverLimit", i, false});
  return out;
}

using LaunchBadDim = kc::ContextCaseTest<BadDimCase>;

TEST_P(LaunchBadDim, Fails) {
  KC_KERNEL(empty, "basic", "empty");
  unsigned int dims[6] = {1, 1, 1, 1, 1, 1};
  const KLdevice_attribute limits[6] = {
      KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X,  KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y,
      KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z,  KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X,
      KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z};
  int w = value().which;
  if (value().zero) {
    dims[w] = 0;
  } else {
    unsigned int limit = static_cast<unsigned int>(Attr(limits[w]));
    ASSERT_LT(limit, UINT_MAX);
    dims[w] = limit + 1;
  }
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(empty, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], 0,
                                  nullptr, nullptr, nullptr))
      << "grid " << dims[0] << "x" << dims[1] << "x" << dims[2] << ", block " << dims[3] << "x"
      << dims[4] << "x" << dims[5];
  KC_EXPECT_OK(klCtxSynchronize()) << "a rejected launch must not break the context";
}

KC_INSTANTIATE_CASES(Launch, LaunchBadDim, BadDimCase, (BadDimCases()));

// One thread runs busy_loop for `iterations` dependent iterations; its result
// shows whether every iteration ran.
class Launch : public kc::ContextTest {
 protected:
  void ExpectEveryIterationRuns(unsigned int iterations) {
    KC_KERNEL(busy, "basic", "busy_loop");
    KC_ALLOC(out, 4);
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    KC_ASSERT_OK(kc::Launch(busy, {1}, {1}, 0, nullptr, out.get(), iterations));
    KC_ASSERT_OK(klCtxSynchronize());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
    KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{kc::BusyLoopReference(iterations)}, got)
        << iterations << " loop iterations";
  }
};

TEST_P(Launch, BlockOverThreadLimitFails) {
  KC_KERNEL(empty, "basic", "empty");
  int max_threads = Attr(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  int max_x = Attr(KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X);
  int max_y = Attr(KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y);
  // Each dimension within its own limit, the product over the thread limit.
  unsigned int x = static_cast<unsigned int>(max_x);
  unsigned int y = static_cast<unsigned int>(max_threads / max_x + 1);
  ASSERT_LE(y, static_cast<unsigned int>(max_y)) << "cannot build such a block on this device";
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(empty, 1, 1, 1, x, y, 1, 0, nullptr, nullptr, nullptr))
      << x << "x" << y << " threads";
}

TEST_P(Launch, LargeGridX) {
  // More blocks in x than the 65535 every API guarantees.
  KC_KERNEL(coverage, "basic", "coverage");
  unsigned int blocks = 70001, block = 32;
  ASSERT_GE(static_cast<unsigned int>(Attr(KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X)), blocks);
  unsigned int n = blocks * block - 5;
  KC_ALLOC(counts, size_t{n} * 4);
  KC_ASSERT_OK(klMemsetD32(counts.get(), 0, n));
  unsigned int one = 1;
  KC_ASSERT_OK(kc::Launch(coverage, {blocks}, {block}, 0, nullptr, counts.get(), n, one, one));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(counts.Download(&got, n));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>(n, 1u), got);
}

TEST_P(Launch, LongLoopRunsEveryIteration) {
  // One thread, one loop of 4 Mi dependent iterations: every iteration counts,
  // so a kernel cut short by the backend or the driver shows. A driver that
  // ends shader loops early reports it through
  // KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT (llvmpipe: 65535 loop
  // iterations per invocation in all, shared by every loop it enters, so no
  // loop structure of busy_loop avoids it); such a device cannot run this
  // kernel, and LoopIterationLimitHolds checks what it reports instead.
  unsigned int iterations = 1u << 22;
  int limit = Attr(KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT);
  if (limit != 0 && static_cast<unsigned int>(limit) < iterations)
    GTEST_SKIP() << "the device reports KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT = " << limit
                 << ": its driver ends a kernel thread's loops after " << limit
                 << " iterations, fewer than the " << iterations << " this test runs";
  ExpectEveryIterationRuns(iterations);
}

TEST_P(Launch, LoopIterationLimitHolds) {
  // A device that reports a loop iteration limit runs a loop of exactly that
  // many iterations completely, so a backend reporting more than its driver
  // allows fails; elsewhere a loop of 65535, the smallest limit Keel knows
  // of, runs every iteration.
  int limit = Attr(KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT);
  ASSERT_GE(limit, 0);
  ExpectEveryIterationRuns(limit != 0 ? static_cast<unsigned int>(limit) : 65535u);
}

TEST_P(Launch, EmptyKernelNoArguments) {
  KC_KERNEL(empty, "basic", "empty");
  KC_EXPECT_OK(klLaunchKernel(empty, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr));
  KC_EXPECT_OK(klLaunchKernel(empty, 100, 2, 1, 64, 2, 1, 0, nullptr, nullptr, nullptr));
  KC_EXPECT_OK(klCtxSynchronize());
}

TEST_P(Launch, NeitherParamsNorExtraFails) {
  KC_KERNEL(write, "basic", "write_index");
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(write, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr));
}

TEST_P(Launch, BothParamsAndExtraFails) {
  KC_KERNEL(write, "basic", "write_index");
  KC_ALLOC(out, 128);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KLdeviceptr p = out.get();
  unsigned int n = 32;
  void* params[] = {&p, &n};
  kc::PackedArgs packed;
  ASSERT_TRUE(packed.Pack(write, p, n));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(write, 1, 1, 1, 32, 1, 1, 0, nullptr, params, packed.extra()));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 128));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint8_t>(128, kc::kPoisonByte), got) << "the rejected launch ran";
}

TEST_P(Launch, ExtraWrongSizeFails) {
  KC_KERNEL(write, "basic", "write_index");
  KC_ALLOC(out, 128);
  kc::PackedArgs packed;
  ASSERT_TRUE(packed.Pack(write, out.get(), 32u));
  packed.set_size(packed.size() - 4);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(write, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, packed.extra()));
}

TEST_P(Launch, ExtraMalformedFails) {
  KC_KERNEL(write, "basic", "write_index");
  KC_ALLOC(out, 128);
  kc::PackedArgs packed;
  ASSERT_TRUE(packed.Pack(write, out.get(), 32u));
  // A list without the buffer pointer entry.
  size_t size = packed.size();
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_SIZE, &size, KL_LAUNCH_PARAM_END};
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klLaunchKernel(write, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, extra));
}

TEST_P(Launch, StreamOfOtherContextFails) {
  KC_KERNEL(empty, "basic", "empty");
  kc::Context other;
  ASSERT_NO_FATAL_FAILURE(other.Create(device()));
  KLstream foreign = nullptr;
  KC_ASSERT_OK(klStreamCreate(&foreign, 0));
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_HANDLE,
                   klLaunchKernel(empty, 1, 1, 1, 1, 1, 1, 0, foreign, nullptr, nullptr));
  KC_EXPECT_OK(klStreamDestroy(foreign));
}

TEST_P(Launch, ManyLaunchesOneStream) {
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kLaunches = 1000, kN = 256;
  KC_ALLOC(buf, kN * 4);
  KC_ASSERT_OK(klMemsetD32(buf.get(), 0, kN));
  KC_STREAM(s);
  for (int i = 0; i < kLaunches; ++i)
    KC_ASSERT_OK(kc::Launch(add, {1}, {kN}, 0, s, buf.get(), 1.0f, kN)) << "launch " << i;
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kN));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>(kN, static_cast<float>(kLaunches)), got);
}

KC_INSTANTIATE(Launch, Launch);

}  // namespace
