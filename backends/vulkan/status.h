// VkResult -> KLresult, and helpers that turn a failed Vulkan call into a
// Keel error whose message names the Keel call, the Vulkan call and the
// VkResult by name and number:
//   "klMemAlloc: vkAllocateMemory: VK_ERROR_OUT_OF_DEVICE_MEMORY (-2)".
#ifndef KEEL_BACKENDS_VULKAN_STATUS_H_
#define KEEL_BACKENDS_VULKAN_STATUS_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

namespace keel {
namespace vk {

// "VK_ERROR_DEVICE_LOST"; "VkResult <n>" style text for unknown codes is
// produced by VkFail, this returns nullptr for them.
const char* VkResultName(VkResult result);

// The Keel code a VkResult maps to (one table, status.cc).
KLresult ToKLresult(VkResult result);

// Sets the last-error message and returns the mapped code.
KLresult VkFail(VkResult result, const char* api, const char* vk_call);

}  // namespace vk
}  // namespace keel

// Returns from the enclosing function when a Vulkan call fails.
#define KEEL_VK_RETURN_IF_ERROR(api, vk_call_name, expr)           \
  do {                                                           \
    VkResult keel_vk_result_ = (expr);                           \
    if (keel_vk_result_ != VK_SUCCESS)                           \
      return ::keel::vk::VkFail(keel_vk_result_, api, vk_call_name); \
  } while (0)

#endif  // KEEL_BACKENDS_VULKAN_STATUS_H_
