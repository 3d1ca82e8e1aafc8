/*
 * Keel: a vendor-neutral C API for GPU compute.
 *
 * Keel has the object model and the semantics of the CUDA Driver API under a
 * `kl`/`KL` prefix: porting code written against `cuda.h` is close to a rename
 * (`cuMemAlloc` -> `klMemAlloc`, `CUstream` -> `KLstream`). Applications link
 * `libkeel`, a loader that opens backend plugins (CUDA, Vulkan, Level Zero)
 * and dispatches each call to the backend that owns the object it names.
 *
 * Global rules (they hold for every function below unless its documentation
 * says otherwise; docs/api-conventions.md states them at length):
 *
 * Errors.  Every function returns a ::KLresult. ::KL_SUCCESS is 0. On failure
 *   no output parameter is written and no object is created or destroyed.
 *   Each thread keeps a last-error message (klGetLastErrorMessage) that says
 *   what was wrong, including the backend's native error name and number
 *   (`cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX (218): ...`). Codes common to
 *   all functions are not repeated per function:
 *   - ::KL_ERROR_NOT_INITIALIZED: klInit has not succeeded yet (only klInit,
 *     klDriverGetVersion, klGetErrorName, klGetErrorString and
 *     klGetLastErrorMessage work before it).
 *   - ::KL_ERROR_INVALID_VALUE: a required pointer parameter is NULL, or a
 *     value is out of its documented range.
 *   - ::KL_ERROR_INVALID_HANDLE: a handle parameter is NULL or names an object
 *     of another backend than the one the call runs on.
 *   - ::KL_ERROR_INVALID_CONTEXT: the function uses the calling thread's
 *     current context and none is current.
 *   - ::KL_ERROR_NOT_SUPPORTED: the backend that owns the object does not
 *     implement the function or the requested variant.
 *   Handles that were destroyed, or never were handles, are undefined
 *   behaviour, as in CUDA; the validation layer (KEEL_LAYERS=validation)
 *   turns them into ::KL_ERROR_INVALID_HANDLE with a message.
 *
 * Ownership.  `klXxxCreate`/`Load`/`Alloc` return an object the caller owns
 *   and must release with the matching `Destroy`/`Unload`/`Free`. Functions
 *   never retain caller memory past their return except where stated (the
 *   source of an asynchronous copy must stay valid until the copy completes).
 *   Strings returned as `const char*` are owned by Keel.
 *
 * Threads.  Every function may be called from any thread. Each thread has its
 *   own stack of current contexts, exactly as in the CUDA Driver API. Objects
 *   may be used from any thread; operations on one stream from several
 *   threads are ordered by the order in which the calls happen.
 *
 * Contexts.  Functions without a handle that names their context (klMemAlloc,
 *   klModuleLoad, klStreamCreate, ...) act in the calling thread's current
 *   context. Functions that take a handle (a stream, a module, a function)
 *   act in the context that handle was created in, whichever is current.
 *   A NULL ::KLstream means the default (NULL) stream of the current context.
 *
 * This header is C99 and C++ compatible and compiles warning-free with
 * -Wall -Wextra -pedantic. Versioning: KEEL_API_VERSION is major*1000000 +
 * minor*1000 + patch. A minor release only appends: new functions, new enum
 * values, new flags; it never changes the meaning of existing ones.
 */
#ifndef KEEL_KEEL_H_
#define KEEL_KEEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KEEL_API_VERSION_MAJOR 1
#define KEEL_API_VERSION_MINOR 0
#define KEEL_API_VERSION_PATCH 0
/** The Keel API version this header declares (major*1000000 + minor*1000 + patch). */
#define KEEL_API_VERSION \
  (KEEL_API_VERSION_MAJOR * 1000000 + KEEL_API_VERSION_MINOR * 1000 + KEEL_API_VERSION_PATCH)

#if defined(_WIN32)
#define KEEL_API __declspec(dllimport)
#elif defined(__GNUC__)
#define KEEL_API __attribute__((visibility("default")))
#else
#define KEEL_API
#endif

/* ------------------------------------------------------------------------ */
/** @name Handles and basic types */
/** @{ */

typedef struct KLdevice_st* KLdevice;       /**< A device of one backend. */
typedef struct KLctx_st* KLcontext;         /**< A context: owns memory, modules, streams. */
typedef struct KLmod_st* KLmodule;          /**< A loaded module (code image). */
typedef struct KLfunc_st* KLfunction;       /**< A kernel of a module. */
typedef struct KLstream_st* KLstream;       /**< An in-order queue of work. */
typedef struct KLevent_st* KLevent;         /**< A marker in a stream. */
typedef struct KLlinkState_st* KLlinkState; /**< A pending link of several images. */
typedef uint64_t KLdeviceptr;               /**< A device address; plain integer, arithmetic works. */

/** Universally unique identifier of a device (16 bytes, as cuDeviceGetUuid). */
typedef struct KLuuid {
  char bytes[16]; /**< The 16 bytes of the UUID. */
} KLuuid;

/** Host function enqueued with klLaunchHostFunc. */
typedef void (*KLhostFn)(void* userData);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Results */
/** @{ */

