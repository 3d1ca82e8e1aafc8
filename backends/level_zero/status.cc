// ze_result_t -> KLresult: one table, one line per result code of the Level
// Zero headers Keel builds against (API 1.4), and the message helper.
#include <cstdio>

#include "level_zero.h"

namespace keel::ze {
namespace {

// X(native result, Keel result). Reasons for the less obvious lines:
//   NOT_READY -> KL_ERROR_NOT_READY: only queries return it.
//   MODULE_BUILD/LINK_FAILURE -> COMPILE_FAILED: the build log goes into the message.
//   INVALID_NATIVE_BINARY -> INVALID_IMAGE: the driver rejected the SPIR-V.
//   INVALID_KERNEL_NAME / INVALID_GLOBAL_NAME / INVALID_FUNCTION_NAME -> NOT_FOUND.
//   INVALID_GROUP_SIZE_DIMENSION -> INVALID_VALUE: a block the kernel cannot run.
//   UNSUPPORTED_* and UNINITIALIZED -> NOT_SUPPORTED / NOT_INITIALIZED.
//   OUT_OF_*_MEMORY -> OUT_OF_MEMORY; DEVICE_LOST / REQUIRES_RESET -> DEVICE_LOST.
#define KEEL_ZE_RESULTS(X)                                                       \
  X(ZE_RESULT_SUCCESS, KL_SUCCESS)                                               \
  X(ZE_RESULT_NOT_READY, KL_ERROR_NOT_READY)                                     \
  X(ZE_RESULT_ERROR_DEVICE_LOST, KL_ERROR_DEVICE_LOST)                           \
  X(ZE_RESULT_ERROR_OUT_OF_HOST_MEMORY, KL_ERROR_OUT_OF_MEMORY)                  \
  X(ZE_RESULT_ERROR_OUT_OF_DEVICE_MEMORY, KL_ERROR_OUT_OF_MEMORY)                \
  X(ZE_RESULT_ERROR_MODULE_BUILD_FAILURE, KL_ERROR_COMPILE_FAILED)               \
  X(ZE_RESULT_ERROR_MODULE_LINK_FAILURE, KL_ERROR_COMPILE_FAILED)                \
  X(ZE_RESULT_ERROR_DEVICE_REQUIRES_RESET, KL_ERROR_DEVICE_LOST)                 \
  X(ZE_RESULT_ERROR_DEVICE_IN_LOW_POWER_STATE, KL_ERROR_NOT_PERMITTED)           \
  X(ZE_RESULT_EXP_ERROR_DEVICE_IS_NOT_VERTEX, KL_ERROR_INVALID_DEVICE)           \
  X(ZE_RESULT_EXP_ERROR_VERTEX_IS_NOT_DEVICE, KL_ERROR_INVALID_DEVICE)           \
  X(ZE_RESULT_EXP_ERROR_REMOTE_DEVICE, KL_ERROR_INVALID_DEVICE)                  \
  X(ZE_RESULT_ERROR_INSUFFICIENT_PERMISSIONS, KL_ERROR_NOT_PERMITTED)            \
  X(ZE_RESULT_ERROR_NOT_AVAILABLE, KL_ERROR_NOT_PERMITTED)                       \
  X(ZE_RESULT_ERROR_DEPENDENCY_UNAVAILABLE, KL_ERROR_NOT_SUPPORTED)              \
  X(ZE_RESULT_WARNING_DROPPED_DATA, KL_ERROR_UNKNOWN)                            \
  X(ZE_RESULT_ERROR_UNINITIALIZED, KL_ERROR_NOT_INITIALIZED)                     \
  X(ZE_RESULT_ERROR_UNSUPPORTED_VERSION, KL_ERROR_NOT_SUPPORTED)                 \
  X(ZE_RESULT_ERROR_UNSUPPORTED_FEATURE, KL_ERROR_NOT_SUPPORTED)                 \
  X(ZE_RESULT_ERROR_INVALID_ARGUMENT, KL_ERROR_INVALID_VALUE)                    \
  X(ZE_RESULT_ERROR_INVALID_NULL_HANDLE, KL_ERROR_INVALID_HANDLE)                \
  X(ZE_RESULT_ERROR_HANDLE_OBJECT_IN_USE, KL_ERROR_NOT_PERMITTED)                \
  X(ZE_RESULT_ERROR_INVALID_NULL_POINTER, KL_ERROR_INVALID_VALUE)                \
  X(ZE_RESULT_ERROR_INVALID_SIZE, KL_ERROR_INVALID_VALUE)                        \
  X(ZE_RESULT_ERROR_UNSUPPORTED_SIZE, KL_ERROR_INVALID_VALUE)                    \
  X(ZE_RESULT_ERROR_UNSUPPORTED_ALIGNMENT, KL_ERROR_INVALID_VALUE)               \
  X(ZE_RESULT_ERROR_INVALID_SYNCHRONIZATION_OBJECT, KL_ERROR_INVALID_HANDLE)     \
  X(ZE_RESULT_ERROR_INVALID_ENUMERATION, KL_ERROR_INVALID_VALUE)                 \
  X(ZE_RESULT_ERROR_UNSUPPORTED_ENUMERATION, KL_ERROR_NOT_SUPPORTED)             \
  X(ZE_RESULT_ERROR_UNSUPPORTED_IMAGE_FORMAT, KL_ERROR_NOT_SUPPORTED)            \
  X(ZE_RESULT_ERROR_INVALID_NATIVE_BINARY, KL_ERROR_INVALID_IMAGE)               \
  X(ZE_RESULT_ERROR_INVALID_GLOBAL_NAME, KL_ERROR_NOT_FOUND)                     \
  X(ZE_RESULT_ERROR_INVALID_KERNEL_NAME, KL_ERROR_NOT_FOUND)                     \
  X(ZE_RESULT_ERROR_INVALID_FUNCTION_NAME, KL_ERROR_NOT_FOUND)                   \
  X(ZE_RESULT_ERROR_INVALID_GROUP_SIZE_DIMENSION, KL_ERROR_INVALID_VALUE)        \
  X(ZE_RESULT_ERROR_INVALID_GLOBAL_WIDTH_DIMENSION, KL_ERROR_INVALID_VALUE)      \
  X(ZE_RESULT_ERROR_INVALID_KERNEL_ARGUMENT_INDEX, KL_ERROR_INVALID_VALUE)       \
  X(ZE_RESULT_ERROR_INVALID_KERNEL_ARGUMENT_SIZE, KL_ERROR_INVALID_VALUE)        \
  X(ZE_RESULT_ERROR_INVALID_KERNEL_ATTRIBUTE_VALUE, KL_ERROR_INVALID_VALUE)      \
  X(ZE_RESULT_ERROR_INVALID_MODULE_UNLINKED, KL_ERROR_INVALID_IMAGE)             \
  X(ZE_RESULT_ERROR_INVALID_COMMAND_LIST_TYPE, KL_ERROR_INVALID_VALUE)           \
  X(ZE_RESULT_ERROR_OVERLAPPING_REGIONS, KL_ERROR_INVALID_VALUE)                 \
  X(ZE_RESULT_WARNING_ACTION_REQUIRED, KL_ERROR_UNKNOWN)                         \
  X(ZE_RESULT_ERROR_UNKNOWN, KL_ERROR_UNKNOWN)

}  // namespace

const char* ResultName(ze_result_t result) {
  switch (result) {
#define KEEL_ZE_NAME(native, keel) \
  case native:                     \
    return #native;
    KEEL_ZE_RESULTS(KEEL_ZE_NAME)
#undef KEEL_ZE_NAME
    default:
      break;
  }
  thread_local char text[32];
  std::snprintf(text, sizeof text, "ze_result_t 0x%x", static_cast<unsigned>(result));
  return text;
}

KLresult MapResult(ze_result_t result) {
  switch (result) {
#define KEEL_ZE_MAP(native, keel) \
  case native:                    \
    return keel;
    KEEL_ZE_RESULTS(KEEL_ZE_MAP)
#undef KEEL_ZE_MAP
    default:
      break;
  }
  return KL_ERROR_UNKNOWN;
}

KLresult ZeFail(ze_result_t result, const char* function, const char* call, KLresult code,
                const char* detail) {
  if (code == KL_SUCCESS) code = MapResult(result);
  if (code == KL_SUCCESS) code = KL_ERROR_UNKNOWN;  // never report success for a failure
  if (detail == nullptr) detail = DriverErrorDescription();
  return Fail(code, "%s: %s: %s (0x%x)%s%s", function, call, ResultName(result),
              static_cast<unsigned>(result), detail && *detail ? ": " : "",
              detail ? detail : "");
}

}  // namespace keel::ze
