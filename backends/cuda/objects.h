// The objects behind the CUDA backend's handles, and the per-thread binding
// of CUDA contexts.
//
// Every object starts with keel::Object (the loader's dispatch word at
// offset 0) and remembers its Context, so a call on it runs in that context
// whatever the calling thread has current (Keel's rule, as for CUDA objects).
#ifndef KEEL_BACKENDS_CUDA_OBJECTS_H_
#define KEEL_BACKENDS_CUDA_OBJECTS_H_

#include <cuda.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/object.h"
#include "cuda/driver.h"
#include "cuda/jit_options.h"
#include "cuda/status.h"

namespace keel::cuda {

struct Context;
struct Module;
struct Function;
struct Stream;
struct Event;
struct LinkState;
struct StagingSet;

struct Device : Object {
  CUdevice cu = 0;
  int ordinal = 0;
  char name[256] = "";
  char pci_bus_id[32] = "";
  CUuuid uuid{};
  size_t total_mem = 0;
  // Every KLdevice_attribute, read once at init: device attributes do not
  // change, and launches check limits from here without a driver call.
  int attrs[KL_DEVICE_ATTRIBUTE_COUNT_] = {};
  // The one Context object of this device's primary context. It lives as
  // long as the process; `cu` is refreshed on every retain.
  Context* primary = nullptr;
  std::mutex primary_mutex;  // guards primary_retains and primary->cu updates
  int primary_retains = 0;   // retains made through Keel (never the runtime's)
};

struct Context : Object {
  Device* device = nullptr;
  // Atomic because a primary context's handle may be refreshed (retain after
  // reset) while other threads read it; a relaxed load is a plain load.
  std::atomic<CUcontext> cu{nullptr};
  bool is_primary = false;
  // Objects created in this context, so destroying or resetting it frees
  // their wrappers as well (Keel: destroying a context frees every object
  // created in it). Touched only on create/destroy paths, never on launches.
  std::mutex mutex;
  std::unordered_set<Module*> modules;
  std::unordered_set<Stream*> streams;
  std::unordered_set<Event*> events;
  std::unordered_set<LinkState*> links;
  // Pinned staging buffers for pageable copies (staging.cc), made by the
  // first staged copy and freed with the context. staging_mutex guards them
  // and is held for the whole of one staged copy.
  std::mutex staging_mutex;
  StagingSet* staging = nullptr;
  bool staging_failed = false;  // allocation failed once: direct copies only
};

struct Function : Object {
  Module* module = nullptr;
  Context* ctx = nullptr;
  CUfunction cu = nullptr;
  int max_threads = 0;       // CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK
  int static_shared = 0;     // CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES
  // Current CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES. A launch asking
  // for more raises it (one compare on the launch path, see launch.cc).
  std::atomic<int> dynamic_shared_limit{0};
  std::mutex attribute_mutex;  // serializes raises of the limit
  // Parameter layout from cuFuncGetParamInfo (CUDA 12.4+), computed on first
  // need (ParamCount): the count, or kParamsUnknown before, or -1 when the
  // driver cannot tell; and the end of the last parameter.
  static constexpr int kParamsUnknown = -2;
  std::atomic<int> param_count{kParamsUnknown};
  size_t param_bytes = 0;  // written before param_count is published
};

struct Module : Object {
  Context* ctx = nullptr;
  CUmodule cu = nullptr;
  std::mutex mutex;  // guards functions
  // One Function per name, so looking a kernel up twice returns the same
  // handle (as cuModuleGetFunction does) and the memory stays bounded.
  std::unordered_map<std::string, std::unique_ptr<Function>> functions;
};

struct Stream : Object {
  Context* ctx = nullptr;
  CUstream cu = nullptr;
};

struct Event : Object {
  Context* ctx = nullptr;
  CUevent cu = nullptr;
  unsigned int flags = 0;
  // klEventElapsedTime on a never-recorded event is KL_ERROR_INVALID_VALUE
  // in Keel (CUDA says INVALID_HANDLE), so the backend remembers.
  std::atomic<bool> recorded{false};
};

struct LinkState : Object {
  Context* ctx = nullptr;
  CUlinkState cu = nullptr;
  // The options given to cuLinkCreate, with Keel's log buffers. The driver
  // writes into them until cuLinkDestroy, so they live as long as the link.
  JitOptions options;
  // NUL-terminated copies of PTX inputs given without their NUL, kept until
  // cuLinkDestroy in case the driver refers to an input after cuLinkAddData.
  std::vector<std::unique_ptr<std::string>> owned_inputs;
};

// ---- context binding ---------------------------------------------------------
//
// Each call binds the CUcontext of the object it acts on. cuCtxSetCurrent
// is cheap (~25 ns on an H100), but a thread usually works in one context, so
// the last bound context is cached per thread and the call is skipped when it
// is already bound. The epoch invalidates every thread's cache at once when a
// context is destroyed or reset: the driver may hand out the same CUcontext
// value again for a new context, which the cache alone would not notice.
struct ThreadBinding {
  CUcontext ctx;
  uint32_t epoch;
};
inline thread_local ThreadBinding t_binding = {nullptr, 0};
inline std::atomic<uint32_t> g_context_epoch{1};

CUresult BindSlow(CUcontext ctx);

inline CUresult Bind(CUcontext ctx) {
  if (t_binding.ctx == ctx && t_binding.epoch == g_context_epoch.load(std::memory_order_relaxed)) {
    return CUDA_SUCCESS;
  }
  return BindSlow(ctx);
}

// Forces the next Bind on this thread to call cuCtxSetCurrent (someone else
// may have changed the CUDA current context).
inline void ForgetBinding() { t_binding.ctx = nullptr; }

// Forces the next Bind on every thread to call cuCtxSetCurrent.
inline void InvalidateAllBindings() { g_context_epoch.fetch_add(1, std::memory_order_relaxed); }

// Binds ctx, runs `call`, and if the driver answers INVALID_CONTEXT (the CUDA
// current context was changed behind Keel's back, e.g. by cudaSetDevice),
// rebinds for real and runs it once more. No cost unless the call fails.
template <typename Call>
inline CUresult CallIn(CUcontext ctx, Call call) {
  CUresult r = Bind(ctx);
  if (KEEL_UNLIKELY(r != CUDA_SUCCESS)) return r;
  r = call();
  if (KEEL_UNLIKELY(r == CUDA_ERROR_INVALID_CONTEXT)) {
    ForgetBinding();
    if (Bind(ctx) == CUDA_SUCCESS) r = call();
  }
  return r;
}

// ---- where stream-ordered work goes ---------------------------------------------
// For the S kind of entry points: a stream names its own context (the loader
// passes ctx == NULL then); without one, the work goes to the legacy NULL
// stream of the current context.
struct StreamTarget {
  CUcontext ctx;
  CUstream stream;
};

// ---- handle conversions -------------------------------------------------------
inline Device* ToDevice(KLdevice h) { return FromHandle<Device>(h); }
inline Context* ToContext(KLcontext h) { return FromHandle<Context>(h); }
inline Module* ToModule(KLmodule h) { return FromHandle<Module>(h); }
inline Function* ToFunction(KLfunction h) { return FromHandle<Function>(h); }
inline Stream* ToStream(KLstream h) { return FromHandle<Stream>(h); }
inline Event* ToEvent(KLevent h) { return FromHandle<Event>(h); }
inline LinkState* ToLinkState(KLlinkState h) { return FromHandle<LinkState>(h); }

inline StreamTarget TargetOf(KLcontext ctx, KLstream stream) {
  if (stream != nullptr) {
    Stream* s = ToStream(stream);
    return {s->ctx->cu, s->cu};
  }
  return {ToContext(ctx)->cu, nullptr};
}

// Frees the wrappers of every object registered in ctx (their native objects
// are gone with the native context). Used by context destroy and reset.
void FreeContextObjects(Context* ctx);

// Destroys the native objects registered in ctx and frees their wrappers
// (used when Keel drops its last primary-context retain while another user
// of the primary context, such as the CUDA runtime, may keep it alive).
void DestroyContextObjects(Context* ctx);

// Enumerates the driver's devices into Device objects (device.cc). Called
// once by init; the devices live until process exit.
KLresult CreateDevices();
int DeviceCount();
Device* DeviceAt(int index);

// Resolves a function eagerly and caches its attributes and parameter
// layout (function.cc). Called once by klModuleGetFunction.
KLresult PrepareFunction(Function* f, const char* name);

// The number of f's parameters (-1 if the driver cannot reflect them),
// computed once (function.cc). The driver has no count query: Keel probes
// cuFuncGetParamInfo up to the first index it refuses, which a sanitizer
// reports as one CUDA_ERROR_INVALID_VALUE per kernel, so this runs only when
// needed: parameter queries, `extra` launches, launches without arguments.
int ComputeParamLayout(Function* f);
inline int ParamCount(Function* f) {
  int c = f->param_count.load(std::memory_order_acquire);
  return c != Function::kParamsUnknown ? c : ComputeParamLayout(f);
}

// Raises f's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES to `bytes` for
// a launch that asks for more than the current limit (function.cc): the
// driver refuses dynamic shared memory above 48 KiB without this opt-in.
KLresult RaiseDynamicShared(Function* f, unsigned int bytes);

// Module and link wrappers are freed by module.cc / link.cc, which know them.
void FreeModule(Module* module);
void FreeLinkState(LinkState* link);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_OBJECTS_H_