/** Result codes. Values are part of the ABI and never change. */
typedef enum KLresult {
  KL_SUCCESS = 0,                      /**< The call succeeded. */
  KL_ERROR_INVALID_VALUE = 1,          /**< A parameter is NULL or out of range. */
  KL_ERROR_OUT_OF_MEMORY = 2,          /**< Device or host memory is exhausted. */
  KL_ERROR_NOT_INITIALIZED = 3,        /**< klInit has not succeeded. */
  KL_ERROR_NO_BACKEND = 90,            /**< No backend plugin could be loaded. */
  KL_ERROR_NO_DEVICE = 100,            /**< Backends loaded, but none has a device. */
  KL_ERROR_INVALID_DEVICE = 101,       /**< Device ordinal or handle is invalid. */
  KL_ERROR_INVALID_IMAGE = 200,        /**< A module image is malformed or of an unknown format. */
  KL_ERROR_INVALID_CONTEXT = 201,      /**< No current context, or the wrong one. */
  KL_ERROR_NO_BINARY_FOR_DEVICE = 209, /**< The image holds no code for this device. */
  KL_ERROR_UNSUPPORTED_IMAGE_VERSION = 222, /**< The image is newer than the driver accepts. */
  KL_ERROR_COMPILE_FAILED = 218,       /**< JIT compilation or linking failed; see the log. */
  KL_ERROR_FILE_NOT_FOUND = 301,       /**< A file could not be opened. */
  KL_ERROR_INVALID_HANDLE = 400,       /**< A handle is NULL or of another backend. */
  KL_ERROR_NOT_FOUND = 500,            /**< A named symbol (kernel, global) does not exist. */
  KL_ERROR_NOT_READY = 600,            /**< Work is still pending (query functions). */
  KL_ERROR_ILLEGAL_ADDRESS = 700,      /**< A kernel accessed an invalid address. */
  KL_ERROR_LAUNCH_OUT_OF_RESOURCES = 701, /**< The launch needs more resources than the device has. */
  KL_ERROR_LAUNCH_TIMEOUT = 702,       /**< A kernel ran past the watchdog. */
  KL_ERROR_PRIMARY_CONTEXT_ACTIVE = 708, /**< The primary context is active already. */
  KL_ERROR_CONTEXT_IS_DESTROYED = 709, /**< The context was destroyed. */
  KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED = 712, /**< The host range is registered already. */
  KL_ERROR_HOST_MEMORY_NOT_REGISTERED = 713,     /**< The host range was not registered. */
  KL_ERROR_LAUNCH_FAILED = 719,        /**< A kernel faulted; the context is unusable. */
  KL_ERROR_NOT_PERMITTED = 800,        /**< The operation is not permitted in this state. */
  KL_ERROR_NOT_SUPPORTED = 801,        /**< The backend does not implement this. */
  KL_ERROR_DEVICE_LOST = 900,          /**< The device was lost (reset, removed). */
  KL_ERROR_UNKNOWN = 999               /**< An unexpected internal or native error. */
} KLresult;

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Enumerations and flags */
/** @{ */

/** Status of a backend candidate, see klGetBackendProperties. */
typedef enum KLbackendStatus {
  KL_BACKEND_STATUS_INVALID = 0,      /**< Unset. */
  KL_BACKEND_STATUS_LOADED = 1,       /**< Loaded, with at least one device. */
  KL_BACKEND_STATUS_NO_DEVICES = 2,   /**< Loaded, but it found no usable device (reason says why). */
  KL_BACKEND_STATUS_NOT_FOUND = 3,    /**< Selected by KEEL_BACKENDS but no plugin file was found. */
  KL_BACKEND_STATUS_LOAD_FAILED = 4,  /**< dlopen failed or the entry point is missing. */
  KL_BACKEND_STATUS_VERSION_MISMATCH = 5, /**< The plugin refused the loader's interface version. */
  KL_BACKEND_STATUS_INIT_FAILED = 6,  /**< The plugin's initialization failed. */
  KL_BACKEND_STATUS_NOT_SELECTED = 7  /**< Found, but KEEL_BACKENDS did not select it (never opened). */
} KLbackendStatus;

/** Device attributes for klDeviceGetAttribute. */
typedef enum KLdevice_attribute {
  KL_DEVICE_ATTRIBUTE_INVALID = 0,
  KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,  /**< Threads in one block, all dimensions together. */
  KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2,        /**< Largest blockDim.x. */
  KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3,        /**< Largest blockDim.y. */
  KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z = 4,        /**< Largest blockDim.z. */
  KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5,         /**< Largest gridDim.x a launch accepts. */
  KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6,         /**< Largest gridDim.y a launch accepts. */
  KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7,         /**< Largest gridDim.z a launch accepts. */
  KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8, /**< Shared bytes per block without opt-in. */
  KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 9, /**< Shared bytes per block with opt-in. */
  KL_DEVICE_ATTRIBUTE_WARP_SIZE = 10,             /**< Warp (CUDA) or subgroup (Vulkan, L0) size. */
  KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 11,  /**< SMs, compute units or EUs. */
  KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 12, /**< CUDA major; otherwise the backend's equivalent, 0 if none. */
  KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 13, /**< CUDA minor; otherwise the backend's equivalent, 0 if none. */
  KL_DEVICE_ATTRIBUTE_CLOCK_RATE = 14,            /**< Peak core clock in kHz, 0 if unknown. */
  KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 15,     /**< Peak memory clock in kHz, 0 if unknown. */
  KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 16, /**< Memory bus width in bits, 0 if unknown. */
  KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING = 17,    /**< 1 if host and device share one address space. */
  KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS = 18,    /**< 1 if kernels of several streams may run at once. */
  KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT = 19,    /**< Copy engines that overlap with kernels. */
  KL_DEVICE_ATTRIBUTE_BACKEND = 20,               /**< Index of the owning backend (klGetBackendProperties). */
  KL_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK = 21, /**< 32-bit registers per block, 0 if unknown. */
  KL_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY = 22, /**< Bytes of constant memory, 0 if none. */
  KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES = 23,       /**< Largest kernel argument block in bytes. */
  KL_DEVICE_ATTRIBUTE_INTEGRATED = 24,            /**< 1 for a device sharing host memory (iGPU, CPU). */
  KL_DEVICE_ATTRIBUTE_PCI_BUS_ID = 25,            /**< PCI bus, -1 if none. */
  KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID = 26,         /**< PCI device, -1 if none. */
  KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID = 27,         /**< PCI domain, -1 if none. */
  KL_DEVICE_ATTRIBUTE_SHADER_INT64 = 28,          /**< 1 if kernels may use 64-bit integers. */
  KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64 = 29,        /**< 1 if kernels may use double precision. */
  KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS = 30, /**< 1 if 8- and 16-bit kernel arguments are allowed. */
  KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD = 31, /**< 1 if atomic float add on global memory works. */
  KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS = 32,        /**< 1 if klModuleGetGlobal can find module globals. */
  KL_DEVICE_ATTRIBUTE_TIMESTAMPS = 33,            /**< 1 if events can measure elapsed time. */
  /** Loop iterations one kernel thread may run in all (summed over every loop
   *  it enters) before the driver ends its loops early; 0 if the driver sets no
   *  such limit. Like CUDA's kernel run-time limit, a driver property a kernel
   *  author must know: past it a kernel returns wrong results, not an error.
   *  Mesa's llvmpipe (lavapipe) reports 65535. */
  KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT = 34,
  KL_DEVICE_ATTRIBUTE_COUNT_ = 35                 /**< One past the last attribute (not an attribute). */
} KLdevice_attribute;

