// The null CUDA driver: a test-only libcuda.so.1 with no GPU behind it.
//
// It exists to measure what Keel itself costs on the CUDA launch path
// (keel-launch-overhead, bench/launch_overhead.cc): with a driver whose
// cuLaunchKernel returns at once, the time and the instructions of a launch
// are the caller's own, so Keel's klLaunchKernel and the raw cuLaunchKernel
// call of keel-bench can be compared without a GPU. It is never installed
// and lives in its own build directory (null_cuda/), never beside libkeel or
// the plugins, so nothing picks it up unless asked to.
//
// What it implements: cuGetProcAddress_v2 (and cuInit) exported; through
// cuGetProcAddress every symbol of the CUDA backend's list
// (backends/cuda/cuda_symbols.h) and of keel-bench's raw list. One device
// (sm_90 limits, like an H100), one primary context, module loads of any
// image, functions with the parameter layout of the bench kernels (VecAdd:
// 3 pointers and an int; anything else: none), streams and events that are
// always complete, "device" memory that is host memory (copies and fills are
// memcpy/memset, so set-up code works). Kernels never run. Symbols outside
// that return CUDA_ERROR_NOT_SUPPORTED. The ABI version asked for is not
// looked at: every symbol has the one signature the backend's list names.
//
// Counters of the calls on the measured path (launches, event records) are
// read through keelNullCudaCounters, which also tells a caller that the
// libcuda.so.1 it loaded is this one.
#include <cuda.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cuda/cuda_symbols.h"

#define NULL_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// ---- counters ---------------------------------------------------------------
// Relaxed load + store, not an atomic increment: a locked read-modify-write
// would make the "driver call" costlier than it needs to be, and the
// benchmark calls from one thread.
std::atomic<unsigned long long> g_launches{0};
std::atomic<unsigned long long> g_event_records{0};

