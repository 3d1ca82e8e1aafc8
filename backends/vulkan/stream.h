// A Keel stream on Vulkan: a command buffer being recorded (the open batch)
// plus a timeline semaphore.
//
// Commands of a stream are recorded into its open batch, each separated from
// the previous one by a memory barrier, so the batch runs in stream order.
// A batch is submitted ("flushed") when the stream is synchronized or
// queried, someone waits for an event recorded in it (event query,
// synchronize, elapsed time, another stream's wait), a host step follows, it
// reaches kMaxBatchCommands, or the stream's earlier work has finished (then
// waiting would only leave the GPU idle). Recording an event does not submit
// by itself, but an event recorded on an idle stream goes out by that last
// rule like any command: its timestamp must be taken when the stream reaches
// it, not when someone later waits for it (klEventElapsedTime around work on
// other streams would measure nothing; conformance
// Event.ElapsedTimeCoversWorkOnOtherStreams).
// Each submit signals the next value of the stream's timeline and waits for
// the previous one, so batches run in order even when several streams share a
// queue.
//
// Whether the earlier work has finished is known for free when the timeline
// was last seen past it (Timeline::seen: after a synchronize, say); otherwise
// the counter is polled only every kPollEvery recordings or after kPollPeriod
// since the last poll, not at every launch (a poll costs about as much as
// recording a dispatch on some drivers). While the GPU is busy, commands
// accumulate either way; a batch whose earlier work finishes between polls
// waits at most until the next poll's recording.
//
// The open batch also remembers the pipeline bound in it, so consecutive
// launches of one kernel bind it once (BindPipeline).
//
// Streams created with KL_STREAM_DEFAULT follow CUDA's legacy default-stream
// rules: work on the NULL stream waits for earlier work of every blocking
// stream of the context, and work on a blocking stream waits for earlier
// NULL-stream work. Recording gathers those dependencies before it takes
// the stream's lock.
#ifndef KEEL_BACKENDS_VULKAN_STREAM_H_
#define KEEL_BACKENDS_VULKAN_STREAM_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/object.h"
#include "vulkan/timeline.h"
#include "vulkan/upload.h"

namespace keel {
namespace vk {

class Context;
struct Queue;

class Stream : public keel::Object {
 public:
  static constexpr uint32_t kMaxBatchCommands = 256;
  // Staging bytes a stream may hold in flight before recording waits.
  static constexpr VkDeviceSize kMaxPendingUploadBytes = 64u << 20;
  // Completion polls of the batching policy: at most one per kPollEvery
  // recordings unless kPollPeriod has passed since the last (file comment).
  static constexpr uint32_t kPollEvery = 8;
  static constexpr std::chrono::microseconds kPollPeriod{10};

  Stream(Context* context, unsigned flags, int priority, Queue* queue, bool is_null)
      : context_(context), flags_(flags), priority_(priority), queue_(queue), is_null_(is_null) {}
  KLresult Init(const char* api);
  // Frees the stream's Vulkan objects. All its work must have completed.
  void Release();

  Context* context() const { return context_; }
  unsigned flags() const { return flags_; }
  int priority() const { return priority_; }
  Queue* queue() const { return queue_; }
  bool is_null() const { return is_null_; }
  // Synchronizes with the NULL stream (legacy default-stream semantics).
  bool blocking() const { return !is_null_ && !(flags_ & KL_STREAM_NON_BLOCKING); }
  const std::shared_ptr<Timeline>& timeline() const { return timeline_; }

  // Records into the stream under its lock; see the file comment.
  class Recording {
   public:
    Recording(Stream* stream, const char* api, bool legacy_dependencies = true);
    ~Recording();
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;