/** Function attributes for klFuncGetAttribute / klFuncSetAttribute. */
typedef enum KLfunction_attribute {
  KL_FUNC_ATTRIBUTE_INVALID = 0,
  KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,     /**< Largest block this kernel can launch with. */
  KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 2,         /**< Static shared memory in bytes. */
  KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES = 3,          /**< Constant memory in bytes, 0 if unknown. */
  KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 4,          /**< Per-thread local memory, 0 if unknown. */
  KL_FUNC_ATTRIBUTE_NUM_REGS = 5,                  /**< Registers per thread, 0 if unknown. */
  KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 6, /**< Largest dynamic shared size; settable. */
  KL_FUNC_ATTRIBUTE_PTX_VERSION = 7,               /**< PTX version*10 (CUDA), 0 elsewhere. */
  KL_FUNC_ATTRIBUTE_BINARY_VERSION = 8             /**< Binary architecture*10 (CUDA), 0 elsewhere. */
} KLfunction_attribute;

/** Context creation flags (klCtxCreate, klDevicePrimaryCtxSetFlags). */
typedef enum KLctx_flags {
  KL_CTX_SCHED_AUTO = 0x00,          /**< Let the backend choose how the host waits. */
  KL_CTX_SCHED_SPIN = 0x01,          /**< Spin while waiting. */
  KL_CTX_SCHED_YIELD = 0x02,         /**< Yield the thread while waiting. */
  KL_CTX_SCHED_BLOCKING_SYNC = 0x04, /**< Block on a synchronization primitive. */
  KL_CTX_SCHED_MASK = 0x07
} KLctx_flags;

/** Stream creation flags. */
typedef enum KLstream_flags {
  KL_STREAM_DEFAULT = 0x0,      /**< Synchronizes with the NULL stream (legacy semantics). */
  KL_STREAM_NON_BLOCKING = 0x1  /**< Does not synchronize with the NULL stream. */
} KLstream_flags;

/** Event creation flags. */
typedef enum KLevent_flags {
  KL_EVENT_DEFAULT = 0x0,        /**< Timing on, spin on synchronize. */
  KL_EVENT_BLOCKING_SYNC = 0x1,  /**< klEventSynchronize blocks instead of spinning. */
  KL_EVENT_DISABLE_TIMING = 0x2  /**< No timestamps; klEventElapsedTime fails on it. */
} KLevent_flags;

/** Flags of klMemHostAlloc and klMemHostRegister. */
typedef enum KLmemhost_flags {
  KL_MEMHOSTALLOC_PORTABLE = 0x01,      /**< Pinned for every context. */
  KL_MEMHOSTALLOC_DEVICEMAP = 0x02,     /**< Map into the device address space. */
  KL_MEMHOSTALLOC_WRITECOMBINED = 0x04  /**< Write-combined (fast host writes, slow host reads). */
} KLmemhost_flags;

/** Options of klModuleLoadDataEx and the link functions (values as CUjit_option). */
typedef enum KLjit_option {
  KL_JIT_MAX_REGISTERS = 0,             /**< value: unsigned int, register limit per thread. */
  KL_JIT_THREADS_PER_BLOCK = 1,         /**< value: unsigned int, block size to optimize for. */
  KL_JIT_WALL_TIME = 2,                 /**< out: float, milliseconds spent compiling. */
  KL_JIT_INFO_LOG_BUFFER = 3,           /**< value: char*, receives the info log. */
  KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4,  /**< value: size_t in; bytes written out. */
  KL_JIT_ERROR_LOG_BUFFER = 5,          /**< value: char*, receives the error log. */
  KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6, /**< value: size_t in; bytes written out. */
  KL_JIT_OPTIMIZATION_LEVEL = 7,        /**< value: unsigned int 0..4. */
  KL_JIT_TARGET_FROM_CUCONTEXT = 8,     /**< no value: target the context's device. */
  KL_JIT_TARGET = 9,                    /**< value: unsigned int, target architecture*10. */
  KL_JIT_FALLBACK_STRATEGY = 10,        /**< value: unsigned int (0 prefer PTX, 1 prefer binary). */
  KL_JIT_GENERATE_DEBUG_INFO = 11,      /**< value: int, 1 to generate debug info. */
  KL_JIT_LOG_VERBOSE = 12,              /**< value: int, 1 for verbose logs. */
  KL_JIT_GENERATE_LINE_INFO = 13,       /**< value: int, 1 to generate line info. */
  KL_JIT_CACHE_MODE = 14                /**< value: unsigned int, CUjit_cacheMode. */
} KLjit_option;

/** Input types of klLinkAddData and klLinkAddFile. */
typedef enum KLjitInputType {
  KL_JIT_INPUT_CUBIN = 0,   /**< An ELF cubin. */
  KL_JIT_INPUT_PTX = 1,     /**< PTX source text. */
  KL_JIT_INPUT_FATBINARY = 2, /**< A fatbin. */
  KL_JIT_INPUT_OBJECT = 3,  /**< A host object with embedded device code. */
  KL_JIT_INPUT_LIBRARY = 4  /**< An archive of objects. */
} KLjitInputType;

/** Markers of the `extra` array of klLaunchKernel (same values as CUDA's). */
#define KL_LAUNCH_PARAM_END ((void*)0x00)
/** Next entry points to the packed argument buffer. */
#define KL_LAUNCH_PARAM_BUFFER_POINTER ((void*)0x01)
/** Next entry points to a size_t holding the packed buffer's size. */
#define KL_LAUNCH_PARAM_BUFFER_SIZE ((void*)0x02)

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Initialization, versions, backends, errors */
/** @{ */

/**
 * Initializes Keel: discovers backend plugins, opens those selected by
 * KEEL_BACKENDS (all found when unset), and enumerates their devices. Safe to
 * call from several threads at once and more than once; later calls return the
 * first call's result.
 * @param flags Must be 0.
 * @return ::KL_SUCCESS when at least one device was found;
 *   ::KL_ERROR_INVALID_VALUE if flags is not 0;
 *   ::KL_ERROR_NO_BACKEND if no backend plugin loaded (the last-error message
 *   lists every candidate and why it failed); ::KL_ERROR_NO_DEVICE if backends
 *   loaded but none has a device. After either error the backend queries
 *   (klGetBackendCount, klGetBackendProperties) still work.
 */
KEEL_API KLresult klInit(unsigned int flags);

/**
 * Returns the Keel API version the loader implements (see KEEL_API_VERSION).
 * Works before klInit.
 * @param version Receives the version.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if version is NULL.
 */
KEEL_API KLresult klDriverGetVersion(int* version);

/** Properties of one backend candidate. */
typedef struct KLbackendProperties {
  char name[32];            /**< "cuda", "vulkan", "level_zero", ... */
  KLbackendStatus status;   /**< Loaded or why not. */
  int deviceCount;          /**< Devices this backend contributed (0 unless loaded). */
  int interfaceVersion;     /**< Negotiated plugin interface version, 0 if none. */
  char version[64];         /**< The backend's own version string (native driver version too). */
  char path[1024];          /**< The plugin file, empty if not found. */
  char reason[1024];        /**< Why it is not loaded, or a note on a loaded one; empty if none. */
} KLbackendProperties;

