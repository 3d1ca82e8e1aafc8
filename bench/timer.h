// Timing: the median of many samples after warm-up, the raw and Keel sides
// interleaved sample by sample (ABBA order), so drift of clocks, thermal
// state or background load hits both sides alike.
#ifndef KEEL_BENCH_TIMER_H_
#define KEEL_BENCH_TIMER_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <vector>

namespace kb {

inline double NowNs() {
  return std::chrono::duration<double, std::nano>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One timed sample: performs n operations and returns the nanoseconds the
// timed part took. Untimed set-up and waiting (a synchronize after a batch of
// asynchronous launches whose CPU cost is measured) happen inside, outside
// the clock.
using SampleFn = std::function<double(int n)>;

// How a figure is sampled.
struct TimingPlan {
  int warmup = 3;          // untimed samples per side first
  int reps = 31;           // timed samples per side
  double target_ns = 2e6;  // choose n so one raw sample lasts about this long
  int min_n = 1;           // bounds of n (max_n caps queues: launches in flight)
  int max_n = 1;
  // After the warm-up samples and the choice of n: keep sampling both sides,
  // untimed, at that n until this much time has passed. A GPU whose clocks
  // the driver lowered while it was idle needs a few hundred milliseconds of
  // load to raise them again (docs/performance.md, the slow state).
  double warmup_min_ns = 0;
};

struct Series {
  std::vector<double> ns_per_op;  // one value per sample
  double median = 0, min = 0, max = 0;
};

struct PairTiming {
  Series raw, keel;
  int n = 1;  // operations per sample
};

inline double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

inline void Summarize(Series* s) {
  s->median = Median(s->ns_per_op);
  s->min = *std::min_element(s->ns_per_op.begin(), s->ns_per_op.end());
  s->max = *std::max_element(s->ns_per_op.begin(), s->ns_per_op.end());
}

// Runs `before` (untimed: Bind) and then the sample, for each side in turn.
// n is calibrated once from the raw side's warm-up and then held fixed for
// both sides, so both do identical batches.
inline PairTiming MeasureInterleaved(const std::function<void()>& bind_raw, const SampleFn& raw,
                                     const std::function<void()>& bind_keel,
                                     const SampleFn& keel, const TimingPlan& plan) {
  PairTiming t;
  int n = std::max(1, plan.min_n);
  double last_raw = 0;
  for (int i = 0; i < plan.warmup; ++i) {
    bind_raw();
    last_raw = raw(n);
    bind_keel();
    keel(n);
  }
  if (plan.max_n > n) {
    if (plan.warmup == 0) {
      bind_raw();
      last_raw = raw(n);
    }
    double want = last_raw > 0 ? plan.target_ns / (last_raw / n) : plan.max_n;
    n = static_cast<int>(std::clamp(std::ceil(want), static_cast<double>(n),
                                    static_cast<double>(plan.max_n)));
  }
  t.n = n;
  for (double t0 = NowNs(); NowNs() - t0 < plan.warmup_min_ns;) {
    bind_raw();
    raw(n);
    bind_keel();
    keel(n);
  }
  for (int i = 0; i < plan.reps; ++i) {
    bool raw_first = (i % 4 == 0) || (i % 4 == 3);  // A B B A
    for (int k = 0; k < 2; ++k) {
      if ((k == 0) == raw_first) {
        bind_raw();
        t.raw.ns_per_op.push_back(raw(n) / n);
      } else {
        bind_keel();
        t.keel.ns_per_op.push_back(keel(n) / n);
      }
    }
  }
  Summarize(&t.raw);
  Summarize(&t.keel);
  return t;
}

}  // namespace kb

#endif  // KEEL_BENCH_TIMER_H_
