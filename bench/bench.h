// keel-bench: what every part of the benchmark shares.
//
// A figure is measured on two *targets*: the raw native API (libcuda, or
// Vulkan driven directly) and Keel (libkeel with the same backend). Both
// implement the Target interface below, so each figure is written once
// (figures.cc) and the two sides do exactly the same work. The loops over
// operations live inside each target's methods, so no virtual call sits
// between two timed operations.
#ifndef KEEL_BENCH_BENCH_H_
#define KEEL_BENCH_BENCH_H_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb {

// A figure failed: a call returned an error or a result was wrong. The
// message names the call and the native or Keel error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A figure cannot run on this target for a documented reason (the device
// reports the capability absent, the image format does not exist for the
// backend). Reported as "skipped: reason", never as a pass.
class Skip : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// printf-style message into a std::string.
std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

enum class Backend { kCuda, kVulkan };
const char* BackendName(Backend b);

// What the two sides of every figure are.
enum class Mode {
  kKeelVsRaw,  // side A the raw target, side B Keel: the normal run
  // --aa, A/A: both sides the raw target (two independent instances,
  // interleaved as in a normal run), so the ratio is the run-to-run noise of
  // the figure on this machine, not Keel's cost.
  kRawVsRaw,
  // --kk, K/K: both sides the Keel target (each figure prepared twice on it)
  // and no raw target opened: the noise floor of Keel's figures with nothing
  // but Keel in the process.
  kKeelVsKeel,
};

// Command-line options (main.cc parses them).
struct Options {
  std::vector<Backend> backends;  // in run order
  bool quick = false;             // few repetitions, small sizes: the CI smoke mode
  std::string filter;             // run figures whose id contains one of these (comma-separated)
  std::string json_path;          // --json
  std::string kernel_dir;         // where bench.fatbin/.ptx/.spv live
  int reps = 0;                   // 0: the figure's default
  std::vector<size_t> copy_sizes;  // --copy-sizes: the memcpy figures' sizes (empty: the default)
  Mode mode = Mode::kKeelVsRaw;  // --aa, --kk
  // --warmup-ms: how long the bandwidth figures (GB/s) run untimed at their
  // sample size before timing; negative: the default (1000 ms, 0 with --quick).
  int warmup_ms = -1;
};

// "a,b,,c" -> {"a", "b", "", "c"} (the option lists: --backend, --filter, --copy-sizes).
std::vector<std::string> SplitList(const std::string& value);
// Whether a figure id is selected by opts.filter: it contains one of the
// comma-separated substrings (an empty filter selects everything).
bool Selected(const Options& opts, const std::string& id);

// A device allocation of a target. `addr` is the device address; `handle`
// is what the target needs to find it again (a VkBuffer index for raw Vulkan).
struct DevBuf {
  uint64_t addr = 0;
  size_t bytes = 0;
  uint64_t handle = 0;
};

// Host memory of a target: pinned (cuMemHostAlloc / klMemHostAlloc / a mapped
// host-visible Vulkan buffer) or pageable (plain, pre-touched).
struct HostBuf {
  void* ptr = nullptr;
  size_t bytes = 0;
  bool pinned = false;
  uint64_t handle = 0;
};

// How a launch passes its arguments.
enum class ArgMode { kParams, kExtra };

// Arguments of VecAdd(const float* a, const float* b, float* c, int n).
struct VecAddArgs {
  DevBuf a, b, c;
  int n = 0;
  unsigned block = 256;
};

// A module image held in memory (file I/O is never timed).
enum class ImageKind { kCubin, kFatbin, kPtx, kSpirv };
const char* ImageKindName(ImageKind k);
struct Image {
  ImageKind kind;
  std::vector<char> bytes;  // PTX is NUL-terminated, as cuModuleLoadData wants
};

// One side of the comparison. Every method throws Error on failure. Methods
// with `n` repeat their operation n times back to back.
class Target {
 public:
  virtual ~Target() = default;
  virtual std::string Describe() const = 0; // device and driver, one line
  // Called (untimed) before every sample: makes the target's context current
  // on the thread (raw CUDA shares the thread with Keel's CUDA backend).
  virtual void Bind() {}

  // ---- kernels (the bench module: Empty and VecAdd) ----
  // n asynchronous launches of Empty<<<1, 32>>> on the bench stream.
  virtual void LaunchEmpty(int n) = 0;
  // n asynchronous launches of VecAdd on the bench stream, grid ceil(n/block).
  virtual void LaunchVecAdd(int n, ArgMode mode, const VecAddArgs& args) = 0;
  // Waits for the bench stream.
  virtual void StreamSync() = 0;
  // Waits for all work of the context (after the synchronous-API calls).
  virtual void CtxSync() = 0;

  // ---- events and streams ----
  // n records of event A on the bench stream (not waited for).
  virtual void EventRecord(int n) = 0;
  // Records A, an Empty launch, B on the bench stream, and waits for B.
  virtual void EventPrepareElapsed() = 0;
  // n queries of the elapsed time between A and B; returns the last (ms).
  virtual float EventElapsed(int n) = 0;
  // n creations and destructions of a stream.
  virtual void StreamCreateDestroy(int n) = 0;

  // ---- memory (the synchronous API: cuMemcpyHtoD, klMemcpyHtoD, ...) ----
  virtual DevBuf Alloc(size_t bytes) = 0;
  virtual void Free(const DevBuf& buf) = 0;
  virtual HostBuf HostAlloc(size_t bytes, bool pinned) = 0;
  virtual void HostFree(const HostBuf& buf) = 0;
  // Copies and fills in API order; CtxSync waits for them to finish (CUDA
  // may return from a device-to-device copy or a fill before it is done).
  virtual void HtoD(const DevBuf& dst, const HostBuf& src, size_t bytes) = 0;
  virtual void DtoH(const HostBuf& dst, const DevBuf& src, size_t bytes) = 0;
  virtual void DtoD(const DevBuf& dst, const DevBuf& src, size_t bytes) = 0;
  virtual void MemsetD32(const DevBuf& dst, uint32_t value, size_t count) = 0;

  // ---- modules ----
  // n times: load the image from memory, get Empty, launch it once, wait,
  // unload. Launching makes lazy loading (CUDA) and lazy pipeline creation
  // (Vulkan) count, so every backend measures "image to first launch".
  // Throws Skip if the backend has no such image kind.
  virtual void ModuleLoadRun(const Image& image, int n) = 0;
};

// Reads a whole file; throws Error naming the path when it cannot.
std::vector<char> ReadFile(const std::string& path);
// The bench module image of a kind, from opts.kernel_dir: bench.fatbin,
// bench.ptx, bench.spv, or for kCubin bench.sm_XY.cubin for the device's
// compute capability (the newest XY <= it of the same major; Skip if none).
Image LoadImage(const Options& opts, ImageKind kind, int cc_major = 0, int cc_minor = 0);
// Test patterns: deterministic words from a seed; fresh seeds per check so a
// stale buffer never passes.
uint32_t NextSeed();
void FillPattern(void* p, size_t bytes, uint32_t seed);
// Throws Error naming `what` and the first differing 32-bit word.
void CheckEqual(const void* got, const void* want, size_t bytes, const std::string& what);
// Directory of the running executable.
std::string ExeDir();
// Pageable host memory, page-aligned and touched (no first-touch faults timed).
void* PageableAlloc(size_t bytes);
void PageableFree(void* p);

}  // namespace kb

#endif  // KEEL_BENCH_BENCH_H_
