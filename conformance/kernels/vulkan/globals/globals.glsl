// Module globals: the module-scope variables of module `globals` (KERNELS.md),
// CUDA's `__device__ u32 g_values[16]`. Every kernel of the module includes
// this, so all of them see one block (docs/backends/vulkan.md, "Module
// globals").
#ifndef KEEL_CONFORMANCE_KERNELS_VULKAN_GLOBALS_GLOBALS_GLSL_
#define KEEL_CONFORMANCE_KERNELS_VULKAN_GLOBALS_GLOBALS_GLSL_

#extension GL_EXT_buffer_reference_uvec2 : require

KEEL_GLOBALS_BEGIN
  uint g_values[16];
KEEL_GLOBALS_END

#endif  // KEEL_CONFORMANCE_KERNELS_VULKAN_GLOBALS_GLOBALS_GLSL_
