// Stream: creation flags and priorities, in-order execution, queries,
// concurrency, destruction with pending work, host callbacks, waits.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "fixture.h"

namespace {

struct StreamFlagCase {
  std::string name;
  unsigned int flags;
};

using StreamFlags = kc::ContextCaseTest<StreamFlagCase>;

TEST_P(StreamFlags, CreateReportsFlags) {
  KC_STREAM(s, value().flags);
  unsigned int flags = 0xFFFF;
  KC_ASSERT_OK(klStreamGetFlags(s, &flags));
  EXPECT_EQ(value().flags, flags);
  int priority = 12345;
  KC_ASSERT_OK(klStreamGetPriority(s, &priority));
  int least = 0, greatest = 0;
  KC_ASSERT_OK(klCtxGetStreamPriorityRange(&least, &greatest));
  EXPECT_GE(priority, greatest);
  EXPECT_LE(priority, least);
  KC_EXPECT_OK(klStreamQuery(s)) << "a new stream is idle";
  KC_EXPECT_OK(klStreamSynchronize(s));
}

KC_INSTANTIATE_CASES(Stream, StreamFlags, StreamFlagCase,
                     ({{"default", KL_STREAM_DEFAULT}, {"nonBlocking", KL_STREAM_NON_BLOCKING}}));

struct PriorityCase {
  std::string name;
  int which;  // 0: least, 1: greatest, 2: below greatest (clamped), 3: above least (clamped)
};

using StreamPriority = kc::ContextCaseTest<PriorityCase>;

TEST_P(StreamPriority, CreateClampsToRange) {
  int least = 0, greatest = 0;
  KC_ASSERT_OK(klCtxGetStreamPriorityRange(&least, &greatest));
  int asked = value().which == 0 ? least : value().which == 1 ? greatest
            : value().which == 2 ? greatest - 5 : least + 5;
  KC_STREAM(s);
  ASSERT_NO_FATAL_FAILURE(s.CreateWithPriority(KL_STREAM_NON_BLOCKING, asked));
  int got = 12345;
  KC_ASSERT_OK(klStreamGetPriority(s, &got));
  int want = std::min(std::max(asked, greatest), least);
  EXPECT_EQ(want, got) << "asked " << asked << ", range [" << greatest << ", " << least << "]";
  unsigned int flags = 0;
  KC_ASSERT_OK(klStreamGetFlags(s, &flags));
  EXPECT_EQ(static_cast<unsigned>(KL_STREAM_NON_BLOCKING), flags);
}

KC_INSTANTIATE_CASES(Stream, StreamPriority, PriorityCase,
                     ({{"least", 0}, {"greatest", 1}, {"belowGreatest", 2}, {"aboveLeast", 3}}));

using Stream = kc::ContextTest;

TEST_P(Stream, DefaultStreamQueries) {
  int priority = 12345;
  unsigned int flags = 0xFFFF;
  KC_EXPECT_OK(klStreamGetPriority(nullptr, &priority));
  KC_EXPECT_OK(klStreamGetFlags(nullptr, &flags));
  KC_EXPECT_OK(klStreamQuery(nullptr));
  KC_EXPECT_OK(klStreamSynchronize(nullptr));
  void* native = nullptr;
  KC_EXPECT_OK(klStreamGetNativeHandle(&native, nullptr));
}

TEST_P(Stream, NativeHandle) {
  KC_STREAM(s);
  void* native = nullptr;
  KC_ASSERT_OK(klStreamGetNativeHandle(&native, s));
  EXPECT_NE(nullptr, native);
}

TEST_P(Stream, InOrderChain) {
  // 50 dependent kernels: each adds 1 to every element.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 4096, kSteps = 50;
  std::vector<float> data = rng().Floats(kN, 0.0f, 1000.0f), want(kN), got;
  for (int i = 0; i < kN; ++i) {
    want[i] = data[i];
    for (int k = 0; k < kSteps; ++k) want[i] += 1.0f;
  }
  KC_ALLOC(buf, kN * 4);
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  KC_STREAM(s);
  for (int k = 0; k < kSteps; ++k)
    KC_ASSERT_OK(kc::Launch(add, {kc::BlocksFor(kN, 64)}, {64}, 0, s, buf.get(), 1.0f, kN));
  KC_ASSERT_OK(klStreamSynchronize(s));
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kN));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(Stream, QueryBusyThenReady) {
  KC_BUSY(busy, 300);
  KC_ALLOC(out, 4);
  KC_STREAM(s);
  KC_ASSERT_OK(busy.Enqueue(s, out.get()));
  KC_EXPECT_RESULT(KL_ERROR_NOT_READY, klStreamQuery(s)) << busy.launches << " launches of " << busy.iterations << " iterations";
  KC_ASSERT_OK(klStreamSynchronize(s));
  KC_EXPECT_OK(klStreamQuery(s));
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{busy.Expected()}, got);
}