/**
 * Returns the number of backend candidates: every plugin found plus every name
 * in KEEL_BACKENDS that matched no plugin.
 * @param count Receives the number.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if count is NULL;
 *   ::KL_ERROR_NOT_INITIALIZED if klInit was never called.
 */
KEEL_API KLresult klGetBackendCount(int* count);

/**
 * Describes backend candidate `index` (0 .. count-1, in priority order).
 * @param props Receives the properties.
 * @param index Candidate index.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if props is NULL or index is
 *   out of range; ::KL_ERROR_NOT_INITIALIZED if klInit was never called.
 */
KEEL_API KLresult klGetBackendProperties(KLbackendProperties* props, int index);

/**
 * Returns the name of a result code ("KL_ERROR_INVALID_VALUE"). Works before klInit.
 * @param error The code.
 * @param pStr Receives a static string.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pStr is NULL or the code
 *   is unknown (*pStr is then set to NULL).
 */
KEEL_API KLresult klGetErrorName(KLresult error, const char** pStr);

/**
 * Returns a sentence describing a result code. Works before klInit.
 * @param error The code.
 * @param pStr Receives a static string.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pStr is NULL or the code
 *   is unknown (*pStr is then set to NULL).
 */
KEEL_API KLresult klGetErrorString(KLresult error, const char** pStr);

/**
 * Returns the calling thread's last-error message: what the last failing Keel
 * call on this thread reported, with the backend's native error where there
 * was one. Empty string if no call failed yet. Successful calls do not clear it.
 * @param pStr Receives a thread-local string, valid until the next failing
 *   Keel call on this thread.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pStr is NULL.
 */
KEEL_API KLresult klGetLastErrorMessage(const char** pStr);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Devices */
/** @{ */

/**
 * Returns the number of devices of all loaded backends.
 * @param count Receives the number (0 if klInit found none).
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if count is NULL.
 */
KEEL_API KLresult klDeviceGetCount(int* count);

/**
 * Returns device `ordinal`. Ordinals follow backend priority (KEEL_BACKENDS
 * order, else cuda, level_zero, vulkan), then each backend's own order.
 * @param device Receives the handle.
 * @param ordinal 0 .. count-1.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if device is NULL;
 *   ::KL_ERROR_INVALID_DEVICE if ordinal is out of range.
 */
KEEL_API KLresult klDeviceGet(KLdevice* device, int ordinal);

/**
 * Returns the device's name, NUL-terminated and truncated to len-1 bytes.
 * @param name Buffer of len bytes.
 * @param len Buffer size, > 0.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if name is NULL or len <= 0;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDeviceGetName(char* name, int len, KLdevice dev);

/**
 * Returns the device's UUID.
 * @param uuid Receives the UUID.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if uuid is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDeviceGetUuid(KLuuid* uuid, KLdevice dev);

/**
 * Returns the device's PCI bus id as "domain:bus:device.function"
 * ("0000:3b:00.0"), truncated to len-1 bytes.
 * @param pciBusId Buffer of len bytes (13 or more fits the full id).
 * @param len Buffer size, > 0.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pciBusId is NULL or
 *   len <= 0; ::KL_ERROR_INVALID_HANDLE if dev is NULL;
 *   ::KL_ERROR_NOT_SUPPORTED if the device has no PCI address (a CPU device).
 */
KEEL_API KLresult klDeviceGetPCIBusId(char* pciBusId, int len, KLdevice dev);

/**
 * Returns the device's total memory in bytes.
 * @param bytes Receives the size.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if bytes is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDeviceTotalMem(size_t* bytes, KLdevice dev);

/**
 * Returns a device attribute.
 * @param pi Receives the value.
 * @param attrib The attribute.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pi is NULL or attrib is
 *   not a ::KLdevice_attribute; ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev);

/**
 * Returns the backend's native device handle: for CUDA the `CUdevice`
 * ordinal (cast through intptr_t), for Vulkan the `VkPhysicalDevice`, for
 * Level Zero the `ze_device_handle_t`.
 * @param native Receives the handle.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDeviceGetNativeHandle(void** native, KLdevice dev);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Contexts */
/** @{ */

/**
 * Creates a context on a device and pushes it on the calling thread's
 * context stack, so it becomes current.
 * @param pctx Receives the context.
 * @param flags ::KLctx_flags.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pctx is NULL or flags has
 *   unknown bits; ::KL_ERROR_INVALID_HANDLE if dev is NULL;
 *   ::KL_ERROR_OUT_OF_MEMORY if the backend cannot create it.
 */
KEEL_API KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev);

/**
 * Destroys a context created by klCtxCreate: waits for its work, frees every
 * object created in it, and removes it from the calling thread's context
 * stack. Using the context or its objects afterwards is undefined (the
 * validation layer reports it). Other threads must not have it current.
 * @param ctx The context.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if ctx is NULL;
 *   ::KL_ERROR_INVALID_CONTEXT if ctx is a primary context (release it with
 *   klDevicePrimaryCtxRelease instead).
 */
KEEL_API KLresult klCtxDestroy(KLcontext ctx);

/**
 * Pushes a context on the calling thread's stack; it becomes current.
 * @param ctx The context.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if ctx is NULL.
 */
KEEL_API KLresult klCtxPushCurrent(KLcontext ctx);

/**
 * Pops the current context off the calling thread's stack.
 * @param pctx Receives the popped context; may be NULL.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_CONTEXT if the stack is empty.
 */
KEEL_API KLresult klCtxPopCurrent(KLcontext* pctx);

/**
 * Replaces the top of the calling thread's stack with ctx (pushes it if the
 * stack is empty). ctx == NULL pops the top (no-op on an empty stack).
 * @param ctx The context or NULL.
 * @return ::KL_SUCCESS.
 */
KEEL_API KLresult klCtxSetCurrent(KLcontext ctx);

/**
 * Returns the calling thread's current context.
 * @param pctx Receives the context, or NULL when none is current.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pctx is NULL.
 */
KEEL_API KLresult klCtxGetCurrent(KLcontext* pctx);

/**
 * Returns the device of the current context.
 * @param device Receives the device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if device is NULL;
 *   ::KL_ERROR_INVALID_CONTEXT if no context is current.
 */
KEEL_API KLresult klCtxGetDevice(KLdevice* device);

