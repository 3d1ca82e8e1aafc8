/*
 * host: the minimal Keel backend of docs/writing-a-backend.md.
 *
 * One device, the CPU: device queries, contexts, "device" memory that is
 * host memory (a KLdeviceptr is the host address) with synchronous copies and
 * fills, and klMemHostAlloc. Every entry point it does
 * not implement (modules, launches, streams, events, ...) is left NULL in its
 * table, so the loader answers KL_ERROR_NOT_SUPPORTED for it. It uses only
 * the public plugin header, <keel/keel_backend.h>: an out-of-tree backend
 * builds the same way against an installed Keel.
 */
#include <keel/keel_backend.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKEND_NAME "host"

/* ---- step 2: the loader's services -------------------------------------------------- */

static const KLloaderServices* g_services; /* set once by keelBackendNegotiate */

/* Every failure goes through the loader's per-thread last-error message. */
#define FAIL(code, ...) g_services->setError((code), __VA_ARGS__)

/* ---- step 3: objects begin with the loader's header ------------------------------------ */

typedef struct HostDevice {
  KLobjectHeader header; /* first member: the loader dispatches through it */
} HostDevice;

typedef struct HostContext {
  KLobjectHeader header;
  HostDevice* device;
  unsigned int flags;
} HostContext;

static HostDevice g_device; /* lives as long as the process, like the loader's device list */

/* ---- memory: allocations as a list, so copies and frees can be checked ------------------- */

typedef struct Allocation {
  uintptr_t base;
  size_t size;
  HostContext* owner;
  int pinned; /* from klMemHostAlloc: not a device address */
} Allocation;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static Allocation* g_allocations;
static size_t g_allocation_count, g_allocation_capacity, g_allocated_bytes;

/* The device allocation holding [p, p + n), or NULL. Call with g_lock held. */
static Allocation* FindRange(uintptr_t p, size_t n) {
  for (size_t i = 0; i < g_allocation_count; ++i) {
    Allocation* a = &g_allocations[i];
    if (!a->pinned && p >= a->base && p - a->base <= a->size && n <= a->size - (p - a->base))
      return a;
  }
  return NULL;
}

/* Records an allocation; false when out of memory. Call with g_lock held. */
static int Record(Allocation a) {
  if (g_allocation_count == g_allocation_capacity) {
    size_t capacity = g_allocation_capacity ? 2 * g_allocation_capacity : 64;
    Allocation* grown = (Allocation*)realloc(g_allocations, capacity * sizeof *grown);
    if (grown == NULL) return 0;
    g_allocations = grown;
    g_allocation_capacity = capacity;
  }
  g_allocations[g_allocation_count++] = a;
  if (!a.pinned) g_allocated_bytes += a.size;
  return 1;
}

