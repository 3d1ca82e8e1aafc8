#include "vulkan/status.h"

#include "common/services.h"

namespace keel {
namespace vk {
namespace {

// One line per VkResult a compute backend can see: its name and the Keel
// code it becomes. Errors of work already submitted (DEVICE_LOST) poison the
// context; the rest are reported by the call that received them.
#define KEEL_VK_RESULTS(X)                                              \
  X(VK_SUCCESS, KL_SUCCESS)                                            \
  X(VK_NOT_READY, KL_ERROR_NOT_READY)                                  \
  X(VK_TIMEOUT, KL_ERROR_NOT_READY)                                    \
  X(VK_EVENT_SET, KL_SUCCESS)                                          \
  X(VK_EVENT_RESET, KL_ERROR_NOT_READY)                                \
  X(VK_INCOMPLETE, KL_ERROR_UNKNOWN)                                   \
  X(VK_ERROR_OUT_OF_HOST_MEMORY, KL_ERROR_OUT_OF_MEMORY)               \
  X(VK_ERROR_OUT_OF_DEVICE_MEMORY, KL_ERROR_OUT_OF_MEMORY)             \
  X(VK_ERROR_INITIALIZATION_FAILED, KL_ERROR_NOT_INITIALIZED)          \
  X(VK_ERROR_DEVICE_LOST, KL_ERROR_DEVICE_LOST)                        \
  X(VK_ERROR_MEMORY_MAP_FAILED, KL_ERROR_OUT_OF_MEMORY)                \
  X(VK_ERROR_LAYER_NOT_PRESENT, KL_ERROR_NOT_SUPPORTED)                \
  X(VK_ERROR_EXTENSION_NOT_PRESENT, KL_ERROR_NOT_SUPPORTED)            \
  X(VK_ERROR_FEATURE_NOT_PRESENT, KL_ERROR_NOT_SUPPORTED)              \
  X(VK_ERROR_INCOMPATIBLE_DRIVER, KL_ERROR_NO_DEVICE)                  \
  X(VK_ERROR_TOO_MANY_OBJECTS, KL_ERROR_OUT_OF_MEMORY)                 \
  X(VK_ERROR_FORMAT_NOT_SUPPORTED, KL_ERROR_NOT_SUPPORTED)             \
  X(VK_ERROR_FRAGMENTED_POOL, KL_ERROR_OUT_OF_MEMORY)                  \
  X(VK_ERROR_UNKNOWN, KL_ERROR_UNKNOWN)                                \
  X(VK_ERROR_OUT_OF_POOL_MEMORY, KL_ERROR_OUT_OF_MEMORY)               \
  X(VK_ERROR_INVALID_EXTERNAL_HANDLE, KL_ERROR_INVALID_VALUE)          \
  X(VK_ERROR_FRAGMENTATION, KL_ERROR_OUT_OF_MEMORY)                    \
  X(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS, KL_ERROR_INVALID_VALUE)   \
  X(VK_PIPELINE_COMPILE_REQUIRED, KL_ERROR_COMPILE_FAILED)             \
  X(VK_ERROR_INVALID_SHADER_NV, KL_ERROR_INVALID_IMAGE)                \
  X(VK_ERROR_NOT_PERMITTED_KHR, KL_ERROR_NOT_PERMITTED)

}  // namespace

const char* VkResultName(VkResult result) {
  switch (result) {
#define KEEL_VK_NAME_CASE(vk, kl) \
  case vk:                        \
    return #vk;
    KEEL_VK_RESULTS(KEEL_VK_NAME_CASE)
#undef KEEL_VK_NAME_CASE
    default:
      return nullptr;
  }
}

KLresult ToKLresult(VkResult result) {
  switch (result) {
#define KEEL_VK_CODE_CASE(vk, kl) \
  case vk:                        \
    return kl;
    KEEL_VK_RESULTS(KEEL_VK_CODE_CASE)
#undef KEEL_VK_CODE_CASE
    default:
      return KL_ERROR_UNKNOWN;
  }
}

KLresult VkFail(VkResult result, const char* api, const char* vk_call) {
  const char* name = VkResultName(result);
  return Fail(ToKLresult(result), "%s: %s: %s (%d)", api, vk_call,
              name != nullptr ? name : "unknown VkResult", static_cast<int>(result));
}

}  // namespace vk
}  // namespace keel
