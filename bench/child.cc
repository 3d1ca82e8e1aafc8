// Other processes. Figures that need a fresh process: cold start (nothing
// loaded yet) and PTX loading with the JIT cache disabled (CUDA reads
// CUDA_CACHE_DISABLE once, at cuInit). The parent re-executes itself with
// --child and reads one line, "KEEL_BENCH_CHILD <nanoseconds>", from the
// child's output (RunProgram, util.cc, runs it).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "targets.h"
#include "timer.h"

namespace kb {

namespace {
constexpr const char* kResultTag = "KEEL_BENCH_CHILD ";
constexpr int kSkipStatus = 77;
}  // namespace

double RunChild(const std::vector<std::string>& args,
                const std::vector<std::pair<std::string, std::string>>& env) {
  std::string out;
  int status = RunProgram("/proc/self/exe", args, env, &out);
  std::string cmd = "keel-bench";
  for (const auto& a : args) cmd += " " + a;
  if (status == kSkipStatus) throw Skip(out);
  size_t at = out.find(kResultTag);
  if (status != 0 || at == std::string::npos)
    throw Error(Format("child `%s` failed (status %d): %s", cmd.c_str(), status, out.c_str()));
  return std::strtod(out.c_str() + at + std::strlen(kResultTag), nullptr);
}

int ChildMain(int argc, char** argv) {
  std::string task, side, backend_name;
  Options opts;
  opts.kernel_dir = ExeDir() + "/bench_kernels";
  int ordinal = 0, count = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--child") task = v;
    else if (k == "--side") side = v;
    else if (k == "--backend") backend_name = v;
    else if (k == "--kernel-dir") opts.kernel_dir = v;
    else if (k == "--cuda-ordinal") ordinal = std::atoi(v.c_str());
    else if (k == "--count") count = std::atoi(v.c_str());
  }
  Backend backend = backend_name == "cuda" ? Backend::kCuda : Backend::kVulkan;
  try {
    double ns = 0;
    if (task == "init") {
      if (side == "keel") ns = ColdStartKeel(backend);
      else if (backend == Backend::kCuda) ns = ColdStartCudaRaw(ordinal);
      else ns = ColdStartVulkanRaw();
    } else if (task == "ptx-nocache") {
      std::unique_ptr<Target> target;
      if (side == "keel") {
        target = MakeKeelTarget(backend, opts);
      } else {
        DeviceId id;
        id.cuda_ordinal = ordinal;
        target = MakeCudaRawTarget(opts, id);
      }
      target->Bind();
      Image ptx = LoadImage(opts, ImageKind::kPtx);
      std::vector<double> times;
      for (int i = 0; i < std::max(1, count); ++i) {
        double t0 = NowNs();
        target->ModuleLoadRun(ptx, 1);
        times.push_back(NowNs() - t0);
      }
      ns = Median(times);
    } else {
      std::fprintf(stderr, "keel-bench: unknown child task '%s'\n", task.c_str());
      return 2;
    }
    std::printf("%s%.1f\n", kResultTag, ns);
    return 0;
  } catch (const Skip& e) {
    std::printf("skipped: %s\n", e.what());
    return kSkipStatus;
  } catch (const std::exception& e) {
    std::printf("%s\n", e.what());
    return 1;
  }
}

}  // namespace kb
