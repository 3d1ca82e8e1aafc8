/*
 * Vulkan-specific declarations of the Keel Vulkan backend: what the native
 * handles point at, and the constants of the Keel kernel ABI for Vulkan
 * (docs/backends/vulkan.md). Include after <vulkan/vulkan.h>.
 *
 * Native handles (klXxxGetNativeHandle) on the Vulkan backend:
 *   KLdevice  -> VkPhysicalDevice
 *   KLcontext -> VkDevice (one per context)
 *   KLmodule  -> VkShaderModule
 *   KLstream  -> VkQueue the stream submits to (shared by several streams:
 *                lock-free use is not safe, submit only from Keel)
 *   KLevent   -> VkSemaphore (timeline) of the stream it was last recorded
 *                on; VK_NULL_HANDLE before the first record
 *   KLfunction-> const KLvulkanFunctionInfo* (below)
 */
#ifndef KEEL_KEEL_VULKAN_H_
#define KEEL_KEEL_VULKAN_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of hidden values at the start of a kernel's argument block. */
#define KEEL_VULKAN_HIDDEN_BYTES 32u
/** Offset of the hidden `uvec3 keel_grid_dim` (gridDim of the launch). */
#define KEEL_VULKAN_HIDDEN_GRID_DIM_OFFSET 0u
/** Offset of the hidden `uvec3 keel_block_base` (first block of a split dispatch). */
#define KEEL_VULKAN_HIDDEN_BLOCK_BASE_OFFSET 16u
/** Offsets of the hidden words holding the low and high 32 bits of the
 * module's globals address (`keel_reserved0`/`1`, ABI version 2; 0 when the
 * module declares no globals). */
#define KEEL_VULKAN_HIDDEN_GLOBALS_LO_OFFSET 12u
#define KEEL_VULKAN_HIDDEN_GLOBALS_HI_OFFSET 28u
/** Entry point the backend runs once (one block) when a module with globals
 * loads: the module's global initializers. */
#define KEEL_VULKAN_GLOBALS_INIT_KERNEL "keel_globals_init"
/** Specialization constant ids of blockDim.x, .y, .z. */
#define KEEL_VULKAN_SPEC_BLOCK_DIM_X 0u
#define KEEL_VULKAN_SPEC_BLOCK_DIM_Y 1u
#define KEEL_VULKAN_SPEC_BLOCK_DIM_Z 2u
/** Specialization constant id of the dynamic shared memory size in bytes. */
#define KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES 3u
/** Largest parameter block (without the hidden header) a launch accepts. */
#define KEEL_VULKAN_MAX_PARAM_BYTES 4096u

/** What klFuncGetNativeHandle returns on the Vulkan backend (owned by Keel,
 * valid until the module is unloaded). */
typedef struct KLvulkanFunctionInfo {
  uint32_t structSize;        /**< sizeof(KLvulkanFunctionInfo). */
  uint32_t argsInBuffer;      /**< 1 if arguments travel in a storage buffer (set 0,
                                   binding 0) because they exceed maxPushConstantsSize. */
  uint64_t shaderModule;      /**< VkShaderModule holding the entry point (as uint64_t). */
  const char* entryPoint;     /**< The SPIR-V entry point name. */
  uint64_t pipelineLayout;    /**< VkPipelineLayout its pipelines use (as uint64_t). */
  uint32_t argumentBlockBytes; /**< Hidden header + parameters, in bytes. */
  uint32_t reserved;
} KLvulkanFunctionInfo;

#ifdef __cplusplus
}
#endif

#endif /* KEEL_KEEL_VULKAN_H_ */