/* Frees the allocation that starts at p and has the given kind; false if none. */
static int Release(uintptr_t p, int pinned) {
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_allocation_count; ++i) {
    Allocation* a = &g_allocations[i];
    if (a->base == p && a->pinned == pinned) {
      free((void*)a->base);
      if (!pinned) g_allocated_bytes -= a->size;
      *a = g_allocations[--g_allocation_count];
      pthread_mutex_unlock(&g_lock);
      return 1;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return 0;
}

static size_t PhysicalMemory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

/* ---- step 5: devices ------------------------------------------------------------------ */

static KLresult HostDeviceGetName(char* name, int len, KLdevice dev) {
  (void)dev;
  if (name == NULL || len <= 0)
    return FAIL(KL_ERROR_INVALID_VALUE, "klDeviceGetName: name is NULL or len <= 0");
  snprintf(name, (size_t)len, "Keel host (CPU)");
  return KL_SUCCESS;
}

static KLresult HostDeviceGetUuid(KLuuid* uuid, KLdevice dev) {
  (void)dev;
  if (uuid == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klDeviceGetUuid: uuid is NULL");
  memcpy(uuid->bytes, "keel-host-cpu-00", sizeof uuid->bytes);
  return KL_SUCCESS;
}

static KLresult HostDeviceTotalMem(size_t* bytes, KLdevice dev) {
  (void)dev;
  if (bytes == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klDeviceTotalMem: bytes is NULL");
  *bytes = PhysicalMemory();
  return KL_SUCCESS;
}

static KLresult HostDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev) {
  (void)dev;
  if (pi == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int value;
  switch (attrib) {
    case KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: value = 1024; break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: value = 1024; break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: value = 1024; break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: value = 64; break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: value = 2147483647; break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: value = 65535; break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: value = 65535; break;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: value = 49152; break;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: value = 49152; break;
    case KL_DEVICE_ATTRIBUTE_WARP_SIZE: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: value = cpus > 0 ? (int)cpus : 1; break;
    case KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES: value = 4096; break;
    case KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_INTEGRATED: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_INT64: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS: value = 1; break;
    case KL_DEVICE_ATTRIBUTE_PCI_BUS_ID:
    case KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID:
    case KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: value = -1; break; /* not a PCI device */
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    case KL_DEVICE_ATTRIBUTE_CLOCK_RATE:
    case KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE:
    case KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH:
    case KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS:
    case KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT:
    case KL_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK:
    case KL_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY:
    case KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD:
    case KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS:
    case KL_DEVICE_ATTRIBUTE_TIMESTAMPS: value = 0; break; /* none, or unknown */
    case KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT: value = 0; break; /* loops run to the end */
    default:
      return FAIL(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: unknown attribute %d", (int)attrib);
  }
  *pi = value;
  return KL_SUCCESS;
}

/* ---- step 6: contexts (the loader keeps the per-thread stack) ------------------------------ */

static KLresult HostCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev) {
  if (pctx == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klCtxCreate: pctx is NULL");
  if (flags & ~(unsigned int)KL_CTX_SCHED_MASK)
    return FAIL(KL_ERROR_INVALID_VALUE, "klCtxCreate: unknown flags 0x%x", flags);
  HostContext* ctx = (HostContext*)calloc(1, sizeof *ctx);
  if (ctx == NULL) return FAIL(KL_ERROR_OUT_OF_MEMORY, "klCtxCreate: out of host memory");
  ctx->header.dispatch = g_services->dispatch;
  ctx->device = (HostDevice*)dev;
  ctx->flags = flags;
  *pctx = (KLcontext)ctx;
  return KL_SUCCESS;
}

static KLresult HostCtxDestroy(KLcontext handle) {
  HostContext* ctx = (HostContext*)handle;
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_allocation_count;) { /* a context frees what it owns */
    if (g_allocations[i].owner == ctx) {
      free((void*)g_allocations[i].base);
      if (!g_allocations[i].pinned) g_allocated_bytes -= g_allocations[i].size;
      g_allocations[i] = g_allocations[--g_allocation_count];
    } else {
      ++i;
    }
  }
  pthread_mutex_unlock(&g_lock);
  free(ctx);
  return KL_SUCCESS;
}

/* Kind C: the loader passes the calling thread's current context first. */
static KLresult HostCtxGetDevice(KLcontext ctx, KLdevice* device) {
  if (device == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klCtxGetDevice: device is NULL");
  *device = (KLdevice)((HostContext*)ctx)->device;
  return KL_SUCCESS;
}

static KLresult HostCtxSynchronize(KLcontext ctx) {
  (void)ctx; /* every operation of this backend completes before it returns */
  return KL_SUCCESS;
}

/* ---- step 7: memory ----------------------------------------------------------------- */

/* 256-byte aligned memory for klMemAlloc (pinned = 0) and klMemHostAlloc (1). */
static KLresult Allocate(const char* function, HostContext* ctx, size_t bytesize, int pinned,
                         void** out) {
  if (bytesize == 0) return FAIL(KL_ERROR_INVALID_VALUE, "%s: bytesize is 0", function);
  void* p = NULL;
  if (posix_memalign(&p, 256, bytesize) != 0)
    return FAIL(KL_ERROR_OUT_OF_MEMORY, "%s: posix_memalign(%zu) failed", function, bytesize);
  Allocation a = {(uintptr_t)p, bytesize, ctx, pinned};
  pthread_mutex_lock(&g_lock);
  int recorded = Record(a);
  pthread_mutex_unlock(&g_lock);
  if (!recorded) {
    free(p);
    return FAIL(KL_ERROR_OUT_OF_MEMORY, "%s: out of host memory", function);
  }
  *out = p;
  return KL_SUCCESS;
}

static KLresult HostMemAlloc(KLcontext ctx, KLdeviceptr* dptr, size_t bytesize) {
  if (dptr == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klMemAlloc: dptr is NULL");
  void* p = NULL;
  KLresult r = Allocate("klMemAlloc", (HostContext*)ctx, bytesize, 0, &p);
  if (r == KL_SUCCESS) *dptr = (KLdeviceptr)(uintptr_t)p;
  return r;
}

static KLresult HostMemFree(KLcontext ctx, KLdeviceptr dptr) {
  (void)ctx;
  if (dptr == 0 || Release((uintptr_t)dptr, 0)) return KL_SUCCESS;
  return FAIL(KL_ERROR_INVALID_VALUE, "klMemFree: 0x%llx is not the start of a live allocation",
              (unsigned long long)dptr);
}

/* Host memory is what this device computes on anyway: "pinned" is plain memory. */
static KLresult HostMemHostAlloc(KLcontext ctx, void** pp, size_t bytesize, unsigned int flags) {
  if (pp == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: pp is NULL");
  const unsigned int known =
      KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP | KL_MEMHOSTALLOC_WRITECOMBINED;
  if (flags & ~known) return FAIL(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: unknown flags 0x%x", flags);
  return Allocate("klMemHostAlloc", (HostContext*)ctx, bytesize, 1, pp);
}

static KLresult HostMemFreeHost(KLcontext ctx, void* p) {
  (void)ctx;
  if (p == NULL || Release((uintptr_t)p, 1)) return KL_SUCCESS;
  return FAIL(KL_ERROR_INVALID_VALUE, "klMemFreeHost: %p was not returned by klMemHostAlloc", p);
}

static KLresult HostMemGetInfo(KLcontext ctx, size_t* free_bytes, size_t* total) {
  (void)ctx;
  size_t all = PhysicalMemory();
  pthread_mutex_lock(&g_lock);
  size_t used = g_allocated_bytes;
  pthread_mutex_unlock(&g_lock);
  if (free_bytes != NULL) *free_bytes = all > used ? all - used : 0;
  if (total != NULL) *total = all;
  return KL_SUCCESS;
}

static KLresult HostMemGetAddressRange(KLcontext ctx, KLdeviceptr* pbase, size_t* psize,
                                       KLdeviceptr dptr) {
  (void)ctx;
  pthread_mutex_lock(&g_lock);
  Allocation* a = FindRange((uintptr_t)dptr, 0);
  if (a != NULL && (uintptr_t)dptr == a->base + a->size) a = NULL; /* one past the end */
  Allocation found = a != NULL ? *a : (Allocation){0, 0, NULL, 0};
  pthread_mutex_unlock(&g_lock);
  if (a == NULL)
    return FAIL(KL_ERROR_NOT_FOUND, "klMemGetAddressRange: 0x%llx lies in no allocation",
                (unsigned long long)dptr);
  if (pbase != NULL) *pbase = (KLdeviceptr)found.base;
  if (psize != NULL) *psize = found.size;
  return KL_SUCCESS;
}

/* Fails unless [dptr, dptr + n) lies inside one allocation. */
static KLresult CheckRange(const char* function, KLdeviceptr dptr, size_t n) {
  pthread_mutex_lock(&g_lock);
  Allocation* a = FindRange((uintptr_t)dptr, n);
  pthread_mutex_unlock(&g_lock);
  if (a == NULL)
    return FAIL(KL_ERROR_INVALID_VALUE, "%s: [0x%llx, +%zu) is not inside one allocation", function,
                (unsigned long long)dptr, n);
  return KL_SUCCESS;
}

static KLresult HostMemcpyHtoD(KLcontext ctx, KLdeviceptr dst, const void* src, size_t n) {
  (void)ctx;
  if (n == 0) return KL_SUCCESS;
  if (src == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klMemcpyHtoD: srcHost is NULL");
  KLresult r = CheckRange("klMemcpyHtoD", dst, n);
  if (r == KL_SUCCESS) memcpy((void*)(uintptr_t)dst, src, n);
  return r;
}

static KLresult HostMemcpyDtoH(KLcontext ctx, void* dst, KLdeviceptr src, size_t n) {
  (void)ctx;
  if (n == 0) return KL_SUCCESS;
  if (dst == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "klMemcpyDtoH: dstHost is NULL");
  KLresult r = CheckRange("klMemcpyDtoH", src, n);
  if (r == KL_SUCCESS) memcpy(dst, (const void*)(uintptr_t)src, n);
  return r;
}

static KLresult HostMemcpyDtoD(KLcontext ctx, KLdeviceptr dst, KLdeviceptr src, size_t n) {
  (void)ctx;
  if (n == 0) return KL_SUCCESS;
  KLresult r = CheckRange("klMemcpyDtoD", dst, n);
  if (r == KL_SUCCESS) r = CheckRange("klMemcpyDtoD", src, n);
  if (r == KL_SUCCESS) memmove((void*)(uintptr_t)dst, (const void*)(uintptr_t)src, n);
  return r;
}

/* klMemsetD8/16/32: `value` repeated n times, each `width` bytes. */
static KLresult Fill(const char* function, KLdeviceptr dst, uint32_t value, size_t width, size_t n) {
  if (n == 0) return KL_SUCCESS;
  if (dst % width != 0)
    return FAIL(KL_ERROR_INVALID_VALUE, "%s: 0x%llx is not %zu-byte aligned", function,
                (unsigned long long)dst, width);
  if (n > SIZE_MAX / width)
    return FAIL(KL_ERROR_INVALID_VALUE, "%s: %zu elements overflow the address space", function, n);
  KLresult r = CheckRange(function, dst, n * width);
  if (r != KL_SUCCESS) return r;
  unsigned char* p = (unsigned char*)(uintptr_t)dst;
  for (size_t i = 0; i < n; ++i) memcpy(p + i * width, &value, width); /* little-endian host */
  return KL_SUCCESS;
}

static KLresult HostMemsetD8(KLcontext ctx, KLdeviceptr dst, unsigned char v, size_t n) {
  (void)ctx;
  return Fill("klMemsetD8", dst, v, 1, n);
}
static KLresult HostMemsetD16(KLcontext ctx, KLdeviceptr dst, unsigned short v, size_t n) {
  (void)ctx;
  return Fill("klMemsetD16", dst, v, 2, n);
}
static KLresult HostMemsetD32(KLcontext ctx, KLdeviceptr dst, unsigned int v, size_t n) {
  (void)ctx;
  return Fill("klMemsetD32", dst, v, 4, n);
}

/* ---- step 4: init, device enumeration, the table ------------------------------------- */

static KLresult HostInit(void) {
  g_device.header.dispatch = g_services->dispatch;
  g_services->log(KL_LOG_INFO, BACKEND_NAME, "one device: the CPU, %zu bytes of memory",
                  PhysicalMemory());
  return KL_SUCCESS;
}

static KLresult HostGetDevices(int* count, KLdevice* devices) {
  if (count == NULL) return FAIL(KL_ERROR_INVALID_VALUE, "getDevices: count is NULL");
  if (devices != NULL && *count >= 1) devices[0] = (KLdevice)&g_device;
  *count = 1;
  return KL_SUCCESS;
}

static const char* HostDriverVersion(void) { return NULL; /* no native driver */ }

/* Designated initializers: every slot not named stays NULL, "not supported". */
static const KLdispatchTable g_table = {
    .size = sizeof(KLdispatchTable),
    .klDeviceGetName = HostDeviceGetName,
    .klDeviceGetUuid = HostDeviceGetUuid,
    .klDeviceTotalMem = HostDeviceTotalMem,
    .klDeviceGetAttribute = HostDeviceGetAttribute,
    .klCtxCreate = HostCtxCreate,
    .klCtxDestroy = HostCtxDestroy,
    .klCtxGetDevice = HostCtxGetDevice,
    .klCtxSynchronize = HostCtxSynchronize,
    .klMemAlloc = HostMemAlloc,
    .klMemFree = HostMemFree,
    .klMemGetInfo = HostMemGetInfo,
    .klMemGetAddressRange = HostMemGetAddressRange,
    .klMemHostAlloc = HostMemHostAlloc,
    .klMemFreeHost = HostMemFreeHost,
    .klMemcpyHtoD = HostMemcpyHtoD,
    .klMemcpyDtoH = HostMemcpyDtoH,
    .klMemcpyDtoD = HostMemcpyDtoD,
    .klMemsetD8 = HostMemsetD8,
    .klMemsetD16 = HostMemsetD16,
    .klMemsetD32 = HostMemsetD32,
};

/* ---- step 1: the one exported function ---------------------------------------------- */

KEEL_BACKEND_EXPORT KLresult keelBackendNegotiate(const KLloaderServices* services,
                                                  KLbackendInterface* out) {
  g_services = services;
  if (services->interfaceVersion < 1)
    return services->setError(KL_ERROR_NOT_SUPPORTED,
                              BACKEND_NAME " speaks plugin interface 1, the loader offers %u",
                              (unsigned)services->interfaceVersion);
  out->interfaceVersion = 1;
  out->name = BACKEND_NAME;
  out->version = "1.0.0 (docs/examples/minimal_backend)";
  out->table = &g_table;
  out->init = HostInit;
  out->getDevices = HostGetDevices;
  out->driverVersion = HostDriverVersion;
  return KL_SUCCESS;
}
