// Contexts: created contexts, primary contexts, and the binding of the CUDA
// current context to the Keel one.
//
// The loader owns each thread's Keel context stack and calls
// keelBackendCtxMadeCurrent when one of ours becomes current; that binds the
// CUcontext, so native libraries called next (cuBLAS) see the same context.
// Every other call binds the context of the object it acts on (Bind, cached
// per thread), so the driver's own context stack is never deeper than one
// entry that Keel set.
#include <memory>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/staging.h"
#include "cuda/status.h"

namespace keel::cuda {

CUresult BindSlow(CUcontext ctx) {
  // Read the epoch first: an invalidation racing with this bind must win.
  uint32_t epoch = g_context_epoch.load(std::memory_order_relaxed);
  CUresult r = cu.CtxSetCurrent(ctx);
  t_binding = r == CUDA_SUCCESS ? ThreadBinding{ctx, epoch} : ThreadBinding{nullptr, 0};
  return r;
}

void FreeContextObjects(Context* ctx) {
  // The native context is gone (or its objects were destroyed before this
  // call): the staging set, if any is left, is only forgotten.
  ReleaseStaging(ctx, false);
  std::lock_guard<std::mutex> lock(ctx->mutex);
  for (Module* m : ctx->modules) FreeModule(m);
  for (Stream* s : ctx->streams) delete s;
  for (Event* e : ctx->events) delete e;
  for (LinkState* l : ctx->links) FreeLinkState(l);
  ctx->modules.clear();
  ctx->streams.clear();
  ctx->events.clear();
  ctx->links.clear();
}

void DestroyContextObjects(Context* ctx) {
  if (Bind(ctx->cu) == CUDA_SUCCESS) {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    // Best effort: the context is going away for Keel either way; failures
    // (a context broken by a kernel fault) are logged, not returned.
    auto check = [](CUresult r, const char* what) {
      if (r != CUDA_SUCCESS) Log(KL_LOG_WARN, "releasing the primary context: %s: %s", what, CudaErrorName(r));
    };
    check(cu.CtxSynchronize(), "cuCtxSynchronize");
    ReleaseStaging(ctx, true);
    for (Module* m : ctx->modules) check(cu.ModuleUnload(m->cu), "cuModuleUnload");
    for (Stream* s : ctx->streams) check(cu.StreamDestroy(s->cu), "cuStreamDestroy");
    for (Event* e : ctx->events) check(cu.EventDestroy(e->cu), "cuEventDestroy");
    for (LinkState* l : ctx->links) check(cu.LinkDestroy(l->cu), "cuLinkDestroy");
  }
  FreeContextObjects(ctx);
}

KLresult keelBackendCtxMadeCurrent(KLcontext ctx) {
  // Always call the driver here (no cache check): this is where Keel's
  // current context and CUDA's are brought back in line, even if other code
  // changed CUDA's behind Keel's back.
  ForgetBinding();
  CUresult r = BindSlow(ToContext(ctx)->cu);
  if (r != CUDA_SUCCESS) return FailCuda(r, "keelBackendCtxMadeCurrent", "cuCtxSetCurrent");
  return KL_SUCCESS;
}

KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev) {
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxCreate: pctx is NULL");
  if ((flags & ~static_cast<unsigned int>(KL_CTX_SCHED_MASK)) != 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "klCtxCreate: flags 0x%x has bits outside KL_CTX_SCHED_MASK", flags);
  }
  Device* d = ToDevice(dev);
  auto ctx = std::make_unique<Context>();
  ctx->device = d;
  // KLctx_flags equal CU_CTX_SCHED_* values.
  CUcontext native = nullptr;
  KEEL_CU_TRY("klCtxCreate", CtxCreate, (&native, flags, d->cu));
  ctx->cu = native;
  // cuCtxCreate pushed the context on this thread's driver stack. Pop it so
  // the driver's stack stays as it was; the loader pushes the Keel context
  // next, and keelBackendCtxMadeCurrent binds it.
  CUcontext popped = nullptr;
  cu.CtxPopCurrent(&popped);
  ForgetBinding();
  *pctx = ToHandle<KLcontext>(ctx.release());
  return KL_SUCCESS;
}

KLresult klCtxDestroy(KLcontext hctx) {
  Context* ctx = ToContext(hctx);
  if (ctx->is_primary) {
    return Fail(KL_ERROR_INVALID_CONTEXT,
                "klCtxDestroy: ctx is the primary context of device %d; release it with "
                "klDevicePrimaryCtxRelease",
                ctx->device->ordinal);
  }
  // Keel: destroying a context waits for its work. A failing synchronize
  // (a faulted kernel) must not keep the context alive, so it is only logged.
  if (Bind(ctx->cu) == CUDA_SUCCESS) {
    CUresult r = cu.CtxSynchronize();
    if (r != CUDA_SUCCESS) Log(KL_LOG_WARN, "klCtxDestroy: cuCtxSynchronize: %s", CudaErrorName(r));
    // Pinned staging buffers are freed while their context exists; the copy
    // pool stops here if no other context uses it.
    ReleaseStaging(ctx, true);
  }
  KEEL_CU_TRY("klCtxDestroy", CtxDestroy, (ctx->cu));
  FreeContextObjects(ctx);
  InvalidateAllBindings();
  ForgetBinding();
  delete ctx;
  return KL_SUCCESS;
}

