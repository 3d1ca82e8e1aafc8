// Streams: one immediate command list each, ordered by a barrier before every
// command (Level Zero does not order commands of a list by itself), with the
// legacy NULL-stream joins of CUDA, synchronization through marker events,
// and host functions run by a per-stream worker thread.
#include <algorithm>

#include "level_zero.h"

namespace keel::ze {

namespace {

constexpr unsigned kStreamFlagsMask = KL_STREAM_NON_BLOCKING;

bool IsBlocking(const Stream* s) { return !s->is_null && !(s->flags & KL_STREAM_NON_BLOCKING); }

// Frees what the device has consumed (ctx->mu held).
void DropKeepalive(Stream* s) {
  auto& k = s->keepalive;
  for (auto it = k.begin(); it != k.end();) {
    if (it->ops <= s->synced_ops) {
      if (it->usm != nullptr) api.zeMemFree(s->ctx->ze, it->usm);
      it = k.erase(it);
    } else {
      ++it;
    }
  }
}

// Records that every command up to `ops` completed (ctx->mu held).
void MarkSynced(Stream* s, uint64_t ops, uint64_t epoch) {
  if (ops > s->synced_ops) s->synced_ops = ops;
  if (epoch > s->synced_epoch) s->synced_epoch = epoch;
  if (!s->dirty()) s->unjoined = false;
  DropKeepalive(s);
}

// Makes `waiter` wait for everything appended to `target` so far (ctx->mu held).
KLresult Join(Stream* waiter, Stream* target, const char* function) {
  Context* ctx = waiter->ctx;
  EventSlot* m = nullptr;
  KLresult r = ctx->markers.Acquire(ctx, function, &m);
  if (r != KL_SUCCESS) return r;
  ze_result_t zr = api.zeCommandListAppendBarrier(target->list, m->event, 0, nullptr);
  if (zr != ZE_RESULT_SUCCESS) {
    ctx->markers.Retire(ctx, m);
    return ZeFail(zr, function, "zeCommandListAppendBarrier");
  }
  m->armed = true;
  m->waited = true;
  zr = api.zeCommandListAppendWaitOnEvents(waiter->list, 1, &m->event);
  ctx->markers.Retire(ctx, m);
  if (zr != ZE_RESULT_SUCCESS) return ZeFail(zr, function, "zeCommandListAppendWaitOnEvents");
  return KL_SUCCESS;
}

void WorkerLoop(Stream* s) {
  for (;;) {
    HostJob job;
    {
      std::unique_lock<std::mutex> lock(s->worker_mu);
      s->worker_cv.wait(lock, [s] { return s->worker_stop || !s->jobs.empty(); });
      if (s->jobs.empty()) return;  // stop requested and nothing left
      job = s->jobs.front();
      s->jobs.pop_front();
    }
    ze_result_t r = api.zeEventHostSynchronize(job.start->event, UINT64_MAX);
    if (r == ZE_RESULT_SUCCESS) {
      job.fn(job.user_data);
    } else {
      Log(KL_LOG_ERROR, "klLaunchHostFunc: zeEventHostSynchronize: %s; host function skipped",
          ResultName(r));
    }
    r = api.zeEventHostSignal(job.done->event);
    if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_ERROR, "zeEventHostSignal: %s", ResultName(r));
    std::lock_guard<std::mutex> lock(s->ctx->mu);
    s->ctx->markers.ReleaseSignalled(job.start);
    s->ctx->markers.Retire(s->ctx, job.done);
  }
}

KLresult CreateStream(Context* ctx, unsigned flags, int priority, bool is_null,
                      const char* function, Stream** out) {
  auto s = std::make_unique<Stream>();
  s->ctx = ctx;
  s->flags = flags;
  s->priority = std::clamp(priority, -1, 1);
  s->is_null = is_null;
  ze_command_queue_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_COMMAND_QUEUE_DESC;
  desc.ordinal = ctx->device->compute_ordinal;
  desc.index = 0;
  desc.mode = ZE_COMMAND_QUEUE_MODE_ASYNCHRONOUS;
  desc.priority = s->priority < 0   ? ZE_COMMAND_QUEUE_PRIORITY_PRIORITY_HIGH
                  : s->priority > 0 ? ZE_COMMAND_QUEUE_PRIORITY_PRIORITY_LOW
                                    : ZE_COMMAND_QUEUE_PRIORITY_NORMAL;
  KEEL_ZE_CALL(function, zeCommandListCreateImmediate,
               (ctx->ze, ctx->device->handle, &desc, &s->list));
  ctx->streams.insert(s.get());
  *out = s.release();
  return KL_SUCCESS;
}

}  // namespace

