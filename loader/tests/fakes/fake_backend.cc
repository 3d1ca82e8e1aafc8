// A fake backend for the loader tests, built in variants by compile
// definitions (loader/tests/CMakeLists.txt lists them):
//
//   FAKE_NAME="alpha"        the name used in device names and messages
//   FAKE_DEVICES=n           devices getDevices reports (default 2)
//   FAKE_INIT_NO_DEVICE      init returns KL_ERROR_NO_DEVICE with a reason
//   FAKE_INIT_FAIL           init fails with KL_ERROR_UNKNOWN and a native-style message
//   FAKE_REFUSE_VERSION      negotiation refuses: "speaks only interface 99"
//   FAKE_CHOOSE_VERSION=n    negotiation answers interface n (a bogus choice)
//   FAKE_NO_ENTRY_POINT      keelBackendNegotiate is not exported
//   FAKE_UNRESOLVED          references a symbol nothing defines: dlopen(RTLD_NOW) fails
//   FAKE_NULL_SLOTS="a,b"    these table slots are left NULL
//   FAKE_TABLE_SIZE=expr     table.size is expr instead of sizeof(KLdispatchTable)
//   FAKE_NULL_DEVICES        getDevices hands out NULL device handles
//   FAKE_NULL_CONTEXTS       klCtxCreate "succeeds" with a NULL context
//
// Every slot is generated from KEEL_ENTRY_POINTS, so a new entry point is
// implemented (and recorded) here without editing this file. The few entry
// points that must produce something (names, new objects) have a Behave
// overload below; every other one records the call and returns KL_SUCCESS.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "common/services.h"
#include "fake_backend.h"

#ifndef FAKE_NAME
#error "FAKE_NAME must name the variant"
#endif
#ifndef FAKE_DEVICES
#define FAKE_DEVICES 2
#endif

#ifdef FAKE_UNRESOLVED
// Defined nowhere; the plugin links because shared objects may have undefined
// symbols, and the loader's dlopen(RTLD_NOW) must then fail with dlerror text.
extern "C" int keel_fake_symbol_that_does_not_exist(void);
#endif

