// Every libze_loader.so.1 symbol the Level Zero backend calls, in one X-macro
// list (the IREE dynamic-symbol-table pattern). backend.cc expands it into the
// `ze` function table and the dlsym loop.
//
//   KEEL_ZE_REQUIRED(name)        present in every loader since Debian's 1.8
//                                 (the floor); init fails naming the first
//                                 missing one.
//   KEEL_ZE_OPTIONAL(name, type)  newer than loader 1.8 or not always exported;
//                                 NULL when absent, and every caller checks.
//                                 `type` is spelled out because Debian's
//                                 headers (API 1.4) may not declare them.
#ifndef KEEL_BACKENDS_LEVEL_ZERO_SYMBOLS_H_
#define KEEL_BACKENDS_LEVEL_ZERO_SYMBOLS_H_

#include <level_zero/loader/ze_loader.h>
#include <level_zero/ze_api.h>

// zeDriverGetLastErrorDescription: Level Zero 1.6.
typedef ze_result_t(ZE_APICALL* keel_pfn_zeDriverGetLastErrorDescription)(ze_driver_handle_t,
                                                                           const char**);
// zelLoaderGetVersions: loader library (not in the core API).
typedef ze_result_t(ZE_APICALL* keel_pfn_zelLoaderGetVersions)(size_t*, zel_component_version_t*);

#define KEEL_ZE_SYMBOLS(KEEL_ZE_REQUIRED, KEEL_ZE_OPTIONAL)                     \
  /* drivers and devices */                                                     \
  KEEL_ZE_REQUIRED(zeInit)                                                      \
  KEEL_ZE_REQUIRED(zeDriverGet)                                                 \
  KEEL_ZE_REQUIRED(zeDriverGetApiVersion)                                       \
  KEEL_ZE_REQUIRED(zeDriverGetProperties)                                       \
  KEEL_ZE_REQUIRED(zeDeviceGet)                                                 \
  KEEL_ZE_REQUIRED(zeDeviceGetProperties)                                       \
  KEEL_ZE_REQUIRED(zeDeviceGetComputeProperties)                                \
  KEEL_ZE_REQUIRED(zeDeviceGetModuleProperties)                                 \
  KEEL_ZE_REQUIRED(zeDeviceGetMemoryProperties)                                 \
  KEEL_ZE_REQUIRED(zeDeviceGetCommandQueueGroupProperties)                      \
  KEEL_ZE_REQUIRED(zeDevicePciGetPropertiesExt)                                 \
  /* contexts */                                                                \
  KEEL_ZE_REQUIRED(zeContextCreate)                                             \
  KEEL_ZE_REQUIRED(zeContextDestroy)                                            \
  /* command lists */                                                           \
  KEEL_ZE_REQUIRED(zeCommandListCreateImmediate)                                \
  KEEL_ZE_REQUIRED(zeCommandListDestroy)                                        \
  KEEL_ZE_REQUIRED(zeCommandListAppendBarrier)                                  \
  KEEL_ZE_REQUIRED(zeCommandListAppendMemoryCopy)                               \
  KEEL_ZE_REQUIRED(zeCommandListAppendMemoryFill)                               \
  KEEL_ZE_REQUIRED(zeCommandListAppendLaunchKernel)                             \
  KEEL_ZE_REQUIRED(zeCommandListAppendSignalEvent)                              \
  KEEL_ZE_REQUIRED(zeCommandListAppendWaitOnEvents)                             \
  KEEL_ZE_REQUIRED(zeCommandListAppendWriteGlobalTimestamp)                     \
  /* events */                                                                  \
  KEEL_ZE_REQUIRED(zeEventPoolCreate)                                           \
  KEEL_ZE_REQUIRED(zeEventPoolDestroy)                                          \
  KEEL_ZE_REQUIRED(zeEventCreate)                                               \
  KEEL_ZE_REQUIRED(zeEventDestroy)                                              \
  KEEL_ZE_REQUIRED(zeEventHostSignal)                                           \
  KEEL_ZE_REQUIRED(zeEventHostSynchronize)                                      \
  KEEL_ZE_REQUIRED(zeEventQueryStatus)                                          \
  KEEL_ZE_REQUIRED(zeEventHostReset)                                            \
  /* modules and kernels */                                                     \
  KEEL_ZE_REQUIRED(zeModuleCreate)                                              \
  KEEL_ZE_REQUIRED(zeModuleDestroy)                                             \
  KEEL_ZE_REQUIRED(zeModuleBuildLogDestroy)                                     \
  KEEL_ZE_REQUIRED(zeModuleBuildLogGetString)                                   \
  KEEL_ZE_REQUIRED(zeModuleGetGlobalPointer)                                    \
  KEEL_ZE_REQUIRED(zeKernelCreate)                                              \
  KEEL_ZE_REQUIRED(zeKernelDestroy)                                             \
  KEEL_ZE_REQUIRED(zeKernelSetGroupSize)                                        \
  KEEL_ZE_REQUIRED(zeKernelSetArgumentValue)                                    \
  KEEL_ZE_REQUIRED(zeKernelGetProperties)                                       \
  /* memory */                                                                  \
  KEEL_ZE_REQUIRED(zeMemAllocDevice)                                            \
  KEEL_ZE_REQUIRED(zeMemAllocHost)                                              \
  KEEL_ZE_REQUIRED(zeMemFree)                                                   \
  /* newer than the floor */                                                    \
  KEEL_ZE_OPTIONAL(zeDriverGetLastErrorDescription,                             \
                   keel_pfn_zeDriverGetLastErrorDescription)                    \
  KEEL_ZE_OPTIONAL(zelLoaderGetVersions, keel_pfn_zelLoaderGetVersions)

#endif  // KEEL_BACKENDS_LEVEL_ZERO_SYMBOLS_H_
