#include "vulkan/stream.h"

#include <algorithm>
#include <cstdlib>

#include "common/services.h"
#include "common/settings.h"
#include "vulkan/context.h"
#include "vulkan/event.h"
#include "vulkan/host_worker.h"
#include "vulkan/status.h"

namespace keel {
namespace vk {
namespace {

// Keeps a few command buffers for reuse; more are freed.
constexpr size_t kMaxFreeCommandBuffers = 16;

// KEEL_VULKAN_EAGER_SUBMIT=0 turns off the submit of a batch whose stream
// has caught up (stream.h): batches then go only when synchronized, queried,
// waited for or full. Fewer submits cost the launching thread less, while the
// GPU waits longer for work; the default (1) keeps it fed.
bool EagerSubmit() {
  static const bool eager = [] {
    const char* env = std::getenv("KEEL_VULKAN_EAGER_SUBMIT");
    bool on = true;  // also when unset or empty
    if (env != nullptr && *env != '\0' && !ParseSwitch(env, &on))
      Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_EAGER_SUBMIT=\"%s\" (want 0 or 1)", env);
    return on;
  }();
  return eager;
}

}  // namespace

KLresult Stream::Init(const char* api) {
  VkResult r = Timeline::Create(context_, &timeline_);
  if (r != VK_SUCCESS) return VkFail(r, api, "vkCreateSemaphore (timeline)");
  timeline_->SetOwner(this);
  VkCommandPoolCreateInfo info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT |
               VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
  info.queueFamilyIndex = context_->device()->queue_family;
  r = context_->fn.vkCreateCommandPool(context_->device_handle(), &info, nullptr, &pool_);
  if (r != VK_SUCCESS) {
    timeline_.reset();
    return VkFail(r, api, "vkCreateCommandPool");
  }
  return KL_SUCCESS;
}

void Stream::Release() {
  // Not under mu_: waiters take the timeline's owner lock, then mu_.
  if (timeline_) timeline_->SetOwner(nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  RetireLocked();
  arena_.ReleaseAll(context_->uploads());
  // Destroying the pool (when the queues are idle) frees its command buffers.
  if (pool_ != VK_NULL_HANDLE) context_->Bury(pool_);
  pool_ = VK_NULL_HANDLE;
  open_ = VK_NULL_HANDLE;
  in_flight_.clear();
  free_cmds_.clear();
  timeline_.reset();
}

// ---------------------------------------------------------------------------
// Recording.

Stream::Recording::Recording(Stream* stream, const char* api, bool legacy_dependencies)
    : stream_(stream), api_(api) {
  std::vector<std::pair<std::shared_ptr<Timeline>, uint64_t>> deps;
  if (legacy_dependencies) stream->context_->LegacyDependencies(stream, api, &deps);
  lock_ = std::unique_lock<std::mutex>(stream->mu_);
  for (auto& dep : deps) stream->open_waits_.push_back(std::move(dep));
}

Stream::Recording::~Recording() = default;

KLresult Stream::Recording::Begin(bool touches_memory, VkCommandBuffer* cmd) {
  return stream_->BeginLocked(api_, touches_memory, cmd);
}

KLresult Stream::Recording::Reserve(VkDeviceSize bytes) {
  Stream* s = stream_;
  // A stream that pushes gigabytes through staging waits for its oldest
  // chunk instead of growing without bound.
  while (s->arena_.pending_bytes() > 0 &&
         s->arena_.pending_bytes() + bytes > kMaxPendingUploadBytes) {
    s->RetireLocked();
    if (s->arena_.pending_bytes() + bytes <= kMaxPendingUploadBytes) break;
    uint64_t v = s->arena_.oldest_pending_value();
    // Values past the open batch belong to host steps not queued yet.
    if (v == 0 || v > s->last_value_ + 1) break;
    KLresult r = s->WaitLocked(api_, v);
    if (r != KL_SUCCESS) return r;
    s->RetireLocked();
  }
  return KL_SUCCESS;
}

KLresult Stream::Recording::Upload(VkDeviceSize size, VkDeviceSize align, bool for_host_step,
                                   UploadSlice* out) {
  Stream* s = stream_;
  uint64_t release = s->last_value_ + (for_host_step ? 2 : 1);
  return s->arena_.Alloc(s->context_->uploads(), size, align, release, api_, out);
}

KLresult Stream::Recording::Flush() { return stream_->FlushLocked(api_); }

KLresult Stream::Recording::HostStep(std::function<void(bool ok)> run) {
  Stream* s = stream_;
  KLresult r = s->FlushLocked(api_);
  if (r != KL_SUCCESS) return r;
  HostWorker::Task task;
  task.wait = s->timeline_;
  task.wait_value = s->last_value_;
  task.run = std::move(run);
  task.signal = s->timeline_;
  task.signal_value = ++s->last_value_;
  s->context_->worker()->Enqueue(std::move(task));
  return KL_SUCCESS;
}

void Stream::Recording::AddWait(const std::shared_ptr<Timeline>& timeline, uint64_t value) {
  stream_->open_waits_.emplace_back(timeline, value);
}

uint64_t Stream::Recording::end_value() const {
  const Stream* s = stream_;
  return s->open_ != VK_NULL_HANDLE || !s->open_waits_.empty() ? s->last_value_ + 1
                                                               : s->last_value_;
}

KLresult Stream::Recording::WaitFor(uint64_t value) { return stream_->WaitLocked(api_, value); }

void Stream::Recording::BindPipeline(VkPipeline pipeline) {
  Stream* s = stream_;
  if (s->bound_pipeline_ == pipeline) return;
  s->context_->fn.vkCmdBindPipeline(s->open_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
  s->bound_pipeline_ = pipeline;
}

KLresult Stream::Recording::Finish() {
  finished_ = true;
  Stream* s = stream_;
  KLresult result = KL_SUCCESS;
  if (s->open_ != VK_NULL_HANDLE) {
    uint64_t done = 0;
    if (s->open_commands_ >= kMaxBatchCommands) {
      result = s->FlushLocked(api_);
    } else if (EagerSubmit() && s->CaughtUpLocked(&done)) {
      // The stream's earlier work is done: submitting now keeps the GPU busy;
      // while it is busy, commands accumulate and go in one submit.
      s->RetireLocked(done);
      result = s->FlushLocked(api_);
    }
  }
  lock_.unlock();
  return result;
}

// ---------------------------------------------------------------------------
// Batches.

KLresult Stream::BeginLocked(const char* api, bool touches_memory, VkCommandBuffer* cmd) {
  const DeviceFunctions& fn = context_->fn;
  if (open_ == VK_NULL_HANDLE) {
    VkCommandBuffer buffer = VK_NULL_HANDLE;
    if (!free_cmds_.empty()) {
      buffer = free_cmds_.back();
      free_cmds_.pop_back();
    } else {
      VkCommandBufferAllocateInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
      info.commandPool = pool_;
      info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
      info.commandBufferCount = 1;
      VkResult r = fn.vkAllocateCommandBuffers(context_->device_handle(), &info, &buffer);
      if (r != VK_SUCCESS) return VkFail(r, api, "vkAllocateCommandBuffers");
    }
    // The pool resets a buffer implicitly when recording begins again.
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    VkResult r = fn.vkBeginCommandBuffer(buffer, &begin);
    if (r != VK_SUCCESS) {
      free_cmds_.push_back(buffer);
      return VkFail(r, api, "vkBeginCommandBuffer");
    }
    open_ = buffer;
    open_commands_ = 0;
    needs_barrier_ = false;
    bound_pipeline_ = VK_NULL_HANDLE;  // a new buffer starts with no state
  }
  if (touches_memory) {
    if (needs_barrier_) {
      // Stream order: everything earlier in the batch, shaders and
      // transfers, completes and is visible before this command.
      VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
      barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
      barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                              VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
      const VkPipelineStageFlags stages =
          VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
      fn.vkCmdPipelineBarrier(open_, stages, stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
    }
    needs_barrier_ = true;
  }
  ++open_commands_;
  *cmd = open_;
  return KL_SUCCESS;
}

KLresult Stream::FlushLocked(const char* api) {
  const DeviceFunctions& fn = context_->fn;
  if (open_ == VK_NULL_HANDLE) {
    if (open_waits_.empty()) return KL_SUCCESS;
    // Waits without commands (klStreamWaitEvent, legacy dependencies) still
    // gate what follows, including host steps: submit an empty batch.
    VkCommandBuffer unused;
    KLresult r = BeginLocked(api, false, &unused);
    if (r != KL_SUCCESS) return r;
  }
  // Make the batch's writes visible to the host once its value is reached.
  VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  fn.vkCmdPipelineBarrier(open_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                          VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  VkCommandBuffer cmd = open_;
  open_ = VK_NULL_HANDLE;
  open_commands_ = 0;
  needs_barrier_ = false;
  VkResult r = fn.vkEndCommandBuffer(cmd);
  if (r != VK_SUCCESS) {
    open_waits_.clear();
    free_cmds_.push_back(cmd);
    return VkFail(r, api, "vkEndCommandBuffer");
  }

  // Wait for this stream's previous value (batches and host steps run in
  // order) and for the cross-stream dependencies gathered since.
  VkSemaphore wait_semaphores[16];
  uint64_t wait_values[16];
  VkPipelineStageFlags wait_stages[16];
  uint32_t waits = 0;
  auto find_wait = [&](VkSemaphore semaphore) {
    for (uint32_t i = 0; i < waits; ++i)
      if (wait_semaphores[i] == semaphore) return static_cast<int>(i);
    return -1;
  };
  auto add_wait = [&](VkSemaphore semaphore, uint64_t value) {
    int i = find_wait(semaphore);
    if (i >= 0) {
      wait_values[i] = std::max(wait_values[i], value);
      return;
    }
    wait_semaphores[waits] = semaphore;
    wait_values[waits] = value;
    wait_stages[waits] = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
    ++waits;
  };
  // (Skipped when that value is already reached: a wait costs the device
  // some scheduling even then.)
  if (last_value_ > 0 && timeline_->seen() < last_value_ && timeline_->Completed() < last_value_)
    add_wait(timeline_->handle(), last_value_);
  for (auto& dep : open_waits_) {
    if (waits < 16 || find_wait(dep.first->handle()) >= 0) {
      add_wait(dep.first->handle(), dep.second);
    } else {
      // More distinct semaphores than slots (one stream waiting on more than
      // 15 others at once): wait for the rest here, on the host.
      VkResult w = dep.first->Wait(dep.second);
      if (w != VK_SUCCESS) context_->SetAsyncError(w, "vkWaitSemaphores");
    }
  }
  const uint64_t signal_value = last_value_ + 1;
  VkSemaphore signal = timeline_->handle();
  VkTimelineSemaphoreSubmitInfo timeline_info{VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
  timeline_info.waitSemaphoreValueCount = waits;
  timeline_info.pWaitSemaphoreValues = wait_values;
  timeline_info.signalSemaphoreValueCount = 1;
  timeline_info.pSignalSemaphoreValues = &signal_value;
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.pNext = &timeline_info;
  submit.waitSemaphoreCount = waits;
  submit.pWaitSemaphores = wait_semaphores;
  submit.pWaitDstStageMask = wait_stages;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  submit.signalSemaphoreCount = 1;
  submit.pSignalSemaphores = &signal;
  {
    std::lock_guard<std::mutex> queue_lock(queue_->mu);
    r = fn.vkQueueSubmit(queue_->queue, 1, &submit, VK_NULL_HANDLE);
    queue_->busy = true;
  }
  open_waits_.clear();
  if (r != VK_SUCCESS) {
    context_->SetAsyncError(r, "vkQueueSubmit");
    free_cmds_.push_back(cmd);
    return VkFail(r, api, "vkQueueSubmit");
  }
  in_flight_.push_back(Batch{signal_value, cmd});
  last_value_ = signal_value;
  return KL_SUCCESS;
}

KLresult Stream::WaitLocked(const char* api, uint64_t value) {
  if (value > last_value_) {
    KLresult r = FlushLocked(api);
    if (r != KL_SUCCESS) return r;
  }
  VkResult r = context_->Wait(*timeline_, value);
  if (r != VK_SUCCESS) {
    context_->SetAsyncError(r, "vkWaitSemaphores");
    return VkFail(r, api, "vkWaitSemaphores");
  }
  return KL_SUCCESS;
}

bool Stream::CaughtUpLocked(uint64_t* done) {
  // Seen done already (a synchronize, a wait, an earlier poll): no poll.
  *done = timeline_->seen();
  if (*done >= last_value_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (++unpolled_ < kPollEvery && now - last_poll_ < kPollPeriod) return false;
  unpolled_ = 0;
  last_poll_ = now;
  *done = timeline_->Completed();
  return *done >= last_value_;
}

void Stream::RetireLocked() { RetireLocked(timeline_->Completed()); }

void Stream::RetireLocked(uint64_t done) {
  while (!in_flight_.empty() && in_flight_.front().value <= done) {
    VkCommandBuffer cmd = in_flight_.front().cmd;
    in_flight_.pop_front();
    // Reset now, not when reused: a recorded buffer refers to pipelines, and
    // some drivers (lavapipe) touch them when the buffer is freed or reset
    // later, after klModuleUnload destroyed them.
    if (free_cmds_.size() < kMaxFreeCommandBuffers) {
      context_->fn.vkResetCommandBuffer(cmd, 0);
      free_cmds_.push_back(cmd);
    } else {
      context_->fn.vkFreeCommandBuffers(context_->device_handle(), pool_, 1, &cmd);
    }
  }
  arena_.Retire(context_->uploads(), done);
}

void Stream::Retire() {
  std::lock_guard<std::mutex> lock(mu_);
  RetireLocked();
}

KLresult Stream::Synchronize(const char* api) {
  uint64_t value = 0;
  KLresult r = FlushEnd(api, &value);
  if (r != KL_SUCCESS) return r;
  VkResult w = context_->Wait(*timeline_, value);
  if (w != VK_SUCCESS) {
    context_->SetAsyncError(w, "vkWaitSemaphores");
    return VkFail(w, api, "vkWaitSemaphores");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    RetireLocked();
  }
  return context_->AsyncError(api);
}

KLresult Stream::Query(const char* api) {
  std::lock_guard<std::mutex> lock(mu_);
  KLresult r = FlushLocked(api);
  if (r != KL_SUCCESS) return r;
  VkResult status = VK_SUCCESS;
  uint64_t done = timeline_->Completed(&status);
  if (status != VK_SUCCESS) {
    context_->SetAsyncError(status, "vkGetSemaphoreCounterValue");
    return VkFail(status, api, "vkGetSemaphoreCounterValue");
  }
  RetireLocked(done);
  if (done < last_value_) return KL_ERROR_NOT_READY;
  return context_->AsyncError(api);
}

KLresult Stream::FlushTo(uint64_t value, const char* api) {
  std::lock_guard<std::mutex> lock(mu_);
  if (value <= last_value_) return KL_SUCCESS;
  return FlushLocked(api);
}

KLresult Stream::FlushEnd(const char* api, uint64_t* value) {
  std::lock_guard<std::mutex> lock(mu_);
  KLresult r = FlushLocked(api);
  *value = last_value_;
  return r;
}

// ---------------------------------------------------------------------------
// Entry points.

namespace {

KLresult CreateStreamEntry(KLcontext ctx, KLstream* phStream, unsigned int flags,
                           const char* api) {
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (phStream == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: phStream is NULL", api);
  if (flags & ~static_cast<unsigned>(KL_STREAM_NON_BLOCKING))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: unknown flags 0x%x", api, flags);
  Stream* s = nullptr;
  // Vulkan compute queues have no portable priorities: every stream gets 0,
  // which klCtxGetStreamPriorityRange reports as the whole range.
  r = c->CreateStream(flags, 0, api, &s);
  if (r != KL_SUCCESS) return r;
  *phStream = ToHandle<KLstream>(s);
  return KL_SUCCESS;
}

}  // namespace

KLresult klStreamCreate(KLcontext ctx, KLstream* phStream, unsigned int Flags) {
  return CreateStreamEntry(ctx, phStream, Flags, "klStreamCreate");
}

KLresult klStreamCreateWithPriority(KLcontext ctx, KLstream* phStream, unsigned int flags,
                                    int priority) {
  (void)priority;  // clamped to the range [0, 0]
  return CreateStreamEntry(ctx, phStream, flags, "klStreamCreateWithPriority");
}

KLresult klStreamDestroy(KLstream hStream) {
  Stream* s = FromHandle<Stream>(hStream);
  if (s->is_null())
    return Fail(KL_ERROR_INVALID_HANDLE, "klStreamDestroy: the NULL stream cannot be destroyed");
  Context* c = s->context();
  c->DestroyStream(s);
  c->LimitGraveyard("klStreamDestroy");
  return KL_SUCCESS;
}

KLresult klStreamSynchronize(KLcontext ctx, KLstream hStream) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, "klStreamSynchronize", &s);
  if (r != KL_SUCCESS) return r;
  return s->Synchronize("klStreamSynchronize");
}

KLresult klStreamQuery(KLcontext ctx, KLstream hStream) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, "klStreamQuery", &s);
  if (r != KL_SUCCESS) return r;
  return s->Query("klStreamQuery");
}

KLresult klStreamWaitEvent(KLcontext ctx, KLstream hStream, KLevent hEvent, unsigned int Flags) {
  const char* api = "klStreamWaitEvent";
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS) return r;
  if (!IsOwnHandle(hEvent))
    return Fail(KL_ERROR_INVALID_HANDLE, "%s: hEvent is NULL or belongs to another backend", api);
  if (Flags != 0) return Fail(KL_ERROR_INVALID_VALUE, "%s: Flags must be 0 (got 0x%x)", api, Flags);
  Event* e = FromHandle<Event>(hEvent);
  if (e->context() != s->context())
    return Fail(KL_ERROR_INVALID_HANDLE,
                "%s: the event belongs to another context (Vulkan devices of different "
                "contexts cannot wait on each other)",
                api);
  std::shared_ptr<Timeline> timeline;
  uint64_t value = 0;
  e->Target(&timeline, &value);
  if (!timeline || value == 0 || timeline == s->timeline()) return KL_SUCCESS;
  if (timeline->Completed() >= value) return KL_SUCCESS;
  // The record may sit in the other stream's open batch: submit it first, so
  // this stream never waits for a batch nobody will submit.
  r = timeline->EnsureSubmitted(value, api);
  if (r != KL_SUCCESS) return r;
  Stream::Recording rec(s, api, false);
  rec.AddWait(timeline, value);
  return rec.Finish();
}

KLresult klStreamGetPriority(KLcontext ctx, KLstream hStream, int* priority) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, "klStreamGetPriority", &s);
  if (r != KL_SUCCESS) return r;
  if (priority == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetPriority: priority is NULL");
  *priority = s->priority();
  return KL_SUCCESS;
}

KLresult klStreamGetFlags(KLcontext ctx, KLstream hStream, unsigned int* flags) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, "klStreamGetFlags", &s);
  if (r != KL_SUCCESS) return r;
  if (flags == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetFlags: flags is NULL");
  *flags = s->flags();
  return KL_SUCCESS;
}

KLresult klLaunchHostFunc(KLcontext ctx, KLstream hStream, KLhostFn fn, void* userData) {
  const char* api = "klLaunchHostFunc";
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS) return r;
  if (fn == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: fn is NULL", api);
  Stream::Recording rec(s, api);
  // A callback whose stream failed (device lost) is not called, as in CUDA.
  r = rec.HostStep([fn, userData](bool ok) {
    if (ok) fn(userData);
  });
  KLresult f = rec.Finish();
  return r != KL_SUCCESS ? r : f;
}

KLresult klStreamGetNativeHandle(KLcontext ctx, void** native, KLstream hStream) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, "klStreamGetNativeHandle", &s);
  if (r != KL_SUCCESS) return r;
  if (native == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetNativeHandle: native is NULL");
  *native = reinterpret_cast<void*>(s->queue()->queue);
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
