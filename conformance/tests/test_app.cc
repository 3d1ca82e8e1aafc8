// App: whole flows as applications write them (the vectorAdd and matrixMul
// driver-API samples, a reduction), checked against CPU references.
#include <cmath>

#include "fixture.h"

namespace {

using AppVectorAdd = kc::ContextCaseTest<int>;

TEST_P(AppVectorAdd, MatchesCpu) {
  KC_KERNEL(vec_add, "basic", "vec_add");
  int n = value();
  std::vector<float> a = rng().Floats(n, -1000.0f, 1000.0f), b = rng().Floats(n, -1000.0f, 1000.0f);
  std::vector<float> want(n), got;
  for (int i = 0; i < n; ++i) want[i] = a[i] + b[i];
  KC_ALLOC(da, n * 4);
  KC_ALLOC(db, n * 4);
  KC_ALLOC(dc, n * 4);
  ASSERT_NO_FATAL_FAILURE(da.Upload(a));
  ASSERT_NO_FATAL_FAILURE(db.Upload(b));
  ASSERT_NO_FATAL_FAILURE(dc.Poison());
  KC_ASSERT_OK(kc::Launch(vec_add, {kc::BlocksFor(n, 256)}, {256}, 0, nullptr, da.get(), db.get(),
                          dc.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(dc.Download(&got, n));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(App, AppVectorAdd, int, ({1, 1000, (1 << 20) + 1}));

struct MatmulCase {
  std::string name;
  unsigned int m, n, k;
};

using AppMatmul = kc::ContextCaseTest<MatmulCase>;

TEST_P(AppMatmul, MatchesCpu) {
  KC_KERNEL(matmul, "matmul", "matmul_tiled");
  const MatmulCase& c = value();
  std::vector<float> a = rng().Floats(size_t{c.m} * c.k, -1.0f, 1.0f);
  std::vector<float> b = rng().Floats(size_t{c.k} * c.n, -1.0f, 1.0f);
  std::vector<float> want(size_t{c.m} * c.n), got;
  for (unsigned int i = 0; i < c.m; ++i)
    for (unsigned int j = 0; j < c.n; ++j) {
      double acc = 0;
      for (unsigned int p = 0; p < c.k; ++p) acc += double{a[size_t{i} * c.k + p]} * b[size_t{p} * c.n + j];
      want[size_t{i} * c.n + j] = static_cast<float>(acc);
    }
  KC_ALLOC(da, a.size() * 4);
  KC_ALLOC(db, b.size() * 4);
  KC_ALLOC(dc, want.size() * 4);
  ASSERT_NO_FATAL_FAILURE(da.Upload(a));
  ASSERT_NO_FATAL_FAILURE(db.Upload(b));
  ASSERT_NO_FATAL_FAILURE(dc.Poison());
  KC_ASSERT_OK(kc::Launch(matmul, {kc::BlocksFor(c.n, 16), kc::BlocksFor(c.m, 16)}, {16, 16}, 0,
                          nullptr, da.get(), db.get(), dc.get(), c.m, c.n, c.k));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(dc.Download(&got, want.size()));
  // Float accumulation in any order: |error| grows with sqrt(k) terms of size <= 1.
  kc::Tolerance tol;
  tol.abs = 1e-5 * c.k;
  tol.rel = 1e-4;
  KC_EXPECT_ARRAYS_NEAR(want, got, tol);
}

KC_INSTANTIATE_CASES(App, AppMatmul, MatmulCase,
                     ({{"16x16x16", 16, 16, 16},
                       {"33x17x65", 33, 17, 65},
                       {"128x128x128", 128, 128, 128},
                       {"256x192x320", 256, 192, 320}}));

using AppReduction = kc::ContextCaseTest<int>;

TEST_P(AppReduction, SumMatchesCpu) {
  // Sum of n values: per-block tree reductions into one accumulator, then a
  // second pass over per-chunk partial sums to check both paths agree.
  KC_KERNEL(reduce, "shared", "reduce_sum_u32");
  unsigned int n = static_cast<unsigned int>(value());
  std::vector<uint32_t> in = rng().U32s(n);
  uint32_t want = 0;
  for (uint32_t v : in) want += v;
  constexpr unsigned int kChunks = 8;
  unsigned int chunk = (n + kChunks - 1) / kChunks;
  KC_ALLOC(din, size_t{n} * 4);
  KC_ALLOC(partial, kChunks * 4);
  KC_ALLOC(total, 4);
  ASSERT_NO_FATAL_FAILURE(din.Upload(in));
  KC_ASSERT_OK(klMemsetD32(partial.get(), 0, kChunks));
  KC_ASSERT_OK(klMemsetD32(total.get(), 0, 1));
  KC_STREAM(s);
  std::vector<uint32_t> want_partial(kChunks, 0);
  for (unsigned int c = 0; c < kChunks; ++c) {
    unsigned int begin = std::min(n, c * chunk), count = std::min(n, begin + chunk) - begin;
    for (unsigned int i = begin; i < begin + count; ++i) want_partial[c] += in[i];
    if (count == 0) continue;
    KC_ASSERT_OK(kc::Launch(reduce, {kc::BlocksFor(count, 256)}, {256}, 0, s, din.at(size_t{begin} * 4),
                            partial.at(c * 4), count));
  }
  KC_ASSERT_OK(kc::Launch(reduce, {1}, {256}, 0, s, partial.get(), total.get(), kChunks));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<uint32_t> got_partial, got_total;
  ASSERT_NO_FATAL_FAILURE(partial.Download(&got_partial, kChunks));
  ASSERT_NO_FATAL_FAILURE(total.Download(&got_total, 1));
  KC_EXPECT_ARRAYS_EQ(want_partial, got_partial);
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{want}, got_total);
}

KC_INSTANTIATE_CASES(App, AppReduction, int, ({1, 1000, (1 << 20) + 1, 1 << 24}));

}  // namespace
