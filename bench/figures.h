// The figures of keel-bench: what each measures, in which unit, how it is
// sampled, and how its result is checked.
#ifndef KEEL_BENCH_FIGURES_H_
#define KEEL_BENCH_FIGURES_H_

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "bench.h"
#include "timer.h"

namespace kb {

// Display unit. Times: lower is better. GB/s (1e9 bytes per second): higher
// is better. The ratio column is always keel / raw.
enum class Unit { kNs, kUs, kMs, kGBps };
const char* UnitName(Unit u);
// Converts a median time per operation to the display unit.
double ToUnit(Unit u, double ns_per_op, double bytes_per_op);

// One side of a figure, ready to sample. `verify` (optional) runs the
// operation once more on fresh data and checks its result; it is called
// before and after the timed samples. `cleanup` frees what set-up made.
struct Prepared {
  SampleFn sample;
  std::function<void()> verify;
  std::function<void()> cleanup;
};

// Sets up one side. `self` is the side's target; `keel` is always the Keel
// target (it knows the device: the compute capability picks the cubin, the
// CUDA ordinal goes to child processes).
using Prepare = std::function<Prepared(Target& self, Target& keel)>;

struct Figure {
  std::string id;    // stable name: "launch.empty", "memcpy.htod.pinned.16MiB"
  std::string what;  // one line for the table legend and docs
  Unit unit = Unit::kUs;
  double bytes = 0;  // bytes per operation, for GB/s
  TimingPlan plan;
  Prepare raw, keel;
};

// Every figure for a backend (quick: the smoke-mode sizes and repetitions).
std::vector<Figure> MakeFigures(Backend backend, const Options& opts);

// Sizes used by figures (also needed by main for the derived rows).
std::string SizeName(size_t bytes);  // "4B", "64KiB", "16MiB"
std::vector<size_t> CopySizes(bool quick);
size_t VecAddElements(bool quick);
// How long each bandwidth figure runs untimed before it is timed (--warmup-ms).
int BandwidthWarmupMs(const Options& opts);
std::string VecAddId(bool quick);  // "vecadd.64Mi"

}  // namespace kb

#endif  // KEEL_BENCH_FIGURES_H_
