// Events: native events from pools of 64, recycled once nothing can wait on
// them any more; timing through a global timestamp written in stream order.
#include "level_zero.h"

namespace keel::ze {

namespace {

constexpr uint32_t kPoolSize = 64;
constexpr unsigned kEventFlagsMask = KL_EVENT_BLOCKING_SYNC | KL_EVENT_DISABLE_TIMING;

}  // namespace

KLresult EventAllocator::Acquire(Context* ctx, const char* function, EventSlot** out) {
  if (free_.empty()) Recycle(ctx);
  if (free_.empty()) {
    Pool pool;
    ze_event_pool_desc_t desc{};
    desc.stype = ZE_STRUCTURE_TYPE_EVENT_POOL_DESC;
    desc.flags = ZE_EVENT_POOL_FLAG_HOST_VISIBLE;
    desc.count = kPoolSize;
    KEEL_ZE_CALL(function, zeEventPoolCreate, (ctx->ze, &desc, 0, nullptr, &pool.pool));
    if (timing_) {
      ze_host_mem_alloc_desc_t host{};
      host.stype = ZE_STRUCTURE_TYPE_HOST_MEM_ALLOC_DESC;
      void* words = nullptr;
      ze_result_t r = api.zeMemAllocHost(ctx->ze, &host, kPoolSize * sizeof(uint64_t),
                                         sizeof(uint64_t), &words);
      if (r != ZE_RESULT_SUCCESS) {
        api.zeEventPoolDestroy(pool.pool);
        return ZeFail(r, function, "zeMemAllocHost");
      }
      pool.timestamps = static_cast<uint64_t*>(words);
    }
    std::vector<std::unique_ptr<EventSlot>> created;
    for (uint32_t i = 0; i < kPoolSize; ++i) {
      ze_event_desc_t ed{};
      ed.stype = ZE_STRUCTURE_TYPE_EVENT_DESC;
      ed.index = i;
      ed.signal = ZE_EVENT_SCOPE_FLAG_HOST;
      ed.wait = ZE_EVENT_SCOPE_FLAG_HOST;
      auto slot = std::make_unique<EventSlot>();
      ze_result_t r = api.zeEventCreate(pool.pool, &ed, &slot->event);
      if (r != ZE_RESULT_SUCCESS) {
        for (auto& s : created) api.zeEventDestroy(s->event);
        if (pool.timestamps) api.zeMemFree(ctx->ze, pool.timestamps);
        api.zeEventPoolDestroy(pool.pool);
        return ZeFail(r, function, "zeEventCreate");
      }
      if (pool.timestamps) slot->timestamp = pool.timestamps + i;
      created.push_back(std::move(slot));
    }
    pools_.push_back(pool);
    for (auto& s : created) {
      free_.push_back(s.get());
      slots_.push_back(std::move(s));
    }
  }
  *out = free_.back();
  free_.pop_back();
  return KL_SUCCESS;
}

void EventAllocator::Retire(Context* ctx, EventSlot* slot) {
  if (!slot->armed) {
    free_.push_back(slot);
    return;
  }
  slot->retire_epoch = ++ctx->epoch;
  retiring_.push_back(slot);
}

void EventAllocator::ReleaseSignalled(EventSlot* slot) {
  ze_result_t r = api.zeEventHostReset(slot->event);
  if (r != ZE_RESULT_SUCCESS) {
    // Keep it out of circulation rather than hand out a signalled event.
    Log(KL_LOG_WARN, "zeEventHostReset: %s; event retired", ResultName(r));
    return;
  }
  slot->armed = false;
  slot->waited = false;
  free_.push_back(slot);
}

void EventAllocator::Recycle(Context* ctx) {
  for (size_t i = 0; i < retiring_.size();) {
    EventSlot* slot = retiring_[i];
    if ((!slot->waited || ctx->CanRecycle(slot->retire_epoch)) &&
        api.zeEventQueryStatus(slot->event) == ZE_RESULT_SUCCESS) {
      retiring_[i] = retiring_.back();
      retiring_.pop_back();
      ReleaseSignalled(slot);
    } else {
      ++i;
    }
  }
}

void EventAllocator::Destroy(Context* ctx) {
  for (auto& slot : slots_) {
    ze_result_t r = api.zeEventDestroy(slot->event);
    if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_WARN, "zeEventDestroy: %s", ResultName(r));
  }
  for (const Pool& pool : pools_) {
    if (pool.timestamps) api.zeMemFree(ctx->ze, pool.timestamps);
    ze_result_t r = api.zeEventPoolDestroy(pool.pool);
    if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_WARN, "zeEventPoolDestroy: %s", ResultName(r));
  }
  slots_.clear();
  pools_.clear();
  free_.clear();
  retiring_.clear();
}

