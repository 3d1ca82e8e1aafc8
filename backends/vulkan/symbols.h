// The Vulkan functions the backend calls, by level.
//
// Instance-level and loader-level functions are called directly: the plugin
// links the system loader (libvulkan.so.1). Device-level functions are
// resolved per VkDevice with vkGetDeviceProcAddr, so launches and copies go
// straight to the driver without the loader's trampoline. Required functions
// must resolve or context creation fails naming the first missing one;
// optional ones (extensions) stay NULL and their feature is reported absent.
#ifndef KEEL_BACKENDS_VULKAN_SYMBOLS_H_
#define KEEL_BACKENDS_VULKAN_SYMBOLS_H_

#include <vulkan/vulkan.h>

// Core 1.0-1.2 device functions.
#define KEEL_VK_DEVICE_FUNCTIONS(X)  \
  X(vkDestroyDevice)                 \
  X(vkGetDeviceQueue)                \
  X(vkQueueSubmit)                   \
  X(vkQueueWaitIdle)                 \
  X(vkDeviceWaitIdle)                \
  X(vkAllocateMemory)                \
  X(vkFreeMemory)                    \
  X(vkMapMemory)                     \
  X(vkUnmapMemory)                   \
  X(vkCreateBuffer)                  \
  X(vkDestroyBuffer)                 \
  X(vkGetBufferMemoryRequirements)   \
  X(vkBindBufferMemory)              \
  X(vkGetBufferDeviceAddress)        \
  X(vkCreateShaderModule)            \
  X(vkDestroyShaderModule)           \
  X(vkCreatePipelineCache)           \
  X(vkDestroyPipelineCache)          \
  X(vkCreateComputePipelines)        \
  X(vkDestroyPipeline)               \
  X(vkCreatePipelineLayout)          \
  X(vkDestroyPipelineLayout)         \
  X(vkCreateDescriptorSetLayout)     \
  X(vkDestroyDescriptorSetLayout)    \
  X(vkCreateCommandPool)             \
  X(vkDestroyCommandPool)            \
  X(vkAllocateCommandBuffers)        \
  X(vkFreeCommandBuffers)            \
  X(vkResetCommandBuffer)            \
  X(vkBeginCommandBuffer)            \
  X(vkEndCommandBuffer)              \
  X(vkCmdBindPipeline)               \
  X(vkCmdPushConstants)              \
  X(vkCmdDispatch)                   \
  X(vkCmdCopyBuffer)                 \
  X(vkCmdFillBuffer)                 \
  X(vkCmdPipelineBarrier)            \
  X(vkCmdResetQueryPool)             \
  X(vkCmdWriteTimestamp)             \
  X(vkCreateSemaphore)               \
  X(vkDestroySemaphore)              \
  X(vkGetSemaphoreCounterValue)      \
  X(vkWaitSemaphores)                \
  X(vkSignalSemaphore)               \
  X(vkCreateQueryPool)               \
  X(vkDestroyQueryPool)              \
  X(vkGetQueryPoolResults)

// Extension functions: NULL when the extension is not enabled.
#define KEEL_VK_DEVICE_OPTIONAL_FUNCTIONS(X) \
  X(vkCmdPushDescriptorSetKHR)               \
  X(vkGetMemoryHostPointerPropertiesEXT)

namespace keel {
namespace vk {

struct DeviceFunctions {
#define KEEL_VK_DECLARE(name) PFN_##name name = nullptr;
  KEEL_VK_DEVICE_FUNCTIONS(KEEL_VK_DECLARE)
  KEEL_VK_DEVICE_OPTIONAL_FUNCTIONS(KEEL_VK_DECLARE)
#undef KEEL_VK_DECLARE

  // Resolves every function for `device`. Returns the name of the first
  // required function that did not resolve, or nullptr on success.
  const char* Load(VkDevice device);
};

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_SYMBOLS_H_
