// Running under the Khronos validation layer (KEEL_VULKAN_VALIDATION).
//
// lavapipe executes invalid work without complaint, so CI runs the suite with
// VK_LAYER_KHRONOS_validation on and treats every message (warning or error)
// as a failure of the Keel call that caused it:
//
//   KEEL_VULKAN_VALIDATION unset or 0  layer off
//   KEEL_VULKAN_VALIDATION=1           layer on; a message fails the Keel call
//                                      during (or after) which it arrived with
//                                      KL_ERROR_UNKNOWN and the message text
//   KEEL_VULKAN_VALIDATION=log         layer on; messages are only reported
//
// In every mode each message is also written to stderr as one line starting
// with "keel-vulkan-validation:" so a harness can grep a run's output.
#ifndef KEEL_BACKENDS_VULKAN_VALIDATION_H_
#define KEEL_BACKENDS_VULKAN_VALIDATION_H_

#include <keel/keel_backend.h>
#include <vulkan/vulkan.h>

#include <cstdint>
#include <string>

namespace keel {
namespace vk {

enum class ValidationMode { kOff, kFail, kLog };

// Reads KEEL_VULKAN_VALIDATION (once).
ValidationMode GetValidationMode();

// Messages received so far, and the text of the last one.
uint64_t ValidationMessageCount();
std::string LastValidationMessage();

// The messenger callback (VK_EXT_debug_utils).
VKAPI_ATTR VkBool32 VKAPI_CALL ValidationCallback(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);

// A table whose every slot calls the same slot of `plain` and then fails the
// call if a validation message arrived that no call has reported yet.
// `plain` must outlive it.
const KLdispatchTable* MakeCheckedTable(const KLdispatchTable* plain);

// For backend-level calls (init): KL_SUCCESS, or KL_ERROR_UNKNOWN naming the
// unreported message(s). Marks them reported.
KLresult TakeUnreportedValidationMessages(const char* api);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_VALIDATION_H_