KLresult ResolveStream(Context* ctx, KLstream handle, const char* function, Stream** out) {
  if (handle != nullptr) {
    if (!IsOwnHandle(handle))
      return Fail(KL_ERROR_INVALID_HANDLE, "%s: the stream belongs to another backend", function);
    *out = FromHandle<Stream>(handle);
    return KL_SUCCESS;
  }
  if (ctx->null_stream == nullptr) {
    KLresult r = CreateStream(ctx, KL_STREAM_DEFAULT, 0, true, function, &ctx->null_stream);
    if (r != KL_SUCCESS) return r;
  }
  *out = ctx->null_stream;
  return KL_SUCCESS;
}

KLresult BeginCommand(Stream* s, const char* function) {
  Context* ctx = s->ctx;
  if (s->is_null) {
    // Legacy NULL stream: waits for earlier work of every blocking stream.
    for (Stream* b : ctx->streams) {
      if (b == s || !IsBlocking(b) || !b->unjoined || !b->dirty()) continue;
      KLresult r = Join(s, b, function);
      if (r != KL_SUCCESS) return r;
      b->unjoined = false;
    }
  } else if (IsBlocking(s) && ctx->null_stream != nullptr &&
             ctx->null_stream->ops != s->null_seen) {
    // ...and blocking streams wait for earlier work of the NULL stream.
    if (ctx->null_stream->dirty()) {
      KLresult r = Join(s, ctx->null_stream, function);
      if (r != KL_SUCCESS) return r;
    }
    s->null_seen = ctx->null_stream->ops;
  }
  if (s->dirty()) KEEL_ZE_CALL(function, zeCommandListAppendBarrier, (s->list, nullptr, 0, nullptr));
  return KL_SUCCESS;
}

void EndCommand(Stream* s) {
  ++s->ops;
  if (IsBlocking(s)) s->unjoined = true;
}

KLresult SynchronizeStream(Stream* s, const char* function) {
  Context* ctx = s->ctx;
  EventSlot* m = nullptr;
  uint64_t target, epoch;
  {
    std::lock_guard<std::mutex> lock(ctx->mu);
    if (!s->dirty()) return KL_SUCCESS;
    KLresult r = ctx->markers.Acquire(ctx, function, &m);
    if (r != KL_SUCCESS) return r;
    ze_result_t zr = api.zeCommandListAppendBarrier(s->list, m->event, 0, nullptr);
    if (zr != ZE_RESULT_SUCCESS) {
      ctx->markers.Retire(ctx, m);
      return ZeFail(zr, function, "zeCommandListAppendBarrier");
    }
    m->armed = true;
    target = s->ops;
    epoch = ctx->epoch;
  }
  ze_result_t zr = api.zeEventHostSynchronize(m->event, UINT64_MAX);
  std::lock_guard<std::mutex> lock(ctx->mu);
  if (zr != ZE_RESULT_SUCCESS) {
    ctx->markers.Retire(ctx, m);
    return ZeFail(zr, function, "zeEventHostSynchronize");
  }
  ctx->markers.ReleaseSignalled(m);
  MarkSynced(s, target, epoch);
  ctx->markers.Recycle(ctx);
  ctx->timed.Recycle(ctx);
  return KL_SUCCESS;
}

KLresult DestroyStream(Stream* s, const char* function) {
  // Level Zero forbids destroying a command list the device still uses, so
  // the stream's work is waited for (see docs/backends/level_zero.md).
  KLresult result = SynchronizeStream(s, function);
  {
    std::lock_guard<std::mutex> lock(s->worker_mu);
    s->worker_stop = true;
  }
  s->worker_cv.notify_all();
  if (s->worker.joinable()) s->worker.join();
  Context* ctx = s->ctx;
  std::lock_guard<std::mutex> lock(ctx->mu);
  if (s->query_marker != nullptr) ctx->markers.Retire(ctx, s->query_marker);
  s->synced_ops = s->ops;  // whatever is left can no longer run
  DropKeepalive(s);
  ze_result_t zr = api.zeCommandListDestroy(s->list);
  ctx->streams.erase(s);
  if (ctx->null_stream == s) ctx->null_stream = nullptr;
  delete s;
  if (zr != ZE_RESULT_SUCCESS && result == KL_SUCCESS)
    result = ZeFail(zr, function, "zeCommandListDestroy");
  return result;
}