/**
 * Blocks until all work of every stream of the current context is done.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_CONTEXT if no context is current;
 *   an error of earlier asynchronous work (::KL_ERROR_LAUNCH_FAILED,
 *   ::KL_ERROR_ILLEGAL_ADDRESS, ...).
 */
KEEL_API KLresult klCtxSynchronize(void);

/**
 * Returns the numerically least and greatest stream priorities of the current
 * context (greatest priority = numerically lowest, as in CUDA). Backends
 * without priorities return 0 and 0.
 * @param leastPriority Receives the lowest priority; may be NULL.
 * @param greatestPriority Receives the highest priority; may be NULL.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_CONTEXT if no context is current.
 */
KEEL_API KLresult klCtxGetStreamPriorityRange(int* leastPriority, int* greatestPriority);

/**
 * Returns the backend's native context: `CUcontext`, `VkDevice`,
 * `ze_context_handle_t`.
 * @param native Receives the handle.
 * @param ctx The context.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if ctx is NULL.
 */
KEEL_API KLresult klCtxGetNativeHandle(void** native, KLcontext ctx);

/**
 * Retains the device's primary context (creating it on first retain). Unlike
 * klCtxCreate this does not make it current.
 * @param pctx Receives the primary context.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pctx is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL; ::KL_ERROR_OUT_OF_MEMORY.
 */
KEEL_API KLresult klDevicePrimaryCtxRetain(KLcontext* pctx, KLdevice dev);

/**
 * Releases one reference to the primary context; the last release destroys
 * it and everything created in it.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if dev is NULL;
 *   ::KL_ERROR_INVALID_CONTEXT if the primary context is not retained.
 */
KEEL_API KLresult klDevicePrimaryCtxRelease(KLdevice dev);

/**
 * Destroys all objects of the primary context and resets it; retains stay
 * counted, and the next use recreates it empty.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDevicePrimaryCtxReset(KLdevice dev);

/**
 * Returns the primary context's flags and whether it is active (retained).
 * @param flags Receives the ::KLctx_flags.
 * @param active Receives 1 if active, else 0.
 * @param dev The device.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if flags or active is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDevicePrimaryCtxGetState(KLdevice dev, unsigned int* flags, int* active);

/**
 * Sets the flags the primary context is created with.
 * @param dev The device.
 * @param flags ::KLctx_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if flags has unknown bits;
 *   ::KL_ERROR_INVALID_HANDLE if dev is NULL.
 */
KEEL_API KLresult klDevicePrimaryCtxSetFlags(KLdevice dev, unsigned int flags);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Modules and functions */
/** @{ */

/**
 * Loads a module from a file into the current context. The format is detected
 * from the contents: PTX text, cubin (ELF), fatbin, SPIR-V, or a Keel bundle.
 * @param module Receives the module.
 * @param fname Path of the file.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if module or fname is NULL;
 *   ::KL_ERROR_FILE_NOT_FOUND if the file cannot be read;
 *   ::KL_ERROR_INVALID_IMAGE for an empty, truncated, garbage or foreign-format
 *   image; ::KL_ERROR_NO_BINARY_FOR_DEVICE if no code in it suits the device;
 *   ::KL_ERROR_COMPILE_FAILED if JIT compilation failed (the JIT log is in the
 *   last-error message); ::KL_ERROR_UNSUPPORTED_IMAGE_VERSION if the image is
 *   newer than the driver accepts (the message names both versions).
 */
KEEL_API KLresult klModuleLoad(KLmodule* module, const char* fname);

/**
 * Loads a module from memory into the current context. Unlike cuModuleLoadData
 * this takes the image size, so truncated images are detected.
 * @param module Receives the module.
 * @param image The image; not retained after the call.
 * @param size Size in bytes. For PTX text, the size may include the
 *   terminating NUL or not.
 * @return As klModuleLoad, without ::KL_ERROR_FILE_NOT_FOUND;
 *   ::KL_ERROR_INVALID_IMAGE if size is 0.
 */
KEEL_API KLresult klModuleLoadData(KLmodule* module, const void* image, size_t size);

/**
 * Loads a module from memory with JIT options (as cuModuleLoadDataEx). Logs
 * requested through ::KL_JIT_INFO_LOG_BUFFER / ::KL_JIT_ERROR_LOG_BUFFER are
 * filled whether the load succeeds or fails; backends that do not compile
 * write an empty log and ignore options they do not know.
 * @param module Receives the module.
 * @param image The image.
 * @param size Size in bytes.
 * @param numOptions Number of options.
 * @param options Option keys; may be NULL when numOptions is 0.
 * @param optionValues Option values; may be NULL when numOptions is 0.
 * @return As klModuleLoadData; ::KL_ERROR_INVALID_VALUE if options or
 *   optionValues is NULL while numOptions > 0, or an option is unknown.
 */
KEEL_API KLresult klModuleLoadDataEx(KLmodule* module, const void* image, size_t size,
                                     unsigned int numOptions, KLjit_option* options,
                                     void** optionValues);

/**
 * Unloads a module. Work already queued that uses its functions completes
 * first (the backend waits for it).
 * @param hmod The module.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hmod is NULL.
 */
KEEL_API KLresult klModuleUnload(KLmodule hmod);

/**
 * Finds a kernel by name (case-sensitive; mangled names for C++ kernels).
 * @param hfunc Receives the function; valid until the module is unloaded.
 * @param hmod The module.
 * @param name The kernel's name.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if hfunc or name is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hmod is NULL; ::KL_ERROR_NOT_FOUND if the
 *   module has no such kernel.
 */
KEEL_API KLresult klModuleGetFunction(KLfunction* hfunc, KLmodule hmod, const char* name);

/**
 * Finds a module-scope global variable.
 * @param dptr Receives its device address; may be NULL.
 * @param bytes Receives its size; may be NULL.
 * @param hmod The module.
 * @param name The variable's name.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if name is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hmod is NULL; ::KL_ERROR_NOT_FOUND if there is
 *   no such global; ::KL_ERROR_NOT_SUPPORTED if the backend's kernel format has
 *   no module globals (see KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS).
 */
KEEL_API KLresult klModuleGetGlobal(KLdeviceptr* dptr, size_t* bytes, KLmodule hmod,
                                    const char* name);

/**
 * Returns the native module: `CUmodule`, `VkShaderModule`, `ze_module_handle_t`.
 * @param native Receives the handle.
 * @param hmod The module.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hmod is NULL.
 */
KEEL_API KLresult klModuleGetNativeHandle(void** native, KLmodule hmod);

