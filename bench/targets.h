// Constructors of the targets, and the pieces that run in child processes.
#ifndef KEEL_BENCH_TARGETS_H_
#define KEEL_BENCH_TARGETS_H_

#include <memory>
#include <string>

#include "bench.h"

namespace kb {

// Which physical device the Keel target runs on, so the raw target opens
// the same one.
struct DeviceId {
  int cuda_ordinal = -1;  // CUDA: the CUdevice (klDeviceGetNativeHandle)
  int cc_major = 0, cc_minor = 0;  // CUDA compute capability (picks the cubin)
  bool has_uuid = false;  // Vulkan: matched by UUID, then by name
  unsigned char uuid[16] = {};
  std::string name;
};

// The Keel side; it also says which device it opened.
class KeelTarget : public Target {
 public:
  virtual DeviceId Device() const = 0;
};

// Initializes Keel (once per process) and opens the first device of the
// backend in its primary context. Throws Skip when the backend loaded but has
// no device, Error when it is missing or failed to load (with its reason).
std::unique_ptr<KeelTarget> MakeKeelTarget(Backend backend, const Options& opts);
// The raw targets. Throw Error with a clear message when the native library
// is absent ("libcuda.so.1 not found: no NVIDIA driver").
std::unique_ptr<Target> MakeCudaRawTarget(const Options& opts, const DeviceId& device);
std::unique_ptr<Target> MakeVulkanRawTarget(const Options& opts, const DeviceId& device);

// ---- child processes (cold start, JIT cache disabled) ----
// Each runs in a fresh process and returns the nanoseconds from nothing
// loaded to a usable context.
// Raw CUDA: dlopen libcuda.so.1 + resolve the symbols + cuInit + device +
// primary context, made current.
double ColdStartCudaRaw(int ordinal);
// Raw Vulkan: dlopen libvulkan.so.1 + instance + first physical device with
// a compute queue + logical device + queue.
double ColdStartVulkanRaw();
// Keel: klInit + first device of the backend + primary context, pushed
// current (the caller sets KEEL_BACKENDS=backend). Throws Error if a plugin
// other than the selected one was loaded into the process.
double ColdStartKeel(Backend backend);

// Runs `keel-bench --child <task> ...` with extra environment variables and
// returns the value it prints. Throws Error with the child's output on failure,
// Skip when the child exits 77.
double RunChild(const std::vector<std::string>& args,
                const std::vector<std::pair<std::string, std::string>>& env);
// Runs a program, returns its exit status (-1: killed by a signal) and puts
// its stdout and stderr together into *output.
int RunProgram(const std::string& path, const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env, std::string* output);
// The child side of RunChild: handles argv when it names --child; returns the
// process exit status.
int ChildMain(int argc, char** argv);

}  // namespace kb

#endif  // KEEL_BENCH_TARGETS_H_
