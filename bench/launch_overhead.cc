// keel-launch-overhead: Keel's own CPU cost per CUDA launch (issue 8),
// measured without a GPU against the null CUDA driver (bench/null_cuda).
//
//   keel-launch-overhead [--quick] [--n N] [--reps R] [--instructions]
//                        [--driver PATH] [--kernel-dir DIR] [--valgrind PATH]
//
// The null driver's cuLaunchKernel and cuEventRecord only count the call and
// return, so what a launch costs here is the caller's own work: for the raw
// side, keel-bench's loop around cuLaunchKernel; for Keel, the same loop
// around klLaunchKernel (libkeel's dispatch, the backend's checks, its
// cached context bind) and the same cuLaunchKernel. The two sides are
// keel-bench's own targets (keel_target.cc, cuda_raw.cc), running the code
// of the figures launch.empty, launch.args4.params, launch.args4.extra and
// event.record, interleaved ABBA as keel-bench samples them; the table gives
// the medians and their difference: what Keel adds per call, in ns on this
// CPU. --instructions adds instruction counts per call, from valgrind's
// callgrind (one run per figure and side, collecting inside one call of the
// measured loop only), which do not depend on the machine's load.
//
// Every launch and record is checked to reach the null driver exactly once
// (its counters), on both sides. Exit status: 0 measured and checked; 1 a
// check or a call failed; 2 bad usage; 77 the null driver or the bench
// kernels are not there (ctest: skipped).
#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "targets.h"
#include "timer.h"

// The measured region for callgrind (--toggle-collect=keel_launch_overhead_region):
// one call runs n operations of one figure on one target. Not static and not
// inlined, so callgrind sees it by this name.
extern "C" __attribute__((noinline, used)) void keel_launch_overhead_region(kb::Target* t, int op,
                                                                             int n,
                                                                             const kb::VecAddArgs* a);

