// Threads: per-thread current contexts, concurrent allocation, launches from
// several threads on their own streams, one context shared by threads, a
// context handed from thread to thread, concurrent module loads, event
// waits from another thread. In the stress tier (ThreadStress): 16 threads
// looping over alloc / copy / launch / event record+sync / free for
// KEEL_CONFORMANCE_STRESS_SECONDS, in several context and stream layouts, and
// a context handed around 16 threads for as long.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "fixture.h"
#include "stress_util.h"

namespace {

constexpr int kThreads = 4;

// Runs fn(i) on kThreads threads and joins them.
template <class Fn>
void OnThreads(Fn fn) {
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(fn, i);
  for (std::thread& t : threads) t.join();
}

using Threads = kc::ContextTest;

TEST_P(Threads, OwnContextPerThread) {
  std::vector<KLresult> results(kThreads, KL_ERROR_UNKNOWN);
  std::vector<int> mismatches(kThreads, -1);
  OnThreads([&](int i) {
    KLcontext c = nullptr;
    if ((results[i] = klCtxCreate(&c, 0, device())) != KL_SUCCESS) return;
    KLcontext current = nullptr;
    klCtxGetCurrent(&current);
    std::vector<uint32_t> data(4096, static_cast<uint32_t>(i * 1000)), got(4096, 0);
    KLdeviceptr p = 0;
    results[i] = klMemAlloc(&p, data.size() * 4);
    if (results[i] == KL_SUCCESS) results[i] = klMemcpyHtoD(p, data.data(), data.size() * 4);
    if (results[i] == KL_SUCCESS) results[i] = klMemcpyDtoH(got.data(), p, data.size() * 4);
    mismatches[i] = (current == c ? 0 : 1000000) + static_cast<int>(data != got);
    klMemFree(p);
    klCtxDestroy(c);
  });
  for (int i = 0; i < kThreads; ++i) {
    KC_EXPECT_OK(results[i]) << "thread " << i;
    EXPECT_EQ(0, mismatches[i]) << "thread " << i << " (1000000: wrong current context, 1: data)";
  }
  EXPECT_EQ(ctx(), kc::CurrentContext()) << "other threads changed this thread's context";
}

TEST_P(Threads, ConcurrentAllocFree) {
  KLcontext shared = ctx();
  std::vector<int> failures(kThreads, 0);
  std::vector<uint64_t> seeds(kThreads);
  for (uint64_t& s : seeds) s = rng().U64();
  OnThreads([&](int i) {
    klCtxPushCurrent(shared);
    kc::Rng r(seeds[i]);
    for (int k = 0; k < 200; ++k) {
      size_t bytes = 4 + r.Below(1 << 16);
      KLdeviceptr p = 0;
      if (klMemAlloc(&p, bytes) != KL_SUCCESS) {
        ++failures[i];
        continue;
      }
      uint32_t marker = static_cast<uint32_t>(i * 100000 + k), back = 0;
      if (klMemcpyHtoD(p, &marker, 4) != KL_SUCCESS || klMemcpyDtoH(&back, p, 4) != KL_SUCCESS ||
          back != marker)
        ++failures[i];
      if (klMemFree(p) != KL_SUCCESS) ++failures[i];
    }
    klCtxPopCurrent(nullptr);
  });
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(0, failures[i]) << "thread " << i;
}

TEST_P(Threads, LaunchesPerThreadStreams) {
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 8192, kSteps = 20;
  KLcontext shared = ctx();
  std::vector<std::vector<float>> got(kThreads);
  std::vector<KLresult> results(kThreads, KL_SUCCESS);
  OnThreads([&](int i) {
    klCtxPushCurrent(shared);
    KLstream s = nullptr;
    KLdeviceptr p = 0;
    KLresult r = klStreamCreate(&s, KL_STREAM_NON_BLOCKING);
    if (r == KL_SUCCESS) r = klMemAlloc(&p, kN * 4);
    if (r == KL_SUCCESS) r = klMemsetD32Async(p, 0, kN, s);
    for (int k = 0; k < kSteps && r == KL_SUCCESS; ++k)
      r = kc::Launch(add, {kc::BlocksFor(kN, 128)}, {128}, 0, s, p, static_cast<float>(i + 1), kN);
    got[i].assign(kN, -1.0f);
    if (r == KL_SUCCESS) r = klMemcpyDtoHAsync(got[i].data(), p, kN * 4, s);
    if (r == KL_SUCCESS) r = klStreamSynchronize(s);
    results[i] = r;
    if (p) klMemFree(p);
    if (s) klStreamDestroy(s);
    klCtxPopCurrent(nullptr);
  });
  for (int i = 0; i < kThreads; ++i) {
    KC_EXPECT_OK(results[i]) << "thread " << i;
    KC_EXPECT_ARRAYS_EQ(std::vector<float>(kN, static_cast<float>(kSteps * (i + 1))), got[i]) << "thread " << i;
  }
}

TEST_P(Threads, SharedContextAcrossThreads) {
  // Threads push this test's context and fill disjoint parts of one buffer.
  KC_KERNEL(fill, "basic", "fill_u32");
  constexpr unsigned int kPart = 10000;
  KC_ALLOC(buf, kThreads * kPart * 4);
  ASSERT_NO_FATAL_FAILURE(buf.Poison());
  KLcontext shared = ctx();
  std::vector<KLresult> results(kThreads, KL_SUCCESS);
  OnThreads([&](int i) {
    klCtxPushCurrent(shared);
    KLdeviceptr part = buf.at(size_t{kPart} * 4 * i);
    uint32_t value = 0xA0000000u + i;
    unsigned int n = kPart;
    KLresult r = kc::Launch(fill, {kc::BlocksFor(kPart, 256)}, {256}, 0, nullptr, part, value, n);
    if (r == KL_SUCCESS) r = klCtxSynchronize();
    results[i] = r;
    klCtxPopCurrent(nullptr);
  });
  std::vector<uint32_t> got, want(kThreads * kPart);
  for (int i = 0; i < kThreads; ++i) {
    KC_EXPECT_OK(results[i]) << "thread " << i;
    std::fill(want.begin() + i * kPart, want.begin() + (i + 1) * kPart, 0xA0000000u + i);
  }
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, want.size()));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(Threads, ContextHandedBetweenThreads) {
  // Main pops its context; thread A pushes, works, pops; thread B does the
  // same with A's data; main pushes it back and sees both results.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 1024;
  KC_ALLOC(buf, kN * 4);
  KC_ASSERT_OK(klMemsetD32(buf.get(), 0, kN));
  KLcontext c = ctx();
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  KLresult ra = KL_ERROR_UNKNOWN, rb = KL_ERROR_UNKNOWN;
  std::thread a([&] {
    ra = klCtxPushCurrent(c);
    if (ra == KL_SUCCESS) ra = kc::Launch(add, {kN / 128}, {128}, 0, nullptr, buf.get(), 1.0f, kN);
    if (ra == KL_SUCCESS) ra = klCtxSynchronize();
    klCtxPopCurrent(nullptr);
  });
  a.join();
  std::thread b([&] {
    rb = klCtxPushCurrent(c);
    if (rb == KL_SUCCESS) rb = kc::Launch(add, {kN / 128}, {128}, 0, nullptr, buf.get(), 2.0f, kN);
    if (rb == KL_SUCCESS) rb = klCtxSynchronize();
    klCtxPopCurrent(nullptr);
  });
  b.join();
  KC_ASSERT_OK(klCtxPushCurrent(c));
  KC_EXPECT_OK(ra);
  KC_EXPECT_OK(rb);
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kN));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>(kN, 3.0f), got);
}