    // Starts one command and returns its command buffer. A command that reads
    // or writes memory is ordered after the previous one by a barrier.
    KLresult Begin(bool touches_memory, VkCommandBuffer* cmd);
    // Binds a compute pipeline in the command buffer of the current command
    // (after Begin), unless the batch has it bound already. Every compute
    // bind into a stream's batches must go through here. Push constants and
    // push descriptors are not tracked: a launch records its own each time.
    void BindPipeline(VkPipeline pipeline);
    // Flow control for staging: if the stream already holds too much staging
    // in flight, waits for its oldest (may submit the open batch). Call before
    // the Uploads of a command, never between Begin and the command.
    KLresult Reserve(VkDeviceSize bytes);
    // Staging for the command that follows: released when that command's
    // batch completes, or, with for_host_step, after the host step that the
    // caller queues right after the command (HostStep).
    KLresult Upload(VkDeviceSize size, VkDeviceSize align, bool for_host_step, UploadSlice* out);
    // Submits the open batch, if any.
    KLresult Flush();
    // Queues `run` on the context's host worker after all earlier work; later
    // work of the stream waits until it returns.
    KLresult HostStep(std::function<void(bool ok)> run);
    // Makes the open batch wait for (timeline, value).
    void AddWait(const std::shared_ptr<Timeline>& timeline, uint64_t value);
    // The value the stream's timeline reaches when everything recorded so
    // far (submitted or not) is done.
    uint64_t end_value() const;
    // Flushes if needed and blocks until the timeline reaches value.
    KLresult WaitFor(uint64_t value);
    // Ends the recording: applies the batching policy and unlocks.
    KLresult Finish();

   private:
    Stream* stream_;
    const char* api_;
    std::unique_lock<std::mutex> lock_;
    bool finished_ = false;
  };

  KLresult Synchronize(const char* api);
  KLresult Query(const char* api);
  // Flushes and returns the value that marks the current end of the stream.
  KLresult FlushEnd(const char* api, uint64_t* value);
  // Submits the open batch if its value is <= `value` and not yet submitted.
  KLresult FlushTo(uint64_t value, const char* api);
  // Recycles the batches (and staging) whose work has completed.
  void Retire();

 private:
  struct Batch {
    uint64_t value;
    VkCommandBuffer cmd;
  };

  KLresult BeginLocked(const char* api, bool touches_memory, VkCommandBuffer* cmd);
  KLresult FlushLocked(const char* api);
  KLresult WaitLocked(const char* api, uint64_t value);
  // Whether everything submitted so far has completed, by the batching
  // policy's rules: may answer false for finished work between polls.
  bool CaughtUpLocked(uint64_t* done);
  void RetireLocked();
  void RetireLocked(uint64_t done);

  Context* context_;
  unsigned flags_;
  int priority_;
  Queue* queue_;
  bool is_null_;
  std::shared_ptr<Timeline> timeline_;
  VkCommandPool pool_ = VK_NULL_HANDLE;

  std::mutex mu_;
  VkCommandBuffer open_ = VK_NULL_HANDLE;  // the open batch
  uint32_t open_commands_ = 0;
  bool needs_barrier_ = false;
  VkPipeline bound_pipeline_ = VK_NULL_HANDLE;  // in open_
  uint32_t unpolled_ = 0;  // recordings finished since the last completion poll
  std::chrono::steady_clock::time_point last_poll_{};
  std::vector<std::pair<std::shared_ptr<Timeline>, uint64_t>> open_waits_;
  uint64_t last_value_ = 0;  // last value submitted or promised to a host step
  std::deque<Batch> in_flight_;
  std::vector<VkCommandBuffer> free_cmds_;
  UploadArena arena_;
};

// Stream entry points.
KLresult klStreamCreate(KLcontext ctx, KLstream* phStream, unsigned int Flags);
KLresult klStreamCreateWithPriority(KLcontext ctx, KLstream* phStream, unsigned int flags,
                                    int priority);
KLresult klStreamDestroy(KLstream hStream);
KLresult klStreamSynchronize(KLcontext ctx, KLstream hStream);
KLresult klStreamQuery(KLcontext ctx, KLstream hStream);
KLresult klStreamWaitEvent(KLcontext ctx, KLstream hStream, KLevent hEvent, unsigned int Flags);
KLresult klStreamGetPriority(KLcontext ctx, KLstream hStream, int* priority);
KLresult klStreamGetFlags(KLcontext ctx, KLstream hStream, unsigned int* flags);
KLresult klLaunchHostFunc(KLcontext ctx, KLstream hStream, KLhostFn fn, void* userData);
KLresult klStreamGetNativeHandle(KLcontext ctx, void** native, KLstream hStream);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_STREAM_H_
