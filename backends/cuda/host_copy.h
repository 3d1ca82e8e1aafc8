// The parts of the pinned-staging path for pageable copies that need no
// driver: its settings, the chunk plan, and the pool of threads that splits
// each chunk's host memcpy. They live in keel_cuda_core so the unit tests
// check them without a GPU; staging.cc drives them with the driver calls.
//
// Why a pool: the driver copies pageable memory through its own pinned
// buffers with one CPU thread, and one thread's memcpy (~10 GB/s) is what
// caps raw pageable bandwidth (8-14 GB/s on an H100 host, against 55 GB/s
// pinned). Splitting each chunk's memcpy over a few threads raises the host
// side's rate, and pipelining chunks overlaps it with the DMA.
#ifndef KEEL_BACKENDS_CUDA_HOST_COPY_H_
#define KEEL_BACKENDS_CUDA_HOST_COPY_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace keel::cuda {

// Settings of the staging path, from the environment (read once):
//   KEEL_CUDA_PAGEABLE_STAGING=0          off: every copy goes straight to the driver
//   KEEL_CUDA_STAGING_THRESHOLD=<bytes>   smallest copy that is staged
//   KEEL_CUDA_STAGING_CHUNK=<bytes>       size of one staging buffer
//   KEEL_CUDA_STAGING_BUFFERS=<n>         staging buffers per context (2..8)
//   KEEL_CUDA_STAGING_THREADS=<n>         threads per chunk memcpy, caller included
// Byte counts take a K/KiB or M/MiB suffix.
struct StagingConfig {
  bool enabled = true;
  size_t threshold = size_t{1} << 20;
  size_t chunk = size_t{8} << 20;
  int buffers = 4;
  int threads = 1;
};

constexpr int kMaxStagingBuffers = 8;
constexpr int kMaxCopyThreads = 32;

// The default thread count for a machine with `cpus` usable CPUs: three
// quarters of them (the rest is left to the application and the driver's
// own threads), at most 12. On the 16-core H100 host, 256 MiB pageable
// copies reached 8.6/7.2 GB/s (HtoD/DtoH) with 1 thread, 26/24 with 4,
// 32/35 with 8 and 39/48 with 12 (docs/backends/cuda.md); 12 is the most
// measured, and more threads add wake-up cost per chunk.
int DefaultCopyThreads(int cpus);

// Parses the settings with `get` standing for getenv (tests pass their own).
// Malformed values keep the default (and are reported through `warn` when
// it is given).
StagingConfig ParseStagingConfig(const char* (*get)(const char*), int cpus,
                                 void (*warn)(const char* name, const char* value) = nullptr);

// The process's settings: ParseStagingConfig(getenv, CPUs in this process's
// affinity mask), computed on first use.
const StagingConfig& GetStagingConfig();

// "8M", "8MiB", "65536", "64K" -> bytes; false for anything else.
bool ParseByteCount(const char* text, size_t* out);

// The chunk size for a staged copy of `bytes`: at most `max_chunk`, and
// small enough that the copy has at least four chunks to overlap (memcpy of
// one chunk while the DMA of the one before runs), but never below 64 KiB,
// where per-chunk driver calls would dominate. Multiple of 64 KiB.
size_t ChunkFor(size_t bytes, size_t max_chunk);

// Threads that together memcpy one buffer: the calling thread and
// threads - 1 workers. Copy() splits the buffer into pieces that the
// threads claim one by one (a worker that wakes late claims fewer), and
// returns when every piece is done. Calls from several threads take turns.
//
// Workers spin briefly after a job before sleeping on a condition variable,
// because in a pipelined copy the next chunk arrives within tens of
// microseconds and a futex wake-up per chunk would cost as much.
class CopyPool {
 public:
  explicit CopyPool(int threads);
  ~CopyPool();  // stops and joins the workers; no Copy may be running
  CopyPool(const CopyPool&) = delete;
  CopyPool& operator=(const CopyPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }
  void Copy(void* dst, const void* src, size_t bytes);

 private:
  void Work();
  // Claims and copies pieces of job `gen` until none is left.
  void RunPieces(uint64_t gen);

  std::mutex call_mutex_;  // one Copy at a time
  std::mutex mutex_;       // guards the job below and sleeping
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<uint64_t> gen_{0};  // job number; workers watch it while spinning
  char* dst_ = nullptr;
  const char* src_ = nullptr;
  size_t bytes_ = 0;
  size_t piece_ = 0;
  size_t pieces_ = 0;
  size_t next_ = 0;                  // next piece to claim (under mutex_)
  std::atomic<size_t> done_{0};      // pieces finished
  std::vector<std::thread> workers_;
};

// The process's pool, shared by every context that has staging buffers:
// the first Acquire creates it (threads from the settings), the last Release
// stops and joins its workers. Called from context creation of staging
// buffers and context teardown, never from a static destructor: a pool still
// held at exit (a primary context never released) is left to process exit,
// its workers asleep on a condition variable.
CopyPool* AcquireCopyPool();
void ReleaseCopyPool();

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_HOST_COPY_H_
