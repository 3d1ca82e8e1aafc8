#include "vulkan/event.h"

#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/status.h"
#include "vulkan/stream.h"

namespace keel {
namespace vk {

KLresult Event::Init(const char* api) {
  if (flags_ & KL_EVENT_DISABLE_TIMING) return KL_SUCCESS;
  // Devices without timestamps (KL_DEVICE_ATTRIBUTE_TIMESTAMPS = 0) get
  // events without timing; klEventElapsedTime says why.
  if (!context_->device()->attributes[KL_DEVICE_ATTRIBUTE_TIMESTAMPS]) return KL_SUCCESS;
  VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  info.queryType = VK_QUERY_TYPE_TIMESTAMP;
  info.queryCount = kQuerySlots;
  VkResult r = context_->fn.vkCreateQueryPool(context_->device_handle(), &info, nullptr, &pool_);
  if (r != VK_SUCCESS) return VkFail(r, api, "vkCreateQueryPool");
  return KL_SUCCESS;
}

void Event::Destroy() {
  // A pending record may still write its timestamp: the pool goes when the
  // queues are idle.
  if (pool_ != VK_NULL_HANDLE) context_->Bury(pool_);
  delete this;
}

void Event::Target(std::shared_ptr<Timeline>* timeline, uint64_t* value) const {
  std::lock_guard<std::mutex> lock(mu_);
  *timeline = timeline_;
  *value = value_;
}

KLresult Event::Record(Stream* stream, const char* api) {
  int slot = -1;
  if (pool_ != VK_NULL_HANDLE) {
    std::lock_guard<std::mutex> lock(mu_);
    slot = static_cast<int>(records_++ % kQuerySlots);
  }
  Stream::Recording rec(stream, api);
  if (slot >= 0) {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    KLresult r = rec.Begin(false, &cmd);
    if (r != KL_SUCCESS) return r;
    const DeviceFunctions& fn = context_->fn;
    fn.vkCmdResetQueryPool(cmd, pool_, static_cast<uint32_t>(slot), 1);
    // Written when every earlier command of the stream has completed.
    fn.vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_,
                           static_cast<uint32_t>(slot));
  }
  // The event's value is the end of the stream's work so far, possibly in
  // the open batch: it is submitted when someone needs it (EnsureSubmitted),
  // so recording costs no submit.
  uint64_t value = rec.end_value();
  KLresult f = rec.Finish();
  if (f != KL_SUCCESS) return f;
  std::lock_guard<std::mutex> lock(mu_);
  timeline_ = stream->timeline();
  value_ = value;
  slot_ = slot;
  return KL_SUCCESS;
}

KLresult Event::Query(const char* api) const {
  std::shared_ptr<Timeline> timeline;
  uint64_t value = 0;
  Target(&timeline, &value);
  if (!timeline) return KL_SUCCESS;
  KLresult r = timeline->EnsureSubmitted(value, api);
  if (r != KL_SUCCESS) return r;
  VkResult status = VK_SUCCESS;
  uint64_t done = timeline->Completed(&status);
  if (status != VK_SUCCESS) return VkFail(status, api, "vkGetSemaphoreCounterValue");
  return done >= value ? context_->AsyncError(api) : KL_ERROR_NOT_READY;
}

KLresult Event::Synchronize(const char* api) const {
  std::shared_ptr<Timeline> timeline;
  uint64_t value = 0;
  Target(&timeline, &value);
  if (!timeline) return KL_SUCCESS;
  KLresult submitted = timeline->EnsureSubmitted(value, api);
  if (submitted != KL_SUCCESS) return submitted;
  // KL_EVENT_BLOCKING_SYNC sleeps; other events wait as their context says.
  VkResult r = context_->Wait(*timeline, value, (flags_ & KL_EVENT_BLOCKING_SYNC) != 0);
  if (r != VK_SUCCESS) {
    context_->SetAsyncError(r, "vkWaitSemaphores");
    return VkFail(r, api, "vkWaitSemaphores");
  }
  return context_->AsyncError(api);
}

KLresult Event::Timestamp(const char* api, uint64_t* ticks) const {
  int slot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    slot = slot_;
  }
  uint64_t value = 0;
  VkResult r = context_->fn.vkGetQueryPoolResults(
      context_->device_handle(), pool_, static_cast<uint32_t>(slot), 1, sizeof value, &value,
      sizeof value, VK_QUERY_RESULT_64_BIT);
  if (r == VK_NOT_READY) return KL_ERROR_NOT_READY;
  if (r != VK_SUCCESS) return VkFail(r, api, "vkGetQueryPoolResults");
  *ticks = value;
  return KL_SUCCESS;
}

// ---------------------------------------------------------------------------
// Entry points.

