// Host-side help for backends that stage pageable host<->device copies
// through their own host-visible buffers (the CUDA backend's pinned staging,
// the Vulkan backend's staging memory): a pool of threads that splits one
// memcpy, the chunk plan of a pipelined copy, and the settings every such
// backend reads (threshold, chunk, threads) under its own prefix.
//
// Why a pool: one thread's memcpy (~10 GB/s on an H100 host) caps pageable
// copies far below the bus (~45-55 GB/s pinned). Splitting each chunk's
// memcpy over a few threads raises the host side's rate, and pipelining
// chunks overlaps it with the device's transfer of the chunk before.
//
// Each plugin links its own copy of this code (keel_backend_common is a
// static library, plugins are loaded RTLD_LOCAL): every backend has its own
// process-wide pool, sized by its own settings.
#ifndef KEEL_BACKENDS_COMMON_PARALLEL_COPY_H_
#define KEEL_BACKENDS_COMMON_PARALLEL_COPY_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "common/settings.h"  // the parsers of the settings below (ParseByteCount)

namespace keel {

constexpr int kMaxCopyThreads = 32;

// getenv stand-in (tests pass their own) and the report of a malformed value.
using GetenvFn = const char* (*)(const char* name);
using WarnSettingFn = void (*)(const char* name, const char* value);

// Which staged copies the pool writes with non-temporal stores
// (StreamingCopy). kAuto: copies out of staging into the application's
// memory (device-to-host) stream, copies into staging (host-to-device) do
// not. Measured on the H100 host, CUDA staging, 256 MiB pageable, 21
// samples per run: device-to-host 52.0-52.4 GB/s streaming (samples
// 48.9-53.3) against 42.7-52.4 cached (samples 34.9-53.1); host-to-device
// 38.5-38.8 streaming against 40.3-45.2 cached (the staging chunks are
// reused, stay in the cache and the DMA engine reads them from there).
enum class StreamingStores { kAuto, kNever, kAlways };

// The settings a staging backend shares, from <prefix>_STAGING_THRESHOLD,
// <prefix>_STAGING_CHUNK, <prefix>_STAGING_THREADS and
// <prefix>_STAGING_STREAMING (byte counts take a K/KiB or M/MiB suffix):
//   threshold  smallest copy that is staged in chunks with the pool;
//   chunk      the largest chunk, 64 KiB .. 256 MiB, rounded up to 64 KiB;
//   threads    threads per chunk memcpy, caller included, 1 .. kMaxCopyThreads;
//   streaming  auto, 0 (never) or 1 (both directions): StreamingStores.
struct HostCopySettings {
  size_t threshold = size_t{1} << 20;
  size_t chunk = size_t{8} << 20;
  int threads = 1;
  StreamingStores streaming = StreamingStores::kAuto;

  // Whether the pool's memcpy into staging (host-to-device) and out of it
  // (device-to-host) uses streaming stores.
  bool StreamIn() const { return streaming == StreamingStores::kAlways; }
  bool StreamOut() const { return streaming != StreamingStores::kNever; }
};

// Overrides the fields of *s that the environment sets; a malformed value
// keeps the field and is reported through `warn` (when given).
void ParseHostCopySettings(const char* prefix, GetenvFn get, WarnSettingFn warn, HostCopySettings* s);

// Logs "<name>=<value> is not a valid value; using the default" (a WarnSettingFn).
void WarnInvalidSetting(const char* name, const char* value);

// CPUs in this process's affinity mask (at least 1).
int UsableCpus();

// The default thread count for a machine with `cpus` usable CPUs: three
// quarters of them (the rest is left to the application and the driver's
// own threads), at most 12. On the 16-core H100 host, 256 MiB pageable
// copies through CUDA staging reached 8.6/7.2 GB/s (HtoD/DtoH) with 1
// thread, 26/24 with 4, 32/35 with 8 and 39/48 with 12
// (docs/backends/cuda.md); 12 is the most measured, and more threads add
// wake-up cost per chunk.
int DefaultCopyThreads(int cpus);

// The chunk size for a staged copy of `bytes`: at most `max_chunk`, and
// small enough that the copy has at least four chunks to overlap (memcpy of
// one chunk while the transfer of the one before runs), but never below
// 64 KiB, where per-chunk driver calls would dominate. Multiple of 64 KiB.
size_t ChunkFor(size_t bytes, size_t max_chunk);

// memcpy with non-temporal (streaming) stores on x86-64, a plain memcpy
// elsewhere; the stores are fenced before it returns. Why: a staged copy
// writes each byte once and nothing reads it soon (the DMA engine reads the
// staging buffer, the application a 256 MiB destination later), so the
// read-for-ownership of every destination line that cached stores cost is
// wasted memory traffic, and the host's memory is shared with the DMA.
// glibc's memcpy streams only above a threshold of several MiB per call,
// which the pool's pieces of a few hundred KiB never reach.
void StreamingCopy(void* dst, const void* src, size_t bytes);

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
  // streaming: the pieces go through StreamingCopy instead of memcpy.
  void Copy(void* dst, const void* src, size_t bytes, bool streaming = false);

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
  bool streaming_ = false;       // of the job
  size_t next_ = 0;              // next piece to claim (under mutex_)
  std::atomic<size_t> done_{0};  // pieces finished
  std::vector<std::thread> workers_;
};

// The plugin's pool, shared by every context that stages copies: the first
// Acquire creates it with `threads` (later Acquires get it as it is), the
// last Release stops and joins its workers. Called from a context's setup of
// staging and its teardown, never from a static destructor: a pool still
// held at exit (a context never destroyed) is left to process exit, its
// workers asleep on a condition variable.
CopyPool* AcquireCopyPool(int threads);
void ReleaseCopyPool();

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_PARALLEL_COPY_H_
