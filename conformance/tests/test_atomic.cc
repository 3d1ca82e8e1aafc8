// Atomic: contended global atomics (i32 add, f32 add, 64-bit CAS loops),
// min/max/and/or/xor/exchange, shared-memory atomics.
#include <algorithm>
#include <cstring>

#include "fixture.h"

namespace {

using AtomicAddI32 = kc::ContextCaseTest<int>;

TEST_P(AtomicAddI32, Contended) {
  KC_KERNEL(f, "atomics", "atomic_add_i32");
  unsigned int n = static_cast<unsigned int>(value());
  KC_ALLOC(counter, 4);
  KC_ASSERT_OK(klMemsetD32(counter.get(), 0, 1));
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 256)}, {256}, 0, nullptr, counter.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<int32_t> got;
  ASSERT_NO_FATAL_FAILURE(counter.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<int32_t>{static_cast<int32_t>(n)}, got);
}

KC_INSTANTIATE_CASES(Atomic, AtomicAddI32, int, ({1, 1000, 1 << 20}));

using AtomicAddF32 = kc::ContextCaseTest<int>;

TEST_P(AtomicAddF32, Contended) {
  KC_KERNEL(f, "atomics_float", "atomic_add_f32");
  unsigned int n = static_cast<unsigned int>(value());  // small enough to be exact in float
  KC_ALLOC(acc, 4);
  KC_ASSERT_OK(klMemsetD32(acc.get(), 0, 1));
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 256)}, {256}, 0, nullptr, acc.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(acc.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>{static_cast<float>(n)}, got);
}

KC_INSTANTIATE_CASES(Atomic, AtomicAddF32, int, ({1000, 65536}));

using AtomicCas64 = kc::ContextCaseTest<int>;

TEST_P(AtomicCas64, IncrementLoop) {
  KC_KERNEL(f, "atomics_int64", "atomic_cas_u64");
  unsigned int n = static_cast<unsigned int>(value());
  // Start just below a 32-bit boundary so the carry into the high word counts.
  uint64_t start = 0xFFFFFFFFull - n / 2;
  KC_ALLOC(counter, 8);
  ASSERT_NO_FATAL_FAILURE(counter.Upload(&start, 8));
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 128)}, {128}, 0, nullptr, counter.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint64_t> got;
  ASSERT_NO_FATAL_FAILURE(counter.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint64_t>{start + n}, got);
}

KC_INSTANTIATE_CASES(Atomic, AtomicCas64, int, ({1, 1000, 20000}));

using AtomicMinMax = kc::ContextCaseTest<int>;

TEST_P(AtomicMinMax, Bitwise) {
  KC_KERNEL(f, "atomics", "atomic_minmax");
  unsigned int n = static_cast<unsigned int>(value());
  std::vector<int32_t> in(n);
  for (int32_t& v : in) v = static_cast<int32_t>(rng().U32());
  std::vector<int32_t> init = {INT32_MAX, INT32_MIN, -1, 0, 0, 12345};
  KC_ALLOC(din, n * 4);
  KC_ALLOC(dout, 6 * 4);
  ASSERT_NO_FATAL_FAILURE(din.Upload(in));
  ASSERT_NO_FATAL_FAILURE(dout.Upload(init));
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 256)}, {256}, 0, nullptr, din.get(), dout.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<int32_t> got;
  ASSERT_NO_FATAL_FAILURE(dout.Download(&got, 6));
  std::vector<int32_t> want = init;
  for (int32_t v : in) {
    want[0] = std::min(want[0], v);
    want[1] = std::max(want[1], v);
    want[2] &= v;
    want[3] |= v;
    want[4] ^= v;
  }
  // Exchange: the last writer wins; any input value is a correct result.
  bool exch_ok = std::find(in.begin(), in.end(), got[5]) != in.end();
  EXPECT_TRUE(exch_ok) << "atomicExch left " << got[5] << ", not one of the inputs";
  want[5] = got[5];
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Atomic, AtomicMinMax, int, ({1, 1000, 65536}));

using AtomicShared = kc::ContextCaseTest<int>;

TEST_P(AtomicShared, Histogram) {
  KC_KERNEL(f, "atomics", "shared_atomics");
  unsigned int n = static_cast<unsigned int>(value());
  std::vector<uint32_t> in = rng().U32s(n), got, want(64, 0);
  for (uint32_t v : in) want[v % 64]++;
  KC_ALLOC(din, n * 4);
  KC_ALLOC(dout, 64 * 4);
  ASSERT_NO_FATAL_FAILURE(din.Upload(in));
  KC_ASSERT_OK(klMemsetD32(dout.get(), 0, 64));
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 128)}, {128}, 0, nullptr, din.get(), dout.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(dout.Download(&got, 64));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Atomic, AtomicShared, int, ({64, 10000, 1 << 20}));

}  // namespace