KLresult klCtxGetDevice(KLcontext ctx, KLdevice* device) {
  if (device == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetDevice: device is NULL");
  *device = ToHandle<KLdevice>(ToContext(ctx)->device);
  return KL_SUCCESS;
}

KLresult klCtxSynchronize(KLcontext hctx) {
  Context* ctx = ToContext(hctx);
  CUresult r = CallIn(ctx->cu, [] { return cu.CtxSynchronize(); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klCtxSynchronize", "cuCtxSynchronize");
  return KL_SUCCESS;
}

KLresult klCtxGetStreamPriorityRange(KLcontext hctx, int* leastPriority, int* greatestPriority) {
  int least = 0, greatest = 0;
  CUresult r = CallIn(ToContext(hctx)->cu, [&] { return cu.CtxGetStreamPriorityRange(&least, &greatest); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klCtxGetStreamPriorityRange", "cuCtxGetStreamPriorityRange");
  if (leastPriority != nullptr) *leastPriority = least;
  if (greatestPriority != nullptr) *greatestPriority = greatest;
  return KL_SUCCESS;
}

KLresult klCtxGetNativeHandle(void** native, KLcontext ctx) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetNativeHandle: native is NULL");
  *native = ToContext(ctx)->cu;
  return KL_SUCCESS;
}

// ---- primary contexts ---------------------------------------------------------

KLresult klDevicePrimaryCtxRetain(KLcontext* pctx, KLdevice dev) {
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxRetain: pctx is NULL");
  Device* d = ToDevice(dev);
  std::lock_guard<std::mutex> lock(d->primary_mutex);
  CUcontext c = nullptr;
  KEEL_CU_TRY("klDevicePrimaryCtxRetain", DevicePrimaryCtxRetain, (&c, d->cu));
  if (d->primary->cu != c) {
    d->primary->cu = c;
    InvalidateAllBindings();
  }
  ++d->primary_retains;
  *pctx = ToHandle<KLcontext>(d->primary);
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxRelease(KLdevice dev) {
  Device* d = ToDevice(dev);
  std::lock_guard<std::mutex> lock(d->primary_mutex);
  // Count Keel's own retains: releasing one that another library (the CUDA
  // runtime) holds would pull the context from under it.
  if (d->primary_retains == 0) {
    return Fail(KL_ERROR_INVALID_CONTEXT,
                "klDevicePrimaryCtxRelease: the primary context of device %d is not retained through Keel",
                d->ordinal);
  }
  if (d->primary_retains == 1) {
    // Keel's last reference: everything created in it goes now, even if the
    // runtime keeps the native context alive.
    DestroyContextObjects(d->primary);
  }
  KEEL_CU_TRY("klDevicePrimaryCtxRelease", DevicePrimaryCtxRelease, (d->cu));
  if (--d->primary_retains == 0) {
    InvalidateAllBindings();
    ForgetBinding();
  }
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxReset(KLdevice dev) {
  Device* d = ToDevice(dev);
  std::lock_guard<std::mutex> lock(d->primary_mutex);
  KEEL_CU_TRY("klDevicePrimaryCtxReset", DevicePrimaryCtxReset, (d->cu));
  FreeContextObjects(d->primary);
  InvalidateAllBindings();
  ForgetBinding();
  // Retains survive a reset (CUDA and Keel agree). Refresh the handle in case
  // the driver recreates the context under a new one.
  if (d->primary_retains > 0) {
    CUcontext c = nullptr;
    if (cu.DevicePrimaryCtxRetain(&c, d->cu) == CUDA_SUCCESS) {
      d->primary->cu = c;
      cu.DevicePrimaryCtxRelease(d->cu);
    }
  }
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxGetState(KLdevice dev, unsigned int* flags, int* active) {
  if (flags == nullptr || active == nullptr) {
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxGetState: flags or active is NULL");
  }
  unsigned int f = 0;
  int a = 0;
  KEEL_CU_TRY("klDevicePrimaryCtxGetState", DevicePrimaryCtxGetState, (ToDevice(dev)->cu, &f, &a));
  // CUDA adds flags Keel does not define (CU_CTX_MAP_HOST, ...); report the
  // scheduling bits, which are the ones klDevicePrimaryCtxSetFlags takes.
  *flags = f & KL_CTX_SCHED_MASK;
  *active = a;
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxSetFlags(KLdevice dev, unsigned int flags) {
  if ((flags & ~static_cast<unsigned int>(KL_CTX_SCHED_MASK)) != 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxSetFlags: flags 0x%x has bits outside KL_CTX_SCHED_MASK",
                flags);
  }
  KEEL_CU_TRY("klDevicePrimaryCtxSetFlags", DevicePrimaryCtxSetFlags, (ToDevice(dev)->cu, flags));
  return KL_SUCCESS;
}

}  // namespace keel::cuda