namespace {

KeelFakeStats g_stats;
KLdispatchTable g_table;
KeelFakeObject g_devices[FAKE_DEVICES > 0 ? FAKE_DEVICES : 1];
KeelFakeObject g_primary[FAKE_DEVICES > 0 ? FAKE_DEVICES : 1];
int g_serial = 0;

// Every object ever made, so that none is a leak: tests read the records of
// destroyed objects, so nothing is freed before exit.
std::mutex g_objects_mutex;
std::vector<std::unique_ptr<KeelFakeObject>> g_objects;

KeelFakeObject* New(const char* kind, KeelFakeObject* device) {
  auto* o = new KeelFakeObject();
  {
    std::lock_guard<std::mutex> lock(g_objects_mutex);
    g_objects.emplace_back(o);
  }
  o->header.dispatch = keel::services().dispatch;
  o->kind = kind;
  o->index = __atomic_add_fetch(&g_serial, 1, __ATOMIC_RELAXED);
  o->device = device;
  return o;
}

KeelFakeObject* Obj(const void* handle) {
  return static_cast<KeelFakeObject*>(const_cast<void*>(handle));
}

// Threads may call on one object at once (a shared context): relaxed atomics
// keep the record race-free (ThreadSanitizer) at the cost of one locked add.
void Record(const char* name, const void* handle, KLcontext ctx) {
  if (handle == nullptr) return;
  KeelFakeObject* o = Obj(handle);
  __atomic_store_n(&o->last_call, name, __ATOMIC_RELAXED);
  __atomic_store_n(&o->last_call_by, keel::services().dispatch, __ATOMIC_RELAXED);
  __atomic_store_n(&o->last_ctx, ctx, __ATOMIC_RELAXED);
  __atomic_fetch_add(&o->calls, 1, __ATOMIC_RELAXED);
}

// One tag type per entry point, so Behave can be overloaded per entry point.
enum class Ep {
#define FAKE_EP_ENUM(kind, name, dispatch, params, args) name,
  KEEL_ENTRY_POINTS(FAKE_EP_ENUM)
#undef FAKE_EP_ENUM
};
template <Ep E>
struct Tag {};

// The default: the call was recorded; nothing else to do.
template <Ep E, typename... A>
KLresult Behave(Tag<E>, A...) {
  return KL_SUCCESS;
}

KLresult Behave(Tag<Ep::klDeviceGetName>, char* name, int len, KLdevice dev) {
  if (name == nullptr || len <= 0) return keel::Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetName: bad buffer");
  std::snprintf(name, static_cast<size_t>(len), "%s device %d", FAKE_NAME, Obj(dev)->index);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klDeviceGetUuid>, KLuuid* uuid, KLdevice dev) {
  if (uuid == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetUuid: uuid is NULL");
  std::memset(uuid->bytes, 0, sizeof uuid->bytes);
  std::snprintf(uuid->bytes, sizeof uuid->bytes, "%.13s%d", FAKE_NAME, Obj(dev)->index);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klDeviceTotalMem>, size_t* bytes, KLdevice dev) {
  if (bytes == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klDeviceTotalMem: bytes is NULL");
  *bytes = (static_cast<size_t>(Obj(dev)->index) + 1) << 30;
  return KL_SUCCESS;
}
// 1000 + attribute: a test can tell the backend's answer from the loader's.
KLresult Behave(Tag<Ep::klDeviceGetAttribute>, int* pi, KLdevice_attribute attrib, KLdevice) {
  if (pi == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
  *pi = 1000 + static_cast<int>(attrib);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klCtxCreate>, KLcontext* pctx, unsigned int, KLdevice dev) {
  if (pctx == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klCtxCreate: pctx is NULL");
#ifdef FAKE_NULL_CONTEXTS
  (void)dev;
  *pctx = nullptr;
#else
  *pctx = reinterpret_cast<KLcontext>(New("context", Obj(dev)));
#endif
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klCtxDestroy>, KLcontext ctx) {
  Obj(ctx)->destroyed = 1;
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klCtxGetDevice>, KLcontext ctx, KLdevice* device) {
  if (device == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klCtxGetDevice: device is NULL");
  *device = reinterpret_cast<KLdevice>(Obj(ctx)->device);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klDevicePrimaryCtxRetain>, KLcontext* pctx, KLdevice dev) {
  if (pctx == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxRetain: pctx is NULL");
  KeelFakeObject* primary = &g_primary[Obj(dev)->index];
  *pctx = reinterpret_cast<KLcontext>(primary);
  return KL_SUCCESS;
}
KLresult NewHandle(void* out, const char* kind) {
  if (out == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "%s: output is NULL", kind);
  *static_cast<KeelFakeObject**>(out) = New(kind, nullptr);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klModuleLoad>, KLcontext, KLmodule* m, const char*) { return NewHandle(m, "module"); }
KLresult Behave(Tag<Ep::klModuleLoadData>, KLcontext, KLmodule* m, const void*, size_t) {
  return NewHandle(m, "module");
}
KLresult Behave(Tag<Ep::klModuleLoadDataEx>, KLcontext, KLmodule* m, const void*, size_t, unsigned int,
                KLjit_option*, void**) {
  return NewHandle(m, "module");
}
// A function named "noinfo" answers no parameter queries.
constexpr size_t kNoParamInfo = ~size_t{0};
KLresult Behave(Tag<Ep::klModuleGetFunction>, KLfunction* f, KLmodule, const char* name) {
  KLresult r = NewHandle(f, "function");
  if (r != KL_SUCCESS) return r;
  KeelFakeObject* o = Obj(*f);
  if (name != nullptr && std::strncmp(name, "args:", 5) == 0) {
    for (const char* p = name + 5; *p && o->param_count < 16; ++p) {
      o->param_sizes[o->param_count++] = std::strtoul(p, const_cast<char**>(&p), 10);
      if (*p != ',') break;
    }
  } else if (name != nullptr && std::strcmp(name, "noinfo") == 0) {
    o->param_count = kNoParamInfo;
  } else {
    o->param_count = 16;
    for (size_t& size : o->param_sizes) size = 8;
  }
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klFuncGetParamCount>, KLfunction f, size_t* count) {
  if (Obj(f)->param_count == kNoParamInfo)
    return keel::Fail(KL_ERROR_NOT_SUPPORTED, "klFuncGetParamCount: kernel 'noinfo' does not say");
  if (count == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamCount: paramCount is NULL");
  *count = Obj(f)->param_count;
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klFuncGetParamInfo>, KLfunction f, size_t index, size_t* offset, size_t* size) {
  const KeelFakeObject* o = Obj(f);
  if (index >= o->param_count)
    return keel::Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamInfo: index %zu of %zu", index, o->param_count);
  size_t at = 0;
  for (size_t i = 0; i <= index; ++i) {
    size_t align = o->param_sizes[i] ? o->param_sizes[i] : 1;
    at = (at + align - 1) / align * align;
    if (i < index) at += o->param_sizes[i];
  }
  if (offset != nullptr) *offset = at;
  if (size != nullptr) *size = o->param_sizes[index];
  return KL_SUCCESS;
}

// Memory: addresses from a bump counter (never dereferenced by anyone).
std::atomic<uint64_t> g_next_device_address{0x100000000ull};
std::atomic<uint64_t> g_next_host_address{0x600000000000ull};
uint64_t Bump(std::atomic<uint64_t>& next, size_t bytes) {
  return next.fetch_add((bytes + 255) / 256 * 256 + 256);
}
KLresult Behave(Tag<Ep::klMemAlloc>, KLcontext, KLdeviceptr* dptr, size_t bytes) {
  if (dptr == nullptr || bytes == 0) return keel::Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: dptr NULL or size 0");
  *dptr = Bump(g_next_device_address, bytes);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klMemHostAlloc>, KLcontext, void** pp, size_t bytes, unsigned int) {
  if (pp == nullptr || bytes == 0) return keel::Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: pp NULL or size 0");
  *pp = reinterpret_cast<void*>(Bump(g_next_host_address, bytes));
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klModuleGetGlobal>, KLdeviceptr* dptr, size_t* bytes, KLmodule, const char*) {
  if (dptr != nullptr) *dptr = Bump(g_next_device_address, 256);
  if (bytes != nullptr) *bytes = 256;
  return KL_SUCCESS;
}

// Native handles: the fake object itself.
KLresult Native(void** native, const void* handle) {
  if (native == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "native is NULL");
  *native = const_cast<void*>(handle);
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klDeviceGetNativeHandle>, void** n, KLdevice h) { return Native(n, h); }
KLresult Behave(Tag<Ep::klCtxGetNativeHandle>, void** n, KLcontext h) { return Native(n, h); }
KLresult Behave(Tag<Ep::klModuleGetNativeHandle>, void** n, KLmodule h) { return Native(n, h); }
KLresult Behave(Tag<Ep::klFuncGetNativeHandle>, void** n, KLfunction h) { return Native(n, h); }
KLresult Behave(Tag<Ep::klEventGetNativeHandle>, void** n, KLevent h) { return Native(n, h); }
KLresult Behave(Tag<Ep::klStreamGetNativeHandle>, KLcontext ctx, void** n, KLstream h) {
  return Native(n, h != nullptr ? static_cast<const void*>(h) : static_cast<const void*>(ctx));
}
KLresult Behave(Tag<Ep::klLinkCreate>, KLcontext, unsigned int, KLjit_option*, void**, KLlinkState* s) {
  return NewHandle(s, "link");
}
KLresult Behave(Tag<Ep::klStreamCreate>, KLcontext, KLstream* s, unsigned int) { return NewHandle(s, "stream"); }
KLresult Behave(Tag<Ep::klStreamCreateWithPriority>, KLcontext, KLstream* s, unsigned int, int) {
  return NewHandle(s, "stream");
}
KLresult Behave(Tag<Ep::klEventCreate>, KLcontext, KLevent* e, unsigned int) { return NewHandle(e, "event"); }
KLresult Behave(Tag<Ep::klModuleUnload>, KLmodule m) {
  Obj(m)->destroyed = 1;
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klStreamDestroy>, KLstream s) {
  Obj(s)->destroyed = 1;
  return KL_SUCCESS;
}
KLresult Behave(Tag<Ep::klEventDestroy>, KLevent e) {
  Obj(e)->destroyed = 1;
  return KL_SUCCESS;
}

// ---- the slots, one per entry point -----------------------------------------
#define FAKE_FN_H(name, dispatch, params, args)    \
  KLresult Fake_##name params {                    \
    Record(#name, dispatch, nullptr);              \
    return Behave(Tag<Ep::name>{}, KEEL_UNPAREN args); \
  }
#define FAKE_FN_HX FAKE_FN_H
#define FAKE_FN_C(name, dispatch, params, args)                 \
  KLresult Fake_##name(KLcontext ctx, KEEL_UNPAREN params) {    \
    Record(#name, ctx, ctx);                                    \
    return Behave(Tag<Ep::name>{}, ctx, KEEL_UNPAREN args);     \
  }
#define FAKE_FN_C0(name, dispatch, params, args) \
  KLresult Fake_##name(KLcontext ctx) {          \
    Record(#name, ctx, ctx);                     \
    return Behave(Tag<Ep::name>{}, ctx);         \
  }
// With a stream the call is recorded on it (ctx must then be NULL), else on ctx.
#define FAKE_FN_S(name, dispatch, params, args)                                              \
  KLresult Fake_##name(KLcontext ctx, KEEL_UNPAREN params) {                                 \
    Record(#name, dispatch != nullptr ? static_cast<const void*>(dispatch) : ctx, ctx);     \
    return Behave(Tag<Ep::name>{}, ctx, KEEL_UNPAREN args);                                  \
  }
KLresult Fake_keelBackendCtxMadeCurrent(KLcontext ctx) {
  __atomic_fetch_add(&Obj(ctx)->made_current, 1, __ATOMIC_RELAXED);
  return KL_SUCCESS;
}
#define FAKE_FN_B(name, dispatch, params, args)
#define FAKE_FN(kind, name, dispatch, params, args) FAKE_FN_##kind(name, dispatch, params, args)
KEEL_ENTRY_POINTS(FAKE_FN)

// True if `name` is an item of the comma-separated FAKE_NULL_SLOTS.
bool LeftNull(const char* name) {
#ifdef FAKE_NULL_SLOTS
  const char* list = FAKE_NULL_SLOTS;
  const size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)) != nullptr; p += n) {
    bool starts = p == list || p[-1] == ',';
    bool ends = p[n] == '\0' || p[n] == ',';
    if (starts && ends) return true;
  }
#else
  (void)name;
#endif
  return false;
}

KLresult Init() {
  ++g_stats.init_calls;
#ifdef FAKE_UNRESOLVED
  if (keel_fake_symbol_that_does_not_exist() != 0) return KL_ERROR_UNKNOWN;
#endif
#if defined(FAKE_INIT_NO_DEVICE)
  return keel::Fail(KL_ERROR_NO_DEVICE, "%s: no device (simulated: driver not installed)", FAKE_NAME);
#elif defined(FAKE_INIT_FAIL)
  return keel::Fail(KL_ERROR_UNKNOWN, "%s: simulated native failure FAKE_ERROR_DRIVER (42)", FAKE_NAME);
#else
  for (int i = 0; i < FAKE_DEVICES; ++i) {
    g_devices[i].header.dispatch = keel::services().dispatch;
    g_devices[i].kind = "device";
    g_devices[i].index = i;
    g_primary[i].header.dispatch = keel::services().dispatch;
    g_primary[i].kind = "context";
    g_primary[i].index = 100 + i;
    g_primary[i].device = &g_devices[i];
  }
  return KL_SUCCESS;
#endif
}

KLresult GetDevices(int* count, KLdevice* devices) {
  if (count == nullptr) return keel::Fail(KL_ERROR_INVALID_VALUE, "getDevices: count is NULL");
  if (devices == nullptr) {
    *count = FAKE_DEVICES;
    return KL_SUCCESS;
  }
  int n = *count < FAKE_DEVICES ? *count : FAKE_DEVICES;
  for (int i = 0; i < n; ++i) {
#ifdef FAKE_NULL_DEVICES
    devices[i] = nullptr;
#else
    devices[i] = reinterpret_cast<KLdevice>(&g_devices[i]);
#endif
  }
  *count = n;
  return KL_SUCCESS;
}

const char* DriverVersion() { return "fake driver 1.0"; }

}  // namespace

#ifdef FAKE_REFUSE_VERSION
constexpr bool kRefuseVersion = true;
#else
constexpr bool kRefuseVersion = false;
#endif
#ifdef FAKE_CHOOSE_VERSION
constexpr uint32_t kChosenVersion = FAKE_CHOOSE_VERSION;
#else
constexpr uint32_t kChosenVersion = KEEL_BACKEND_INTERFACE_VERSION;
#endif
#ifdef FAKE_TABLE_SIZE
constexpr size_t kTableSize = FAKE_TABLE_SIZE;
#else
constexpr size_t kTableSize = sizeof(KLdispatchTable);
#endif

#ifdef FAKE_NO_ENTRY_POINT
#define FAKE_NEGOTIATE keelBackendNegotiateMisspelt
#else
#define FAKE_NEGOTIATE keelBackendNegotiate
#endif

extern "C" KEEL_BACKEND_EXPORT KLresult FAKE_NEGOTIATE(const KLloaderServices* services,
                                                       KLbackendInterface* out) {
  keel::SetServices(services, FAKE_NAME);
  ++g_stats.negotiate_calls;
  g_stats.services_dispatch = services->dispatch;
#define FAKE_FILL(kind, name, dispatch, params, args) g_table.name = LeftNull(#name) ? nullptr : Fake_##name;
  KEEL_ENTRY_POINTS(FAKE_FILL)
#undef FAKE_FILL
  g_table.size = kTableSize;
  g_stats.own_table = &g_table;
  if (kRefuseVersion)
    return keel::Fail(KL_ERROR_NOT_SUPPORTED, "%s speaks only interface 99, loader offers %u",
                      FAKE_NAME, services->interfaceVersion);
  out->interfaceVersion = kChosenVersion;
  out->name = FAKE_NAME;
  out->version = "fake " FAKE_NAME " 1.0";
  out->table = &g_table;
  out->init = Init;
  out->getDevices = GetDevices;
  out->driverVersion = DriverVersion;
  return KL_SUCCESS;
}

extern "C" KEEL_BACKEND_EXPORT KeelFakeStats* keelFakeStats(void) { return &g_stats; }
