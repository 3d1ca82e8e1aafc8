// The memcpy pool, chunk plan and shared settings of staged host copies
// (parallel_copy.h).
#include "common/parallel_copy.h"

#include <sched.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "common/services.h"

namespace keel {
namespace {

constexpr size_t kKiB = size_t{1} << 10;
constexpr size_t kMiB = size_t{1} << 20;
// Below this a piece is not worth handing to another thread.
constexpr size_t kMinPiece = 64 * kKiB;
// How long a worker spins for the next job before sleeping. A pipelined copy
// hands out a chunk every few hundred microseconds, with gaps of a few tens
// between them (the driver calls of the chunk before).
constexpr auto kSpin = std::chrono::microseconds(200);

// One piece of a job, with streaming or cached stores.
void CopyBytes(void* dst, const void* src, size_t bytes, bool streaming) {
  if (streaming) StreamingCopy(dst, src, bytes);
  else std::memcpy(dst, src, bytes);
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

size_t RoundUp(size_t v, size_t to) { return (v + to - 1) / to * to; }

// Global pool state, guarded by g_pool_mutex. std::mutex has a constexpr
// constructor and a trivial destructor, so it is usable at any time and
// nothing here runs at static destruction.
std::mutex g_pool_mutex;
CopyPool* g_pool = nullptr;
int g_pool_users = 0;

}  // namespace

int UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned int hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

void WarnInvalidSetting(const char* name, const char* value) {
  Log(KL_LOG_WARN, "%s=%s is not a valid value; using the default", name, value);
}

int DefaultCopyThreads(int cpus) { return std::clamp(cpus * 3 / 4, 1, 12); }

void ParseHostCopySettings(const char* prefix, GetenvFn get, WarnSettingFn warn, HostCopySettings* s) {
  auto bad = [&](const std::string& name, const char* value) {
    if (warn != nullptr) warn(name.c_str(), value);
  };
  const std::string p(prefix);
  size_t bytes = 0;
  std::string name = p + "_STAGING_THRESHOLD";
  if (const char* v = get(name.c_str())) {
    if (ParseByteCount(v, &bytes)) s->threshold = std::max<size_t>(bytes, 1);
    else bad(name, v);
  }
  name = p + "_STAGING_CHUNK";
  if (const char* v = get(name.c_str())) {
    // 64 KiB .. 256 MiB, a multiple of 64 KiB (ChunkFor's unit).
    if (ParseByteCount(v, &bytes) && bytes >= 64 * kKiB && bytes <= 256 * kMiB) s->chunk = RoundUp(bytes, 64 * kKiB);
    else bad(name, v);
  }
  name = p + "_STAGING_THREADS";
  if (const char* v = get(name.c_str())) {
    uint64_t n = 0;
    if (ParseUnsigned(v, 1, kMaxCopyThreads, &n)) s->threads = static_cast<int>(n);
    else bad(name, v);
  }
  name = p + "_STAGING_STREAMING";
  if (const char* v = get(name.c_str())) {
    TriState t = TriState::kAuto;
    if (!ParseTriState(v, &t)) bad(name, v);
    else if (t == TriState::kAuto) s->streaming = StreamingStores::kAuto;
    else s->streaming = t == TriState::kOn ? StreamingStores::kAlways : StreamingStores::kNever;
  }
}

void StreamingCopy(void* dst, const void* src, size_t bytes) {
#if defined(__x86_64__)
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  // Cached head up to the first 64-byte line of the destination: streaming
  // stores pay off in whole lines, and _mm_stream_si128 needs 16-byte
  // alignment.
  size_t head = (64 - (reinterpret_cast<uintptr_t>(d) & 63)) & 63;
  if (bytes < head + 64) {
    std::memcpy(d, s, bytes);
    return;
  }
  std::memcpy(d, s, head);
  d += head;
  s += head;
  bytes -= head;
  size_t lines = bytes / 64;
  for (size_t i = 0; i < lines; ++i, d += 64, s += 64) {
    const __m128i* in = reinterpret_cast<const __m128i*>(s);
    __m128i a = _mm_loadu_si128(in), b = _mm_loadu_si128(in + 1);
    __m128i c = _mm_loadu_si128(in + 2), e = _mm_loadu_si128(in + 3);
    __m128i* out = reinterpret_cast<__m128i*>(d);
    _mm_stream_si128(out, a);
    _mm_stream_si128(out + 1, b);
    _mm_stream_si128(out + 2, c);
    _mm_stream_si128(out + 3, e);
  }
  std::memcpy(d, s, bytes % 64);
  // Streaming stores are weakly ordered: make them visible before whoever
  // learns that the copy is done (a flag, a DMA) can look.
  _mm_sfence();
#else
  std::memcpy(dst, src, bytes);
#endif
}

size_t ChunkFor(size_t bytes, size_t max_chunk) {
  size_t quarter = RoundUp((bytes + 3) / 4, 64 * kKiB);
  return std::max(64 * kKiB, std::min(max_chunk, quarter));
}

// ---- CopyPool ---------------------------------------------------------------------

CopyPool::CopyPool(int threads) {
  int workers = std::clamp(threads, 1, kMaxCopyThreads) - 1;
  workers_.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

CopyPool::~CopyPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    gen_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void CopyPool::Work() {
  // 0 is the generation before any job, whatever happened since this thread
  // was started: a stop (or a job) that came first must still be seen.
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = gen_.load(std::memory_order_acquire);
    if (gen == seen) {
      auto until = std::chrono::steady_clock::now() + kSpin;
      for (unsigned i = 1; gen == seen; ++i) {
        CpuRelax();
        gen = gen_.load(std::memory_order_acquire);
        if (i % 256 == 0 && std::chrono::steady_clock::now() > until) break;
      }
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (gen == seen) wake_.wait(lock, [&] { return gen_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      gen = gen_.load(std::memory_order_relaxed);
    }
    seen = gen;
    RunPieces(gen);
  }
}

void CopyPool::RunPieces(uint64_t gen) {
  for (;;) {
    char* d = nullptr;
    const char* s = nullptr;
    size_t n = 0;
    bool streaming = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // A worker that wakes after its job is over must not touch the next
      // job's counters: the generation says which job a claim is for.
      if (gen_.load(std::memory_order_relaxed) != gen || next_ >= pieces_) return;
      size_t offset = next_++ * piece_;
      d = dst_ + offset;
      s = src_ + offset;
      n = std::min(piece_, bytes_ - offset);
      streaming = streaming_;
    }
    CopyBytes(d, s, n, streaming);
    done_.fetch_add(1, std::memory_order_release);
  }
}

void CopyPool::Copy(void* dst, const void* src, size_t bytes, bool streaming) {
  if (workers_.empty() || bytes < 2 * kMinPiece) {
    CopyBytes(dst, src, bytes, streaming);
    return;
  }
  std::lock_guard<std::mutex> call(call_mutex_);
  // About two pieces per thread, so a worker that wakes late leaves its
  // share to the others instead of holding up the chunk.
  size_t piece = std::max(kMinPiece, RoundUp(bytes / (2 * static_cast<size_t>(threads())) + 1, 4 * kKiB));
  size_t pieces = (bytes + piece - 1) / piece;
  uint64_t gen = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dst_ = static_cast<char*>(dst);
    src_ = static_cast<const char*>(src);
    bytes_ = bytes;
    piece_ = piece;
    pieces_ = pieces;
    streaming_ = streaming;
    next_ = 0;
    done_.store(0, std::memory_order_relaxed);
    gen = gen_.load(std::memory_order_relaxed) + 1;
    gen_.store(gen, std::memory_order_release);
  }
  wake_.notify_all();
  RunPieces(gen);
  // The pieces other threads claimed are short (a few hundred microseconds
  // at most): spin for them, yielding if it takes longer.
  for (unsigned i = 0; done_.load(std::memory_order_acquire) < pieces; ++i) {
    if (i < 4096) CpuRelax();
    else std::this_thread::yield();
  }
}

CopyPool* AcquireCopyPool(int threads) {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (g_pool == nullptr) g_pool = new CopyPool(threads);
  ++g_pool_users;
  return g_pool;
}

void ReleaseCopyPool() {
  CopyPool* stop = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_pool_mutex);
    if (g_pool_users == 0) return;
    if (--g_pool_users == 0) stop = std::exchange(g_pool, nullptr);
  }
  delete stop;  // joins the workers outside the lock
}

}  // namespace keel
