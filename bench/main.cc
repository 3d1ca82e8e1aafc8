// keel-bench: Keel against the raw native APIs, side by side (issue 8).
//
//   keel-bench [--backend cuda|vulkan|all] [--quick] [--filter SUBSTRING[,...]]
//              [--json FILE] [--reps N] [--kernel-dir DIR] [--list] [--copy-sizes LIST]
//              [--aa | --kk]
//
// For each backend, every figure runs on the raw API (libcuda, or Vulkan
// driven directly) and on Keel with that backend, on the same device, in
// the same process, interleaved sample by sample after warm-up; the table
// gives the medians and keel/raw. Every figure with a result checks it.
//
// --aa (A/A) runs the raw target on both sides instead: two independent
// instances of it, sampled exactly as raw and Keel are in a normal run. Their
// ratio (B / A) is what the method itself reads when nothing differs: the
// noise floor against which a keel/raw ratio of the same figure is judged.
// --kk (K/K) does the same with Keel on both sides and no raw target opened
// at all: Keel's own noise floor, and what a figure does with nothing but
// Keel in the process (docs/performance.md, the slow state). Unlike A/A's
// two independent instances, K/K's sides are one Keel target: each figure
// is prepared twice (its own buffers), but both sides share the target's
// context, stream, events and module.
//
// Exit status: 0 all figures ran and checked; 1 a figure or a backend
// failed; 2 bad usage; 77 nothing could run (no device for any requested
// backend: ctest reports it as skipped).
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>

#include "figures.h"
#include "report.h"
#include "targets.h"

namespace kb {
namespace {

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: keel-bench [--backend cuda|vulkan|all] [--quick] [--filter SUBSTRING[,...]]\n"
               "                  [--json FILE] [--reps N] [--kernel-dir DIR] [--list]\n"
               "                  [--copy-sizes LIST] [--warmup-ms MS] [--aa | --kk]\n"
               "  --backend   backends to measure, comma-separated (default all: those\n"
               "              with a device)\n"
               "  --quick     smoke mode: small sizes, few repetitions (CI)\n"
               "  --filter    only figures whose id contains SUBSTRING (or any of a\n"
               "              comma-separated list: launch,event)\n"
               "  --json      also write the results to FILE\n"
               "  --reps      timed samples per side (default per figure, 31 for most)\n"
               "  --kernel-dir  where bench.fatbin, bench.ptx, bench.sm_XY.cubin, bench.spv are\n"
               "              (default: bench_kernels/ beside the executable)\n"
               "  --list      print the figures and what each measures, then exit\n"
               "  --copy-sizes  sizes of the memcpy figures instead of the default ones,\n"
               "              comma-separated bytes with an optional KiB/MiB suffix\n"
               "              (e.g. 256KiB,1MiB,4MiB: where pageable staging starts to pay)\n"
               "  --warmup-ms how long each bandwidth figure (GB/s) runs untimed before it is\n"
               "              timed, so that GPU clocks lowered while idle are up again\n"
               "              (default 1000, 0 with --quick)\n"
               "  --aa        A/A: the raw target on both sides (two instances, interleaved\n"
               "              as usual); the ratio raw B / raw A is the noise floor of each\n"
               "              figure on this machine. No Keel side is measured.\n"
               "  --kk        K/K: the Keel target on both sides (each figure prepared twice;\n"
               "              both share one context, stream and events: not two instances);\n"
               "              no raw target is opened, so nothing but Keel is in the process.\n");
}

struct Args {
  Options opts;
  bool list = false;
};

// A whole decimal number from lo to hi and nothing else: false for "5x",
// " 5", "+5", "-1" or "" (what atoi would have read as something).
bool ParseInt(const std::string& value, long lo, long hi, long* out) {
  if (value.empty() || value[0] < '0' || value[0] > '9') return false;
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(value.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || n < lo || n > hi) return false;
  *out = n;
  return true;
}