namespace kb {
namespace {

constexpr int kSkip = 77;
using CountersFn = int (*)(unsigned long long* launches, unsigned long long* event_records);

enum Op { kEmpty, kParams, kExtra, kEventRecord, kOpCount };
const char* const kOpId[kOpCount] = {"launch.empty", "launch.args4.params", "launch.args4.extra",
                                     "event.record"};

void RunOp(Target& t, int op, int n, const VecAddArgs& args) {
  switch (op) {
    case kEmpty: t.LaunchEmpty(n); break;
    case kParams: t.LaunchVecAdd(n, ArgMode::kParams, args); break;
    case kExtra: t.LaunchVecAdd(n, ArgMode::kExtra, args); break;
    default: t.EventRecord(n); break;
  }
}

struct Args {
  Options opts;
  std::string driver;
  std::string valgrind = "valgrind";
  int n = 0, reps = 0;
  bool instructions = false;
  // Child of --instructions: run one figure on one side inside the region.
  int only_op = -1;
  std::string side;
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: keel-launch-overhead [--quick] [--n N] [--reps R] [--instructions]\n"
               "                            [--driver PATH] [--kernel-dir DIR] [--valgrind PATH]\n"
               "  --quick         fewer calls and samples (the ctest run)\n"
               "  --n N           calls per sample (default 100000; quick 10000)\n"
               "  --reps R        samples per side (default 31; quick 5)\n"
               "  --instructions  also count instructions per call with valgrind's callgrind\n"
               "  --driver PATH   the null CUDA driver (default ../null_cuda/libcuda.so.1 from\n"
               "                  this executable)\n"
               "  --kernel-dir    where bench.fatbin is (default bench_kernels/ beside this)\n"
               "  --valgrind      the valgrind executable (default: valgrind on PATH)\n");
}

int Parse(int argc, char** argv, Args* a) {
  a->opts.backends = {Backend::kCuda};
  a->opts.kernel_dir = ExeDir() + "/bench_kernels";
  a->driver = ExeDir() + "/../null_cuda/libcuda.so.1";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    bool has_value = i + 1 < argc;
    if (k == "--quick") a->opts.quick = true;
    else if (k == "--instructions") a->instructions = true;
    else if (k == "--help" || k == "-h") return Usage(stdout), 0;
    else if (k == "--n" && has_value) a->n = std::atoi(argv[++i]);
    else if (k == "--reps" && has_value) a->reps = std::atoi(argv[++i]);
    else if (k == "--driver" && has_value) a->driver = argv[++i];
    else if (k == "--kernel-dir" && has_value) a->opts.kernel_dir = argv[++i];
    else if (k == "--valgrind" && has_value) a->valgrind = argv[++i];
    else if (k == "--only" && has_value) a->only_op = std::atoi(argv[++i]);
    else if (k == "--side" && has_value) a->side = argv[++i];
    else {
      std::fprintf(stderr, "keel-launch-overhead: bad argument '%s'\n", k.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (a->n == 0) a->n = a->opts.quick ? 10000 : 100000;
  if (a->reps == 0) a->reps = a->opts.quick ? 5 : 31;
  if (a->n < 1 || a->reps < 1) {
    std::fprintf(stderr, "keel-launch-overhead: --n and --reps need positive numbers\n");
    return 2;
  }
  return -1;
}

// Loads the null driver by path before anything opens "libcuda.so.1": the
// backend's and the raw target's dlopen("libcuda.so.1") then find it by its
// soname, already loaded. Returns its counters, or null (and why) if the
// library cannot be loaded or is not the null driver.
CountersFn LoadNullDriver(const std::string& path, std::string* why) {
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = dlerror();
    *why = Format("cannot load the null CUDA driver %s: %s (build the keel_null_cuda target)",
                  path.c_str(), e ? e : "unknown");
    return nullptr;
  }
  auto counters = reinterpret_cast<CountersFn>(dlsym(lib, "keelNullCudaCounters"));
  if (counters == nullptr) *why = path + " is not the null CUDA driver (no keelNullCudaCounters)";
  return counters;
}

// Both targets, opened the way keel-bench opens them (Keel first; the raw
// side retains the same device's primary context), and the arguments of the
// 4-argument launches (buffers of the null driver: never touched).
struct Sides {
  std::unique_ptr<KeelTarget> keel;
  std::unique_ptr<Target> raw;
  VecAddArgs raw_args, keel_args;
};

VecAddArgs MakeArgs(Target& t) {
  VecAddArgs a;
  a.n = 256;
  a.block = 256;
  a.a = t.Alloc(1024);
  a.b = t.Alloc(1024);
  a.c = t.Alloc(1024);
  return a;
}

void FreeArgs(Target& t, const VecAddArgs& a) {
  t.Free(a.a);
  t.Free(a.b);
  t.Free(a.c);
}

void Open(const Options& opts, Sides* s) {
  s->keel = MakeKeelTarget(Backend::kCuda, opts);
  s->raw = MakeCudaRawTarget(opts, s->keel->Device());
  s->raw->Bind();
  s->raw_args = MakeArgs(*s->raw);
  s->keel->Bind();
  s->keel_args = MakeArgs(*s->keel);
}

void Close(Sides* s) {
  s->raw->Bind();
  FreeArgs(*s->raw, s->raw_args);
  s->keel->Bind();
  FreeArgs(*s->keel, s->keel_args);
  s->raw.reset();
  s->keel.reset();
}

unsigned long long Calls(CountersFn counters, int op) {
  unsigned long long launches = 0, records = 0;
  counters(&launches, &records);
  return op == kEventRecord ? records : launches;
}

// Runs `calls` operations of op on one side and checks that the null driver
// saw exactly that many: the side really goes through it, once per call.
void CheckReachesDriver(CountersFn counters, Target& t, const char* side, int op,
                        const VecAddArgs& args, int calls) {
  unsigned long long before = Calls(counters, op);
  t.Bind();
  RunOp(t, op, calls, args);
  unsigned long long got = Calls(counters, op) - before;
  if (got != static_cast<unsigned long long>(calls))
    throw Error(Format("%s %s: %d calls reached the null driver %llu times (expected %d)", side,
                       kOpId[op], calls, got, calls));
}

// ---- --instructions: callgrind, one child per figure and side ----------------------------

// The child: warm the side up outside the region, then one region call.
int RunRegionChild(const Args& a, CountersFn) {
  Sides s;
  Open(a.opts, &s);
  bool keel = a.side == "keel";
  Target& t = keel ? static_cast<Target&>(*s.keel) : *s.raw;
  const VecAddArgs& args = keel ? s.keel_args : s.raw_args;
  t.Bind();
  RunOp(t, a.only_op, 1000, args);  // first-use work (parameter layout) happens here
  t.StreamSync();
  keel_launch_overhead_region(&t, a.only_op, a.n, &args);
  t.StreamSync();
  Close(&s);
  return 0;
}

// Instructions per call of one figure on one side: the child's collected
// instruction total (callgrind's "totals:" line) / n.
double CountInstructions(const Args& a, int op, const char* side) {
  std::string out_file = Format("/tmp/keel-launch-overhead.%d.%s.%d.callgrind", op, side,
                                static_cast<int>(getpid()));
  // This executable by its real path: under valgrind, /proc/self/exe would
  // name valgrind's own launcher.
  char self[4096] = {};
  if (readlink("/proc/self/exe", self, sizeof self - 1) <= 0) throw Error("readlink /proc/self/exe failed");
  std::vector<std::string> args = {a.valgrind, "--tool=callgrind", "--callgrind-out-file=" + out_file,
                                   "--toggle-collect=keel_launch_overhead_region", self, "--only", std::to_string(op), "--side", side,
                                   "--n", std::to_string(a.n), "--driver", a.driver,
                                   "--kernel-dir", a.opts.kernel_dir};
  std::string output;
  int status = RunProgram("/usr/bin/env", args, {}, &output);
  if (status != 0) {
    std::remove(out_file.c_str());
    throw Error(Format("valgrind (%s %s) exited with %d: %s", kOpId[op], side, status,
                       output.c_str()));
  }
  std::vector<char> text = ReadFile(out_file);
  std::remove(out_file.c_str());
  std::string s(text.begin(), text.end());
  size_t at = s.find("\ntotals:");
  if (at == std::string::npos) at = s.find("\nsummary:");
  if (at == std::string::npos) throw Error("no totals: line in callgrind's output " + out_file);
  double total = std::strtod(s.c_str() + s.find(':', at) + 1, nullptr);
  return total / a.n;
}

// ---- the measurement ----------------------------------------------------------------

struct Row {
  double raw_ns = 0, keel_ns = 0;
  double raw_instr = NAN, keel_instr = NAN;
};

Row Measure(const Args& a, CountersFn counters, Sides& s, int op) {
  Target& raw = *s.raw;
  Target& keel = *s.keel;
  // Untimed warm-up and the check that both sides reach the driver.
  CheckReachesDriver(counters, raw, "raw", op, s.raw_args, 1000);
  CheckReachesDriver(counters, keel, "keel", op, s.keel_args, 1000);
  auto sample = [&](Target& t, const VecAddArgs& args) {
    return [&t, &args, op](int n) {
      double t0 = NowNs();
      RunOp(t, op, n, args);
      double t1 = NowNs();
      t.StreamSync();
      return t1 - t0;
    };
  };
  TimingPlan plan;
  plan.warmup = 3;
  plan.reps = a.reps;
  plan.min_n = plan.max_n = a.n;
  unsigned long long before = Calls(counters, op);
  PairTiming t = MeasureInterleaved([&] { raw.Bind(); }, sample(raw, s.raw_args),
                                    [&] { keel.Bind(); }, sample(keel, s.keel_args), plan);
  unsigned long long want = 2ull * static_cast<unsigned long long>(plan.warmup + plan.reps) * a.n;
  unsigned long long got = Calls(counters, op) - before;
  if (got != want)
    throw Error(Format("%s: the samples made %llu calls into the null driver, expected %llu",
                       kOpId[op], got, want));
  Row r;
  r.raw_ns = t.raw.median;
  r.keel_ns = t.keel.median;
  return r;
}

int Main(int argc, char** argv) {
  Args a;
  int status = Parse(argc, argv, &a);
  if (status >= 0) return status;
  setenv("KEEL_BACKENDS", "cuda", 1);  // only the backend measured
  std::string why;
  CountersFn counters = LoadNullDriver(a.driver, &why);
  if (counters == nullptr) {
    std::fprintf(stderr, "keel-launch-overhead: %s\n", why.c_str());
    return kSkip;
  }
  try {
    if (a.only_op >= 0) {
      if (a.only_op >= kOpCount || (a.side != "raw" && a.side != "keel")) return Usage(stderr), 2;
      return RunRegionChild(a, counters);
    }
    Sides s;
    try {
      Open(a.opts, &s);
    } catch (const Skip& e) {
      std::fprintf(stderr, "keel-launch-overhead: skipped: %s\n", e.what());
      return kSkip;
    }
    std::string raw_desc = s.raw->Describe(), keel_desc = s.keel->Describe();
    std::vector<Row> rows;
    for (int op = 0; op < kOpCount; ++op) rows.push_back(Measure(a, counters, s, op));
    Close(&s);
    if (a.instructions) {
      for (int op = 0; op < kOpCount; ++op) {
        rows[op].raw_instr = CountInstructions(a, op, "raw");
        rows[op].keel_instr = CountInstructions(a, op, "keel");
      }
    }
    std::printf("keel-launch-overhead: Keel's own CPU cost per CUDA call, against the null CUDA "
                "driver (no GPU)\n"
                "  driver: %s (cuLaunchKernel and cuEventRecord count the call and return)\n"
                "  raw:    %s\n  keel:   %s\n"
                "  %d calls per sample, %d samples per side, interleaved ABBA; medians. Every "
                "call reached the null driver exactly once.\n\n",
                a.driver.c_str(), raw_desc.c_str(), keel_desc.c_str(), a.n, a.reps);
    std::printf("| figure | raw ns/call | keel ns/call | added ns/call |%s\n|---|---:|---:|---:|%s\n",
                a.instructions ? " raw instr/call | keel instr/call | added instr/call |" : "",
                a.instructions ? "---:|---:|---:|" : "");
    for (int op = 0; op < kOpCount; ++op) {
      const Row& r = rows[op];
      std::printf("| %s | %.2f | %.2f | %.2f |", kOpId[op], r.raw_ns, r.keel_ns, r.keel_ns - r.raw_ns);
      if (a.instructions)
        std::printf(" %.1f | %.1f | %.1f |", r.raw_instr, r.keel_instr, r.keel_instr - r.raw_instr);
      std::printf("\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keel-launch-overhead: %s\n", e.what());
    return 1;
  }
}

}  // namespace
}  // namespace kb

extern "C" void keel_launch_overhead_region(kb::Target* t, int op, int n, const kb::VecAddArgs* a) {
  kb::RunOp(*t, op, n, *a);
}

int main(int argc, char** argv) { return kb::Main(argc, argv); }
