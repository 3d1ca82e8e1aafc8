// Contexts and primary contexts. A Keel context owns its streams, events,
// modules and allocations; its native objects live in the driver's shared
// ze_context (see Driver in level_zero.h).
#include "level_zero.h"

namespace keel::ze {

namespace {

constexpr unsigned kCtxFlagsMask = KL_CTX_SCHED_MASK;

}  // namespace

bool Context::CanRecycle(uint64_t retire_epoch) const {
  for (const Stream* s : streams)
    if (s->dirty() && s->synced_epoch < retire_epoch) return false;
  return true;
}

KLresult CreateContext(Device* device, unsigned flags, bool primary, const char* function,
                       Context** out) {
  auto ctx = std::make_unique<Context>();
  ctx->device = device;
  ctx->flags = flags;
  ctx->primary = primary;
  KLresult r = AcquireZeContext(device->driver, function, &ctx->ze);
  if (r != KL_SUCCESS) return r;
  *out = ctx.release();
  return KL_SUCCESS;
}

KLresult SynchronizeContext(Context* ctx, const char* function) {
  std::vector<Stream*> streams;
  {
    std::lock_guard<std::mutex> lock(ctx->mu);
    streams.assign(ctx->streams.begin(), ctx->streams.end());
  }
  KLresult first = KL_SUCCESS;
  for (Stream* s : streams) {
    KLresult r = SynchronizeStream(s, function);
    if (r != KL_SUCCESS && first == KL_SUCCESS) first = r;
  }
  std::lock_guard<std::mutex> lock(ctx->mu);
  ctx->markers.Recycle(ctx);
  ctx->timed.Recycle(ctx);
  return first;
}

KLresult DestroyContext(Context* ctx, const char* function) {
  // Work first: nothing may still run when its objects go away.
  KLresult result = SynchronizeContext(ctx, function);
  std::vector<Module*> modules(ctx->modules.begin(), ctx->modules.end());
  for (Module* m : modules) DestroyModule(m, function);
  std::vector<Event*> events(ctx->events.begin(), ctx->events.end());
  for (Event* e : events) ze::klEventDestroy(ToHandle<KLevent>(e));
  std::vector<Stream*> streams(ctx->streams.begin(), ctx->streams.end());
  for (Stream* s : streams) DestroyStream(s, function);
  FreeContextMemory(ctx);
  {
    std::lock_guard<std::mutex> lock(ctx->mu);
    ctx->markers.Destroy(ctx);
    ctx->timed.Destroy(ctx);
  }
  ReleaseZeContext(ctx->device->driver);
  delete ctx;
  return result;
}

// ---- entry points -----------------------------------------------------------

KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev) {
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxCreate: pctx is NULL");
  if (flags & ~kCtxFlagsMask)
    return Fail(KL_ERROR_INVALID_VALUE, "klCtxCreate: unknown flags 0x%x", flags & ~kCtxFlagsMask);
  Context* ctx = nullptr;
  KLresult r = CreateContext(FromHandle<Device>(dev), flags, false, "klCtxCreate", &ctx);
  if (r != KL_SUCCESS) return r;
  *pctx = ToHandle<KLcontext>(ctx);
  return KL_SUCCESS;
}

KLresult klCtxDestroy(KLcontext ctx) {
  Context* c = FromHandle<Context>(ctx);
  if (c->primary)
    return Fail(KL_ERROR_INVALID_CONTEXT,
                "klCtxDestroy: this is a primary context; release it with klDevicePrimaryCtxRelease");
  return DestroyContext(c, "klCtxDestroy");
}

KLresult klCtxGetDevice(KLcontext ctx, KLdevice* device) {
  if (device == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetDevice: device is NULL");
  *device = ToHandle<KLdevice>(FromHandle<Context>(ctx)->device);
  return KL_SUCCESS;
}

KLresult klCtxSynchronize(KLcontext ctx) {
  return SynchronizeContext(FromHandle<Context>(ctx), "klCtxSynchronize");
}

// Level Zero queues have three priorities; Keel numbers them as CUDA does
// (lower is higher priority): 1 = low, 0 = normal, -1 = high.
KLresult klCtxGetStreamPriorityRange(KLcontext ctx, int* leastPriority, int* greatestPriority) {
  if (leastPriority != nullptr) *leastPriority = 1;
  if (greatestPriority != nullptr) *greatestPriority = -1;
  return KL_SUCCESS;
}

KLresult klCtxGetNativeHandle(void** native, KLcontext ctx) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetNativeHandle: native is NULL");
  *native = FromHandle<Context>(ctx)->ze;
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxRetain(KLcontext* pctx, KLdevice dev) {
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxRetain: pctx is NULL");
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  if (d->primary == nullptr) {
    KLresult r = CreateContext(d, d->primary_flags, true, "klDevicePrimaryCtxRetain", &d->primary);
    if (r != KL_SUCCESS) return r;
  }
  ++d->primary_refs;
  *pctx = ToHandle<KLcontext>(d->primary);
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxRelease(KLdevice dev) {
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  if (d->primary_refs == 0)
    return Fail(KL_ERROR_INVALID_CONTEXT, "klDevicePrimaryCtxRelease: the primary context of '%s' "
                "is not retained", d->props.name);
  if (--d->primary_refs > 0) return KL_SUCCESS;
  Context* ctx = d->primary;
  d->primary = nullptr;
  return DestroyContext(ctx, "klDevicePrimaryCtxRelease");
}

// Destroys everything the primary context holds. Retains stay counted, and
// the handle stays valid: the context object is emptied, not replaced.
KLresult klDevicePrimaryCtxReset(KLdevice dev) {
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  if (d->primary == nullptr) return KL_SUCCESS;
  if (d->primary_refs == 0) {
    Context* ctx = d->primary;
    d->primary = nullptr;
    return DestroyContext(ctx, "klDevicePrimaryCtxReset");
  }
  Context* ctx = d->primary;
  KLresult result = SynchronizeContext(ctx, "klDevicePrimaryCtxReset");
  std::vector<Module*> modules(ctx->modules.begin(), ctx->modules.end());
  for (Module* m : modules) DestroyModule(m, "klDevicePrimaryCtxReset");
  std::vector<Event*> events(ctx->events.begin(), ctx->events.end());
  for (Event* e : events) ze::klEventDestroy(ToHandle<KLevent>(e));
  std::vector<Stream*> streams(ctx->streams.begin(), ctx->streams.end());
  for (Stream* s : streams) DestroyStream(s, "klDevicePrimaryCtxReset");
  FreeContextMemory(ctx);
  std::lock_guard<std::mutex> ctx_lock(ctx->mu);
  ctx->markers.Recycle(ctx);
  ctx->timed.Recycle(ctx);
  ctx->flags = d->primary_flags;
  return result;
}

KLresult klDevicePrimaryCtxGetState(KLdevice dev, unsigned int* flags, int* active) {
  if (flags == nullptr || active == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxGetState: flags or active is NULL");
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  *flags = d->primary_flags;
  *active = d->primary_refs > 0 ? 1 : 0;
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxSetFlags(KLdevice dev, unsigned int flags) {
  if (flags & ~kCtxFlagsMask)
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxSetFlags: unknown flags 0x%x",
                flags & ~kCtxFlagsMask);
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  d->primary_flags = flags;
  if (d->primary != nullptr) d->primary->flags = flags;
  return KL_SUCCESS;
}

}  // namespace keel::ze
