// Streams, events and host functions on the Vulkan backend.
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using StreamTest = VulkanTest;

struct Busy {
  KLfunction busy;
  KLfunction fill;
};

// Enough iterations to keep lavapipe busy for a noticeable time.
constexpr uint32_t kBusyIterations = 20000000;

TEST_F(StreamTest, StreamsRunInOrderAndReportCompletion) {
  KLfunction busy = Function("basic", "busy_loop");
  KLfunction fill = Function("basic", "fill_u32");
  KLdeviceptr scratch = Alloc(4), out = Alloc(1024 * 4);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  unsigned flags = 9;
  KL_EXPECT(klStreamGetFlags(s, &flags));
  EXPECT_EQ(flags, static_cast<unsigned>(KL_STREAM_NON_BLOCKING));
  int priority = 5;
  KL_EXPECT(klStreamGetPriority(s, &priority));
  EXPECT_EQ(priority, 0);
  uint32_t iterations = kBusyIterations, n = 1024;
  void* busy_args[] = {&scratch, &iterations};
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, s, busy_args, nullptr));
  // Stream order: each fill overwrites the previous one.
  for (uint32_t v = 1; v <= 5; ++v) {
    void* fill_args[] = {&out, &v, &n};
    KL_ASSERT(klLaunchKernel(fill, 4, 1, 1, 256, 1, 1, 0, s, fill_args, nullptr));
  }
  KLresult q = klStreamQuery(s);
  EXPECT_TRUE(q == KL_ERROR_NOT_READY || q == KL_SUCCESS) << q;
  KL_ASSERT(klStreamSynchronize(s));
  KL_EXPECT(klStreamQuery(s));
  std::vector<uint32_t> h = Read<uint32_t>(out, 1024);
  for (uint32_t v : h) ASSERT_EQ(v, 5u);
  void* native = nullptr;
  KL_EXPECT(klStreamGetNativeHandle(&native, s));
  EXPECT_NE(native, nullptr);  // the VkQueue
  KL_EXPECT(klStreamDestroy(s));
}

// A batch binds a pipeline only when it changes: launches that alternate
// kernels and block sizes (one pipeline each), with fills, copies and event
// records between them, must each run their own pipeline with their own
// arguments. The busy kernel keeps the stream busy so they share one batch.
TEST_F(StreamTest, OneBatchAlternatesPipelines) {
  KLfunction busy = Function("basic", "busy_loop");
  KLfunction fill = Function("basic", "fill_u32");
  KLfunction add = Function("basic", "add_scalar_f32");
  constexpr uint32_t kN = 1000;
  KLdeviceptr scratch = Alloc(4), data = Alloc(kN * 4), other = Alloc(kN * 4);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  KLevent e = nullptr;
  KL_ASSERT(klEventCreate(&e, KL_EVENT_DEFAULT));
  uint32_t iterations = kBusyIterations / 4, n = kN;
  int count = static_cast<int>(kN);
  void* busy_args[] = {&scratch, &iterations};
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, s, busy_args, nullptr));
  float one = 1.0f;
  uint32_t one_bits = 0;
  std::memcpy(&one_bits, &one, 4);
  void* fill_args[] = {&data, &one_bits, &n};
  KL_ASSERT(klLaunchKernel(fill, 4, 1, 1, 256, 1, 1, 0, s, fill_args, nullptr));
  // (block, value): 256 and 128 are two pipelines of add_scalar_f32.
  const struct {
    unsigned block;
    float value;
  } adds[] = {{256, 2.0f}, {128, 3.0f}, {256, 4.0f}, {256, 5.0f}, {128, 6.0f}};
  float want = 1.0f;
  for (const auto& a : adds) {
    float value = a.value;
    void* add_args[] = {&data, &value, &count};
    KL_ASSERT(klLaunchKernel(add, (kN + a.block - 1) / a.block, 1, 1, a.block, 1, 1, 0, s,
                             add_args, nullptr));
    want += a.value;
    // Commands that are no launches in between.
    KL_ASSERT(klMemsetD32Async(other, static_cast<unsigned>(want), kN, s));
    KL_ASSERT(klEventRecord(e, s));
    void* fill_other[] = {&other, &n, &n};
    KL_ASSERT(klLaunchKernel(fill, 4, 1, 1, 256, 1, 1, 0, s, fill_other, nullptr));
  }
  KL_ASSERT(klStreamSynchronize(s));
  for (float v : Read<float>(data, kN)) ASSERT_EQ(v, want);
  for (uint32_t v : Read<uint32_t>(other, kN)) ASSERT_EQ(v, kN);
  KL_EXPECT(klEventDestroy(e));
  KL_EXPECT(klStreamDestroy(s));
}

