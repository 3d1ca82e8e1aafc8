// Shared memory: dynamic sizes up to the opt-in limit, over-limit launches,
// static plus dynamic, barriers (reversal and tree reduction).
#include "fixture.h"

namespace {

struct DynamicCase {
  std::string name;
  int kind;  // 0: 4 bytes, 1: 1 KiB, 2: the default limit, 3: the opt-in limit
};

using SharedDynamic = kc::ContextCaseTest<DynamicCase>;

TEST_P(SharedDynamic, Fill) {
  KC_KERNEL(fill, "shared", "dynamic_shared_fill");
  int static_bytes = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&static_bytes, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, fill));
  int default_limit = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK) - static_bytes;
  int optin_limit = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) - static_bytes;
  int bytes = value().kind == 0 ? 4 : value().kind == 1 ? 1024 : value().kind == 2 ? default_limit : optin_limit;
  bytes &= ~3;
  if (bytes > default_limit) {
    KC_ASSERT_OK(klFuncSetAttribute(fill, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes));
  }
  unsigned int words = static_cast<unsigned int>(bytes / 4);
  constexpr unsigned int kBlocks = 3, kThreads = 128;
  KC_ALLOC(out, size_t{kBlocks} * words * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(fill, {kBlocks}, {kThreads}, static_cast<unsigned int>(bytes), nullptr,
                          out.get(), words))
      << bytes << " bytes of dynamic shared memory";
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got, want(size_t{kBlocks} * words);
  for (uint32_t b = 0; b < kBlocks; ++b)
    for (uint32_t k = 0; k < words; ++k) want[size_t{b} * words + k] = ((k + 1) % words) * 3u + b;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, want.size()));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Shared, SharedDynamic, DynamicCase,
                     ({{"4B", 0}, {"1K", 1}, {"defaultMax", 2}, {"optinMax", 3}}));

using SharedReverse = kc::ContextCaseTest<int>;

TEST_P(SharedReverse, BlockSizes) {
  KC_KERNEL(reverse, "shared", "reverse_dynamic");
  unsigned int block = static_cast<unsigned int>(value() > 0 ? value() : Attr(KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X));
  int max_threads = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&max_threads, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, reverse));
  block = std::min(block, static_cast<unsigned int>(max_threads));
  unsigned int n = block * 5 - 3;  // the last block is partial
  std::vector<uint32_t> in = rng().U32s(n), got, want(n);
  for (unsigned int gid = 0; gid < n; ++gid) {
    unsigned int b = gid / block, t = gid % block;
    unsigned int src = b * block + (block - 1 - t);
    want[gid] = src < n ? in[src] : 0u;
  }
  KC_ALLOC(din, n * 4);
  KC_ALLOC(dout, n * 4);
  ASSERT_NO_FATAL_FAILURE(din.Upload(in));
  ASSERT_NO_FATAL_FAILURE(dout.Poison());
  KC_ASSERT_OK(kc::Launch(reverse, {kc::BlocksFor(n, block)}, {block}, block * 4, nullptr, din.get(),
                          dout.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(dout.Download(&got, n));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

// 0 stands for the device's largest block.
KC_INSTANTIATE_CASES(Shared, SharedReverse, int, ({32, 64, 96, 256, 0}));

using SharedStaticPlusDynamic = kc::ContextCaseTest<int>;

TEST_P(SharedStaticPlusDynamic, Combine) {
  KC_KERNEL(f, "shared", "static_plus_dynamic");
  constexpr unsigned int kBlock = 256, kBlocks = 4;
  unsigned int words = static_cast<unsigned int>(value());
  int static_bytes = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&static_bytes, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f));
  EXPECT_GE(static_bytes, 1024) << "static u32 s[256]";
  KC_ALLOC(out, kBlock * kBlocks * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(f, {kBlocks}, {kBlock}, words * 4, nullptr, out.get(), words));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got, want(kBlock * kBlocks);
  for (unsigned int gid = 0; gid < want.size(); ++gid) {
    unsigned int t = gid % kBlock;
    want[gid] = ((t + 1) % kBlock) * 7u + ((t + 2) % kBlock) * 5u + 1u;
  }
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, want.size()));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Shared, SharedStaticPlusDynamic, int, ({256, 2048}));

using SharedReduce = kc::ContextCaseTest<int>;

TEST_P(SharedReduce, BarrierReduction) {
  KC_KERNEL(reduce, "shared", "reduce_sum_u32");
  unsigned int n = static_cast<unsigned int>(value());
  std::vector<uint32_t> in = rng().U32s(n);
  uint32_t sum = 0;
  for (uint32_t v : in) sum += v;
  KC_ALLOC(din, std::max(n, 1u) * 4);
  KC_ALLOC(dout, 4);
  ASSERT_NO_FATAL_FAILURE(din.Upload(in));
  KC_ASSERT_OK(klMemsetD32(dout.get(), 0, 1));
  KC_ASSERT_OK(kc::Launch(reduce, {kc::BlocksFor(n, 256)}, {256}, 0, nullptr, din.get(), dout.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(dout.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{sum}, got);
}

KC_INSTANTIATE_CASES(Shared, SharedReduce, int, ({1, 255, 256, 257, 100000, (1 << 20) + 3}));

using Shared = kc::ContextTest;

TEST_P(Shared, OverOptinLimitFails) {
  KC_KERNEL(fill, "shared", "dynamic_shared_fill");
  int static_bytes = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&static_bytes, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, fill));
  int optin = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) - static_bytes;
  KC_ASSERT_OK(klFuncSetAttribute(fill, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, optin));
  unsigned int bytes = static_cast<unsigned int>(optin) + 4;
  KC_ALLOC(out, bytes);
  // The API documents LAUNCH_OUT_OF_RESOURCES for shared memory that does not
  // suffice; CUDA reports a request over the function's limit as INVALID_VALUE.
  KC_EXPECT_RESULT_IN(kc::Launch(fill, {1}, {64}, bytes, nullptr, out.get(), bytes / 4),
                      KL_ERROR_LAUNCH_OUT_OF_RESOURCES, KL_ERROR_INVALID_VALUE);
  KC_EXPECT_OK(klCtxSynchronize()) << "a rejected launch must not break the context";
}

// Keel opts in for the caller (docs/api-conventions.md): a launch that asks
// for more dynamic shared memory than the function's current limit, but no
// more than the device allows, raises the limit and runs.
TEST_P(Shared, OverDefaultRaisesLimit) {
  KC_KERNEL(fill, "shared", "dynamic_shared_fill");
  int static_bytes = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&static_bytes, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, fill));
  int limit = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&limit, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, fill));
  int optin = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) - static_bytes;
  if (limit + 4 > optin) {
    GTEST_SKIP() << "the device offers no dynamic shared memory beyond the function's default limit ("
                 << limit << " bytes)";
  }
  unsigned int bytes = static_cast<unsigned int>(limit) + 4;
  KC_ALLOC(out, bytes);
  KC_EXPECT_OK(kc::Launch(fill, {1}, {64}, bytes, nullptr, out.get(), bytes / 4))
      << "the function's dynamic shared limit was " << limit << " bytes";
  KC_EXPECT_OK(klCtxSynchronize());
  int raised = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&raised, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, fill));
  EXPECT_GE(raised, static_cast<int>(bytes));
}

KC_INSTANTIATE(Shared, Shared);

}  // namespace