/**
 * Creates a link state in the current context (as cuLinkCreate) for linking
 * several PTX/cubin images into one image.
 * @param numOptions Number of options.
 * @param options Option keys (::KLjit_option).
 * @param optionValues Option values.
 * @param stateOut Receives the link state.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if stateOut is NULL or the
 *   options are malformed; ::KL_ERROR_NOT_SUPPORTED on backends without a
 *   linker.
 */
KEEL_API KLresult klLinkCreate(unsigned int numOptions, KLjit_option* options, void** optionValues,
                               KLlinkState* stateOut);

/**
 * Adds an image held in memory to a link.
 * @param state The link state.
 * @param type Kind of input.
 * @param data The image.
 * @param size Its size in bytes.
 * @param name A name for logs; may be NULL.
 * @param numOptions Number of options for this input.
 * @param options Option keys.
 * @param optionValues Option values.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if data is NULL or size is
 *   0; ::KL_ERROR_INVALID_HANDLE if state is NULL; ::KL_ERROR_INVALID_IMAGE or
 *   ::KL_ERROR_COMPILE_FAILED with the log in the last-error message.
 */
KEEL_API KLresult klLinkAddData(KLlinkState state, KLjitInputType type, void* data, size_t size,
                                const char* name, unsigned int numOptions, KLjit_option* options,
                                void** optionValues);

/**
 * Completes a link. The image stays owned by the link state until
 * klLinkDestroy; load it with klModuleLoadData.
 * @param state The link state.
 * @param imageOut Receives the linked image.
 * @param sizeOut Receives its size.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if imageOut or sizeOut is
 *   NULL; ::KL_ERROR_INVALID_HANDLE if state is NULL;
 *   ::KL_ERROR_COMPILE_FAILED with the linker log (undefined symbols, ...).
 */
KEEL_API KLresult klLinkComplete(KLlinkState state, void** imageOut, size_t* sizeOut);

/**
 * Destroys a link state and the image it produced.
 * @param state The link state.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if state is NULL.
 */
KEEL_API KLresult klLinkDestroy(KLlinkState state);

/**
 * Returns a function attribute.
 * @param pi Receives the value.
 * @param attrib The attribute.
 * @param hfunc The function.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pi is NULL or attrib is
 *   unknown; ::KL_ERROR_INVALID_HANDLE if hfunc is NULL.
 */
KEEL_API KLresult klFuncGetAttribute(int* pi, KLfunction_attribute attrib, KLfunction hfunc);

/**
 * Sets a function attribute. Only ::KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
 * is settable, up to KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
 * minus the function's static shared memory. Unlike CUDA, setting it is never
 * required: a launch that asks for more than the current value (and no more
 * than the device allows) raises it for the caller.
 * @param hfunc The function.
 * @param attrib The attribute.
 * @param value The new value.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hfunc is NULL;
 *   ::KL_ERROR_INVALID_VALUE if attrib is not settable or value is out of
 *   range.
 */
KEEL_API KLresult klFuncSetAttribute(KLfunction hfunc, KLfunction_attribute attrib, int value);

/**
 * Returns the number of kernel parameters.
 * @param hfunc The function.
 * @param paramCount Receives the count.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if paramCount is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hfunc is NULL; ::KL_ERROR_NOT_SUPPORTED if the
 *   backend cannot reflect parameters (an old CUDA driver).
 */
KEEL_API KLresult klFuncGetParamCount(KLfunction hfunc, size_t* paramCount);

/**
 * Returns where parameter paramIndex lies in the packed argument buffer
 * (the layout `extra` uses) and its size.
 * @param hfunc The function.
 * @param paramIndex 0 .. count-1.
 * @param paramOffset Receives the byte offset; may be NULL.
 * @param paramSize Receives the size; may be NULL.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if paramIndex is out of
 *   range; ::KL_ERROR_INVALID_HANDLE if hfunc is NULL;
 *   ::KL_ERROR_NOT_SUPPORTED as for klFuncGetParamCount.
 */
KEEL_API KLresult klFuncGetParamInfo(KLfunction hfunc, size_t paramIndex, size_t* paramOffset,
                                     size_t* paramSize);

/**
 * Returns the native function: `CUfunction`; elsewhere the backend's kernel
 * object (`ze_kernel_handle_t`) or its own descriptor (Vulkan, documented).
 * @param native Receives the handle.
 * @param hfunc The function.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hfunc is NULL.
 */
KEEL_API KLresult klFuncGetNativeHandle(void** native, KLfunction hfunc);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Memory */
/** @{ */

/**
 * Allocates device memory in the current context, aligned to at least 256 bytes.
 * @param dptr Receives the address.
 * @param bytesize Bytes to allocate.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if dptr is NULL or bytesize
 *   is 0; ::KL_ERROR_OUT_OF_MEMORY if the device has no room (the context
 *   stays usable); ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemAlloc(KLdeviceptr* dptr, size_t bytesize);

/**
 * Frees device memory allocated by klMemAlloc. As with cuMemFree, work still
 * queued in the context is waited for before the memory is released, so a
 * kernel in flight never sees it vanish.
 * @param dptr The address klMemAlloc returned; 0 is a no-op.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if dptr is not the start of
 *   a live allocation of the current context's backend; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemFree(KLdeviceptr dptr);

/**
 * Returns the free and total memory of the current context's device.
 * @param free Receives free bytes; may be NULL.
 * @param total Receives total bytes; may be NULL.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemGetInfo(size_t* free, size_t* total);

/**
 * Returns the allocation that contains dptr.
 * @param pbase Receives its start; may be NULL.
 * @param psize Receives its size; may be NULL.
 * @param dptr Any address inside a live allocation.
 * @return ::KL_SUCCESS; ::KL_ERROR_NOT_FOUND if dptr lies in no allocation;
 *   ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemGetAddressRange(KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr);

/**
 * Allocates page-locked host memory usable for fast asynchronous copies.
 * @param pp Receives the host pointer.
 * @param bytesize Bytes to allocate.
 * @param flags ::KLmemhost_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pp is NULL, bytesize is 0
 *   or flags has unknown bits; ::KL_ERROR_OUT_OF_MEMORY; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemHostAlloc(void** pp, size_t bytesize, unsigned int flags);

/**
 * Frees memory from klMemHostAlloc.
 * @param p The pointer; NULL is a no-op.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if p was not returned by
 *   klMemHostAlloc; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemFreeHost(void* p);

/**
 * Page-locks an existing host range for fast copies.
 * @param p Start of the range.
 * @param bytesize Its size.
 * @param flags ::KLmemhost_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if p is NULL or bytesize is
 *   0; ::KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED; ::KL_ERROR_NOT_SUPPORTED
 *   if the backend cannot pin foreign memory; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemHostRegister(void* p, size_t bytesize, unsigned int flags);

/**
 * Unpins a range pinned by klMemHostRegister.
 * @param p The pointer passed to klMemHostRegister.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if p is NULL;
 *   ::KL_ERROR_HOST_MEMORY_NOT_REGISTERED; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemHostUnregister(void* p);

/**
 * Copies host to device; returns when the source may be reused.
 * @param dstDevice Destination address.
 * @param srcHost Source; may be NULL only when ByteCount is 0.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if srcHost is NULL with
 *   ByteCount > 0 or the range is outside any allocation (backends that can
 *   tell); ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemcpyHtoD(KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount);

/**
 * Copies device to host; returns when the data is in dstHost.
 * @param dstHost Destination; may be NULL only when ByteCount is 0.
 * @param srcDevice Source address.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @return As klMemcpyHtoD.
 */
