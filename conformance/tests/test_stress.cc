// Stress (only with --tier stress): long loops of launches, allocations,
// streams and events; a long-running kernel.
#include "fixture.h"

namespace {

using StressTest = kc::ContextTest;

TEST_P(StressTest, LaunchLoop100k) {
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kLaunches = 100000;
  KC_ALLOC(buf, 4);
  KC_ASSERT_OK(klMemsetD32(buf.get(), 0, 1));
  KC_STREAM(s);
  int one = 1;
  for (int i = 0; i < kLaunches; ++i) KC_ASSERT_OK(kc::Launch(add, {1}, {1}, 0, s, buf.get(), 1.0f, one));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>{static_cast<float>(kLaunches)}, got);
}

TEST_P(StressTest, AllocChurn) {
  for (int i = 0; i < 20000; ++i) {
    KLdeviceptr p = 0;
    size_t bytes = 1 + rng().Below(1 << 20);
    KC_ASSERT_OK(klMemAlloc(&p, bytes)) << "iteration " << i;
    KC_ASSERT_OK(klMemFree(p)) << "iteration " << i;
  }
}

TEST_P(StressTest, ManyStreamsAndEvents) {
  constexpr int kCount = 1024;
  KC_KERNEL(fill, "basic", "fill_u32");
  KC_ALLOC(buf, kCount * 4);
  std::vector<kc::Stream> streams(kCount);
  std::vector<kc::Event> events(kCount);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_NO_FATAL_FAILURE(streams[i].Create(KL_STREAM_NON_BLOCKING));
    ASSERT_NO_FATAL_FAILURE(events[i].Create(KL_EVENT_DISABLE_TIMING));
    uint32_t value = static_cast<uint32_t>(i);
    unsigned int one = 1;
    KC_ASSERT_OK(kc::Launch(fill, {1}, {1}, 0, streams[i], buf.at(static_cast<size_t>(i) * 4), value, one));
    KC_ASSERT_OK(klEventRecord(events[i], streams[i]));
  }
  for (int i = 0; i < kCount; ++i) KC_ASSERT_OK(klEventSynchronize(events[i]));
  std::vector<uint32_t> got, want(kCount);
  for (int i = 0; i < kCount; ++i) want[i] = static_cast<uint32_t>(i);
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kCount));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(StressTest, LongKernel) {
  KC_BUSY(busy, 2000);
  KC_ALLOC(out, 4);
  KC_ASSERT_OK(busy.Enqueue(nullptr, out.get()));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{busy.Expected()}, got);
}

KC_INSTANTIATE_STRESS(StressTest);

}  // namespace
