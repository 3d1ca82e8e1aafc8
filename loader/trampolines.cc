// The exported entry points of libkeel, generated from KEEL_ENTRY_POINTS.
//
// Each is a few instructions: find the dispatching object (a handle argument,
// or the thread's current context), load its table pointer from offset 0,
// load the slot, and tail-call the backend. No locks, no lookups, no
// allocation. Because every definition below also has a declaration in
// keel.h, the compiler checks that the list and the header agree.
#include "loader_internal.h"

namespace keel::loader {

KLresult NullHandle(const char* function, const char* parameter) {
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "%s: call klInit first", function);
  return SetError(KL_ERROR_INVALID_HANDLE, "%s: %s is NULL", function, parameter);
}

KLresult NoCurrentContext(const char* function) {
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "%s: call klInit first", function);
  return SetError(KL_ERROR_INVALID_CONTEXT, "%s: no context is current on this thread", function);
}

KLresult NotSupported(const char* function, const KLdispatchTable* table) {
  const Backend* b = BackendOfTable(table);
  return SetError(KL_ERROR_NOT_SUPPORTED, "%s: not supported by the %s backend", function,
                  b ? b->name.c_str() : "unknown");
}

}  // namespace keel::loader

using namespace keel::loader;

#define KEEL_TRAMPOLINE_H(name, handle, params, args)                                  \
  KLresult name params {                                                               \
    if (KEEL_UNLIKELY(handle == nullptr)) return NullHandle(#name, #handle);           \
    const KLdispatchTable* table = TableOf(handle);                                    \
    if (KEEL_UNLIKELY(table->name == nullptr)) return NotSupported(#name, table);      \
    return table->name args;                                                           \
  }
#define KEEL_TRAMPOLINE_C(name, handle, params, args)                                  \
  KLresult name params {                                                               \
    KLcontext ctx = CurrentContext();                                                  \
    if (KEEL_UNLIKELY(ctx == nullptr)) return NoCurrentContext(#name);                 \
    const KLdispatchTable* table = TableOf(ctx);                                       \
    if (KEEL_UNLIKELY(table->name == nullptr)) return NotSupported(#name, table);      \
    return table->name(ctx, KEEL_UNPAREN args);                                        \
  }
#define KEEL_TRAMPOLINE_C0(name, handle, params, args)                                 \
  KLresult name params {                                                               \
    KLcontext ctx = CurrentContext();                                                  \
    if (KEEL_UNLIKELY(ctx == nullptr)) return NoCurrentContext(#name);                 \
    const KLdispatchTable* table = TableOf(ctx);                                       \
    if (KEEL_UNLIKELY(table->name == nullptr)) return NotSupported(#name, table);      \
    return table->name(ctx);                                                           \
  }
// Through the stream when there is one (ctx NULL), else the current context.
#define KEEL_TRAMPOLINE_S(name, stream, params, args)                                  \
  KLresult name params {                                                               \
    KLcontext ctx = nullptr;                                                           \
    const KLdispatchTable* table;                                                      \
    if (stream != nullptr) {                                                           \
      table = TableOf(stream);                                                         \
    } else {                                                                           \
      ctx = CurrentContext();                                                          \
      if (KEEL_UNLIKELY(ctx == nullptr)) return NoCurrentContext(#name);               \
      table = TableOf(ctx);                                                            \
    }                                                                                  \
    if (KEEL_UNLIKELY(table->name == nullptr)) return NotSupported(#name, table);      \
    return table->name(ctx, KEEL_UNPAREN args);                                        \
  }
#define KEEL_TRAMPOLINE_HX(name, handle, params, args) /* written by hand below */
#define KEEL_TRAMPOLINE_B(name, handle, params, args)  /* not exported */
#define KEEL_TRAMPOLINE(kind, name, handle, params, args) \
  KEEL_TRAMPOLINE_##kind(name, handle, params, args)

KEEL_ENTRY_POINTS(KEEL_TRAMPOLINE)

// ---- the hand-written ones (HX) ---------------------------------------------

KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev) {
  if (KEEL_UNLIKELY(dev == nullptr)) return NullHandle("klDeviceGetAttribute", "dev");
  const KLdispatchTable* table = TableOf(dev);
  if (attrib == KL_DEVICE_ATTRIBUTE_BACKEND) {
    // Only the loader knows where the backend stands in its list.
    if (pi == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
    *pi = BackendIndexOfTable(table);
    return KL_SUCCESS;
  }
  if (KEEL_UNLIKELY(table->klDeviceGetAttribute == nullptr))
    return NotSupported("klDeviceGetAttribute", table);
  return table->klDeviceGetAttribute(pi, attrib, dev);
}

KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev) {
  if (KEEL_UNLIKELY(dev == nullptr)) return NullHandle("klCtxCreate", "dev");
  if (KEEL_UNLIKELY(pctx == nullptr)) return SetError(KL_ERROR_INVALID_VALUE, "klCtxCreate: pctx is NULL");
  const KLdispatchTable* table = TableOf(dev);
  if (KEEL_UNLIKELY(table->klCtxCreate == nullptr)) return NotSupported("klCtxCreate", table);
  KLcontext ctx = nullptr;
  KLresult r = table->klCtxCreate(&ctx, flags, dev);
  if (r != KL_SUCCESS) return r;
  // The loader is about to push it and call through it: a broken backend's
  // NULL or foreign handle must not get that far.
  if (ctx == nullptr || TableOf(ctx) != table) {
    const Backend* b = BackendOfTable(table);
    return SetError(KL_ERROR_UNKNOWN, "klCtxCreate: the %s backend returned an invalid context handle",
                    b ? b->name.c_str() : "unknown");
  }
  // As cuCtxCreate: the new context becomes current on the calling thread.
  PushContext(ctx);
  *pctx = ctx;
  return KL_SUCCESS;
}

KLresult klCtxDestroy(KLcontext ctx) {
  if (KEEL_UNLIKELY(ctx == nullptr)) return NullHandle("klCtxDestroy", "ctx");
  const KLdispatchTable* table = TableOf(ctx);
  if (KEEL_UNLIKELY(table->klCtxDestroy == nullptr)) return NotSupported("klCtxDestroy", table);
  KLresult r = table->klCtxDestroy(ctx);
  if (r == KL_SUCCESS) ForgetContext(ctx);
  return r;
}