TEST_P(Threads, ConcurrentModuleLoad) {
  std::string path = kc::ImagePath(target(), "basic");
  ASSERT_FALSE(path.empty());
  KLcontext shared = ctx();
  std::vector<KLresult> results(kThreads, KL_ERROR_UNKNOWN);
  std::vector<KLmodule> modules(kThreads, nullptr);
  OnThreads([&](int i) {
    klCtxPushCurrent(shared);
    results[i] = klModuleLoad(&modules[i], path.c_str());
    KLfunction f = nullptr;
    if (results[i] == KL_SUCCESS) results[i] = klModuleGetFunction(&f, modules[i], "write_index");
    klCtxPopCurrent(nullptr);
  });
  for (int i = 0; i < kThreads; ++i) {
    KC_EXPECT_OK(results[i]) << "thread " << i;
    if (modules[i]) {
      KC_EXPECT_OK(klModuleUnload(modules[i]));
    }
  }
}

TEST_P(Threads, EventWaitFromOtherThread) {
  KC_BUSY(busy, 100);
  KC_ALLOC(out, 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_STREAM(s);
  KC_EVENT(e);
  KC_ASSERT_OK(busy.Enqueue(s, out.get()));
  KC_ASSERT_OK(klEventRecord(e, s));
  KLresult sync = KL_ERROR_UNKNOWN, query = KL_ERROR_UNKNOWN;
  std::thread t([&] {
    sync = klEventSynchronize(e);  // no current context needed: the event knows its own
    query = klEventQuery(e);
  });
  t.join();
  KC_EXPECT_OK(sync);
  KC_EXPECT_OK(query);
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{busy.Expected()}, got);
}

