/*
 * The Keel backend plugin interface.
 *
 * A backend is a shared library (`libkeel_<name>.so`) that exports one
 * function, `keelBackendNegotiate`. The loader calls it with the interface
 * version it speaks and a set of services; the backend answers with the
 * version it chose, its name, a dispatch table, and two backend-level
 * functions (init, device enumeration). See docs/loader.md and
 * docs/writing-a-backend.md.
 *
 * Dispatch off the handle: every handle a backend returns (device, context,
 * module, function, stream, event, link state) points at an object whose first
 * member is a KLobjectHeader. Its `dispatch` word belongs to the loader: the
 * backend stores `services->dispatch` there when it creates the object and
 * never touches it again. The loader calls through it, so a call costs one
 * indirect jump: no wrapper objects, no lookups, no locks. Layers (validation,
 * tracing) are inserted by the loader editing the table behind that pointer.
 *
 * The table is versioned and append-only (keel_entry_points.h). A backend
 * sets `size` to sizeof its table; the loader treats slots past that size, and
 * NULL slots, as KL_ERROR_NOT_SUPPORTED.
 */
#ifndef KEEL_KEEL_BACKEND_H_
#define KEEL_KEEL_BACKEND_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "keel.h"
#include "keel_entry_points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The plugin interface version this header describes. */
#define KEEL_BACKEND_INTERFACE_VERSION 1
/** Name of the one symbol a plugin exports. */
#define KEEL_BACKEND_ENTRY_POINT "keelBackendNegotiate"

/* Expands a parenthesized parameter list without its parentheses. */
#define KEEL_UNPAREN(...) __VA_ARGS__

/* Slot types: the backend-side signature of each entry point (see the KIND
 * legend in keel_entry_points.h). */
#define KEEL_SLOT_H(name, params) KLresult(*name) params;
#define KEEL_SLOT_HX(name, params) KLresult(*name) params;
#define KEEL_SLOT_B(name, params) KLresult(*name) params;
#define KEEL_SLOT_C(name, params) KLresult(*name)(KLcontext ctx, KEEL_UNPAREN params);
#define KEEL_SLOT_S(name, params) KLresult(*name)(KLcontext ctx, KEEL_UNPAREN params);
#define KEEL_SLOT_C0(name, params) KLresult(*name)(KLcontext ctx);
#define KEEL_SLOT(kind, name, dispatch, params, args) KEEL_SLOT_##kind(name, params)

/** The dispatch table: one function pointer per entry point, in list order. */
typedef struct KLdispatchTable {
  size_t size; /**< sizeof the table as its producer compiled it. */
  KEEL_ENTRY_POINTS(KEEL_SLOT)
} KLdispatchTable;

/** The first member of every backend object a Keel handle points at. */
typedef struct KLobjectHeader {
  const KLdispatchTable* dispatch; /**< Owned by the loader; set from KLloaderServices::dispatch. */
} KLobjectHeader;

/** Log levels for KLloaderServices::log (KEEL_LOG=error|warn|info|debug). */
typedef enum KLlogLevel {
  KL_LOG_ERROR = 1,
  KL_LOG_WARN = 2,
  KL_LOG_INFO = 3,
  KL_LOG_DEBUG = 4
} KLlogLevel;

/** What the loader offers a backend. Valid for the life of the process. */
typedef struct KLloaderServices {
  uint32_t structSize;       /**< sizeof(KLloaderServices) as the loader knows it. */
  uint32_t interfaceVersion; /**< The highest interface version the loader speaks. */
  /** The table pointer to store in every KLobjectHeader this backend creates. */
  const KLdispatchTable* dispatch;
  /** Sets the calling thread's last-error message (printf format) and returns code. */
  KLresult (*setError)(KLresult code, const char* format, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 2, 3)))
#endif
      ;
  /** Writes a log line at level (printed only if KEEL_LOG allows it). */
  void (*log)(KLlogLevel level, const char* backendName, const char* format, ...)
#if defined(__GNUC__)
      __attribute__((format(printf, 3, 4)))
#endif
      ;
  /** Returns nonzero if a line at level would be printed (to skip building it). */
  int (*logEnabled)(KLlogLevel level);
} KLloaderServices;

/** What a backend answers. The loader zero-fills it and sets structSize. */
typedef struct KLbackendInterface {
  uint32_t structSize;       /**< Set by the loader. */
  uint32_t interfaceVersion; /**< The version the backend chose (<= the loader's). */
  const char* name;          /**< Short lowercase name: "cuda", "vulkan", ... */
  const char* version;       /**< The backend's version string. */
  const KLdispatchTable* table; /**< The backend's table; its `size` says how long. */
  /**
   * Opens the native library and enumerates devices. Returns KL_SUCCESS with
   * at least one device; KL_ERROR_NO_DEVICE (reason in setError's message:
   * "no NVIDIA driver (libcuda.so.1 not found)") when it works but has none;
   * any other code (with a message) when it cannot work at all.
   */
  KLresult (*init)(void);
  /** Fills up to *count devices (devices may be NULL to ask the count). */
  KLresult (*getDevices)(int* count, KLdevice* devices);
  /** Version string of the native driver ("CUDA 13.0 driver 580.65"), or NULL. */
  const char* (*driverVersion)(void);
} KLbackendInterface;

/**
 * The plugin's one export. Returns KL_SUCCESS after filling `out`, or
 * KL_ERROR_NOT_SUPPORTED (with a setError message naming the versions it
 * speaks) if it speaks no version <= services->interfaceVersion.
 */
typedef KLresult (*PFN_keelBackendNegotiate)(const KLloaderServices* services,
                                             KLbackendInterface* out);

#if defined(__GNUC__)
#define KEEL_BACKEND_EXPORT __attribute__((visibility("default")))
#else
#define KEEL_BACKEND_EXPORT
#endif

#ifdef __cplusplus
}
#endif

#endif /* KEEL_KEEL_BACKEND_H_ */