TEST_F(StreamTest, DestroyingABusyStreamLetsItsWorkFinish) {
  KLfunction fill = Function("basic", "fill_u32");
  KLdeviceptr out = Alloc(4096 * 4);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, 0));
  uint32_t v = 77, n = 4096;
  void* args[] = {&out, &v, &n};
  KL_ASSERT(klLaunchKernel(fill, 16, 1, 1, 256, 1, 1, 0, s, args, nullptr));
  KL_EXPECT(klStreamDestroy(s));
  KL_ASSERT(klCtxSynchronize());
  for (uint32_t x : Read<uint32_t>(out, 4096)) ASSERT_EQ(x, 77u);
}

TEST_F(StreamTest, EventsOrderStreamsAndMeasureTime) {
  KLfunction busy = Function("basic", "busy_loop");
  KLfunction fill = Function("basic", "fill_u32");
  KLdeviceptr scratch = Alloc(4), x = Alloc(4), y = Alloc(4);
  KL_ASSERT(klMemsetD32(x, 0, 1));
  KL_ASSERT(klMemsetD32(y, 0, 1));
  // klMemsetD* only queue on the NULL stream, which non-blocking streams do
  // not wait for: without this the zeroing of y may land after b's copy.
  KL_ASSERT(klCtxSynchronize());
  KLstream a = nullptr, b = nullptr;
  KL_ASSERT(klStreamCreate(&a, KL_STREAM_NON_BLOCKING));
  KL_ASSERT(klStreamCreate(&b, KL_STREAM_NON_BLOCKING));
  KLevent start = nullptr, done = nullptr, untimed = nullptr;
  KL_ASSERT(klEventCreate(&start, KL_EVENT_DEFAULT));
  KL_ASSERT(klEventCreate(&done, KL_EVENT_BLOCKING_SYNC));
  KL_ASSERT(klEventCreate(&untimed, KL_EVENT_DISABLE_TIMING));
  EXPECT_EQ(klEventCreate(&untimed, 0x40), KL_ERROR_INVALID_VALUE);
  // Never recorded: done, but no time.
  KL_EXPECT(klEventQuery(start));
  KL_EXPECT(klEventSynchronize(start));
  float ms = -1;
  EXPECT_EQ(klEventElapsedTime(&ms, start, done), KL_ERROR_INVALID_VALUE);

  uint32_t iterations = kBusyIterations / 4, seven = 7, one = 1;
  void* busy_args[] = {&scratch, &iterations};
  void* fill_args[] = {&x, &seven, &one};
  KL_ASSERT(klEventRecord(start, a));
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, a, busy_args, nullptr));
  KL_ASSERT(klLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 0, a, fill_args, nullptr));
  KL_ASSERT(klEventRecord(done, a));
  KL_ASSERT(klEventRecord(untimed, a));
  // b copies x only after a wrote it.
  KL_ASSERT(klStreamWaitEvent(b, done, 0));
  EXPECT_EQ(klStreamWaitEvent(b, done, 1), KL_ERROR_INVALID_VALUE);
  KL_ASSERT(klMemcpyDtoDAsync(y, x, 4, b));
  KL_ASSERT(klStreamSynchronize(b));
  EXPECT_EQ(Read<uint32_t>(y, 1)[0], 7u);
  KL_ASSERT(klEventSynchronize(done));
  KL_EXPECT(klEventQuery(done));
  KL_ASSERT(klEventElapsedTime(&ms, start, done));
  EXPECT_GE(ms, 0.0f);
  EXPECT_EQ(klEventElapsedTime(&ms, start, untimed), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("DISABLE_TIMING"), std::string::npos) << LastError();
  void* native = nullptr;
  KL_EXPECT(klEventGetNativeHandle(&native, done));
  EXPECT_NE(native, nullptr);  // the timeline semaphore
  // Re-recording moves the event.
  KL_ASSERT(klEventRecord(done, nullptr));
  KL_ASSERT(klEventSynchronize(done));
  KL_EXPECT(klEventDestroy(start));
  KL_EXPECT(klEventDestroy(done));
  KL_EXPECT(klEventDestroy(untimed));
  KL_EXPECT(klStreamDestroy(a));
  KL_EXPECT(klStreamDestroy(b));
}