// "4,64KiB,16MiB" -> {4, 65536, 16777216}; false on anything else.
bool ParseSizes(const std::string& value, std::vector<size_t>* out) {
  out->clear();
  for (const std::string& item : SplitList(value)) {
    char* rest = nullptr;
    unsigned long long n = std::strtoull(item.c_str(), &rest, 10);
    std::string unit = rest;
    size_t scale = unit.empty() || unit == "B" ? 1 : unit == "KiB" ? 1024 : unit == "MiB" ? 1024 * 1024 : 0;
    if (item.empty() || rest == item.c_str() || scale == 0 || n == 0) return false;
    out->push_back(static_cast<size_t>(n) * scale);
  }
  return !out->empty();
}

bool ParseBackends(const std::string& value, std::vector<Backend>* out) {
  out->clear();
  for (const std::string& name : SplitList(value)) {
    if (name == "cuda") out->push_back(Backend::kCuda);
    else if (name == "vulkan") out->push_back(Backend::kVulkan);
    else if (name == "all") *out = {Backend::kCuda, Backend::kVulkan};
    else return false;
  }
  return !out->empty();
}

int Parse(int argc, char** argv, Args* a) {
  a->opts.backends = {Backend::kCuda, Backend::kVulkan};
  a->opts.kernel_dir = ExeDir() + "/bench_kernels";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (k == "--quick") a->opts.quick = true;
    else if (k == "--aa" || k == "--kk") {
      Mode m = k == "--aa" ? Mode::kRawVsRaw : Mode::kKeelVsKeel;
      if (a->opts.mode != Mode::kKeelVsRaw && a->opts.mode != m) {
        std::fprintf(stderr, "keel-bench: --aa and --kk exclude each other\n");
        return 2;
      }
      a->opts.mode = m;
    }
    else if (k == "--list") a->list = true;
    else if (k == "--help" || k == "-h") return Usage(stdout), 0;
    else if (k == "--backend" && value(&v)) {
      if (!ParseBackends(v, &a->opts.backends)) {
        std::fprintf(stderr, "keel-bench: unknown backend '%s' (cuda, vulkan, all)\n", v.c_str());
        return 2;
      }
    } else if (k == "--filter" && value(&v)) a->opts.filter = v;
    else if (k == "--json" && value(&v)) a->opts.json_path = v;
    else if (k == "--kernel-dir" && value(&v)) a->opts.kernel_dir = v;
    else if (k == "--reps" && value(&v)) {
      long n = 0;
      if (!ParseInt(v, 1, 1000000, &n)) {
        std::fprintf(stderr, "keel-bench: --reps needs a number from 1 to 1000000\n");
        return 2;
      }
      a->opts.reps = static_cast<int>(n);
    } else if (k == "--warmup-ms" && value(&v)) {
      long ms = 0;
      if (!ParseInt(v, 0, 600000, &ms)) {
        std::fprintf(stderr, "keel-bench: --warmup-ms needs milliseconds from 0 to 600000\n");
        return 2;
      }
      a->opts.warmup_ms = static_cast<int>(ms);
    } else if (k == "--copy-sizes" && value(&v)) {
      if (!ParseSizes(v, &a->opts.copy_sizes)) {
        std::fprintf(stderr, "keel-bench: --copy-sizes needs sizes like 4,64KiB,16MiB\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "keel-bench: bad argument '%s'\n", k.c_str());
      Usage(stderr);
      return 2;
    }
  }
  return -1;
}

// Calls f, turning the exceptions into a status string.
template <typename F>
std::string Guard(F&& f) {
  try {
    f();
    return "ok";
  } catch (const Skip& e) {
    return std::string("skipped: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

// Runs one figure: side A is the raw target, side B is Keel, or in A/A mode
// a second raw target prepared by the figure's raw side too; in K/K mode
// both are the Keel target, prepared by the figure's Keel side.
// `keel` is the Keel target in every mode: figures ask it which device is
// measured.
Result RunFigure(Backend b, const Figure& fig, Target& raw, Target& side_b, KeelTarget& keel,
                 const Options& o) {
  Result r;
  r.backend = BackendName(b);
  r.id = fig.id;
  r.what = fig.what;
  r.unit = UnitName(fig.unit);
  Prepared praw, pkeel;
  bool have_raw = false, have_keel = false;
  PairTiming t;
  r.status = Guard([&] {
    raw.Bind();
    praw = o.mode == Mode::kKeelVsKeel ? fig.keel(raw, keel) : fig.raw(raw, keel);
    have_raw = true;
    side_b.Bind();
    pkeel = o.mode == Mode::kRawVsRaw ? fig.raw(side_b, keel) : fig.keel(side_b, keel);
    have_keel = true;
    auto verify = [&] {
      raw.Bind();
      if (praw.verify) praw.verify();
      side_b.Bind();
      if (pkeel.verify) pkeel.verify();
    };
    verify();
    t = MeasureInterleaved([&] { raw.Bind(); }, praw.sample, [&] { side_b.Bind(); }, pkeel.sample,
                           fig.plan);
    verify();  // still right after every sample ran
  });
  // Cleanup runs whatever happened; its failure is the figure's failure.
  std::string cleanup = Guard([&] {
    if (have_raw && praw.cleanup) raw.Bind(), praw.cleanup();
    if (have_keel && pkeel.cleanup) side_b.Bind(), pkeel.cleanup();
  });
  if (r.status == "ok" && cleanup != "ok") r.status = cleanup;
  if (r.status != "ok") return r;
  auto conv = [&](double ns) { return ToUnit(fig.unit, ns, fig.bytes); };
  r.raw = conv(t.raw.median);
  r.keel = conv(t.keel.median);
  r.ratio = r.keel / r.raw;
  r.raw_min = std::min(conv(t.raw.min), conv(t.raw.max));
  r.raw_max = std::max(conv(t.raw.min), conv(t.raw.max));
  r.keel_min = std::min(conv(t.keel.min), conv(t.keel.max));
  r.keel_max = std::max(conv(t.keel.min), conv(t.keel.max));
  r.reps = static_cast<int>(t.raw.ns_per_op.size());
  r.n = t.n;
  return r;
}

const Result* Find(const std::vector<Result>& rs, const std::string& backend,
                   const std::string& id) {
  for (const Result& r : rs)
    if (r.backend == backend && r.id == id && r.status == "ok") return &r;
  return nullptr;
}

// The name of side A (b false) or side B (b true) of every figure in this
// mode, as the table's columns and the progress lines call them.
const char* SideName(const Options& o, bool b) {
  switch (o.mode) {
    case Mode::kRawVsRaw: return b ? "raw B" : "raw A";
    case Mode::kKeelVsKeel: return b ? "keel B" : "keel A";
    case Mode::kKeelVsRaw: break;
  }
  return b ? "keel" : "raw";
}

Result Derived(const std::string& backend, const std::string& id, const std::string& what,
               double raw, double keel) {
  Result r;
  r.backend = backend;
  r.id = id;
  r.what = what;
  r.unit = "x";
  r.status = "ok";
  r.raw = raw;
  r.keel = keel;
  r.ratio = keel / raw;
  r.derived = true;
  return r;
}

// Vector add against the device-to-device copy of the largest size: both as
// memory traffic (vecadd 12 B/element; a copy reads and writes: 2 x bytes).
void AddVecAddVsCopy(Backend b, const Options& o, std::vector<Result>* rs) {
  std::string be = BackendName(b);
  const Result* va = Find(*rs, be, VecAddId(o.quick));
  const Result* cp = Find(*rs, be, "memcpy.dtod." + SizeName(CopySizes(o.quick).back()));
  if (!va || !cp) return;
  rs->push_back(Derived(be, "vecadd.vs_dtod",
                        "vector-add memory traffic / device-to-device copy traffic (2 x bytes "
                        "copied) of the largest copy size, per side",
                        va->raw / (2 * cp->raw), va->keel / (2 * cp->keel)));
}

void AddCrossBackend(const Options& o, std::vector<Result>* rs) {
  std::string id = VecAddId(o.quick);
  const Result* cu = Find(*rs, "cuda", id);
  const Result* vk = Find(*rs, "vulkan", id);
  if (!cu || !vk) return;
  // Each column divides its own side's figures (in every mode).
  std::string a = SideName(o, false), b = SideName(o, true);
  rs->push_back(Derived("cuda+vulkan", "vecadd.vulkan_vs_cuda",
                        "vector-add GB/s of the Vulkan backend / of the CUDA backend (same GPU), "
                        "per column: " + a + " Vulkan / " + a + " CUDA, " + b + " Vulkan / " + b +
                            " CUDA",
                        vk->raw / cu->raw, vk->keel / cu->keel));
}

// The loader's dispatch overhead: keel-dispatch-bench (loader/bench, built
// with the loader tests) calls one entry point of each dispatch kind through
// libkeel and directly through the test backend's table. Its rows become
// ours: raw = direct, keel = through libkeel.
std::vector<Result> RunDispatchBench(const Options& o) {
  Result base;
  base.backend = "loader";
  base.id = "dispatch";
  base.unit = "ns";
  base.what = "one call through libkeel vs the same backend function called directly "
              "(keel-dispatch-bench, test backend)";
  std::string exe = ExeDir() + "/keel-dispatch-bench";
  if (access(exe.c_str(), X_OK) != 0) {
    base.status = "skipped: keel-dispatch-bench is not built (it is built with the loader "
                  "tests, BUILD_TESTING=ON)";
    return {base};
  }
  std::vector<std::string> args = {"--iterations", o.quick ? "200000" : "20000000",
                                   "--repetitions", o.quick ? "3" : "11"};
  std::string out;
  int status = 0;
  base.status = Guard([&] { status = RunProgram(exe, args, {}, &out); });
  if (base.status != "ok") return {base};
  if (status != 0) {
    base.status = Format("error: keel-dispatch-bench exited with %d: %s", status, out.c_str());
    return {base};
  }
  // Rows: kind, call, direct ns, via-libkeel ns, added ns.
  std::vector<Result> rows;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    size_t len = end == std::string::npos ? std::string::npos : end - start;
    std::string line = out.substr(start, len);
    start = end == std::string::npos ? out.size() : end + 1;
    char kind[16], call[128];
    double direct, via, added;
    if (std::sscanf(line.c_str(), "%15s %127s %lf %lf %lf", kind, call, &direct, &via, &added) != 5)
      continue;
    Result r = base;
    std::string name = call;
    r.id = std::string("dispatch.") + kind + "." + name.substr(0, name.find('('));
    r.what = Format("%s (%s dispatch) through libkeel vs the test backend's function called "
                    "directly (keel-dispatch-bench)",
                    call, kind);
    r.status = "ok";
    r.raw = direct;
    r.keel = via;
    r.ratio = via / direct;
    r.reps = std::atoi(args[3].c_str());
    r.n = std::atoi(args[1].c_str());
    rows.push_back(r);
  }
  if (rows.empty()) {
    base.status = "error: no result rows in keel-dispatch-bench's output: " + out;
    return {base};
  }
  return rows;
}

std::string NowUtc() {
  char buf[64];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--child") == 0) return ChildMain(argc, argv);
  Args a;
  int status = Parse(argc, argv, &a);
  if (status >= 0) return status;
  const Options& o = a.opts;

  if (a.list) {
    for (Backend b : o.backends)
      for (const Figure& f : MakeFigures(b, o))
        std::printf("%s %s [%s]: %s\n", BackendName(b), f.id.c_str(), UnitName(f.unit),
                    f.what.c_str());
    std::printf("loader dispatch.<kind>.<call> [ns]: the rows of keel-dispatch-bench (one call "
                "through libkeel vs the backend function called directly)\n");
    return 0;
  }

  // Open only what is measured (the cold-start figure sets its own).
  std::string selected;
  for (Backend b : o.backends)
    selected += std::string(selected.empty() ? "" : ",") + BackendName(b);
  setenv("KEEL_BACKENDS", selected.c_str(), 0);

  Report report;
  for (int i = 0; i < argc; ++i) report.command += std::string(i ? " " : "") + argv[i];
  report.date = NowUtc();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  report.host = host;
  report.quick = o.quick;
  report.warmup_ms = BandwidthWarmupMs(o);
  report.mode = o.mode;

  bool any_error = false, any_ran = false;
  for (Backend b : o.backends) {
    BackendRun run;
    run.backend = BackendName(b);
    std::unique_ptr<KeelTarget> keel;
    std::unique_ptr<Target> raw, raw_b;  // raw_b: side B in A/A mode
    run.status = Guard([&] {
      // Keel opens first in both modes: it picks the device the raw side
      // opens (and the figures ask it for the device's compute capability).
      keel = MakeKeelTarget(b, o);
      run.keel_desc = keel->Describe();
      auto make_raw = [&] {
        return b == Backend::kCuda ? MakeCudaRawTarget(o, keel->Device())
                                   : MakeVulkanRawTarget(o, keel->Device());
      };
      if (o.mode == Mode::kKeelVsKeel) return;  // nothing but Keel in the process
      raw = make_raw();
      run.raw_desc = raw->Describe();
      if (o.mode == Mode::kRawVsRaw) {
        // An independent second instance: raw CUDA retains the same primary
        // context again (its own module, stream and events); raw Vulkan
        // creates its own instance and VkDevice.
        raw_b = make_raw();
        run.raw_b_desc = raw_b->Describe();
      }
    });
    std::fprintf(stderr, "keel-bench: %s: %s\n", run.backend.c_str(), run.status.c_str());
    if (run.status != "ok") {
      // No device or no plugin: skipped (exit 77 if nothing ran); broken: an error.
      if (run.status.rfind("error", 0) == 0) any_error = true;
      report.backends.push_back(run);
      continue;
    }
    any_ran = true;
    report.backends.push_back(run);
    for (const Figure& fig : MakeFigures(b, o)) {
      if (!Selected(o, fig.id)) continue;
      double t0 = NowNs();
      Target& side_a = o.mode == Mode::kKeelVsKeel ? static_cast<Target&>(*keel) : *raw;
      Result r = RunFigure(b, fig, side_a, o.mode == Mode::kRawVsRaw ? *raw_b : *keel, *keel, o);
      const char* a_name = SideName(o, false);
      const char* b_name = SideName(o, true);
      std::fprintf(stderr, "keel-bench: %s %-28s %s  (%.1f s)\n", r.backend.c_str(), r.id.c_str(),
                   r.status == "ok"
                       ? Format("%s %.4g %s, %s %.4g %s, ratio %.3f", a_name, r.raw,
                                r.unit.c_str(), b_name, r.keel, r.unit.c_str(),
                                r.ratio).c_str()
                       : r.status.c_str(),
                   (NowNs() - t0) / 1e9);
      if (r.status.rfind("error", 0) == 0) any_error = true;
      report.results.push_back(r);
    }
    AddVecAddVsCopy(b, o, &report.results);
    raw_b.reset();
    raw.reset();
    keel.reset();
  }
  AddCrossBackend(o, &report.results);
  // The dispatch rows compare libkeel with a direct call: nothing to do with
  // an A/A run of the raw targets.
  bool want_dispatch = o.mode == Mode::kKeelVsRaw && (o.filter.empty() || Selected(o, "loader.dispatch") ||
                                 o.filter.find("dispatch") != std::string::npos);
  if (any_ran && want_dispatch) {
    for (Result& r : RunDispatchBench(o)) {
      std::fprintf(stderr, "keel-bench: loader %-28s %s\n", r.id.c_str(), r.status.c_str());
      if (r.status.rfind("error", 0) == 0) any_error = true;
      report.results.push_back(r);
    }
  }

  PrintTable(report, stdout);
  if (!o.json_path.empty()) {
    std::string s = Guard([&] { WriteJson(report, o.json_path); });
    if (s != "ok") {
      std::fprintf(stderr, "keel-bench: %s\n", s.c_str());
      return 1;
    }
  }
  if (any_error) return 1;
  if (!any_ran) {
    std::fprintf(stderr, "keel-bench: no requested backend has a device here; nothing measured\n");
    return 77;
  }
  return 0;
}

}  // namespace
}  // namespace kb

int main(int argc, char** argv) { return kb::Main(argc, argv); }