KEEL_API KLresult klMemcpyDtoH(void* dstHost, KLdeviceptr srcDevice, size_t ByteCount);

/**
 * Copies device to device. As cuMemcpyDtoD, the copy is queued on the NULL
 * stream and the call may return before it has run (no host memory is
 * involved): work queued after it in stream order, klMemcpyDtoH included,
 * sees the copied bytes; klCtxSynchronize waits for it.
 * @param dstDevice Destination address.
 * @param srcDevice Source address.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @return As klMemcpyHtoD.
 */
KEEL_API KLresult klMemcpyDtoD(KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount);

/**
 * Queues a host-to-device copy on a stream. With pinned source memory the call
 * returns at once; with pageable memory the source is consumed before return
 * (it may be reused immediately), the transfer itself still in stream order.
 * @param dstDevice Destination address.
 * @param srcHost Source.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemcpyHtoD.
 */
KEEL_API KLresult klMemcpyHtoDAsync(KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount,
                                    KLstream hStream);

/**
 * Queues a device-to-host copy on a stream. dstHost must stay valid until the
 * copy completes (synchronize the stream or an event recorded after it).
 * @param dstHost Destination.
 * @param srcDevice Source address.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemcpyHtoD.
 */
KEEL_API KLresult klMemcpyDtoHAsync(void* dstHost, KLdeviceptr srcDevice, size_t ByteCount,
                                    KLstream hStream);

/**
 * Queues a device-to-device copy on a stream.
 * @param dstDevice Destination address.
 * @param srcDevice Source address.
 * @param ByteCount Bytes to copy; 0 is a no-op.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemcpyHtoD.
 */
KEEL_API KLresult klMemcpyDtoDAsync(KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount,
                                    KLstream hStream);

/**
 * Sets N bytes to uc. As cuMemsetD8 on device memory, the fill is queued on
 * the NULL stream and the call may return before it has run; work queued
 * after it in stream order sees the values (klMemsetD16 and klMemsetD32 too).
 * @param dstDevice Destination address.
 * @param uc The byte value.
 * @param N Number of bytes; 0 is a no-op.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if the range is outside any
 *   allocation (backends that can tell); ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klMemsetD8(KLdeviceptr dstDevice, unsigned char uc, size_t N);

/**
 * Sets N 16-bit values to us.
 * @param dstDevice Destination address, 2-byte aligned.
 * @param us The value.
 * @param N Number of values; 0 is a no-op.
 * @return As klMemsetD8; ::KL_ERROR_INVALID_VALUE if dstDevice is misaligned.
 */
KEEL_API KLresult klMemsetD16(KLdeviceptr dstDevice, unsigned short us, size_t N);

/**
 * Sets N 32-bit values to ui.
 * @param dstDevice Destination address, 4-byte aligned.
 * @param ui The value.
 * @param N Number of values; 0 is a no-op.
 * @return As klMemsetD8; ::KL_ERROR_INVALID_VALUE if dstDevice is misaligned.
 */
KEEL_API KLresult klMemsetD32(KLdeviceptr dstDevice, unsigned int ui, size_t N);

/**
 * Queues klMemsetD8 on a stream.
 * @param dstDevice Destination address.
 * @param uc The byte value.
 * @param N Number of bytes.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemsetD8.
 */
KEEL_API KLresult klMemsetD8Async(KLdeviceptr dstDevice, unsigned char uc, size_t N,
                                  KLstream hStream);

/**
 * Queues klMemsetD16 on a stream.
 * @param dstDevice Destination address, 2-byte aligned.
 * @param us The value.
 * @param N Number of values.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemsetD16.
 */
KEEL_API KLresult klMemsetD16Async(KLdeviceptr dstDevice, unsigned short us, size_t N,
                                   KLstream hStream);

/**
 * Queues klMemsetD32 on a stream.
 * @param dstDevice Destination address, 4-byte aligned.
 * @param ui The value.
 * @param N Number of values.
 * @param hStream The stream; NULL for the default stream.
 * @return As klMemsetD32.
 */
KEEL_API KLresult klMemsetD32Async(KLdeviceptr dstDevice, unsigned int ui, size_t N,
                                   KLstream hStream);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Streams */
/** @{ */

/**
 * Creates a stream in the current context.
 * @param phStream Receives the stream.
 * @param Flags ::KLstream_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if phStream is NULL or Flags
 *   has unknown bits; ::KL_ERROR_OUT_OF_MEMORY; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klStreamCreate(KLstream* phStream, unsigned int Flags);

/**
 * Creates a stream with a priority (clamped to klCtxGetStreamPriorityRange).
 * @param phStream Receives the stream.
 * @param flags ::KLstream_flags.
 * @param priority Lower numbers are higher priority.
 * @return As klStreamCreate.
 */
KEEL_API KLresult klStreamCreateWithPriority(KLstream* phStream, unsigned int flags, int priority);

/**
 * Destroys a stream. Work already queued completes; the call does not wait.
 * @param hStream The stream.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hStream is NULL.
 */
KEEL_API KLresult klStreamDestroy(KLstream hStream);

/**
 * Waits until all work queued on the stream is done.
 * @param hStream The stream; NULL for the default stream of the current context.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_CONTEXT if hStream is NULL and no
 *   context is current; an error of the stream's asynchronous work.
 */
KEEL_API KLresult klStreamSynchronize(KLstream hStream);

/**
 * Reports whether all work queued on the stream is done.
 * @param hStream The stream; NULL for the default stream.
 * @return ::KL_SUCCESS if done; ::KL_ERROR_NOT_READY if not;
 *   ::KL_ERROR_INVALID_CONTEXT as for klStreamSynchronize.
 */