TEST_F(StreamTest, DestroyingAnEventWhoseRecordIsPendingIsSafe) {
  KLfunction busy = Function("basic", "busy_loop");
  KLdeviceptr scratch = Alloc(4);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, 0));
  KLevent e = nullptr;
  KL_ASSERT(klEventCreate(&e, 0));
  uint32_t iterations = kBusyIterations / 4;
  void* args[] = {&scratch, &iterations};
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, s, args, nullptr));
  KL_ASSERT(klEventRecord(e, s));
  KL_EXPECT(klEventDestroy(e));
  KL_EXPECT(klStreamDestroy(s));
  KL_EXPECT(klCtxSynchronize());
}

struct HostLog {
  std::mutex mu;
  std::vector<int> order;
  const uint32_t* pinned = nullptr;
  uint32_t seen = 0;
};

void Append(void* user) {
  auto* item = static_cast<std::pair<HostLog*, int>*>(user);
  std::lock_guard<std::mutex> lock(item->first->mu);
  item->first->order.push_back(item->second);
}

void ReadPinned(void* user) {
  auto* log = static_cast<HostLog*>(user);
  log->seen = *log->pinned;
}

TEST_F(StreamTest, HostFunctionsRunInStreamOrder) {
  KLfunction fill = Function("basic", "fill_u32");
  KLdeviceptr d = Alloc(4);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, 0));
  void* pinned = nullptr;
  KL_ASSERT(klMemHostAlloc(&pinned, 4, 0));
  HostLog log;
  log.pinned = static_cast<const uint32_t*>(pinned);
  std::vector<std::pair<HostLog*, int>> items;
  for (int i = 0; i < 20; ++i) items.emplace_back(&log, i);
  uint32_t one = 1;
  for (int i = 0; i < 20; ++i) {
    uint32_t v = 100 + i;
    void* args[] = {&d, &v, &one};
    KL_ASSERT(klLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 0, s, args, nullptr));
    KL_ASSERT(klLaunchHostFunc(s, &Append, &items[i]));
  }
  // The host function sees what the copy before it delivered.
  KL_ASSERT(klMemcpyDtoHAsync(pinned, d, 4, s));
  KL_ASSERT(klLaunchHostFunc(s, &ReadPinned, &log));
  EXPECT_EQ(klLaunchHostFunc(s, nullptr, nullptr), KL_ERROR_INVALID_VALUE);
  KL_ASSERT(klStreamSynchronize(s));
  std::vector<int> want(20);
  for (int i = 0; i < 20; ++i) want[i] = i;
  EXPECT_EQ(log.order, want);
  EXPECT_EQ(log.seen, 119u);
  KL_EXPECT(klMemFreeHost(pinned));
  KL_EXPECT(klStreamDestroy(s));
}