inline void Count(std::atomic<unsigned long long>& c) {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// ---- objects ------------------------------------------------------------------
struct NullContext {
  int retains = 0;
  unsigned int flags = 0;
};
NullContext g_primary;
thread_local CUcontext t_current = nullptr;

struct NullFunction {
  std::string name;
  int params = 0;                 // count
  size_t offsets[4] = {}, sizes[4] = {};
  int max_dynamic_shared = 48 * 1024;
};
struct NullModule {
  int unused = 0;
};
struct NullStream {
  unsigned int flags = 0;
};
struct NullEvent {
  unsigned int flags = 0;
};

template <typename T, typename H>
T* From(H h) {
  return reinterpret_cast<T*>(h);
}
template <typename H, typename T>
H To(T* p) {
  return reinterpret_cast<H>(p);
}

constexpr int kOrdinal = 0;
constexpr size_t kTotalMem = size_t{80} << 30;

// ---- initialization, versions, errors ----------------------------------------
CUresult CUDAAPI Init(unsigned int) { return CUDA_SUCCESS; }
CUresult CUDAAPI DriverGetVersion(int* version) {
  *version = CUDA_VERSION;  // the toolkit it was built with
  return CUDA_SUCCESS;
}
const char* ErrorName(CUresult e) {
  switch (e) {
    case CUDA_SUCCESS: return "CUDA_SUCCESS";
    case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
    case CUDA_ERROR_OUT_OF_MEMORY: return "CUDA_ERROR_OUT_OF_MEMORY";
    case CUDA_ERROR_NOT_SUPPORTED: return "CUDA_ERROR_NOT_SUPPORTED";
    case CUDA_ERROR_NOT_FOUND: return "CUDA_ERROR_NOT_FOUND";
    case CUDA_ERROR_INVALID_HANDLE: return "CUDA_ERROR_INVALID_HANDLE";
    default: return nullptr;
  }
}
CUresult CUDAAPI GetErrorName(CUresult e, const char** s) {
  *s = ErrorName(e);
  return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
CUresult CUDAAPI GetErrorString(CUresult e, const char** s) {
  *s = ErrorName(e);
  if (*s != nullptr && e == CUDA_ERROR_NOT_SUPPORTED) *s = "not implemented by the null CUDA driver";
  return *s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

// ---- the device ----------------------------------------------------------------
CUresult CUDAAPI DeviceGetCount(int* count) {
  *count = 1;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DeviceGet(CUdevice* dev, int ordinal) {
  if (ordinal != kOrdinal) return CUDA_ERROR_INVALID_DEVICE;
  *dev = kOrdinal;
  return CUDA_SUCCESS;
}
// src into dst[len], truncated and NUL-terminated.
CUresult CopyString(char* dst, int len, const char* src) {
  if (dst == nullptr || len <= 0) return CUDA_ERROR_INVALID_VALUE;
  std::strncpy(dst, src, static_cast<size_t>(len) - 1);
  dst[len - 1] = '\0';
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DeviceGetName(char* name, int len, CUdevice) {
  return CopyString(name, len, "Keel null CUDA driver (no GPU)");
}
CUresult CUDAAPI DeviceGetUuid(CUuuid* uuid, CUdevice) {
  std::memcpy(uuid->bytes, "keel-null-cuda!", 16);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DeviceGetPCIBusId(char* id, int len, CUdevice) {
  return CopyString(id, len, "0000:00:00.0");
}
CUresult CUDAAPI DeviceTotalMem(size_t* bytes, CUdevice) {
  *bytes = kTotalMem;
  return CUDA_SUCCESS;
}
// The limits of an H100 (sm_90); 0 for anything else.
CUresult CUDAAPI DeviceGetAttribute(int* pi, CUdevice_attribute a, CUdevice) {
  switch (a) {
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: *pi = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *pi = 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *pi = 64; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *pi = 2147483647; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: *pi = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *pi = 65535; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *pi = 48 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *pi = 227 * 1024; break;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *pi = 32; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = 132; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = 0; break;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: *pi = 1; break;
    case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: *pi = 1; break;
    case CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: *pi = 3; break;
    case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: *pi = 65536; break;
    case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: *pi = 65536; break;
    default: *pi = 0; break;
  }
  return CUDA_SUCCESS;
}

// ---- contexts ------------------------------------------------------------------
CUresult CUDAAPI CtxCreate(CUcontext* pctx, unsigned int flags, CUdevice) {
  auto* c = new NullContext();
  c->flags = flags;
  *pctx = To<CUcontext>(c);
  t_current = *pctx;  // cuCtxCreate makes it current
  return CUDA_SUCCESS;
}
CUresult CUDAAPI CtxDestroy(CUcontext ctx) {
  if (ctx == To<CUcontext>(&g_primary)) return CUDA_ERROR_INVALID_CONTEXT;
  if (t_current == ctx) t_current = nullptr;
  delete From<NullContext>(ctx);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI CtxSetCurrent(CUcontext ctx) {
  t_current = ctx;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI CtxPopCurrent(CUcontext* pctx) {
  if (pctx != nullptr) *pctx = t_current;
  t_current = nullptr;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI Succeed() { return CUDA_SUCCESS; }
CUresult CUDAAPI CtxGetStreamPriorityRange(int* least, int* greatest) {
  if (least) *least = 0;
  if (greatest) *greatest = -5;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DevicePrimaryCtxRetain(CUcontext* pctx, CUdevice) {
  ++g_primary.retains;
  *pctx = To<CUcontext>(&g_primary);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DevicePrimaryCtxRelease(CUdevice) {
  if (g_primary.retains == 0) return CUDA_ERROR_INVALID_CONTEXT;
  --g_primary.retains;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DevicePrimaryCtxReset(CUdevice) { return CUDA_SUCCESS; }
CUresult CUDAAPI DevicePrimaryCtxGetState(CUdevice, unsigned int* flags, int* active) {
  *flags = g_primary.flags;
  *active = g_primary.retains > 0;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI DevicePrimaryCtxSetFlags(CUdevice, unsigned int flags) {
  g_primary.flags = flags;
  return CUDA_SUCCESS;
}

// ---- modules and functions -------------------------------------------------------
CUresult CUDAAPI ModuleLoadDataEx(CUmodule* module, const void* image, unsigned int, CUjit_option*,
                                  void**) {
  if (image == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *module = To<CUmodule>(new NullModule());
  return CUDA_SUCCESS;
}
CUresult CUDAAPI ModuleLoadData(CUmodule* module, const void* image) {
  return ModuleLoadDataEx(module, image, 0, nullptr, nullptr);
}
// Functions belong to their module in CUDA; here they are only leaked when
// the module is unloaded (a test driver, a handful of lookups per run).
CUresult CUDAAPI ModuleUnload(CUmodule module) {
  delete From<NullModule>(module);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI ModuleGetFunction(CUfunction* hfunc, CUmodule, const char* name) {
  auto* f = new NullFunction();
  f->name = name;
  if (f->name == "VecAdd") {  // (const float* a, const float* b, float* c, int n)
    f->params = 4;
    const size_t offsets[4] = {0, 8, 16, 24}, sizes[4] = {8, 8, 8, 4};
    std::memcpy(f->offsets, offsets, sizeof offsets);
    std::memcpy(f->sizes, sizes, sizeof sizes);
  }
  *hfunc = To<CUfunction>(f);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI ModuleGetLoadingMode(CUmoduleLoadingMode* mode) {
  *mode = CU_MODULE_EAGER_LOADING;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI FuncGetAttribute(int* pi, CUfunction_attribute a, CUfunction func) {
  switch (a) {
    case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
      *pi = From<NullFunction>(func)->max_dynamic_shared;
      break;
    case CU_FUNC_ATTRIBUTE_PTX_VERSION:
    case CU_FUNC_ATTRIBUTE_BINARY_VERSION: *pi = 90; break;
    default: *pi = 0; break;
  }
  return CUDA_SUCCESS;
}
CUresult CUDAAPI FuncSetAttribute(CUfunction func, CUfunction_attribute a, int value) {
  if (a != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) return CUDA_ERROR_NOT_SUPPORTED;
  From<NullFunction>(func)->max_dynamic_shared = value;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI FuncGetParamInfo(CUfunction func, size_t index, size_t* offset, size_t* size) {
  const NullFunction* f = From<NullFunction>(func);
  if (index >= static_cast<size_t>(f->params)) return CUDA_ERROR_INVALID_VALUE;
  if (offset) *offset = f->offsets[index];
  if (size) *size = f->sizes[index];
  return CUDA_SUCCESS;
}
CUresult CUDAAPI FuncLoad(CUfunction) { return CUDA_SUCCESS; }

// ---- memory: host memory standing in for device memory ---------------------------
CUresult CUDAAPI MemAlloc(CUdeviceptr* dptr, size_t bytes) {
  void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (p == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
  *dptr = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemFree(CUdeviceptr dptr) {
  std::free(reinterpret_cast<void*>(dptr));
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemGetInfo(size_t* free_bytes, size_t* total) {
  *free_bytes = *total = kTotalMem;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemHostAlloc(void** pp, size_t bytes, unsigned int) {
  *pp = std::malloc(bytes ? bytes : 1);
  return *pp ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
CUresult CUDAAPI MemFreeHost(void* p) {
  std::free(p);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemHostRegister(void*, size_t, unsigned int) { return CUDA_SUCCESS; }
CUresult CUDAAPI MemHostUnregister(void*) { return CUDA_SUCCESS; }
void* Ptr(CUdeviceptr d) { return reinterpret_cast<void*>(d); }
CUresult CUDAAPI MemcpyHtoD(CUdeviceptr dst, const void* src, size_t n) {
  std::memcpy(Ptr(dst), src, n);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemcpyDtoH(void* dst, CUdeviceptr src, size_t n) {
  std::memcpy(dst, Ptr(src), n);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) {
  std::memmove(Ptr(dst), Ptr(src), n);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t n, CUstream) {
  return MemcpyHtoD(dst, src, n);
}
CUresult CUDAAPI MemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t n, CUstream) {
  return MemcpyDtoH(dst, src, n);
}
CUresult CUDAAPI MemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream) {
  return MemcpyDtoD(dst, src, n);
}
template <typename T>
CUresult Fill(CUdeviceptr dst, T value, size_t n) {
  T* p = static_cast<T*>(Ptr(dst));
  for (size_t i = 0; i < n; ++i) p[i] = value;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI MemsetD8(CUdeviceptr d, unsigned char v, size_t n) { return Fill(d, v, n); }
CUresult CUDAAPI MemsetD16(CUdeviceptr d, unsigned short v, size_t n) { return Fill(d, v, n); }
CUresult CUDAAPI MemsetD32(CUdeviceptr d, unsigned int v, size_t n) { return Fill(d, v, n); }
CUresult CUDAAPI MemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream) {
  return Fill(d, v, n);
}
CUresult CUDAAPI MemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, CUstream) {
  return Fill(d, v, n);
}
CUresult CUDAAPI MemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream) {
  return Fill(d, v, n);
}

// ---- streams and events: all work is complete at once ------------------------------
CUresult CUDAAPI StreamCreate(CUstream* stream, unsigned int flags) {
  auto* s = new NullStream();
  s->flags = flags;
  *stream = To<CUstream>(s);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI StreamCreateWithPriority(CUstream* stream, unsigned int flags, int) {
  return StreamCreate(stream, flags);
}
CUresult CUDAAPI StreamDestroy(CUstream stream) {
  delete From<NullStream>(stream);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI StreamSynchronize(CUstream) { return CUDA_SUCCESS; }
CUresult CUDAAPI StreamQuery(CUstream) { return CUDA_SUCCESS; }
CUresult CUDAAPI StreamWaitEvent(CUstream, CUevent, unsigned int) { return CUDA_SUCCESS; }
CUresult CUDAAPI StreamGetPriority(CUstream, int* priority) {
  *priority = 0;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI StreamGetFlags(CUstream stream, unsigned int* flags) {
  *flags = stream ? From<NullStream>(stream)->flags : 0;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI LaunchHostFunc(CUstream, CUhostFn fn, void* data) {
  fn(data);  // everything before it in the stream is already done
  return CUDA_SUCCESS;
}
CUresult CUDAAPI EventCreate(CUevent* event, unsigned int flags) {
  auto* e = new NullEvent();
  e->flags = flags;
  *event = To<CUevent>(e);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI EventRecord(CUevent, CUstream) {
  Count(g_event_records);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI EventQuery(CUevent) { return CUDA_SUCCESS; }
CUresult CUDAAPI EventSynchronize(CUevent) { return CUDA_SUCCESS; }
CUresult CUDAAPI EventElapsedTime(float* ms, CUevent, CUevent) {
  *ms = 0.0f;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI EventDestroy(CUevent event) {
  delete From<NullEvent>(event);
  return CUDA_SUCCESS;
}

// ---- the launch: counted, nothing else ---------------------------------------------
CUresult CUDAAPI LaunchKernel(CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,
                              unsigned int, unsigned int, unsigned int, CUstream, void**, void**) {
  Count(g_launches);
  return CUDA_SUCCESS;
}

// ---- the symbol table ----------------------------------------------------------------
struct Entry {
  const char* name;
  void* fn;
};

#define NULL_CUDA_IMPL(name) {"cu" #name, reinterpret_cast<void*>(&name)},
#define NULL_CUDA_AS(name, fn) {"cu" #name, reinterpret_cast<void*>(&fn)},
const Entry kImplemented[] = {
    NULL_CUDA_IMPL(Init) NULL_CUDA_IMPL(DriverGetVersion) NULL_CUDA_IMPL(GetErrorName)
    NULL_CUDA_IMPL(GetErrorString) NULL_CUDA_IMPL(DeviceGetCount) NULL_CUDA_IMPL(DeviceGet)
    NULL_CUDA_IMPL(DeviceGetName) NULL_CUDA_IMPL(DeviceGetUuid) NULL_CUDA_IMPL(DeviceGetPCIBusId)
    NULL_CUDA_IMPL(DeviceTotalMem) NULL_CUDA_IMPL(DeviceGetAttribute) NULL_CUDA_IMPL(CtxCreate)
    NULL_CUDA_IMPL(CtxDestroy) NULL_CUDA_IMPL(CtxSetCurrent) NULL_CUDA_IMPL(CtxPopCurrent)
    NULL_CUDA_AS(CtxSynchronize, Succeed) NULL_CUDA_IMPL(CtxGetStreamPriorityRange)
    NULL_CUDA_IMPL(DevicePrimaryCtxRetain) NULL_CUDA_IMPL(DevicePrimaryCtxRelease)
    NULL_CUDA_IMPL(DevicePrimaryCtxReset) NULL_CUDA_IMPL(DevicePrimaryCtxGetState)
    NULL_CUDA_IMPL(DevicePrimaryCtxSetFlags) NULL_CUDA_IMPL(ModuleLoadDataEx)
    NULL_CUDA_IMPL(ModuleLoadData) NULL_CUDA_IMPL(ModuleUnload) NULL_CUDA_IMPL(ModuleGetFunction)
    NULL_CUDA_IMPL(ModuleGetLoadingMode) NULL_CUDA_IMPL(FuncGetAttribute)
    NULL_CUDA_IMPL(FuncSetAttribute) NULL_CUDA_IMPL(FuncGetParamInfo) NULL_CUDA_IMPL(FuncLoad)
    NULL_CUDA_IMPL(MemAlloc) NULL_CUDA_IMPL(MemFree) NULL_CUDA_IMPL(MemGetInfo)
    NULL_CUDA_IMPL(MemHostAlloc) NULL_CUDA_IMPL(MemFreeHost) NULL_CUDA_IMPL(MemHostRegister)
    NULL_CUDA_IMPL(MemHostUnregister) NULL_CUDA_IMPL(MemcpyHtoD) NULL_CUDA_IMPL(MemcpyDtoH)
    NULL_CUDA_IMPL(MemcpyDtoD) NULL_CUDA_IMPL(MemcpyHtoDAsync) NULL_CUDA_IMPL(MemcpyDtoHAsync)
    NULL_CUDA_IMPL(MemcpyDtoDAsync) NULL_CUDA_IMPL(MemsetD8) NULL_CUDA_IMPL(MemsetD16)
    NULL_CUDA_IMPL(MemsetD32) NULL_CUDA_IMPL(MemsetD8Async) NULL_CUDA_IMPL(MemsetD16Async)
    NULL_CUDA_IMPL(MemsetD32Async) NULL_CUDA_IMPL(StreamCreate)
    NULL_CUDA_IMPL(StreamCreateWithPriority) NULL_CUDA_IMPL(StreamDestroy)
    NULL_CUDA_IMPL(StreamSynchronize) NULL_CUDA_IMPL(StreamQuery) NULL_CUDA_IMPL(StreamWaitEvent)
    NULL_CUDA_IMPL(StreamGetPriority) NULL_CUDA_IMPL(StreamGetFlags) NULL_CUDA_IMPL(LaunchHostFunc)
    NULL_CUDA_IMPL(EventCreate) NULL_CUDA_IMPL(EventRecord) NULL_CUDA_IMPL(EventQuery)
    NULL_CUDA_IMPL(EventSynchronize) NULL_CUDA_IMPL(EventElapsedTime) NULL_CUDA_IMPL(EventDestroy)
    NULL_CUDA_IMPL(LaunchKernel)};
#undef NULL_CUDA_IMPL
#undef NULL_CUDA_AS

// Every other symbol of the backend's list resolves to a function of its own
// signature that answers CUDA_ERROR_NOT_SUPPORTED (linking, globals, pointer
// attributes: nothing on the measured path).
#define NULL_CUDA_UNSUPPORTED(name, version, need, params) \
  CUresult CUDAAPI Unsupported##name params { return CUDA_ERROR_NOT_SUPPORTED; }
KEEL_CUDA_SYMBOLS(NULL_CUDA_UNSUPPORTED)
#undef NULL_CUDA_UNSUPPORTED
#define NULL_CUDA_FALLBACK(name, version, need, params) \
  {"cu" #name, reinterpret_cast<void*>(&Unsupported##name)},
const Entry kUnsupported[] = {KEEL_CUDA_SYMBOLS(NULL_CUDA_FALLBACK)};
#undef NULL_CUDA_FALLBACK

void* Find(const char* symbol) {
  for (const Entry& e : kImplemented)
    if (std::strcmp(e.name, symbol) == 0) return e.fn;
  for (const Entry& e : kUnsupported)
    if (std::strcmp(e.name, symbol) == 0) return e.fn;
  return nullptr;
}

}  // namespace

NULL_CUDA_EXPORT CUresult CUDAAPI cuGetProcAddress_v2(const char* symbol, void** pfn, int, cuuint64_t,
                                                      CUdriverProcAddressQueryResult* status) {
  if (symbol == nullptr || pfn == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *pfn = Find(symbol);
  if (status != nullptr) *status = *pfn ? CU_GET_PROC_ADDRESS_SUCCESS : CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
  return *pfn ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
}

NULL_CUDA_EXPORT CUresult CUDAAPI cuInit(unsigned int flags) { return Init(flags); }

// Marks this library as the null driver and reads its counters (either
// pointer may be NULL). Returns 1.
NULL_CUDA_EXPORT int keelNullCudaCounters(unsigned long long* launches,
                                          unsigned long long* event_records) {
  if (launches) *launches = g_launches.load(std::memory_order_relaxed);
  if (event_records) *event_records = g_event_records.load(std::memory_order_relaxed);
  return 1;
}
