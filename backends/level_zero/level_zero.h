// Internal declarations of the Level Zero backend: the native function table,
// the objects behind Keel handles, and the helpers the per-object files share.
// docs/backends/level_zero.md explains the mapping in prose.
#ifndef KEEL_BACKENDS_LEVEL_ZERO_LEVEL_ZERO_H_
#define KEEL_BACKENDS_LEVEL_ZERO_LEVEL_ZERO_H_

#include <keel/keel_backend.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/kernel_args.h"
#include "common/object.h"
#include "common/range_map.h"
#include "common/services.h"
#include "common/spirv_kernel_params.h"
#include "symbols.h"

namespace keel::ze {

// ---- the native library (backend.cc) ---------------------------------------
struct Api {
#define KEEL_ZE_FIELD_REQUIRED(name) decltype(&::name) name = nullptr;
#define KEEL_ZE_FIELD_OPTIONAL(name, type) type name = nullptr;
  KEEL_ZE_SYMBOLS(KEEL_ZE_FIELD_REQUIRED, KEEL_ZE_FIELD_OPTIONAL)
#undef KEEL_ZE_FIELD_REQUIRED
#undef KEEL_ZE_FIELD_OPTIONAL
};
extern Api api;
// The driver's own description of the last failure on this thread (Level Zero
// 1.6+, zeDriverGetLastErrorDescription), or nullptr.
const char* DriverErrorDescription();

// ---- results (status.cc) ----------------------------------------------------
// "ZE_RESULT_ERROR_DEVICE_LOST", or "ze_result_t 0x..." for values the table
// does not know (the text lives in a thread-local buffer then).
const char* ResultName(ze_result_t result);
// The Keel code for a native result (KL_ERROR_UNKNOWN for unknown values).
KLresult MapResult(ze_result_t result);
// Sets the last-error message "<function>: <call>: NAME (0x...)[: detail]"
// and returns the mapped code (or `code` when it is not KL_SUCCESS).
KLresult ZeFail(ze_result_t result, const char* function, const char* call,
                KLresult code = KL_SUCCESS, const char* detail = nullptr);

// Calls a native function; on failure sets the message and returns its code.
#define KEEL_ZE_CALL(function, call, args)                                   \
  do {                                                                       \
    ze_result_t keel_ze_result_ = ::keel::ze::api.call args;                 \
    if (keel_ze_result_ != ZE_RESULT_SUCCESS)                                \
      return ::keel::ze::ZeFail(keel_ze_result_, function, #call);           \
  } while (0)

struct Context;
struct Stream;
struct Module;

// ---- drivers and devices (backend.cc, device.cc) ---------------------------
// One ze_context per driver, shared by every Keel context of its devices (so
// USM pointers, events and host allocations work across Keel contexts, as
// device pointers do across CUDA contexts with unified addressing). Created
// with the first Keel context, destroyed with the last.
struct Driver {
  ze_driver_handle_t handle = nullptr;
  ze_api_version_t api_version = ZE_API_VERSION_1_0;
  uint32_t driver_version = 0;
  std::mutex mu;
  ze_context_handle_t context = nullptr;
  int context_refs = 0;
};

struct Device : Object {
  ze_device_handle_t handle = nullptr;
  Driver* driver = nullptr;
  ze_device_properties_t props{};
  ze_device_compute_properties_t compute{};
  ze_device_module_properties_t module{};
  std::vector<ze_device_memory_properties_t> memories;
  uint32_t compute_ordinal = 0;  // queue group used for streams
  uint32_t copy_engines = 0;     // queues of copy-only groups
  bool float_atomic_add = false;
  bool has_pci = false;
  ze_pci_ext_properties_t pci{};
  // Timer: ticks per second when known exactly (API >= 1.2), else ns per tick.
  double ns_per_tick = 0.0;
  uint64_t timestamp_mask = ~0ull;

  // Primary context (guarded by primary_mu).
  std::mutex primary_mu;
  Context* primary = nullptr;
  int primary_refs = 0;
  unsigned primary_flags = 0;

  std::mutex alloc_mu;
  uint64_t allocated_bytes = 0;  // device memory Keel holds (klMemGetInfo)
};

// Queries a device's properties into `device` (device.cc).
KLresult DescribeDevice(Device* device);
uint64_t TotalMemory(const Device* device);

// Takes a reference on the driver's shared ze_context (creating it).
KLresult AcquireZeContext(Driver* driver, const char* function, ze_context_handle_t* out);
void ReleaseZeContext(Driver* driver);

// ---- events from pools (event.cc) -------------------------------------------
// One native event of a pool. Keel events and internal markers (stream
// synchronization, host functions, NULL-stream joins) all use slots.
struct EventSlot {
  ze_event_handle_t event = nullptr;
  uint64_t* timestamp = nullptr;  // host USM word written by timing records
  bool armed = false;             // a signal was appended and may be pending
  bool waited = false;            // a stream was told to wait on it
  uint64_t retire_epoch = 0;      // context epoch when it was given up
};

// Pools of 64 host-visible events, with a host USM timestamp word per event
// when `timing`. Guarded by the owning context's mutex.
class EventAllocator {
 public:
  explicit EventAllocator(bool timing) : timing_(timing) {}
  KLresult Acquire(Context* ctx, const char* function, EventSlot** out);
  // Gives a slot up: unarmed ones are free at once; armed ones wait until
  // they are signalled and, if a stream was told to wait on them, every
  // stream has passed a synchronization point since (Context::CanRecycle).
  void Retire(Context* ctx, EventSlot* slot);
  // Gives up a slot whose signal is known complete and that nothing waits on.
  void ReleaseSignalled(EventSlot* slot);
  void Recycle(Context* ctx);
  void Destroy(Context* ctx);
  size_t live() const { return slots_.size() - free_.size(); }

 private:
  struct Pool {
    ze_event_pool_handle_t pool = nullptr;
    uint64_t* timestamps = nullptr;
  };
  bool timing_;
  std::vector<Pool> pools_;
  std::vector<std::unique_ptr<EventSlot>> slots_;
  std::vector<EventSlot*> free_;
  std::vector<EventSlot*> retiring_;
};

struct Event : Object {
  Context* ctx = nullptr;
  unsigned flags = 0;
  EventSlot* slot = nullptr;  // the slot of the latest record (one from creation on)
  bool recorded = false;
};

// ---- streams (stream.cc) ----------------------------------------------------
struct HostJob {
  EventSlot* start = nullptr;  // signalled by the stream when earlier work is done
  EventSlot* done = nullptr;   // signalled by the worker after fn returns
  KLhostFn fn = nullptr;
  void* user_data = nullptr;
};

struct Stream : Object {
  Context* ctx = nullptr;
  unsigned flags = 0;
  int priority = 0;
  bool is_null = false;  // the context's NULL stream
  ze_command_list_handle_t list = nullptr;

  // Guarded by ctx->mu.
  uint64_t ops = 0;            // commands appended so far
  uint64_t synced_ops = 0;     // commands known complete
  uint64_t synced_epoch = 0;   // context epoch at the last completed sync
  uint64_t null_seen = 0;      // NULL-stream ops this blocking stream waited for
  bool unjoined = false;       // blocking stream: work the NULL stream has not waited for
  EventSlot* query_marker = nullptr;
  uint64_t query_marker_ops = 0;
  uint64_t query_marker_epoch = 0;
  // Memory that must live until the device consumed it: staged pageable
  // sources, fill patterns. Freed once synced_ops passes `ops`.
  struct Keepalive {
    uint64_t ops;
    void* usm;  // host USM (zeMemFree) or nullptr
    std::unique_ptr<uint64_t[]> heap;
  };
  std::vector<Keepalive> keepalive;

  // Host functions run on a thread of this stream, in order.
  std::mutex worker_mu;
  std::condition_variable worker_cv;
  std::deque<HostJob> jobs;
  bool worker_stop = false;
  std::thread worker;

  bool dirty() const { return synced_ops != ops; }
};

// Stream helpers; all but Synchronize expect ctx->mu held.
// Resolves the stream an S-kind entry point acts on (NULL: the context's NULL
// stream, created on first use) and checks it belongs to this backend.
KLresult ResolveStream(Context* ctx, KLstream handle, const char* function, Stream** out);
// Makes the next command of `s` ordered after everything before it (barrier,
// NULL-stream joins). Call before appending a command, then EndCommand.
KLresult BeginCommand(Stream* s, const char* function);
void EndCommand(Stream* s);
// Waits for all work appended to `s` so far (takes ctx->mu itself).
KLresult SynchronizeStream(Stream* s, const char* function);
KLresult DestroyStream(Stream* s, const char* function);

// ---- modules and functions (module.cc, function.cc) ------------------------
struct Function : Object {
  Module* module = nullptr;
  std::string name;
  ze_kernel_handle_t kernel = nullptr;
  ParamLayout layout;             // the parameters Keel passes
  bool dynamic_shared = false;    // last native argument is the __local buffer
  uint32_t native_args = 0;       // layout.count() + dynamic_shared
  ze_kernel_properties_t props{};
  int max_dynamic_shared = 0;     // KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
  uint32_t group[3] = {0, 0, 0};  // group size last set (guarded by ctx->mu)
};

struct Module : Object {
  Context* ctx = nullptr;
  ze_module_handle_t module = nullptr;
  std::map<std::string, std::unique_ptr<Function>> functions;  // by name
  std::map<std::string, spirv::KernelSignature> kernels;        // reflected from the SPIR-V
  std::vector<uint64_t> globals;  // bases registered in the range map
};

KLresult DestroyModule(Module* m, const char* function);
void DestroyFunction(Function* f);

// ---- memory (memory.cc) -----------------------------------------------------
enum class AllocKind { kDevice, kHost, kGlobal };
struct Allocation {
  AllocKind kind;
  Context* ctx;
  Module* module;  // kGlobal only
};
// Every device, host and module-global range of this backend, by address.
struct AllocationMap {
  std::mutex mu;
  RangeMap<Allocation> map;
};
AllocationMap& Allocations();
// Frees everything `ctx` allocated (context teardown).
void FreeContextMemory(Context* ctx);

// ---- contexts (context.cc) --------------------------------------------------
struct Context : Object {
  Device* device = nullptr;
  unsigned flags = 0;
  bool primary = false;
  ze_context_handle_t ze = nullptr;

  std::mutex mu;  // guards all below and every append to this context's streams
  Stream* null_stream = nullptr;
  std::set<Stream*> streams;  // includes the NULL stream
  std::set<Event*> events;
  std::set<Module*> modules;
  EventAllocator markers{false};
  EventAllocator timed{true};
  uint64_t epoch = 0;

  // True when a slot given up at `retire_epoch` can no longer be waited on by
  // any stream of this context (ctx->mu held).
  bool CanRecycle(uint64_t retire_epoch) const;
};

KLresult CreateContext(Device* device, unsigned flags, bool primary, const char* function,
                       Context** out);
// Waits for all streams, then destroys every object and the context.
KLresult DestroyContext(Context* ctx, const char* function);
// Waits for every stream of ctx.
KLresult SynchronizeContext(Context* ctx, const char* function);

// ---- entry points (one file per object) -------------------------------------
#define KEEL_ZE_DECLARE_H(name, params) KLresult name params;
#define KEEL_ZE_DECLARE_C(name, params) KLresult name(KLcontext ctx, KEEL_UNPAREN params);
#define KEEL_ZE_DECLARE_C0(name, params) KLresult name(KLcontext ctx);
#define KEEL_ZE_DECLARE(kind, name, dispatch, params, args) KEEL_ZE_DECLARE_##kind(name, params)
#define KEEL_ZE_DECLARE_HX KEEL_ZE_DECLARE_H
#define KEEL_ZE_DECLARE_S KEEL_ZE_DECLARE_C
#define KEEL_ZE_DECLARE_B KEEL_ZE_DECLARE_H
KEEL_ENTRY_POINTS(KEEL_ZE_DECLARE)

}  // namespace keel::ze

#endif  // KEEL_BACKENDS_LEVEL_ZERO_LEVEL_ZERO_H_