TEST_P(Threads, StreamSharedByThreads) {
  // Work queued on one stream from several threads keeps the order of the calls.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 2048, kPerThread = 25;
  KC_ALLOC(buf, kN * 4);
  KC_ASSERT_OK(klMemsetD32(buf.get(), 0, kN));
  KC_STREAM(s);
  KLstream stream = s.get();
  std::vector<KLresult> results(kThreads, KL_SUCCESS);
  OnThreads([&](int i) {
    for (int k = 0; k < kPerThread && results[i] == KL_SUCCESS; ++k)
      results[i] = kc::Launch(add, {kN / 256}, {256}, 0, stream, buf.get(), 1.0f, kN);
  });
  KC_ASSERT_OK(klStreamSynchronize(s));
  for (int i = 0; i < kThreads; ++i) KC_EXPECT_OK(results[i]) << "thread " << i;
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kN));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>(kN, static_cast<float>(kThreads * kPerThread)), got);
}

KC_INSTANTIATE(Threads, Threads);

// ---- stress tier ------------------------------------------------------------------

constexpr int kStressThreads = 16;
using Clock = std::chrono::steady_clock;

// "klFoo(...) -> KL_ERROR_X (n): last error" for a failed step on this thread.
std::string Failed(const char* call, KLresult r) {
  return std::string(call) + " -> " + kc::ResultName(r) + ": " + kc::LastError();
}