KEEL_API KLresult klStreamQuery(KLstream hStream);

/**
 * Makes future work on the stream wait until the event's recorded work is done.
 * Waiting on a never-recorded event is a no-op.
 * @param hStream The stream; NULL for the default stream.
 * @param hEvent The event; must belong to the same backend.
 * @param Flags Must be 0.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hEvent is NULL or of
 *   another backend; ::KL_ERROR_INVALID_VALUE if Flags is not 0.
 */
KEEL_API KLresult klStreamWaitEvent(KLstream hStream, KLevent hEvent, unsigned int Flags);

/**
 * Returns the stream's priority.
 * @param hStream The stream; NULL for the default stream.
 * @param priority Receives the priority.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if priority is NULL.
 */
KEEL_API KLresult klStreamGetPriority(KLstream hStream, int* priority);

/**
 * Returns the stream's flags.
 * @param hStream The stream; NULL for the default stream.
 * @param flags Receives the ::KLstream_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if flags is NULL.
 */
KEEL_API KLresult klStreamGetFlags(KLstream hStream, unsigned int* flags);

/**
 * Queues a host function: it runs on a Keel-owned thread after all earlier
 * work of the stream is done, and later work waits for it. It must not call
 * Keel functions.
 * @param hStream The stream; NULL for the default stream.
 * @param fn The function.
 * @param userData Its argument.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if fn is NULL.
 */
KEEL_API KLresult klLaunchHostFunc(KLstream hStream, KLhostFn fn, void* userData);

/**
 * Returns the native stream: `CUstream`, `VkQueue`, `ze_command_list_handle_t`.
 * @param native Receives the handle.
 * @param hStream The stream; NULL for the default stream.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL.
 */
KEEL_API KLresult klStreamGetNativeHandle(void** native, KLstream hStream);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Events */
/** @{ */

/**
 * Creates an event in the current context.
 * @param phEvent Receives the event.
 * @param Flags ::KLevent_flags.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if phEvent is NULL or Flags
 *   has unknown bits; ::KL_ERROR_OUT_OF_MEMORY; ::KL_ERROR_INVALID_CONTEXT.
 */
KEEL_API KLresult klEventCreate(KLevent* phEvent, unsigned int Flags);

/**
 * Records the event at the current end of the stream. Re-recording moves it.
 * @param hEvent The event.
 * @param hStream The stream; NULL for the default stream of the event's context.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hEvent is NULL or the
 *   stream belongs to another context or backend.
 */
KEEL_API KLresult klEventRecord(KLevent hEvent, KLstream hStream);

/**
 * Reports whether the event's recorded work is done (a never-recorded event is done).
 * @param hEvent The event.
 * @return ::KL_SUCCESS if done; ::KL_ERROR_NOT_READY if not;
 *   ::KL_ERROR_INVALID_HANDLE if hEvent is NULL.
 */
KEEL_API KLresult klEventQuery(KLevent hEvent);

/**
 * Waits until the event's recorded work is done.
 * @param hEvent The event.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hEvent is NULL.
 */
KEEL_API KLresult klEventSynchronize(KLevent hEvent);

/**
 * Returns the time between two completed events in milliseconds.
 * @param pMilliseconds Receives the time.
 * @param hStart The earlier event.
 * @param hEnd The later event.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if pMilliseconds is NULL,
 *   an event has timing disabled, or either was never recorded;
 *   ::KL_ERROR_NOT_READY if either has not completed;
 *   ::KL_ERROR_INVALID_HANDLE if an event is NULL or they belong to different
 *   backends.
 */
KEEL_API KLresult klEventElapsedTime(float* pMilliseconds, KLevent hStart, KLevent hEnd);

/**
 * Destroys an event; pending work that records it completes normally.
 * @param hEvent The event.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if hEvent is NULL.
 */
KEEL_API KLresult klEventDestroy(KLevent hEvent);

/**
 * Returns the native event: `CUevent`; elsewhere the backend's documented
 * object (Vulkan: its `VkSemaphore`; Level Zero: `ze_event_handle_t`).
 * @param native Receives the handle.
 * @param hEvent The event.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_VALUE if native is NULL;
 *   ::KL_ERROR_INVALID_HANDLE if hEvent is NULL.
 */
KEEL_API KLresult klEventGetNativeHandle(void** native, KLevent hEvent);

/** @} */

/* ------------------------------------------------------------------------ */
/** @name Launch */
/** @{ */

/**
 * Launches a kernel on a grid of gridDimX*gridDimY*gridDimZ blocks of
 * blockDimX*blockDimY*blockDimZ threads, exactly as cuLaunchKernel.
 *
 * Arguments come either through kernelParams (an array with one pointer per
 * parameter, each pointing at the value) or through extra (a list of
 * ::KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, ::KL_LAUNCH_PARAM_BUFFER_SIZE,
 * &size, ::KL_LAUNCH_PARAM_END, where the buffer holds the parameters at the
 * offsets klFuncGetParamInfo reports, each naturally aligned). Not both.
 * The launch runs in the function's context.
 *
 * @param f The kernel.
 * @param gridDimX Blocks in x, >= 1.
 * @param gridDimY Blocks in y, >= 1.
 * @param gridDimZ Blocks in z, >= 1.
 * @param blockDimX Threads per block in x, >= 1.
 * @param blockDimY Threads per block in y, >= 1.
 * @param blockDimZ Threads per block in z, >= 1.
 * @param sharedMemBytes Dynamic shared memory per block.
 * @param hStream The stream; NULL for the default stream.
 * @param kernelParams Argument pointers, or NULL.
 * @param extra Packed-argument list, or NULL.
 * @return ::KL_SUCCESS; ::KL_ERROR_INVALID_HANDLE if f is NULL or the stream
 *   is of another context or backend; ::KL_ERROR_INVALID_VALUE if a dimension
 *   is 0 or over the device limits, the block has more threads than the
 *   function allows, both or neither of kernelParams and extra are given
 *   while the kernel has parameters, or extra is malformed or of the wrong
 *   size; ::KL_ERROR_LAUNCH_OUT_OF_RESOURCES if shared memory or registers do
 *   not suffice; errors of earlier asynchronous work.
 */
KEEL_API KLresult klLaunchKernel(KLfunction f, unsigned int gridDimX, unsigned int gridDimY,
                                 unsigned int gridDimZ, unsigned int blockDimX,
                                 unsigned int blockDimY, unsigned int blockDimZ,
                                 unsigned int sharedMemBytes, KLstream hStream,
                                 void** kernelParams, void** extra);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* KEEL_KEEL_H_ */
