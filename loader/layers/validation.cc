// The validation layer (KEEL_LAYERS=validation, or KEEL_VALIDATE=1).
//
// It turns misuse that is undefined behaviour without it into an error code
// with a message naming the call, the parameter and the object:
//
//   klStreamSynchronize: validation: use after destroy: hStream 0x5581c2d0
//   (stream #7, created by klStreamCreate) was destroyed by klStreamDestroy
//
// Handles. The application never sees a backend's objects: every handle the
// backend returns (context, module, function, stream, event, link state) is
// replaced by a wrapper the layer owns, whose header points at the backend's
// loader-owned table (so the exported functions dispatch through it as
// through any handle), and every handle the application passes is looked up
// in the layer's registry *before* anything dereferences it, checked for its
// type and its life, and replaced by the backend's object. Wrappers of
// destroyed objects stay allocated (the 65536 most recent), so a stale handle
// still reaches this layer instead of crashing in the exported function,
// which reads the handle's header: a pointer that never was a handle, or a
// wrapper older than that, is read there before the layer can check it
// (docs/reliability.md states the limit). Devices are not wrapped: they are
// checked against the loader's device list.
//
// Memory. Allocations are tracked per context by address range
// (backends/common/range_map.h): copies and fills must lie inside one live
// allocation of the context the call runs in; frees must name the start of
// one; recently freed ranges tell use-after-free and double free from a stray
// address. Addresses Keel never handed out (native interop) are passed on.
//
// Launches: the extra buffer's size against klFuncGetParamInfo, NULL entries
// of kernelParams, the stream's context against the function's.
//
// Leaks: objects and memory still alive when their context is destroyed (or
// a primary context released for the last time or reset), and at exit, are
// reported with their creation call, sequence number and a backtrace, to the
// log at warn level and to KEEL_VALIDATION_REPORT.
#include <dlfcn.h>
#include <execinfo.h>

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/range_map.h"
#include "layers/layer.h"

namespace keel::loader::layers {
namespace {

using ull = unsigned long long;

// Destroyed wrappers kept so that stale handles are recognised.
constexpr size_t kQuarantine = 65536;
// Freed ranges kept per context (and for pinned host memory).
constexpr size_t kFreedRanges = 4096;
constexpr int kBacktraceFrames = 24;

enum class Type : uint8_t { kNone, kContext, kModule, kFunction, kStream, kEvent, kLink, kDevice };

const char* TypeName(Type t) {
  switch (t) {
    case Type::kContext: return "context";
    case Type::kModule: return "module";
    case Type::kFunction: return "function";
    case Type::kStream: return "stream";
    case Type::kEvent: return "event";
    case Type::kLink: return "link state";
    case Type::kDevice: return "device";
    case Type::kNone: break;
  }
  return "?";
}
const char* Article(Type t) { return t == Type::kEvent ? "an" : "a"; }

template <typename T>
constexpr Type TypeOf() {
  if constexpr (std::is_same_v<T, KLcontext>) return Type::kContext;
  else if constexpr (std::is_same_v<T, KLmodule>) return Type::kModule;
  else if constexpr (std::is_same_v<T, KLfunction>) return Type::kFunction;
  else if constexpr (std::is_same_v<T, KLstream>) return Type::kStream;
  else if constexpr (std::is_same_v<T, KLevent>) return Type::kEvent;
  else if constexpr (std::is_same_v<T, KLlinkState>) return Type::kLink;
  else if constexpr (std::is_same_v<T, KLdevice>) return Type::kDevice;
  else return Type::kNone;
}
constexpr bool IsWrapped(Type t) { return t != Type::kNone && t != Type::kDevice; }

// Where an object or a range was made.
struct Origin {
  uint64_t seq = 0;        // creation order, process-wide: "#7"
  const char* by = "";     // the entry point
  std::vector<void*> frames;  // the creation backtrace (dropped once it is gone)
};

struct Obj;

struct DeviceRange {
  Origin origin;
  Obj* module = nullptr;  // a module global (klModuleGetGlobal); nullptr for klMemAlloc
};

struct HostRange {
  Origin origin;
  Obj* ctx = nullptr;
};

struct FreedRange {
  uint64_t base = 0, size = 0, seq = 0;
  const char* by = "";
  const char* freed_by = "";
};

// Ranges freed lately (bounded), to tell use-after-free and double free from
// an address Keel never handed out.
class FreedRanges {
 public:
  void Add(const FreedRange& r) {
    by_base_[r.base] = r;
    order_.emplace_back(r.base, r.seq);
    while (order_.size() > kFreedRanges) {
      auto [base, seq] = order_.front();
      order_.pop_front();
      auto it = by_base_.find(base);
      if (it != by_base_.end() && it->second.seq == seq) by_base_.erase(it);
    }
  }
  const FreedRange* Find(uint64_t addr) const {
    auto it = by_base_.upper_bound(addr);
    if (it == by_base_.begin()) return nullptr;
    --it;
    return addr - it->second.base < it->second.size ? &it->second : nullptr;
  }