// ---- entry points -----------------------------------------------------------

KLresult klEventCreate(KLcontext ctx, KLevent* phEvent, unsigned int Flags) {
  if (phEvent == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klEventCreate: phEvent is NULL");
  if (Flags & ~kEventFlagsMask)
    return Fail(KL_ERROR_INVALID_VALUE, "klEventCreate: unknown flags 0x%x", Flags & ~kEventFlagsMask);
  Context* c = FromHandle<Context>(ctx);
  auto e = std::make_unique<Event>();
  e->ctx = c;
  e->flags = Flags;
  std::lock_guard<std::mutex> lock(c->mu);
  // The slot exists from creation so the native handle does too.
  EventAllocator& pool = (Flags & KL_EVENT_DISABLE_TIMING) ? c->markers : c->timed;
  KLresult r = pool.Acquire(c, "klEventCreate", &e->slot);
  if (r != KL_SUCCESS) return r;
  c->events.insert(e.get());
  *phEvent = ToHandle<KLevent>(e.release());
  return KL_SUCCESS;
}
KLresult klEventRecord(KLevent hEvent, KLstream hStream) {
  Event* e = FromHandle<Event>(hEvent);
  Context* c = e->ctx;
  if (hStream != nullptr && !IsOwnHandle(hStream))
    return Fail(KL_ERROR_INVALID_HANDLE, "klEventRecord: hStream belongs to another backend");
  if (hStream != nullptr && FromHandle<Stream>(hStream)->ctx != c)
    return Fail(KL_ERROR_INVALID_HANDLE,
                "klEventRecord: hStream belongs to another context than the event");
  std::lock_guard<std::mutex> lock(c->mu);
  Stream* s = nullptr;
  KLresult r = ResolveStream(c, hStream, "klEventRecord", &s);
  if (r != KL_SUCCESS) return r;
  bool timing = !(e->flags & KL_EVENT_DISABLE_TIMING);
  EventAllocator& pool = timing ? c->timed : c->markers;
  EventSlot* slot = e->slot;
  if (slot->armed) {
    // Re-recording moves the event: earlier waiters keep the old slot.
    r = pool.Acquire(c, "klEventRecord", &slot);
    if (r != KL_SUCCESS) return r;
    pool.Retire(c, e->slot);
    e->slot = slot;
  }
  r = BeginCommand(s, "klEventRecord");
  if (r != KL_SUCCESS) return r;
  ze_result_t zr = timing
      ? api.zeCommandListAppendWriteGlobalTimestamp(s->list, slot->timestamp, slot->event, 0, nullptr)
      : api.zeCommandListAppendSignalEvent(s->list, slot->event);
  if (zr != ZE_RESULT_SUCCESS)
    return ZeFail(zr, "klEventRecord",
                  timing ? "zeCommandListAppendWriteGlobalTimestamp" : "zeCommandListAppendSignalEvent");
  slot->armed = true;
  e->recorded = true;
  EndCommand(s);
  return KL_SUCCESS;
}

KLresult klEventQuery(KLevent hEvent) {
  Event* e = FromHandle<Event>(hEvent);
  std::lock_guard<std::mutex> lock(e->ctx->mu);
  if (!e->recorded) return KL_SUCCESS;  // never recorded: complete
  ze_result_t r = api.zeEventQueryStatus(e->slot->event);
  if (r == ZE_RESULT_SUCCESS) return KL_SUCCESS;
  if (r == ZE_RESULT_NOT_READY) return KL_ERROR_NOT_READY;
  return ZeFail(r, "klEventQuery", "zeEventQueryStatus");
}

KLresult klEventSynchronize(KLevent hEvent) {
  Event* e = FromHandle<Event>(hEvent);
  ze_event_handle_t event;
  {
    std::lock_guard<std::mutex> lock(e->ctx->mu);
    if (!e->recorded) return KL_SUCCESS;
    event = e->slot->event;
  }
  // The slot cannot be recycled while we wait: a recorded slot leaves the
  // event only through Retire, and retired slots are reset only once signalled.
  KEEL_ZE_CALL("klEventSynchronize", zeEventHostSynchronize, (event, UINT64_MAX));
  return KL_SUCCESS;
}

namespace {

// Reads the timestamp of a completed, recorded timing event.
KLresult ReadTimestamp(Event* e, uint64_t* ticks) {
  std::lock_guard<std::mutex> lock(e->ctx->mu);
  if (!e->recorded)
    return Fail(KL_ERROR_INVALID_VALUE, "klEventElapsedTime: an event was never recorded");
  ze_result_t r = api.zeEventQueryStatus(e->slot->event);
  if (r == ZE_RESULT_NOT_READY)
    return Fail(KL_ERROR_NOT_READY, "klEventElapsedTime: an event has not completed yet");
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "klEventElapsedTime", "zeEventQueryStatus");
  *ticks = *e->slot->timestamp;
  return KL_SUCCESS;
}

}  // namespace

