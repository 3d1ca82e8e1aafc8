// The per-thread context stack, owned by the loader so that every backend
// gets the CUDA Driver API's semantics the same way.
#include "loader_internal.h"

namespace keel::loader {

__thread KLcontext t_current_context __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

thread_local std::vector<KLcontext> t_stack;

void Notify(KLcontext ctx) {
  t_current_context = ctx;
  if (ctx == nullptr) return;
  // Backends with a native current context (CUDA) follow ours.
  if (auto hook = TableOf(ctx)->keelBackendCtxMadeCurrent) hook(ctx);
}

}  // namespace

void PushContext(KLcontext ctx) {
  t_stack.push_back(ctx);
  Notify(ctx);
}

void ForgetContext(KLcontext ctx) {
  bool was_current = !t_stack.empty() && t_stack.back() == ctx;
  for (auto it = t_stack.begin(); it != t_stack.end();) it = *it == ctx ? t_stack.erase(it) : it + 1;
  if (was_current) Notify(t_stack.empty() ? nullptr : t_stack.back());
}

}  // namespace keel::loader

using namespace keel::loader;

KLresult klCtxPushCurrent(KLcontext ctx) {
  if (KEEL_UNLIKELY(ctx == nullptr)) return NullHandle("klCtxPushCurrent", "ctx");
  PushContext(ctx);
  return KL_SUCCESS;
}

KLresult klCtxPopCurrent(KLcontext* pctx) {
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klCtxPopCurrent: call klInit first");
  if (t_stack.empty())
    return SetError(KL_ERROR_INVALID_CONTEXT, "klCtxPopCurrent: the context stack of this thread is empty");
  KLcontext top = t_stack.back();
  t_stack.pop_back();
  Notify(t_stack.empty() ? nullptr : t_stack.back());
  if (pctx != nullptr) *pctx = top;
  return KL_SUCCESS;
}

KLresult klCtxSetCurrent(KLcontext ctx) {
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klCtxSetCurrent: call klInit first");
  if (ctx == nullptr) {
    if (!t_stack.empty()) t_stack.pop_back();
  } else if (t_stack.empty()) {
    t_stack.push_back(ctx);
  } else {
    t_stack.back() = ctx;
  }
  Notify(t_stack.empty() ? nullptr : t_stack.back());
  return KL_SUCCESS;
}

KLresult klCtxGetCurrent(KLcontext* pctx) {
  if (pctx == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klCtxGetCurrent: pctx is NULL");
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klCtxGetCurrent: call klInit first");
  *pctx = t_current_context;
  return KL_SUCCESS;
}