 private:
  std::map<uint64_t, FreedRange> by_base_;
  std::deque<std::pair<uint64_t, uint64_t>> order_;
};

// The wrapper an application handle points at, and the layer's record of it.
struct Obj {
  KLobjectHeader header;  // the backend's loader-owned table, as in any handle
  Type type = Type::kNone;
  bool live = true;
  bool destroying = false;  // a destroy call is in flight
  int backend = -1;
  void* real = nullptr;     // the backend's object
  Origin origin;
  const char* destroyed_by = nullptr;
  Obj* ctx = nullptr;       // the context it belongs to (a context: itself)
  Obj* parent = nullptr;    // a function's module
  KLdevice device = nullptr;  // a context's device
  bool primary = false;
  int retains = 0;          // primary contexts: retains minus releases
  std::string name;         // a function's kernel name
  // Functions: the parameter layout, asked of the backend at the first launch.
  int layout = 0;  // 0 not asked yet, 1 known, -1 the backend cannot tell
  size_t param_count = 0, param_end = 0, param_align = 1;
  // Contexts: their device memory.
  std::unique_ptr<RangeMap<DeviceRange>> memory;
  std::unique_ptr<FreedRanges> freed;
};

Obj* O(const void* handle) { return static_cast<Obj*>(const_cast<void*>(handle)); }

struct BackendEntry {
  const KLdispatchTable* outer;  // what handles of the backend point at
  const KLdispatchTable* next;   // the layer below
  std::string name;
};

struct Validation {
  std::mutex mu;  // guards everything below
  std::vector<BackendEntry> backends;
  std::unordered_map<const void*, int> devices;   // device -> backend index
  std::unordered_set<const void*> objects;        // every wrapper: live or in quarantine
  std::unordered_map<const void*, Obj*> by_real;  // live wrappers by backend object
  std::unordered_set<Obj*> contexts;              // live contexts
  std::deque<Obj*> quarantine;
  RangeMap<HostRange> host;        // klMemHostAlloc
  FreedRanges host_freed;
  RangeMap<HostRange> registered;  // klMemHostRegister
  uint64_t seq = 0;
  uint64_t errors = 0, leaks = 0;
  FILE* report = nullptr;
  const void* self_base = nullptr;  // libkeel's load address: its frames are skipped
};

// Never destroyed: calls and the exit report may come after static destructors.
Validation& V() {
  static Validation& v = *new Validation();
  return v;
}

void Report(const std::string& line) {
  Validation& v = V();
  if (v.report != nullptr) {
    std::fputs(line.c_str(), v.report);
    std::fputc('\n', v.report);
  }
}

Origin NewOrigin(const char* by) {
  Origin o;
  o.seq = ++V().seq;
  o.by = by;
  void* frames[kBacktraceFrames];
  int n = backtrace(frames, kBacktraceFrames);
  o.frames.assign(frames, frames + std::max(n, 0));
  return o;
}

// The creation backtrace, from the first frame outside libkeel.
std::vector<std::string> Frames(const Origin& origin) {
  std::vector<std::string> lines;
  if (origin.frames.empty()) return lines;
  char** symbols = backtrace_symbols(origin.frames.data(), static_cast<int>(origin.frames.size()));
  bool outside = false;
  for (size_t i = 0; i < origin.frames.size(); ++i) {
    Dl_info info;
    bool in_keel = dladdr(origin.frames[i], &info) != 0 && info.dli_fbase == V().self_base;
    if (!outside && in_keel) continue;
    outside = true;
    char line[512];
    std::snprintf(line, sizeof line, "    #%zu %s", lines.size(),
                  symbols ? symbols[i] : "?");
    lines.emplace_back(line);
  }
  std::free(symbols);
  return lines;
}

std::string Describe(const Obj* o) {
  char text[160];
  std::snprintf(text, sizeof text, "%s #%llu, created by %s", TypeName(o->type),
                static_cast<ull>(o->origin.seq), o->origin.by);
  std::string s = text;
  if (o->type == Type::kFunction && !o->name.empty()) s += " for '" + o->name + "'";
  return s;
}

// ---- one call -----------------------------------------------------------------------

bool IsDestroy(Ep ep) {
  return ep == Ep::klCtxDestroy || ep == Ep::klModuleUnload || ep == Ep::klLinkDestroy ||
         ep == Ep::klStreamDestroy || ep == Ep::klEventDestroy;
}

struct Call {
  explicit Call(Ep e) : ep(e), info(Info(e)) {}

  // Records a validation error: the last-error message (logged at warn) and
  // the report. Returns false so checks read `return c.Fail(...)`.
  bool Fail(KLresult code, const char* format, ...) __attribute__((format(printf, 3, 4))) {
    char text[1536];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    // The loader calls keelBackendCtxMadeCurrent when a context becomes current.
    const char* call = ep == Ep::keelBackendCtxMadeCurrent
                           ? "klCtxPushCurrent/klCtxSetCurrent/klCtxPopCurrent"
                           : info.name;
    ++V().errors;
    result = SetError(code, "%s: validation: %s", call, text);
    Report(LastErrorMessage());
    return false;
  }

