// Threads: per-thread current contexts, concurrent allocation, launches from
// several threads on their own streams, one context shared by threads, a
// context handed from thread to thread, concurrent module loads, event
// waits from another thread.
#include <atomic>
#include <thread>

#include "fixture.h"

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

}  // namespace