// Legacy default-stream semantics: work on the NULL stream waits for earlier
// work of blocking streams, and the other way round.
TEST_F(StreamTest, BlockingStreamsSynchronizeWithTheNullStream) {
  KLfunction busy = Function("basic", "busy_loop");
  KLfunction fill = Function("basic", "fill_u32");
  KLdeviceptr scratch = Alloc(4), x = Alloc(4);
  KL_ASSERT(klMemsetD32(x, 0, 1));
  KLstream blocking = nullptr;
  KL_ASSERT(klStreamCreate(&blocking, KL_STREAM_DEFAULT));
  uint32_t iterations = kBusyIterations / 4, five = 5, one = 1;
  void* busy_args[] = {&scratch, &iterations};
  void* fill_args[] = {&x, &five, &one};
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, blocking, busy_args, nullptr));
  KL_ASSERT(klLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 0, blocking, fill_args, nullptr));
  // A synchronous copy runs on the NULL stream: it sees the fill.
  EXPECT_EQ(Read<uint32_t>(x, 1)[0], 5u);
  // And the other way: NULL-stream work first, then the blocking stream.
  uint32_t six = 6;
  void* fill6[] = {&x, &six, &one};
  KL_ASSERT(klLaunchKernel(busy, 1, 1, 1, 1, 1, 1, 0, nullptr, busy_args, nullptr));
  KL_ASSERT(klLaunchKernel(fill, 1, 1, 1, 1, 1, 1, 0, nullptr, fill6, nullptr));
  KLdeviceptr y = Alloc(4);
  KL_ASSERT(klMemcpyDtoDAsync(y, x, 4, blocking));
  KL_ASSERT(klStreamSynchronize(blocking));
  EXPECT_EQ(Read<uint32_t>(y, 1)[0], 6u);
  KL_EXPECT(klStreamDestroy(blocking));
}

// Every scheduling flag waits correctly (spinning, yielding, sleeping).
TEST_F(StreamTest, EverySchedulingFlagWaits) {
  for (unsigned sched : {KL_CTX_SCHED_AUTO, KL_CTX_SCHED_SPIN, KL_CTX_SCHED_YIELD,
                         KL_CTX_SCHED_BLOCKING_SYNC}) {
    KLcontext ctx = nullptr;
    KL_ASSERT(klCtxCreate(&ctx, sched, device_));
    KLmodule m = nullptr;
    KL_ASSERT(klModuleLoad(&m, KernelPath("basic").c_str()));
    KLfunction fill = nullptr;
    KL_ASSERT(klModuleGetFunction(&fill, m, "fill_u32"));
    KLdeviceptr out = 0;
    KL_ASSERT(klMemAlloc(&out, 4096 * 4));
    KLstream s = nullptr;
    KL_ASSERT(klStreamCreate(&s, 0));
    KLevent e = nullptr;
    KL_ASSERT(klEventCreate(&e, KL_EVENT_BLOCKING_SYNC));
    uint32_t n = 4096;
    for (uint32_t v = 1; v <= 3; ++v) {
      void* args[] = {&out, &v, &n};
      KL_ASSERT(klLaunchKernel(fill, 16, 1, 1, 256, 1, 1, 0, s, args, nullptr));
      KL_ASSERT(klEventRecord(e, s));
      KL_ASSERT(klEventSynchronize(e));
      KL_ASSERT(klStreamSynchronize(s));
    }
    std::vector<uint32_t> h(4096);
    KL_ASSERT(klMemcpyDtoH(h.data(), out, h.size() * 4));
    for (uint32_t x : h) ASSERT_EQ(x, 3u) << "sched " << sched;
    KL_EXPECT(klCtxSynchronize());
    KL_EXPECT(klCtxDestroy(ctx));
  }
}

TEST_F(StreamTest, StreamCreateErrors) {
  KLstream s = nullptr;
  EXPECT_EQ(klStreamCreate(&s, 0x10), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klStreamCreate(nullptr, 0), KL_ERROR_INVALID_VALUE);
  KL_ASSERT(klStreamCreateWithPriority(&s, 0, -3));
  int priority = 9;
  KL_EXPECT(klStreamGetPriority(s, &priority));
  EXPECT_EQ(priority, 0);  // clamped to the range [0, 0]
  KL_EXPECT(klStreamDestroy(s));
  KL_EXPECT(klStreamSynchronize(nullptr));
  KL_EXPECT(klStreamQuery(nullptr));
}

}  // namespace
}  // namespace keel_vk_test