KLresult klEventCreate(KLcontext ctx, KLevent* phEvent, unsigned int Flags) {
  const char* api = "klEventCreate";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (phEvent == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: phEvent is NULL", api);
  if (Flags & ~static_cast<unsigned>(KL_EVENT_BLOCKING_SYNC | KL_EVENT_DISABLE_TIMING))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: unknown flags 0x%x", api, Flags);
  auto* e = new Event(c, Flags);
  r = e->Init(api);
  if (r != KL_SUCCESS) {
    delete e;
    return r;
  }
  c->AddEvent(e);
  *phEvent = ToHandle<KLevent>(e);
  return KL_SUCCESS;
}

KLresult klEventRecord(KLevent hEvent, KLstream hStream) {
  const char* api = "klEventRecord";
  Event* e = FromHandle<Event>(hEvent);
  Stream* s = nullptr;
  if (hStream != nullptr) {
    if (!IsOwnHandle(hStream))
      return Fail(KL_ERROR_INVALID_HANDLE, "%s: hStream belongs to another backend", api);
    s = FromHandle<Stream>(hStream);
    if (s->context() != e->context())
      return Fail(KL_ERROR_INVALID_HANDLE,
                  "%s: the stream belongs to another context than the event", api);
  } else {
    s = e->context()->null_stream();
  }
  KLresult r = e->context()->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  return e->Record(s, api);
}

KLresult klEventQuery(KLevent hEvent) {
  return FromHandle<Event>(hEvent)->Query("klEventQuery");
}

KLresult klEventSynchronize(KLevent hEvent) {
  return FromHandle<Event>(hEvent)->Synchronize("klEventSynchronize");
}

KLresult klEventElapsedTime(float* pMilliseconds, KLevent hStart, KLevent hEnd) {
  const char* api = "klEventElapsedTime";
  if (!IsOwnHandle(hEnd))
    return Fail(KL_ERROR_INVALID_HANDLE, "%s: hEnd is NULL or belongs to another backend", api);
  if (pMilliseconds == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: pMilliseconds is NULL", api);
  const Event* start = FromHandle<Event>(hStart);
  const Event* end = FromHandle<Event>(hEnd);
  if (start->context() != end->context())
    return Fail(KL_ERROR_INVALID_HANDLE, "%s: the events belong to different contexts", api);
  const Device* device = start->context()->device();
  if (!start->timing() || !end->timing()) {
    if (!device->attributes[KL_DEVICE_ATTRIBUTE_TIMESTAMPS])
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: %s has no timestamps on its compute queue, so events cannot time", api,
                  device->name.c_str());
    return Fail(KL_ERROR_INVALID_VALUE, "%s: the %s event was created with KL_EVENT_DISABLE_TIMING",
                api, start->timing() ? "end" : "start");
  }
  std::shared_ptr<Timeline> t0, t1;
  uint64_t v0 = 0, v1 = 0;
  start->Target(&t0, &v0);
  end->Target(&t1, &v1);
  if (!t0 || !t1)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: the %s event was never recorded", api,
                t0 ? "end" : "start");
  KLresult r = t0->EnsureSubmitted(v0, api);
  if (r == KL_SUCCESS) r = t1->EnsureSubmitted(v1, api);
  if (r != KL_SUCCESS) return r;
  if (t0->Completed() < v0 || t1->Completed() < v1) return KL_ERROR_NOT_READY;
  uint64_t a = 0, b = 0;
  r = start->Timestamp(api, &a);
  if (r == KL_SUCCESS) r = end->Timestamp(api, &b);
  if (r != KL_SUCCESS) return r;
  // Timestamps count modulo 2^timestampValidBits.
  const uint32_t bits = device->timestamp_valid_bits;
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t diff = (b - a) & mask;
  double ticks = diff > mask / 2 ? -static_cast<double>((a - b) & mask) : static_cast<double>(diff);
  *pMilliseconds =
      static_cast<float>(ticks * device->properties.limits.timestampPeriod / 1.0e6);
  return KL_SUCCESS;
}

KLresult klEventDestroy(KLevent hEvent) {
  Event* e = FromHandle<Event>(hEvent);
  Context* c = e->context();
  c->RemoveEvent(e);
  e->Destroy();
  c->LimitGraveyard("klEventDestroy");
  return KL_SUCCESS;
}

KLresult klEventGetNativeHandle(void** native, KLevent hEvent) {
  if (native == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klEventGetNativeHandle: native is NULL");
  std::shared_ptr<Timeline> timeline;
  uint64_t value = 0;
  FromHandle<Event>(hEvent)->Target(&timeline, &value);
  *native = timeline ? reinterpret_cast<void*>(timeline->handle()) : nullptr;
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