KLresult klEventElapsedTime(float* pMilliseconds, KLevent hStart, KLevent hEnd) {
  if (pMilliseconds == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klEventElapsedTime: pMilliseconds is NULL");
  if (!IsOwnHandle(hEnd))
    return Fail(KL_ERROR_INVALID_HANDLE, "klEventElapsedTime: hEnd is NULL or of another backend");
  Event* a = FromHandle<Event>(hStart);
  Event* b = FromHandle<Event>(hEnd);
  if (a->ctx->device != b->ctx->device)
    return Fail(KL_ERROR_INVALID_HANDLE, "klEventElapsedTime: the events belong to different devices");
  if ((a->flags | b->flags) & KL_EVENT_DISABLE_TIMING)
    return Fail(KL_ERROR_INVALID_VALUE,
                "klEventElapsedTime: an event was created with KL_EVENT_DISABLE_TIMING");
  const Device* d = a->ctx->device;
  uint64_t t0 = 0, t1 = 0;
  KLresult r = ReadTimestamp(a, &t0);
  if (r == KL_SUCCESS) r = ReadTimestamp(b, &t1);
  if (r != KL_SUCCESS) return r;
  if (d->ns_per_tick <= 0.0)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "klEventElapsedTime: '%s' reports no timer resolution (timerResolution 0)",
                d->props.name);
  // Global timestamps wrap at timestampValidBits; the difference is modular.
  uint64_t ticks = (t1 - t0) & d->timestamp_mask;
  double ms = static_cast<double>(ticks) * d->ns_per_tick / 1e6;
  // An end recorded before the start reads as a wrapped (huge) difference.
  if (ticks > d->timestamp_mask / 2) ms = -static_cast<double>((t0 - t1) & d->timestamp_mask) * d->ns_per_tick / 1e6;
  *pMilliseconds = static_cast<float>(ms);
  return KL_SUCCESS;
}

KLresult klEventDestroy(KLevent hEvent) {
  Event* e = FromHandle<Event>(hEvent);
  Context* c = e->ctx;
  std::lock_guard<std::mutex> lock(c->mu);
  EventAllocator& pool = (e->flags & KL_EVENT_DISABLE_TIMING) ? c->markers : c->timed;
  pool.Retire(c, e->slot);
  c->events.erase(e);
  delete e;
  return KL_SUCCESS;
}

KLresult klEventGetNativeHandle(void** native, KLevent hEvent) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klEventGetNativeHandle: native is NULL");
  Event* e = FromHandle<Event>(hEvent);
  std::lock_guard<std::mutex> lock(e->ctx->mu);
  *native = e->slot->event;
  return KL_SUCCESS;
}

}  // namespace keel::ze