  Ep ep;
  const EntryPointInfo& info;
  int backend = -1;
  Obj* dispatch = nullptr;     // the dispatching object when it is a wrapped handle
  KLdevice device = nullptr;   // the dispatching device, for calls on a device
  Obj* ctx = nullptr;          // the context the call runs in (none for device calls)
  KLresult result = KL_SUCCESS;
  size_t global_bytes = 0;     // klModuleGetGlobal's size when the caller passed NULL
};

bool ResolveHandle(Call& c, size_t i, const void* h, Type expected) {
  Validation& v = V();
  const char* param = c.info.params[i].c_str();
  if (v.objects.count(h) == 0) {
    auto d = v.devices.find(h);
    if (d != v.devices.end()) {
      if (expected == Type::kDevice) return true;
      return c.Fail(KL_ERROR_INVALID_HANDLE, "wrong handle type: %s %p is a device, not %s %s",
                    param, h, Article(expected), TypeName(expected));
    }
    return c.Fail(KL_ERROR_INVALID_HANDLE,
                  "%s %p is not a Keel handle (never created by Keel, or destroyed more than %zu "
                  "destructions ago)",
                  param, h, kQuarantine);
  }
  const Obj* o = O(h);
  if (o->type != expected)
    return c.Fail(KL_ERROR_INVALID_HANDLE, "wrong handle type: %s %p is %s %s (%s), not %s %s",
                  param, h, Article(o->type), TypeName(o->type), Describe(o).c_str(),
                  Article(expected), TypeName(expected));
  if (!o->live || o->destroying) {
    const char* by = o->destroyed_by ? o->destroyed_by : "?";
    const bool current = i == 0 && (c.info.kind == 'C' || c.info.kind == '0' || c.info.kind == 'S');
    if (current)
      return c.Fail(KL_ERROR_CONTEXT_IS_DESTROYED,
                    "use after destroy: the current context %p (%s) was destroyed by %s", h,
                    Describe(o).c_str(), by);
    if (IsDestroy(c.ep) && i == 0)
      return c.Fail(KL_ERROR_INVALID_HANDLE,
                    "double destroy: %s %p (%s) was already destroyed by %s", param, h,
                    Describe(o).c_str(), by);
    return c.Fail(KL_ERROR_INVALID_HANDLE, "use after destroy: %s %p (%s) was destroyed by %s",
                  param, h, Describe(o).c_str(), by);
  }
  return true;
}

template <typename T>
bool Resolve(Call& c, size_t i, T value) {
  constexpr Type type = TypeOf<T>();
  if constexpr (type == Type::kNone) {
    return true;
  } else {
    // NULL handles are the exported function's or the backend's to refuse
    // (a NULL stream is the default stream).
    return value == nullptr || ResolveHandle(c, i, value, type);
  }
}

// After every handle resolved: the backend and context of the call.
void SetDispatch(Call& c, const void* object) {
  Validation& v = V();
  if (v.objects.count(object) != 0) {
    Obj* o = O(object);
    c.dispatch = o;
    c.backend = o->backend;
    c.ctx = o->type == Type::kContext ? o : o->ctx;
  } else {
    c.device = static_cast<KLdevice>(const_cast<void*>(object));
    c.backend = v.devices.at(object);
  }
}

template <typename T>
T Unwrap(T value) {
  if constexpr (IsWrapped(TypeOf<T>())) {
    return value == nullptr ? value : static_cast<T>(O(value)->real);
  } else {
    return value;
  }
}

// ---- object lifetimes ------------------------------------------------------------------

void Forget(Obj* o, const char* by) {
  Validation& v = V();
  o->live = false;
  o->destroying = false;
  o->destroyed_by = by;
  std::vector<void*>().swap(o->origin.frames);
  auto it = v.by_real.find(o->real);
  if (it != v.by_real.end() && it->second == o) v.by_real.erase(it);
  if (o->type == Type::kContext) {
    v.contexts.erase(o);
    o->memory.reset();
    o->freed.reset();
  }
  v.quarantine.push_back(o);
  while (v.quarantine.size() > kQuarantine) {
    Obj* old = v.quarantine.front();
    v.quarantine.pop_front();
    v.objects.erase(old);
    delete old;
  }
}

// Live objects matching `keep`, in creation order.
template <typename F>
std::vector<Obj*> LiveObjects(F&& keep) {
  std::vector<Obj*> found;
  for (const auto& [real, o] : V().by_real)
    if (keep(o)) found.push_back(o);
  std::sort(found.begin(), found.end(),
            [](const Obj* a, const Obj* b) { return a->origin.seq < b->origin.seq; });
  return found;
}

// Destroys a context's objects and memory with it (the backend freed them).
void ForgetChildren(Obj* ctx, const char* by) {
  Validation& v = V();
  for (Obj* o : LiveObjects([&](const Obj* o) { return o != ctx && o->ctx == ctx; })) Forget(o, by);
  std::vector<uint64_t> bases;
  for (RangeMap<HostRange>* map : {&v.host, &v.registered}) {
    bases.clear();
    map->ForEach([&](const auto& e) {
      if (e.value.ctx == ctx) bases.push_back(e.base);
    });
    for (uint64_t base : bases) map->Erase(base);
  }
  if (ctx->memory) {
    ctx->memory->ForEach([&](const auto& e) {
      ctx->freed->Add({e.base, e.size, e.value.origin.seq, e.value.origin.by, by});
    });
    ctx->memory->clear();
  }
}

void ForgetModule(Obj* mod, const char* by) {
  for (Obj* f : LiveObjects([&](const Obj* o) { return o->parent == mod; }))
    Forget(f, "klModuleUnload of its module");
  if (Obj* ctx = mod->ctx; ctx != nullptr && ctx->memory) {
    std::vector<uint64_t> globals;
    ctx->memory->ForEach([&](const auto& e) {
      if (e.value.module == mod) globals.push_back(e.base);
    });
    for (uint64_t base : globals) {
      const auto* e = ctx->memory->FindBase(base);
      ctx->freed->Add({base, e->size, e->value.origin.seq, e->value.origin.by, by});
      ctx->memory->Erase(base);
    }
  }
  Forget(mod, by);
}

// Wraps a handle the backend returned. The same backend object returned
// again (a primary context, a function asked for twice) gets the same wrapper.
Obj* Wrap(Call& c, Type type, void* real) {
  Validation& v = V();
  if (auto it = v.by_real.find(real); it != v.by_real.end()) {
    Obj* o = it->second;
    if (o->type == type) return o;
    // The backend reused the address of an object the layer believed alive:
    // it was freed in a way the layer does not model. Forget the old one.
    if (o->type == Type::kContext) ForgetChildren(o, "the backend (its address was reused)");
    Forget(o, "the backend (its address was reused)");
  }
  Obj* o = new Obj();
  o->header.dispatch = v.backends[static_cast<size_t>(c.backend)].outer;
  o->type = type;
  o->backend = c.backend;
  o->real = real;
  o->origin = NewOrigin(c.info.name);
  o->ctx = type == Type::kContext ? o : c.ctx;
  o->parent = type == Type::kFunction ? c.dispatch : nullptr;
  if (type == Type::kContext) {
    o->device = c.device;
    o->memory = std::make_unique<RangeMap<DeviceRange>>();
    o->freed = std::make_unique<FreedRanges>();
    v.contexts.insert(o);
  }
  v.objects.insert(o);
  v.by_real[real] = o;
  return o;
}

template <typename T>
void WrapOut(Call& c, KLresult r, T out) {
  if constexpr (std::is_pointer_v<T>) {
    using H = std::remove_pointer_t<T>;
    if constexpr (IsWrapped(TypeOf<H>())) {
      if (r == KL_SUCCESS && out != nullptr && *out != nullptr)
        *out = static_cast<H>(static_cast<void*>(Wrap(c, TypeOf<H>(), *out)));
    }
  }
}

// ---- leaks -------------------------------------------------------------------------------

void Leak(const std::string& line, const Origin& origin) {
  ++V().leaks;
  Log(KL_LOG_WARN, "%s", line.c_str());
  Report(line);
  for (const std::string& frame : Frames(origin)) {
    Log(KL_LOG_WARN, "%s", frame.c_str());
    Report(frame);
  }
}

// Everything of `ctx` still alive (ctx == nullptr: everything, at exit).
void ReportLeaks(const char* when, Obj* ctx) {
  Validation& v = V();
  char line[512];
  std::vector<Obj*> objects = LiveObjects([&](const Obj* o) {
    if (o->type == Type::kFunction) return false;  // they go with their module
    if (ctx != nullptr) return o != ctx && o->ctx == ctx;
    return o->type != Type::kContext || !o->primary || o->retains > 0;
  });
  for (const Obj* o : objects) {
    if (o->type == Type::kContext && o->primary)
      std::snprintf(line, sizeof line,
                    "validation: leak at %s: primary context %p (%s) retained %d more time(s) "
                    "than released",
                    when, static_cast<const void*>(o), Describe(o).c_str(), o->retains);
    else
      std::snprintf(line, sizeof line, "validation: leak at %s: %s %p (%s) was never destroyed",
                    when, TypeName(o->type), static_cast<const void*>(o), Describe(o).c_str());
    Leak(line, o->origin);
  }
  std::vector<Obj*> contexts;
  if (ctx != nullptr) contexts.push_back(ctx);
  else contexts.assign(v.contexts.begin(), v.contexts.end());
  std::sort(contexts.begin(), contexts.end(),
            [](const Obj* a, const Obj* b) { return a->origin.seq < b->origin.seq; });
  for (const Obj* x : contexts) {
    if (!x->memory) continue;
    x->memory->ForEach([&](const auto& e) {
      if (e.value.module != nullptr) return;  // a module global goes with its module
      std::snprintf(line, sizeof line,
                    "validation: leak at %s: device memory 0x%llx (%llu bytes, #%llu, made by %s "
                    "in context %p) was never freed",
                    when, static_cast<ull>(e.base), static_cast<ull>(e.size),
                    static_cast<ull>(e.value.origin.seq), e.value.origin.by,
                    static_cast<const void*>(x));
      Leak(line, e.value.origin);
    });
  }
  for (const RangeMap<HostRange>* map : {&v.host, &v.registered}) {
    const bool pinned = map == &v.host;
    map->ForEach([&](const auto& e) {
      if (ctx != nullptr && e.value.ctx != ctx) return;
      std::snprintf(line, sizeof line,
                    "validation: leak at %s: %s 0x%llx (%llu bytes, #%llu, %s by %s) was never %s",
                    when, pinned ? "pinned host memory" : "registered host memory",
                    static_cast<ull>(e.base), static_cast<ull>(e.size),
                    static_cast<ull>(e.value.origin.seq), pinned ? "made" : "registered",
                    e.value.origin.by, pinned ? "freed" : "unregistered");
      Leak(line, e.value.origin);
    });
  }
}

void AtExit() {
  Validation& v = V();
  std::lock_guard<std::mutex> lock(v.mu);
  ReportLeaks("exit", nullptr);
  char line[160];
  std::snprintf(line, sizeof line, "validation: summary: %llu error(s), %llu leak(s)",
                static_cast<ull>(v.errors), static_cast<ull>(v.leaks));
  Report(line);
  Log(v.errors || v.leaks ? KL_LOG_WARN : KL_LOG_INFO, "%s", line);
  if (v.report != nullptr) std::fflush(v.report);
}

// ---- memory checks ----------------------------------------------------------------------

// [addr, addr + bytes) must lie in one live allocation of the call's context.
bool CheckDevice(Call& c, const char* param, uint64_t addr, uint64_t bytes) {
  if (bytes == 0 || c.ctx == nullptr || !c.ctx->memory) return true;
  Validation& v = V();
  if (const auto* e = c.ctx->memory->Find(addr)) {
    const uint64_t offset = addr - e->base;
    if (bytes <= e->size - offset) return true;
    const bool global = e->value.module != nullptr;
    return c.Fail(KL_ERROR_INVALID_VALUE,
                  "out of range: %s 0x%llx + %llu bytes runs %llu bytes past the end of %s 0x%llx "
                  "(%llu bytes, #%llu, %s by %s)",
                  param, static_cast<ull>(addr), static_cast<ull>(bytes),
                  static_cast<ull>(bytes - (e->size - offset)),
                  global ? "module global" : "device memory", static_cast<ull>(e->base),
                  static_cast<ull>(e->size), static_cast<ull>(e->value.origin.seq),
                  global ? "found" : "made", e->value.origin.by);
  }
  for (const Obj* other : v.contexts) {
    if (other == c.ctx || other->backend != c.ctx->backend || !other->memory) continue;
    if (const auto* e = other->memory->Find(addr))
      return c.Fail(KL_ERROR_INVALID_VALUE,
                    "wrong context: %s 0x%llx lies in device memory of context %p (0x%llx, %llu "
                    "bytes, #%llu, made by %s), but the call runs in context %p",
                    param, static_cast<ull>(addr), static_cast<const void*>(other),
                    static_cast<ull>(e->base), static_cast<ull>(e->size),
                    static_cast<ull>(e->value.origin.seq), e->value.origin.by,
                    static_cast<const void*>(c.ctx));
  }
  if (const FreedRange* f = c.ctx->freed->Find(addr))
    return c.Fail(KL_ERROR_INVALID_VALUE,
                  "use after free: %s 0x%llx lies in device memory 0x%llx (%llu bytes, #%llu, "
                  "made by %s) freed by %s",
                  param, static_cast<ull>(addr), static_cast<ull>(f->base), static_cast<ull>(f->size),
                  static_cast<ull>(f->seq), f->by, f->freed_by);
  if (LogEnabled(KL_LOG_INFO))
    Log(KL_LOG_INFO, "%s: validation: %s 0x%llx is in no allocation Keel made; not checked",
        c.info.name, param, static_cast<ull>(addr));
  return true;
}

// A host range that starts in pinned memory (klMemHostAlloc) must end in it.
bool CheckHost(Call& c, const char* param, const void* p, uint64_t bytes) {
  if (bytes == 0 || p == nullptr) return true;
  const uint64_t addr = reinterpret_cast<uintptr_t>(p);
  const auto* e = V().host.Find(addr);
  if (e == nullptr || bytes <= e->size - (addr - e->base)) return true;
  return c.Fail(KL_ERROR_INVALID_VALUE,
                "out of range: %s %p + %llu bytes runs %llu bytes past the end of pinned host "
                "memory 0x%llx (%llu bytes, #%llu, made by %s)",
                param, p, static_cast<ull>(bytes),
                static_cast<ull>(bytes - (e->size - (addr - e->base))), static_cast<ull>(e->base),
                static_cast<ull>(e->size), static_cast<ull>(e->value.origin.seq), e->value.origin.by);
}

bool CheckFill(Call& c, uint64_t addr, uint64_t count, uint64_t element) {
  if (count > UINT64_MAX / element)
    return c.Fail(KL_ERROR_INVALID_VALUE, "N = %llu values of %llu bytes overflow", static_cast<ull>(count),
                  static_cast<ull>(element));
  return CheckDevice(c, "dstDevice", addr, count * element);
}

// ---- per-entry-point checks (before the call) and bookkeeping (after it) ---------------
// The defaults do nothing; overloads for one entry point take exactly the
// backend-side parameters (keel_backend.h). Checks may replace arguments.

template <Ep E, typename... A>
bool Check(Tag<E>, Call&, A&...) {
  return true;
}
template <Ep E, typename... A>
void After(Tag<E>, Call&, KLresult, A&...) {}

// Destroy calls mark the object first, so a racing second destroy is caught.
bool BeginDestroy(const void* handle, const char* by) {
  O(handle)->destroying = true;
  O(handle)->destroyed_by = by;
  return true;
}
void CancelDestroy(const void* handle) {
  O(handle)->destroying = false;
  O(handle)->destroyed_by = nullptr;
}

bool Check(Tag<Ep::klCtxDestroy>, Call& c, KLcontext ctx) { return BeginDestroy(ctx, c.info.name); }
void After(Tag<Ep::klCtxDestroy>, Call& c, KLresult r, KLcontext ctx) {
  if (r != KL_SUCCESS) return CancelDestroy(ctx);
  char when[96];
  std::snprintf(when, sizeof when, "klCtxDestroy of context %p", static_cast<void*>(ctx));
  ReportLeaks(when, O(ctx));
  ForgetChildren(O(ctx), "klCtxDestroy of their context");
  Forget(O(ctx), c.info.name);
}

Obj* PrimaryOf(KLdevice dev) {
  for (Obj* x : V().contexts)
    if (x->primary && x->device == dev) return x;
  return nullptr;
}
// A primary context released for the last time, or reset: its objects and
// memory are gone; the handle itself stays (it is re-activated by a retain).
void EndPrimary(Obj* p, const char* by) {
  char when[96];
  std::snprintf(when, sizeof when, "%s of primary context %p", by, static_cast<void*>(p));
  ReportLeaks(when, p);
  ForgetChildren(p, by);
}
void After(Tag<Ep::klDevicePrimaryCtxRetain>, Call&, KLresult r, KLcontext* pctx, KLdevice dev) {
  if (r != KL_SUCCESS || pctx == nullptr || *pctx == nullptr) return;
  Obj* p = O(*pctx);
  p->primary = true;
  p->device = dev;
  ++p->retains;
}
void After(Tag<Ep::klDevicePrimaryCtxRelease>, Call& c, KLresult r, KLdevice dev) {
  if (r != KL_SUCCESS) return;
  if (Obj* p = PrimaryOf(dev); p != nullptr && p->retains > 0 && --p->retains == 0)
    EndPrimary(p, c.info.name);
}
void After(Tag<Ep::klDevicePrimaryCtxReset>, Call& c, KLresult r, KLdevice dev) {
  if (r != KL_SUCCESS) return;
  if (Obj* p = PrimaryOf(dev)) EndPrimary(p, c.info.name);
}

bool Check(Tag<Ep::klModuleUnload>, Call& c, KLmodule m) { return BeginDestroy(m, c.info.name); }
void After(Tag<Ep::klModuleUnload>, Call& c, KLresult r, KLmodule m) {
  if (r != KL_SUCCESS) return CancelDestroy(m);
  ForgetModule(O(m), c.info.name);
}

void After(Tag<Ep::klModuleGetFunction>, Call&, KLresult r, KLfunction* f, KLmodule, const char* name) {
  if (r == KL_SUCCESS && f != nullptr && *f != nullptr && name != nullptr && O(*f)->name.empty())
    O(*f)->name = name;
}

// A module global is device memory owned by its module: copies to it are
// checked like allocations. The layer needs its size even when the caller
// does not ask for it.
bool Check(Tag<Ep::klModuleGetGlobal>, Call& c, KLdeviceptr*&, size_t*& bytes, KLmodule, const char*&) {
  if (bytes == nullptr) bytes = &c.global_bytes;
  return true;
}
void After(Tag<Ep::klModuleGetGlobal>, Call& c, KLresult r, KLdeviceptr* dptr, size_t* bytes,
           KLmodule m, const char*) {
  if (r != KL_SUCCESS || dptr == nullptr || *bytes == 0) return;
  Obj* ctx = O(m)->ctx;
  if (ctx == nullptr || !ctx->memory || ctx->memory->FindBase(*dptr) != nullptr) return;
  if (!ctx->memory->Insert(*dptr, *bytes, {NewOrigin(c.info.name), O(m)}))
    Log(KL_LOG_WARN, "klModuleGetGlobal: validation: global 0x%llx (%zu bytes) overlaps memory the layer tracks",
        static_cast<ull>(*dptr), *bytes);
}

bool Check(Tag<Ep::klLinkDestroy>, Call& c, KLlinkState s) { return BeginDestroy(s, c.info.name); }
void After(Tag<Ep::klLinkDestroy>, Call& c, KLresult r, KLlinkState s) {
  if (r != KL_SUCCESS) return CancelDestroy(s);
  Forget(O(s), c.info.name);
}
bool Check(Tag<Ep::klStreamDestroy>, Call& c, KLstream s) { return BeginDestroy(s, c.info.name); }
void After(Tag<Ep::klStreamDestroy>, Call& c, KLresult r, KLstream s) {
  if (r != KL_SUCCESS) return CancelDestroy(s);
  Forget(O(s), c.info.name);
}
bool Check(Tag<Ep::klEventDestroy>, Call& c, KLevent e) { return BeginDestroy(e, c.info.name); }
void After(Tag<Ep::klEventDestroy>, Call& c, KLresult r, KLevent e) {
  if (r != KL_SUCCESS) return CancelDestroy(e);
  Forget(O(e), c.info.name);
}

// ---- memory ----

void After(Tag<Ep::klMemAlloc>, Call& c, KLresult r, KLcontext, KLdeviceptr* dptr, size_t bytes) {
  if (r != KL_SUCCESS || dptr == nullptr || c.ctx == nullptr || !c.ctx->memory) return;
  if (!c.ctx->memory->Insert(*dptr, bytes, {NewOrigin(c.info.name), nullptr}))
    Log(KL_LOG_WARN, "klMemAlloc: validation: the backend returned 0x%llx (%zu bytes), which overlaps "
        "memory the layer believes allocated", static_cast<ull>(*dptr), bytes);
}

bool Check(Tag<Ep::klMemFree>, Call& c, KLcontext, KLdeviceptr dptr) {
  Obj* ctx = c.ctx;
  if (ctx == nullptr || !ctx->memory) return true;
  if (const auto* e = ctx->memory->Find(dptr)) {
    if (e->value.module != nullptr)
      return c.Fail(KL_ERROR_INVALID_VALUE,
                    "dptr 0x%llx is a global of module %p (#%llu), not memory from klMemAlloc",
                    static_cast<ull>(dptr), static_cast<void*>(e->value.module),
                    static_cast<ull>(e->value.module->origin.seq));
    if (e->base != dptr)
      return c.Fail(KL_ERROR_INVALID_VALUE,
                    "dptr 0x%llx is %llu bytes into device memory 0x%llx (%llu bytes, #%llu, made by "
                    "%s); klMemFree takes its start",
                    static_cast<ull>(dptr), static_cast<ull>(dptr - e->base),
                    static_cast<ull>(e->base), static_cast<ull>(e->size),
                    static_cast<ull>(e->value.origin.seq), e->value.origin.by);
    return true;
  }
  for (const Obj* other : V().contexts) {
    if (other == ctx || other->backend != ctx->backend || !other->memory) continue;
    if (const auto* e = other->memory->FindBase(dptr))
      return c.Fail(KL_ERROR_INVALID_VALUE,
                    "wrong context: dptr 0x%llx (%llu bytes, #%llu, made by %s) belongs to context "
                    "%p, but the call runs in context %p",
                    static_cast<ull>(dptr), static_cast<ull>(e->size),
                    static_cast<ull>(e->value.origin.seq), e->value.origin.by,
                    static_cast<const void*>(other), static_cast<void*>(ctx));
  }
  if (const FreedRange* f = ctx->freed->Find(dptr))
    return c.Fail(KL_ERROR_INVALID_VALUE,
                  "%s: dptr 0x%llx %s device memory 0x%llx (%llu bytes, #%llu, made by %s) that was "
                  "freed by %s",
                  f->base == dptr ? "double free" : "use after free", static_cast<ull>(dptr),
                  f->base == dptr ? "is" : "lies in", static_cast<ull>(f->base),
                  static_cast<ull>(f->size), static_cast<ull>(f->seq), f->by, f->freed_by);
  return true;  // never Keel's: the backend answers
}
void After(Tag<Ep::klMemFree>, Call& c, KLresult r, KLcontext, KLdeviceptr dptr) {
  if (r != KL_SUCCESS || c.ctx == nullptr || !c.ctx->memory) return;
  if (const auto* e = c.ctx->memory->FindBase(dptr)) {
    c.ctx->freed->Add({dptr, e->size, e->value.origin.seq, e->value.origin.by, c.info.name});
    c.ctx->memory->Erase(dptr);
  }
}

void After(Tag<Ep::klMemHostAlloc>, Call& c, KLresult r, KLcontext, void** pp, size_t bytes, unsigned int) {
  if (r != KL_SUCCESS || pp == nullptr || *pp == nullptr) return;
  if (!V().host.Insert(reinterpret_cast<uintptr_t>(*pp), bytes, {NewOrigin(c.info.name), c.ctx}))
    Log(KL_LOG_WARN, "klMemHostAlloc: validation: %p (%zu bytes) overlaps pinned memory the layer tracks",
        *pp, bytes);
}
bool Check(Tag<Ep::klMemFreeHost>, Call& c, KLcontext, void* p) {
  if (p == nullptr) return true;
  Validation& v = V();
  const uint64_t addr = reinterpret_cast<uintptr_t>(p);
  if (const auto* e = v.host.Find(addr)) {
    if (e->base == addr) return true;
    return c.Fail(KL_ERROR_INVALID_VALUE,
                  "p %p is %llu bytes into pinned host memory 0x%llx (%llu bytes, #%llu, made by %s); "
                  "klMemFreeHost takes its start",
                  p, static_cast<ull>(addr - e->base), static_cast<ull>(e->base),
                  static_cast<ull>(e->size), static_cast<ull>(e->value.origin.seq), e->value.origin.by);
  }
  if (const FreedRange* f = v.host_freed.Find(addr); f != nullptr && f->base == addr)
    return c.Fail(KL_ERROR_INVALID_VALUE,
                  "double free: p %p (%llu bytes, #%llu, made by %s) was already freed by %s", p,
                  static_cast<ull>(f->size), static_cast<ull>(f->seq), f->by, f->freed_by);
  return true;
}
void After(Tag<Ep::klMemFreeHost>, Call& c, KLresult r, KLcontext, void* p) {
  if (r != KL_SUCCESS || p == nullptr) return;
  Validation& v = V();
  const uint64_t addr = reinterpret_cast<uintptr_t>(p);
  if (const auto* e = v.host.FindBase(addr)) {
    v.host_freed.Add({addr, e->size, e->value.origin.seq, e->value.origin.by, c.info.name});
    v.host.Erase(addr);
  }
}
void After(Tag<Ep::klMemHostRegister>, Call& c, KLresult r, KLcontext, void* p, size_t bytes, unsigned int) {
  if (r == KL_SUCCESS && p != nullptr)
    V().registered.Insert(reinterpret_cast<uintptr_t>(p), bytes, {NewOrigin(c.info.name), c.ctx});
}
void After(Tag<Ep::klMemHostUnregister>, Call&, KLresult r, KLcontext, void* p) {
  if (r == KL_SUCCESS) V().registered.Erase(reinterpret_cast<uintptr_t>(p));
}

bool Check(Tag<Ep::klMemcpyHtoD>, Call& c, KLcontext, KLdeviceptr dst, const void* src, size_t n) {
  return CheckDevice(c, "dstDevice", dst, n) && CheckHost(c, "srcHost", src, n);
}
bool Check(Tag<Ep::klMemcpyDtoH>, Call& c, KLcontext, void* dst, KLdeviceptr src, size_t n) {
  return CheckDevice(c, "srcDevice", src, n) && CheckHost(c, "dstHost", dst, n);
}
bool Check(Tag<Ep::klMemcpyDtoD>, Call& c, KLcontext, KLdeviceptr dst, KLdeviceptr src, size_t n) {
  return CheckDevice(c, "dstDevice", dst, n) && CheckDevice(c, "srcDevice", src, n);
}
bool Check(Tag<Ep::klMemcpyHtoDAsync>, Call& c, KLcontext, KLdeviceptr dst, const void* src, size_t n,
           KLstream) {
  return CheckDevice(c, "dstDevice", dst, n) && CheckHost(c, "srcHost", src, n);
}
bool Check(Tag<Ep::klMemcpyDtoHAsync>, Call& c, KLcontext, void* dst, KLdeviceptr src, size_t n, KLstream) {
  return CheckDevice(c, "srcDevice", src, n) && CheckHost(c, "dstHost", dst, n);
}
bool Check(Tag<Ep::klMemcpyDtoDAsync>, Call& c, KLcontext, KLdeviceptr dst, KLdeviceptr src, size_t n,
           KLstream) {
  return CheckDevice(c, "dstDevice", dst, n) && CheckDevice(c, "srcDevice", src, n);
}
bool Check(Tag<Ep::klMemsetD8>, Call& c, KLcontext, KLdeviceptr dst, unsigned char, size_t n) {
  return CheckFill(c, dst, n, 1);
}
bool Check(Tag<Ep::klMemsetD16>, Call& c, KLcontext, KLdeviceptr dst, unsigned short, size_t n) {
  return CheckFill(c, dst, n, 2);
}
bool Check(Tag<Ep::klMemsetD32>, Call& c, KLcontext, KLdeviceptr dst, unsigned int, size_t n) {
  return CheckFill(c, dst, n, 4);
}
bool Check(Tag<Ep::klMemsetD8Async>, Call& c, KLcontext, KLdeviceptr dst, unsigned char, size_t n, KLstream) {
  return CheckFill(c, dst, n, 1);
}
bool Check(Tag<Ep::klMemsetD16Async>, Call& c, KLcontext, KLdeviceptr dst, unsigned short, size_t n,
           KLstream) {
  return CheckFill(c, dst, n, 2);
}
bool Check(Tag<Ep::klMemsetD32Async>, Call& c, KLcontext, KLdeviceptr dst, unsigned int, size_t n, KLstream) {
  return CheckFill(c, dst, n, 4);
}

// ---- events and launches: objects used with their own context ----

bool Check(Tag<Ep::klEventRecord>, Call& c, KLevent e, KLstream s) {
  if (s == nullptr || O(s)->ctx == O(e)->ctx) return true;
  return c.Fail(KL_ERROR_INVALID_HANDLE,
                "wrong context: hStream %p (%s) belongs to context %p, but hEvent %p (%s) to "
                "context %p",
                static_cast<void*>(s), Describe(O(s)).c_str(), static_cast<void*>(O(s)->ctx),
                static_cast<void*>(e), Describe(O(e)).c_str(), static_cast<void*>(O(e)->ctx));
}

// The function's parameter layout, asked of the backend once. False if the
// backend cannot tell (no klFuncGetParamInfo).
bool Layout(Obj* f) {
  if (f->layout == 0) {
    const KLdispatchTable* next = V().backends[static_cast<size_t>(f->backend)].next;
    // Asking must not change what the caller reads as the last error.
    const std::string saved = LastErrorMessage();
    size_t count = 0, end = 0, align = 1;
    bool ok = next->klFuncGetParamCount != nullptr && next->klFuncGetParamInfo != nullptr &&
              next->klFuncGetParamCount(static_cast<KLfunction>(f->real), &count) == KL_SUCCESS;
    for (size_t i = 0; ok && i < count; ++i) {
      size_t offset = 0, size = 0;
      ok = next->klFuncGetParamInfo(static_cast<KLfunction>(f->real), i, &offset, &size) == KL_SUCCESS;
      end = std::max(end, offset + size);
      // A value's alignment divides its size: the largest power of two that
      // does bounds it (capped at 16, the largest scalar or vector alignment).
      size_t a = size == 0 ? 1 : size & (~size + 1);
      align = std::max(align, std::min<size_t>(a, 16));
    }
    RecordError(KL_SUCCESS, "%s", saved.c_str());
    f->layout = ok ? 1 : -1;
    f->param_count = count;
    f->param_end = end;
    f->param_align = align;
  }
  return f->layout == 1;
}

bool Check(Tag<Ep::klLaunchKernel>, Call& c, KLfunction f, unsigned int, unsigned int, unsigned int,
           unsigned int, unsigned int, unsigned int, unsigned int, KLstream s, void** kernelParams,
           void** extra) {
  Obj* fn = O(f);
  if (s != nullptr && O(s)->ctx != fn->ctx)
    return c.Fail(KL_ERROR_INVALID_HANDLE,
                  "wrong context: hStream %p (%s) belongs to context %p, but f %p (%s) to context %p",
                  static_cast<void*>(s), Describe(O(s)).c_str(), static_cast<void*>(O(s)->ctx),
                  static_cast<void*>(f), Describe(fn).c_str(), static_cast<void*>(fn->ctx));
  if (!Layout(fn) || fn->param_count == 0) return true;
  if (extra != nullptr && kernelParams == nullptr) {
    const size_t* size = nullptr;
    for (int k = 0; k < 16 && extra[k] != KL_LAUNCH_PARAM_END; k += 2) {
      if (extra[k] == KL_LAUNCH_PARAM_BUFFER_SIZE) size = static_cast<const size_t*>(extra[k + 1]);
      else if (extra[k] != KL_LAUNCH_PARAM_BUFFER_POINTER) break;  // malformed: the backend says so
    }
    const size_t padded = (fn->param_end + fn->param_align - 1) / fn->param_align * fn->param_align;
    if (size != nullptr && (*size < fn->param_end || *size > padded)) {
      char expected[64];
      if (padded == fn->param_end)
        std::snprintf(expected, sizeof expected, "%zu bytes", fn->param_end);
      else
        std::snprintf(expected, sizeof expected, "%zu to %zu bytes", fn->param_end, padded);
      return c.Fail(KL_ERROR_INVALID_VALUE,
                    "wrong argument size: the extra buffer holds %zu bytes, but f %p (%s) takes %zu "
                    "parameter(s) in %s (klFuncGetParamInfo)",
                    *size, static_cast<void*>(f), Describe(fn).c_str(), fn->param_count, expected);
    }
  }
  if (kernelParams != nullptr && extra == nullptr) {
    for (size_t i = 0; i < fn->param_count; ++i)
      if (kernelParams[i] == nullptr)
        return c.Fail(KL_ERROR_INVALID_VALUE,
                      "kernelParams[%zu] is NULL, but f %p (%s) takes %zu parameter(s)", i,
                      static_cast<void*>(f), Describe(fn).c_str(), fn->param_count);
  }
  return true;
}

// ---- the generic slot ------------------------------------------------------------------

template <Ep E, typename Fn, typename... A>
KLresult Run(Fn KLdispatchTable::*slot, const void* object, A... a) {
  Validation& v = V();
  Call c(E);
  const KLdispatchTable* next;
  {
    std::lock_guard<std::mutex> lock(v.mu);
    size_t i = 0;
    if (!(Resolve(c, i++, a) && ...)) return c.result;
    SetDispatch(c, object);
    if (!Check(Tag<E>{}, c, a...)) return c.result;
    next = v.backends[static_cast<size_t>(c.backend)].next;
  }
  const KLresult r = (next->*slot)(Unwrap(a)...);
  {
    std::lock_guard<std::mutex> lock(v.mu);
    (WrapOut(c, r, a), ...);
    After(Tag<E>{}, c, r, a...);
  }
  return r;
}

#define VALIDATE_SLOT(kind, name, dispatch, params, args)                                 \
  KLresult Validate_##name KEEL_LAYER_PARAMS_##kind(params) {                               \
    return Run<Ep::name>(&KLdispatchTable::name, KEEL_LAYER_OBJECT_##kind(dispatch),        \
                         KEEL_LAYER_ARGS_##kind(args));                                     \
  }
KEEL_ENTRY_POINTS(VALIDATE_SLOT)
#undef VALIDATE_SLOT

const KLdispatchTable* MakeTable(const Backend& b, const KLdispatchTable* next) {
  Validation& v = V();
  static bool started = false;  // klInit's once-guard serializes this
  if (!started) {
    started = true;
    if (const char* path = secure_getenv("KEEL_VALIDATION_REPORT")) {
      if (FILE* f = std::fopen(path, "a")) {
        setvbuf(f, nullptr, _IOLBF, 0);
        v.report = f;
      } else {
        Log(KL_LOG_ERROR, "cannot open KEEL_VALIDATION_REPORT '%s': %s", path, std::strerror(errno));
      }
    }
    Dl_info self;
    if (dladdr(reinterpret_cast<void*>(&klInit), &self) != 0) v.self_base = self.dli_fbase;
    std::atexit(AtExit);
  }
  const int index = static_cast<int>(v.backends.size());
  v.backends.push_back({b.table, next, b.name});
  for (KLdevice d : b.devices) v.devices[d] = index;
  KLdispatchTable* table = CopyTable(next);
#define VALIDATE_FILL(kind, name, dispatch, params, args) \
  if (next->name != nullptr) table->name = Validate_##name;
  KEEL_ENTRY_POINTS(VALIDATE_FILL)
#undef VALIDATE_FILL
  return table;
}

}  // namespace

extern const Layer kValidationLayer{"validation", MakeTable};

}  // namespace keel::loader::layers