#define STRESS_STEP(call)                                   \
  do {                                                      \
    KLresult stress_r_ = (call);                            \
    if (stress_r_ != KL_SUCCESS) return Failed(#call, stress_r_); \
  } while (0)

// One round of the loop, in the current context, on `stream`: a fresh
// allocation of a random size, random integral floats copied in,
// add_scalar_f32 adding a random integer, the result copied out, the copy's
// completion awaited through an event, every element checked, the memory
// freed. Events `start` and `end` bracket the work and their elapsed time must
// be a non-negative number. Returns "" or what went wrong.
std::string StressRound(KLfunction add, KLstream stream, KLevent start, KLevent end, kc::Rng* rng) {
  const unsigned int n = 1 + rng->Below(16384);
  std::vector<float> data(n), got(n);
  for (float& x : data) x = static_cast<float>(rng->Range(-100000, 100000));
  const float value = static_cast<float>(rng->Range(1, 1000));
  const int count = static_cast<int>(n);
  KLdeviceptr p = 0;
  STRESS_STEP(klMemAlloc(&p, size_t{n} * 4));
  // Free on every path from here on.
  struct Free {
    KLdeviceptr p;
    ~Free() { klMemFree(p); }
  } free_guard{p};
  kc::PoisonHost(&got);
  STRESS_STEP(klEventRecord(start, stream));
  STRESS_STEP(klMemcpyHtoDAsync(p, data.data(), size_t{n} * 4, stream));
  STRESS_STEP(kc::Launch(add, {kc::BlocksFor(n, 128)}, {128}, 0, stream, p, value, count));
  STRESS_STEP(klMemcpyDtoHAsync(got.data(), p, size_t{n} * 4, stream));
  STRESS_STEP(klEventRecord(end, stream));
  STRESS_STEP(klEventSynchronize(end));
  STRESS_STEP(klEventQuery(end));
  float ms = -1.0f;
  STRESS_STEP(klEventElapsedTime(&ms, start, end));
  if (!(ms >= 0.0f) || !std::isfinite(ms)) return "klEventElapsedTime gave " + std::to_string(ms) + " ms";
  for (unsigned int i = 0; i < n; ++i) {
    if (got[i] != data[i] + value) {
      char what[160];
      std::snprintf(what, sizeof what, "element %u of %u: expected %.1f, got %.1f", i, n,
                    static_cast<double>(data[i] + value), static_cast<double>(got[i]));
      return what;
    }
  }
  free_guard.p = 0;
  STRESS_STEP(klMemFree(p));
  return "";
}

// What one thread did.
struct ThreadLog {
  uint64_t rounds = 0;
  std::string error;  // the first failure, which ends the thread's loop
};

// Rounds until the deadline (at least one), stopping at the first failure.
void StressLoop(KLfunction add, KLstream stream, uint64_t seed, Clock::time_point deadline,
                ThreadLog* log) {
  KLevent start = nullptr, end = nullptr;
  KLresult r = klEventCreate(&start, KL_EVENT_DEFAULT);
  if (r == KL_SUCCESS) r = klEventCreate(&end, KL_EVENT_DEFAULT);
  if (r != KL_SUCCESS) {
    log->error = Failed("klEventCreate", r);
  } else {
    kc::Rng rng(seed);
    do {
      log->error = StressRound(add, stream, start, end, &rng);
      if (!log->error.empty()) log->error = "round " + std::to_string(log->rounds) + ": " + log->error;
      else ++log->rounds;
    } while (log->error.empty() && Clock::now() < deadline);
  }
  if (end != nullptr && (r = klEventDestroy(end)) != KL_SUCCESS && log->error.empty())
    log->error = Failed("klEventDestroy", r);
  if (start != nullptr && (r = klEventDestroy(start)) != KL_SUCCESS && log->error.empty())
    log->error = Failed("klEventDestroy", r);
}

// Where the 16 threads work.
enum class Layout {
  kOwnContexts,        // each thread creates its own context, module, stream and events
  kSharedOwnStreams,   // the test's context pushed on every thread, a stream per thread
  kSharedStream,       // the test's context pushed on every thread, one stream for all
};

struct LayoutCase {
  const char* name;
  Layout layout;
};

// The cases in the stress tier only (none otherwise).
std::vector<kc::Param<LayoutCase>> StressLayouts() {
  if (kc::GlobalOptions().tier != kc::Tier::kStress) return {};
  return kc::Cross<LayoutCase>({{"OwnContexts", Layout::kOwnContexts},
                                {"SharedContextOwnStreams", Layout::kSharedOwnStreams},
                                {"SharedContextSharedStream", Layout::kSharedStream}});
}

using ThreadStressLayouts = kc::ContextCaseTest<LayoutCase>;

TEST_P(ThreadStressLayouts, AllocCopyLaunchEventFree) {
  const Layout layout = value().layout;
  KC_KERNEL(add, "basic", "add_scalar_f32");
  const double seconds = kc_stress::StressSeconds(device());
  ASSERT_GT(seconds, 0.0);
  const std::string path = kc::ImagePath(target(), "basic");
  ASSERT_FALSE(path.empty());
  KC_STREAM(shared_stream, KL_STREAM_NON_BLOCKING);
  KLcontext shared = ctx();
  std::vector<ThreadLog> logs(kStressThreads);
  std::vector<uint64_t> seeds(kStressThreads);
  for (uint64_t& s : seeds) s = rng().U64();
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

  std::vector<std::thread> threads;
  for (int i = 0; i < kStressThreads; ++i) {
    threads.emplace_back([&, i] {
      ThreadLog* log = &logs[i];
      KLresult r = KL_SUCCESS;
      if (layout == Layout::kOwnContexts) {
        KLcontext c = nullptr;
        KLmodule m = nullptr;
        KLfunction f = nullptr;
        KLstream s = nullptr;
        KLcontext current = nullptr;
        if ((r = klCtxCreate(&c, 0, device())) != KL_SUCCESS) {
          log->error = Failed("klCtxCreate", r);
          return;
        }
        if ((r = klCtxGetCurrent(&current)) != KL_SUCCESS || current != c)
          log->error = "the new context is not current on its thread";
        if (log->error.empty() && (r = klModuleLoad(&m, path.c_str())) != KL_SUCCESS)
          log->error = Failed("klModuleLoad", r);
        if (log->error.empty() && (r = klModuleGetFunction(&f, m, "add_scalar_f32")) != KL_SUCCESS)
          log->error = Failed("klModuleGetFunction", r);
        if (log->error.empty() && (r = klStreamCreate(&s, KL_STREAM_NON_BLOCKING)) != KL_SUCCESS)
          log->error = Failed("klStreamCreate", r);
        if (log->error.empty()) StressLoop(f, s, seeds[i], deadline, log);
        if (s != nullptr && (r = klStreamDestroy(s)) != KL_SUCCESS && log->error.empty())
          log->error = Failed("klStreamDestroy", r);
        if (m != nullptr && (r = klModuleUnload(m)) != KL_SUCCESS && log->error.empty())
          log->error = Failed("klModuleUnload", r);
        if ((r = klCtxDestroy(c)) != KL_SUCCESS && log->error.empty()) log->error = Failed("klCtxDestroy", r);
        return;
      }
      if ((r = klCtxPushCurrent(shared)) != KL_SUCCESS) {
        log->error = Failed("klCtxPushCurrent", r);
        return;
      }
      KLstream own = nullptr;
      if (layout == Layout::kSharedOwnStreams && (r = klStreamCreate(&own, KL_STREAM_NON_BLOCKING)) != KL_SUCCESS)
        log->error = Failed("klStreamCreate", r);
      if (log->error.empty()) StressLoop(add, own != nullptr ? own : shared_stream.get(), seeds[i], deadline, log);
      if (own != nullptr && (r = klStreamDestroy(own)) != KL_SUCCESS && log->error.empty())
        log->error = Failed("klStreamDestroy", r);
      KLcontext popped = nullptr;
      if ((r = klCtxPopCurrent(&popped)) != KL_SUCCESS && log->error.empty())
        log->error = Failed("klCtxPopCurrent", r);
      else if (popped != shared && log->error.empty())
        log->error = "klCtxPopCurrent returned another context than the one pushed";
    });
  }
  for (std::thread& t : threads) t.join();

  uint64_t total = 0;
  for (int i = 0; i < kStressThreads; ++i) {
    total += logs[i].rounds;
    EXPECT_EQ("", logs[i].error) << "thread " << i << " after " << logs[i].rounds << " good rounds";
  }
  std::printf("  thread stress (%s): %d threads, %.1f s, %llu rounds checked (per thread:", value().name,
              kStressThreads, seconds, static_cast<unsigned long long>(total));
  for (const ThreadLog& l : logs) std::printf(" %llu", static_cast<unsigned long long>(l.rounds));
  std::printf(")\n");
  ::testing::Test::RecordProperty("rounds", std::to_string(total));
  EXPECT_EQ(ctx(), kc::CurrentContext()) << "other threads changed this thread's context";
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ThreadStressLayouts);
INSTANTIATE_TEST_SUITE_P(Stress, ThreadStressLayouts, ::testing::ValuesIn(StressLayouts()), ::kc::ParamName());

using ThreadStress = kc::ContextTest;

TEST_P(ThreadStress, ContextHandedAround) {
  // The test's context leaves this thread and goes round 16 threads in turn:
  // each pushes it (klCtxPushCurrent), finds it current, adds 1 to every
  // element of a buffer, synchronizes, checks that every element equals the
  // number of turns so far, pops it (klCtxPopCurrent returns it and leaves
  // the thread without a context) and hands it on. Until the deadline, and
  // at least one full round.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  const double seconds = kc_stress::StressSeconds(device());
  ASSERT_GT(seconds, 0.0);
  constexpr int kN = 1024;
  KC_ALLOC(buf, kN * 4);
  KC_ASSERT_OK(klMemsetD32(buf.get(), 0, kN));
  const KLcontext c = ctx();
  const KLdeviceptr data = buf.get();
  KLcontext popped = nullptr;
  KC_ASSERT_OK(klCtxPopCurrent(&popped));
  ASSERT_EQ(c, popped);

  std::mutex mu;
  std::condition_variable cv;
  uint64_t turn = 0;
  bool stop = false;
  std::string error;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // One turn on the calling thread, holding the token; "" or what went wrong.
  auto take_turn = [&](uint64_t done) -> std::string {
    KLcontext current = reinterpret_cast<KLcontext>(1);
    STRESS_STEP(klCtxGetCurrent(&current));
    if (current != nullptr) return "the thread had a context before the push";
    STRESS_STEP(klCtxPushCurrent(c));
    STRESS_STEP(klCtxGetCurrent(&current));
    if (current != c) return "the pushed context is not current";
    STRESS_STEP(kc::Launch(add, {kN / 128}, {128}, 0, nullptr, data, 1.0f, kN));
    STRESS_STEP(klCtxSynchronize());
    std::vector<float> got(kN);
    kc::PoisonHost(&got);
    STRESS_STEP(klMemcpyDtoH(got.data(), data, kN * 4));
    for (int k = 0; k < kN; ++k)
      if (got[k] != static_cast<float>(done + 1))
        return "element " + std::to_string(k) + " is " + std::to_string(got[k]) + ", expected " +
               std::to_string(done + 1);
    KLcontext out = nullptr;
    STRESS_STEP(klCtxPopCurrent(&out));
    if (out != c) return "klCtxPopCurrent returned another context";
    STRESS_STEP(klCtxGetCurrent(&current));
    if (current != nullptr) return "a context is still current after the pop";
    return "";
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kStressThreads; ++i) {
    threads.emplace_back([&, i] {
      std::unique_lock<std::mutex> lock(mu);
      for (;;) {
        cv.wait(lock, [&] { return stop || turn % kStressThreads == static_cast<uint64_t>(i); });
        if (stop) return;
        // The token is ours: nobody else touches the context while we hold mu.
        std::string e = take_turn(turn);
        if (!e.empty()) {
          error = "thread " + std::to_string(i) + ", turn " + std::to_string(turn) + ": " + e;
          stop = true;
        } else {
          ++turn;
          if (turn % kStressThreads == 0 && Clock::now() >= deadline) stop = true;
        }
        cv.notify_all();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  KC_ASSERT_OK(klCtxPushCurrent(c));
  EXPECT_EQ("", error);
  std::vector<float> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kN));
  KC_EXPECT_ARRAYS_EQ(std::vector<float>(kN, static_cast<float>(turn)), got);
  std::printf("  context handed around %d threads: %llu turns in %.1f s, each checked\n", kStressThreads,
              static_cast<unsigned long long>(turn), seconds);
  ::testing::Test::RecordProperty("turns", std::to_string(turn));
}

KC_INSTANTIATE_STRESS(ThreadStress);

}  // namespace
