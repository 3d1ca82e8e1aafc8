// Streams. A Keel stream is a CUstream of its context; the NULL KLstream is
// the context's legacy NULL stream (symbols are resolved with
// CU_GET_PROC_ADDRESS_LEGACY_STREAM, never the per-thread default stream).
#include <memory>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

KLresult CreateStream(const char* kl_fn, KLcontext hctx, KLstream* phStream, unsigned int flags, bool with_priority,
                      int priority) {
  if (phStream == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: phStream is NULL", kl_fn);
  if ((flags & ~static_cast<unsigned int>(KL_STREAM_NON_BLOCKING)) != 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "%s: flags 0x%x has unknown bits", kl_fn, flags);
  }
  Context* ctx = ToContext(hctx);
  auto stream = std::make_unique<Stream>();
  stream->ctx = ctx;
  // KL_STREAM_* equal CU_STREAM_*; CUDA clamps the priority to its range.
  CUresult r = CallIn(ctx->cu, [&] {
    return with_priority ? cu.StreamCreateWithPriority(&stream->cu, flags, priority)
                         : cu.StreamCreate(&stream->cu, flags);
  });
  if (r != CUDA_SUCCESS) return FailCuda(r, kl_fn, with_priority ? "cuStreamCreateWithPriority" : "cuStreamCreate");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->streams.insert(stream.get());
  }
  *phStream = ToHandle<KLstream>(stream.release());
  return KL_SUCCESS;
}

}  // namespace

KLresult klStreamCreate(KLcontext ctx, KLstream* phStream, unsigned int Flags) {
  return CreateStream("klStreamCreate", ctx, phStream, Flags, false, 0);
}

KLresult klStreamCreateWithPriority(KLcontext ctx, KLstream* phStream, unsigned int flags, int priority) {
  return CreateStream("klStreamCreateWithPriority", ctx, phStream, flags, true, priority);
}

KLresult klStreamDestroy(KLstream hStream) {
  Stream* s = ToStream(hStream);
  Context* ctx = s->ctx;
  CUresult r = CallIn(ctx->cu, [&] { return cu.StreamDestroy(s->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamDestroy", "cuStreamDestroy");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->streams.erase(s);
  }
  delete s;
  return KL_SUCCESS;
}

KLresult klStreamSynchronize(KLcontext ctx, KLstream hStream) {
  StreamTarget t = TargetOf(ctx, hStream);
  CUresult r = CallIn(t.ctx, [&] { return cu.StreamSynchronize(t.stream); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamSynchronize", "cuStreamSynchronize");
  return KL_SUCCESS;
}

KLresult klStreamQuery(KLcontext ctx, KLstream hStream) {
  StreamTarget t = TargetOf(ctx, hStream);
  CUresult r = CallIn(t.ctx, [&] { return cu.StreamQuery(t.stream); });
  // NOT_READY is a status, polled in loops: no message for it.
  if (r == CUDA_ERROR_NOT_READY) return KL_ERROR_NOT_READY;
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamQuery", "cuStreamQuery");
  return KL_SUCCESS;
}

KLresult klStreamWaitEvent(KLcontext ctx, KLstream hStream, KLevent hEvent, unsigned int Flags) {
  if (!IsOwnHandle(hEvent)) {
    return Fail(KL_ERROR_INVALID_HANDLE, "klStreamWaitEvent: hEvent is %s", hEvent ? "an event of another backend" : "NULL");
  }
  if (Flags != 0) return Fail(KL_ERROR_INVALID_VALUE, "klStreamWaitEvent: Flags must be 0 (got 0x%x)", Flags);
  StreamTarget t = TargetOf(ctx, hStream);
  // CUDA lets a stream wait on an event of another context; so does Keel.
  CUresult r = CallIn(t.ctx, [&] { return cu.StreamWaitEvent(t.stream, ToEvent(hEvent)->cu, 0); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamWaitEvent", "cuStreamWaitEvent");
  return KL_SUCCESS;
}

KLresult klStreamGetPriority(KLcontext ctx, KLstream hStream, int* priority) {
  if (priority == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetPriority: priority is NULL");
  StreamTarget t = TargetOf(ctx, hStream);
  int p = 0;
  CUresult r = CallIn(t.ctx, [&] { return cu.StreamGetPriority(t.stream, &p); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamGetPriority", "cuStreamGetPriority");
  *priority = p;
  return KL_SUCCESS;
}

KLresult klStreamGetFlags(KLcontext ctx, KLstream hStream, unsigned int* flags) {
  if (flags == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetFlags: flags is NULL");
  StreamTarget t = TargetOf(ctx, hStream);
  unsigned int f = 0;
  CUresult r = CallIn(t.ctx, [&] { return cu.StreamGetFlags(t.stream, &f); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klStreamGetFlags", "cuStreamGetFlags");
  *flags = f & KL_STREAM_NON_BLOCKING;
  return KL_SUCCESS;
}

KLresult klLaunchHostFunc(KLcontext ctx, KLstream hStream, KLhostFn fn, void* userData) {
  if (fn == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klLaunchHostFunc: fn is NULL");
  StreamTarget t = TargetOf(ctx, hStream);
  // KLhostFn and CUhostFn are both void (*)(void*). The driver runs it on
  // its own thread, in order with the stream's work.
  CUresult r = CallIn(t.ctx, [&] { return cu.LaunchHostFunc(t.stream, fn, userData); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klLaunchHostFunc", "cuLaunchHostFunc");
  return KL_SUCCESS;
}

KLresult klStreamGetNativeHandle(KLcontext ctx, void** native, KLstream hStream) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetNativeHandle: native is NULL");
  // The default stream is reported as CU_STREAM_LEGACY rather than NULL: it
  // names the same stream in code built with per-thread default streams.
  *native = hStream != nullptr ? static_cast<void*>(ToStream(hStream)->cu) : static_cast<void*>(CU_STREAM_LEGACY);
  return KL_SUCCESS;
}

}  // namespace keel::cuda
