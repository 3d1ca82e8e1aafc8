// Events: CUevents of their context, with Keel's stricter argument rules
// (timing-disabled or never-recorded events in klEventElapsedTime are
// KL_ERROR_INVALID_VALUE, where CUDA answers INVALID_HANDLE).
#include <memory>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {

KLresult klEventCreate(KLcontext hctx, KLevent* phEvent, unsigned int Flags) {
  if (phEvent == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klEventCreate: phEvent is NULL");
  constexpr unsigned int kKnown = KL_EVENT_BLOCKING_SYNC | KL_EVENT_DISABLE_TIMING;
  if ((Flags & ~kKnown) != 0) return Fail(KL_ERROR_INVALID_VALUE, "klEventCreate: Flags 0x%x has unknown bits", Flags);
  Context* ctx = ToContext(hctx);
  auto event = std::make_unique<Event>();
  event->ctx = ctx;
  event->flags = Flags;
  // KL_EVENT_* equal CU_EVENT_*.
  CUresult r = CallIn(ctx->cu, [&] { return cu.EventCreate(&event->cu, Flags); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventCreate", "cuEventCreate");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->events.insert(event.get());
  }
  *phEvent = ToHandle<KLevent>(event.release());
  return KL_SUCCESS;
}

KLresult klEventRecord(KLevent hEvent, KLstream hStream) {
  Event* e = ToEvent(hEvent);
  CUstream stream = nullptr;
  if (hStream != nullptr) {
    if (!IsOwnHandle(hStream)) return Fail(KL_ERROR_INVALID_HANDLE, "klEventRecord: hStream is a stream of another backend");
    Stream* s = ToStream(hStream);
    if (s->ctx != e->ctx) {
      return Fail(KL_ERROR_INVALID_HANDLE, "klEventRecord: hStream belongs to another context than hEvent");
    }
    stream = s->cu;
  }
  CUresult r = CallIn(e->ctx->cu, [&] { return cu.EventRecord(e->cu, stream); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventRecord", "cuEventRecord");
  e->recorded.store(true, std::memory_order_release);
  return KL_SUCCESS;
}

KLresult klEventQuery(KLevent hEvent) {
  Event* e = ToEvent(hEvent);
  CUresult r = CallIn(e->ctx->cu, [&] { return cu.EventQuery(e->cu); });
  // NOT_READY is a status, polled in loops: no message for it.
  if (r == CUDA_ERROR_NOT_READY) return KL_ERROR_NOT_READY;
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventQuery", "cuEventQuery");
  return KL_SUCCESS;
}

KLresult klEventSynchronize(KLevent hEvent) {
  Event* e = ToEvent(hEvent);
  CUresult r = CallIn(e->ctx->cu, [&] { return cu.EventSynchronize(e->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventSynchronize", "cuEventSynchronize");
  return KL_SUCCESS;
}

KLresult klEventElapsedTime(float* pMilliseconds, KLevent hStart, KLevent hEnd) {
  if (pMilliseconds == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klEventElapsedTime: pMilliseconds is NULL");
  if (!IsOwnHandle(hEnd)) {
    return Fail(KL_ERROR_INVALID_HANDLE, "klEventElapsedTime: hEnd is %s", hEnd ? "an event of another backend" : "NULL");
  }
  Event* start = ToEvent(hStart);
  Event* end = ToEvent(hEnd);
  for (const Event* e : {start, end}) {
    const char* which = e == start ? "hStart" : "hEnd";
    if ((e->flags & KL_EVENT_DISABLE_TIMING) != 0) {
      return Fail(KL_ERROR_INVALID_VALUE, "klEventElapsedTime: %s was created with KL_EVENT_DISABLE_TIMING", which);
    }
    if (!e->recorded.load(std::memory_order_acquire)) {
      return Fail(KL_ERROR_INVALID_VALUE, "klEventElapsedTime: %s was never recorded", which);
    }
  }
  float ms = 0.0f;
  CUresult r = CallIn(start->ctx->cu, [&] { return cu.EventElapsedTime(&ms, start->cu, end->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventElapsedTime", "cuEventElapsedTime");
  *pMilliseconds = ms;
  return KL_SUCCESS;
}

KLresult klEventDestroy(KLevent hEvent) {
  Event* e = ToEvent(hEvent);
  Context* ctx = e->ctx;
  // cuEventDestroy returns at once; pending work that records it completes.
  CUresult r = CallIn(ctx->cu, [&] { return cu.EventDestroy(e->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klEventDestroy", "cuEventDestroy");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->events.erase(e);
  }
  delete e;
  return KL_SUCCESS;
}

KLresult klEventGetNativeHandle(void** native, KLevent hEvent) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klEventGetNativeHandle: native is NULL");
  *native = ToEvent(hEvent)->cu;
  return KL_SUCCESS;
}

}  // namespace keel::cuda