// ---- entry points -----------------------------------------------------------

KLresult klStreamCreateWithPriority(KLcontext ctx, KLstream* phStream, unsigned int flags,
                                    int priority) {
  if (phStream == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamCreate: phStream is NULL");
  if (flags & ~kStreamFlagsMask)
    return Fail(KL_ERROR_INVALID_VALUE, "klStreamCreate: unknown flags 0x%x", flags & ~kStreamFlagsMask);
  Context* c = FromHandle<Context>(ctx);
  std::lock_guard<std::mutex> lock(c->mu);
  Stream* s = nullptr;
  KLresult r = CreateStream(c, flags, priority, false, "klStreamCreate", &s);
  if (r != KL_SUCCESS) return r;
  // A new blocking stream starts after the NULL stream's earlier work.
  *phStream = ToHandle<KLstream>(s);
  return KL_SUCCESS;
}

KLresult klStreamCreate(KLcontext ctx, KLstream* phStream, unsigned int Flags) {
  return ze::klStreamCreateWithPriority(ctx, phStream, Flags, 0);
}

KLresult klStreamDestroy(KLstream hStream) {
  return DestroyStream(FromHandle<Stream>(hStream), "klStreamDestroy");
}

KLresult klStreamSynchronize(KLcontext ctx, KLstream hStream) {
  Stream* s = nullptr;
  if (hStream != nullptr) {
    s = FromHandle<Stream>(hStream);
  } else {
    Context* c = FromHandle<Context>(ctx);
    std::lock_guard<std::mutex> lock(c->mu);
    if (c->null_stream == nullptr) return KL_SUCCESS;  // nothing was ever queued
    s = c->null_stream;
  }
  return SynchronizeStream(s, "klStreamSynchronize");
}

KLresult klStreamQuery(KLcontext ctx, KLstream hStream) {
  Context* c = hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
  std::lock_guard<std::mutex> lock(c->mu);
  Stream* s = hStream ? FromHandle<Stream>(hStream) : c->null_stream;
  if (s == nullptr || !s->dirty()) return KL_SUCCESS;
  if (s->query_marker == nullptr || s->query_marker_ops != s->ops) {
    if (s->query_marker != nullptr) c->markers.Retire(c, s->query_marker);
    s->query_marker = nullptr;
    EventSlot* m = nullptr;
    KLresult r = c->markers.Acquire(c, "klStreamQuery", &m);
    if (r != KL_SUCCESS) return r;
    ze_result_t zr = api.zeCommandListAppendBarrier(s->list, m->event, 0, nullptr);
    if (zr != ZE_RESULT_SUCCESS) {
      c->markers.Retire(c, m);
      return ZeFail(zr, "klStreamQuery", "zeCommandListAppendBarrier");
    }
    m->armed = true;
    s->query_marker = m;
    s->query_marker_ops = s->ops;
    s->query_marker_epoch = c->epoch;
  }
  ze_result_t zr = api.zeEventQueryStatus(s->query_marker->event);
  if (zr == ZE_RESULT_NOT_READY) return KL_ERROR_NOT_READY;
  if (zr != ZE_RESULT_SUCCESS) return ZeFail(zr, "klStreamQuery", "zeEventQueryStatus");
  c->markers.ReleaseSignalled(s->query_marker);
  s->query_marker = nullptr;
  MarkSynced(s, s->query_marker_ops, s->query_marker_epoch);
  return KL_SUCCESS;
}

KLresult klStreamWaitEvent(KLcontext ctx, KLstream hStream, KLevent hEvent, unsigned int Flags) {
  if (!IsOwnHandle(hEvent))
    return Fail(KL_ERROR_INVALID_HANDLE, "klStreamWaitEvent: hEvent is NULL or of another backend");
  if (Flags != 0) return Fail(KL_ERROR_INVALID_VALUE, "klStreamWaitEvent: Flags must be 0 (got %u)", Flags);
  Event* e = FromHandle<Event>(hEvent);
  Context* c = hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
  if (e->ctx != c) {
    // Another context's event slots are recycled by that context, which does
    // not see this stream's waits: wait on the host instead (correct, blocking).
    return ze::klEventSynchronize(hEvent);
  }
  std::lock_guard<std::mutex> lock(c->mu);
  if (!e->recorded) return KL_SUCCESS;
  Stream* s = nullptr;
  KLresult r = ResolveStream(c, hStream, "klStreamWaitEvent", &s);
  if (r != KL_SUCCESS) return r;
  r = BeginCommand(s, "klStreamWaitEvent");
  if (r != KL_SUCCESS) return r;
  e->slot->waited = true;
  KEEL_ZE_CALL("klStreamWaitEvent", zeCommandListAppendWaitOnEvents, (s->list, 1, &e->slot->event));
  EndCommand(s);
  return KL_SUCCESS;
}

KLresult klStreamGetPriority(KLcontext ctx, KLstream hStream, int* priority) {
  if (priority == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetPriority: priority is NULL");
  *priority = hStream ? FromHandle<Stream>(hStream)->priority : 0;
  return KL_SUCCESS;
}

KLresult klStreamGetFlags(KLcontext ctx, KLstream hStream, unsigned int* flags) {
  if (flags == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetFlags: flags is NULL");
  *flags = hStream ? FromHandle<Stream>(hStream)->flags : static_cast<unsigned>(KL_STREAM_DEFAULT);
  return KL_SUCCESS;
}

KLresult klLaunchHostFunc(KLcontext ctx, KLstream hStream, KLhostFn fn, void* userData) {
  if (fn == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klLaunchHostFunc: fn is NULL");
  Context* c = hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
  std::lock_guard<std::mutex> lock(c->mu);
  Stream* s = nullptr;
  KLresult r = ResolveStream(c, hStream, "klLaunchHostFunc", &s);
  if (r != KL_SUCCESS) return r;
  HostJob job{nullptr, nullptr, fn, userData};
  r = c->markers.Acquire(c, "klLaunchHostFunc", &job.start);
  if (r != KL_SUCCESS) return r;
  r = c->markers.Acquire(c, "klLaunchHostFunc", &job.done);
  if (r != KL_SUCCESS) {
    c->markers.Retire(c, job.start);
    return r;
  }
  auto undo = [&](ze_result_t zr, const char* call) {
    c->markers.Retire(c, job.start);
    c->markers.Retire(c, job.done);
    return ZeFail(zr, "klLaunchHostFunc", call);
  };
  r = BeginCommand(s, "klLaunchHostFunc");
  if (r != KL_SUCCESS) {
    c->markers.Retire(c, job.start);
    c->markers.Retire(c, job.done);
    return r;
  }
  // start: signalled when earlier work is done; the worker runs fn, then
  // signals done, which later work of the stream waits for.
  ze_result_t zr = api.zeCommandListAppendSignalEvent(s->list, job.start->event);
  if (zr != ZE_RESULT_SUCCESS) return undo(zr, "zeCommandListAppendSignalEvent");
  job.start->armed = true;
  zr = api.zeCommandListAppendWaitOnEvents(s->list, 1, &job.done->event);
  if (zr != ZE_RESULT_SUCCESS) {
    // start is signalled by the device; nothing will wait on done.
    job.done->armed = false;
    return undo(zr, "zeCommandListAppendWaitOnEvents");
  }
  job.done->armed = true;
  job.done->waited = true;
  EndCommand(s);
  {
    std::lock_guard<std::mutex> worker_lock(s->worker_mu);
    s->jobs.push_back(job);
    if (!s->worker.joinable()) s->worker = std::thread(WorkerLoop, s);
  }
  s->worker_cv.notify_one();
  return KL_SUCCESS;
}

KLresult klStreamGetNativeHandle(KLcontext ctx, void** native, KLstream hStream) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klStreamGetNativeHandle: native is NULL");
  Context* c = hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
  std::lock_guard<std::mutex> lock(c->mu);
  Stream* s = nullptr;
  KLresult r = ResolveStream(c, hStream, "klStreamGetNativeHandle", &s);
  if (r != KL_SUCCESS) return r;
  *native = s->list;
  return KL_SUCCESS;
}

}  // namespace keel::ze