TEST_P(Stream, ConcurrentStreamsCorrect) {
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kStreams = 4, kN = 1 << 14, kSteps = 10;
  kc::Stream streams[kStreams];
  kc::DeviceBuffer bufs[kStreams];
  std::vector<std::vector<float>> want(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_NO_FATAL_FAILURE(streams[i].Create(KL_STREAM_NON_BLOCKING));
    ASSERT_NO_FATAL_FAILURE(bufs[i].Alloc(kN * 4));
    std::vector<float> data = rng().Floats(kN, -10.0f, 10.0f);
    ASSERT_NO_FATAL_FAILURE(bufs[i].Upload(data));
    want[i] = data;
    for (float& v : want[i])
      for (int k = 0; k < kSteps; ++k) v += static_cast<float>(i + 1);
  }
  for (int k = 0; k < kSteps; ++k)
    for (int i = 0; i < kStreams; ++i)
      KC_ASSERT_OK(kc::Launch(add, {kc::BlocksFor(kN, 128)}, {128}, 0, streams[i], bufs[i].get(),
                              static_cast<float>(i + 1), kN));
  for (int i = 0; i < kStreams; ++i) KC_ASSERT_OK(klStreamSynchronize(streams[i]));
  for (int i = 0; i < kStreams; ++i) {
    std::vector<float> got;
    ASSERT_NO_FATAL_FAILURE(bufs[i].Download(&got, kN));
    KC_EXPECT_ARRAYS_EQ(want[i], got) << "stream " << i;
  }
}

TEST_P(Stream, DestroyWithPendingWork) {
  KC_BUSY(busy, 100);
  KC_ALLOC(out, 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KLstream s = nullptr;
  KC_ASSERT_OK(klStreamCreate(&s, 0));
  KC_ASSERT_OK(busy.Enqueue(s, out.get()));
  KC_EXPECT_OK(klStreamDestroy(s));  // the queued work still completes
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{busy.Expected()}, got);
}

TEST_P(Stream, LegacyDefaultStreamWaitsForBlockingStreams) {
  // KL_STREAM_DEFAULT streams synchronize with the NULL stream: a copy on the
  // NULL stream sees the result of a kernel queued before it on such a stream.
  KC_BUSY(busy, 100);
  KC_ALLOC(out, 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_STREAM(s, KL_STREAM_DEFAULT);
  KC_ASSERT_OK(busy.Enqueue(s, out.get()));
  uint32_t got = 0;
  KC_ASSERT_OK(klMemcpyDtoHAsync(&got, out.get(), 4, nullptr));
  KC_ASSERT_OK(klStreamSynchronize(nullptr));
  EXPECT_EQ(busy.Expected(), got);
  KC_ASSERT_OK(klStreamSynchronize(s));
}

// Host callbacks run in stream order, after the work before them.
struct CallbackLog {
  std::mutex mutex;
  std::vector<int> order;
  std::vector<uint32_t> seen;  // value of `host` when each callback ran
  const uint32_t* host = nullptr;
};

struct CallbackArg {
  CallbackLog* log;
  int index;
};

void RecordCallback(void* user) {
  auto* arg = static_cast<CallbackArg*>(user);
  std::lock_guard<std::mutex> lock(arg->log->mutex);
  arg->log->order.push_back(arg->index);
  arg->log->seen.push_back(*arg->log->host);
}

TEST_P(Stream, HostCallbackOrder) {
  KC_KERNEL(fill, "basic", "fill_u32");
  KC_ALLOC(dev, 4);
  KC_PINNED(host, 4);
  *host.as<uint32_t>() = 0;
  CallbackLog log;
  log.host = host.as<uint32_t>();
  constexpr int kCallbacks = 8;
  std::vector<CallbackArg> args(kCallbacks);
  KC_STREAM(s);
  for (int i = 0; i < kCallbacks; ++i) {
    args[i] = {&log, i};
    uint32_t value = 100 + i;
    unsigned int one = 1;
    // fill -> copy out -> callback: the callback must see this step's value.
    KC_ASSERT_OK(kc::Launch(fill, {1}, {1}, 0, s, dev.get(), value, one));
    KC_ASSERT_OK(klMemcpyDtoHAsync(host.get(), dev.get(), 4, s));
    KC_ASSERT_OK(klLaunchHostFunc(s, RecordCallback, &args[i]));
  }
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::lock_guard<std::mutex> lock(log.mutex);
  std::vector<int> want_order(kCallbacks);
  std::vector<uint32_t> want_seen(kCallbacks);
  for (int i = 0; i < kCallbacks; ++i) {
    want_order[i] = i;
    want_seen[i] = 100 + i;
  }
  KC_EXPECT_ARRAYS_EQ(want_order, log.order);
  KC_EXPECT_ARRAYS_EQ(want_seen, log.seen);
}

void SleepThenSet(void* user) {
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  static_cast<std::atomic<int>*>(user)->store(1);
}

TEST_P(Stream, WorkAfterHostCallbackWaits) {
  // Later work (and synchronize) waits for a slow callback.
  std::atomic<int> flag{0};
  KC_STREAM(s);
  KC_ASSERT_OK(klLaunchHostFunc(s, SleepThenSet, &flag));
  KC_EVENT(e);
  KC_ASSERT_OK(klEventRecord(e, s));
  KC_ASSERT_OK(klEventSynchronize(e));
  EXPECT_EQ(1, flag.load()) << "the event completed before the host function before it";
  KC_ASSERT_OK(klStreamSynchronize(s));
}

TEST_P(Stream, HostCallbackOnDefaultStream) {
  std::atomic<int> flag{0};
  KC_ASSERT_OK(klLaunchHostFunc(nullptr, SleepThenSet, &flag));
  KC_ASSERT_OK(klStreamSynchronize(nullptr));
  EXPECT_EQ(1, flag.load());
}

TEST_P(Stream, WaitOnUnrecordedEventIsNoop) {
  KC_STREAM(s);
  KC_EVENT(e);
  KC_EXPECT_OK(klStreamWaitEvent(s, e, 0));
  KC_EXPECT_OK(klStreamSynchronize(s));
}

KC_INSTANTIATE(Stream, Stream);

}  // namespace
