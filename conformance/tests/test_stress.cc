// Stress (only with --tier stress): long loops of launches, allocations,
// streams and events; a long-running kernel; a soak of a million launches
// with event timing and the process's resident memory watched.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fixture.h"
#include "stress_util.h"

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

// The soak: KEEL_CONFORMANCE_SOAK_LAUNCHES launches (1,000,000 by default)
// of atomic_add_i32 on one counter, in batches of 1000 bracketed by a pair of
// timing events. Every 10th batch the host waits on the end event and reads
// the batch's elapsed time (so the queue stays bounded and timing is
// exercised throughout); every 100 000 launches, and at the end, the counter
// must equal the launches so far. The resident set (/proc/self/statm) is
// sampled after a warm-up of a tenth of the launches (at most 100 000: module
// JIT, pipeline caches, staging pools and the driver's own pools reach their
// steady size there) and at the end; growth beyond kSoakRssBound fails.
constexpr uint64_t kSoakRssBound = uint64_t{8} << 20;

TEST_P(StressTest, SoakLaunchesWithEventTiming) {
  KC_KERNEL(inc, "atomics", "atomic_add_i32");
  // The counter is an i32: at most 2^31 - 1 launches.
  const auto launches =
      static_cast<uint64_t>(kc_stress::EnvNumber("KEEL_CONFORMANCE_SOAK_LAUNCHES", 1e6, 2147483647.0));
  ASSERT_GT(launches, 0u);
  constexpr uint64_t kBatch = 1000, kSyncEvery = 10, kCheckEvery = 100000;
  const uint64_t warmup = std::min<uint64_t>(launches / 10, 100000);
  KC_ALLOC(counter, 4);
  KC_ASSERT_OK(klMemsetD32(counter.get(), 0, 1));
  KC_STREAM(s, KL_STREAM_NON_BLOCKING);
  KC_EVENT(start);
  KC_EVENT(end);
  const unsigned int one = 1;
  uint64_t done = 0, batches = 0, timed = 0, next_check = kCheckEvery, rss_warm = 0;
  uint64_t warm_at = 0;
  double timed_ms = 0.0;
  auto check_counter = [&]() {
    int32_t got = -1;
    KC_ASSERT_OK(klStreamSynchronize(s));
    KC_ASSERT_OK(klMemcpyDtoH(&got, counter.get(), 4));
    ASSERT_EQ(static_cast<int64_t>(done), got) << "counter after " << done << " launches";
  };
  while (done < launches) {
    const uint64_t n = std::min(kBatch, launches - done);
    KC_ASSERT_OK(klEventRecord(start, s)) << "batch " << batches;
    for (uint64_t i = 0; i < n; ++i)
      KC_ASSERT_OK(kc::Launch(inc, {1}, {1}, 0, s, counter.get(), one)) << "launch " << done + i;
    KC_ASSERT_OK(klEventRecord(end, s)) << "batch " << batches;
    done += n;
    ++batches;
    if (batches % kSyncEvery == 0 || done == launches) {
      KC_ASSERT_OK(klEventSynchronize(end)) << "batch " << batches;
      float ms = -1.0f;
      KC_ASSERT_OK(klEventElapsedTime(&ms, start, end)) << "batch " << batches;
      ASSERT_TRUE(ms >= 0.0f && std::isfinite(ms)) << "elapsed time of batch " << batches << ": " << ms << " ms";
      timed_ms += ms;
      ++timed;
    }
    if (done >= next_check || done == launches) {
      ASSERT_NO_FATAL_FAILURE(check_counter());
      next_check += kCheckEvery;
    }
    if (rss_warm == 0 && done >= warmup) {
      KC_ASSERT_OK(klStreamSynchronize(s));
      rss_warm = kc_stress::ResidentBytes();
      warm_at = done;
    }
  }
  KC_ASSERT_OK(klStreamSynchronize(s));
  const uint64_t rss_end = kc_stress::ResidentBytes();
  ASSERT_GT(rss_warm, 0u) << "cannot read /proc/self/statm";
  ASSERT_GT(rss_end, 0u) << "cannot read /proc/self/statm";
  const double growth = kc_stress::MiB(rss_end) - kc_stress::MiB(rss_warm);
  std::printf("  soak: %llu launches, %llu elapsed-time reads (%.3f ms of device time in the timed batches); "
              "RSS after %llu launches %.1f MiB, at the end %.1f MiB, growth %+.2f MiB (bound %.0f MiB)\n",
              static_cast<unsigned long long>(launches), static_cast<unsigned long long>(timed), timed_ms,
              static_cast<unsigned long long>(warm_at), kc_stress::MiB(rss_warm), kc_stress::MiB(rss_end),
              growth, kc_stress::MiB(kSoakRssBound));
  ::testing::Test::RecordProperty("rss_warm_bytes", std::to_string(rss_warm));
  ::testing::Test::RecordProperty("rss_end_bytes", std::to_string(rss_end));
  EXPECT_LE(rss_end, rss_warm + kSoakRssBound)
      << "resident memory grew by " << growth << " MiB over " << launches - warm_at << " launches";
}

KC_INSTANTIATE_STRESS(StressTest);

}  // namespace
