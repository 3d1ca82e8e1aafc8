// Shared helpers of the Vulkan conformance kernels (see ../KERNELS.md), on
// top of the Keel kernel ABI include.
#ifndef KEEL_CONFORMANCE_KERNELS_VULKAN_KEEL_KERNELS_GLSL_
#define KEEL_CONFORMANCE_KERNELS_VULKAN_KEEL_KERNELS_GLSL_

#include "keel/keel_vulkan.glsl"

// Global index per dimension, the KERNELS.md `gid`. Macros, not functions:
// blockIdx reads the kernel's parameter block, declared after this include.
#define GID_X (blockIdx.x * blockDim.x + threadIdx.x)
#define GID_Y (blockIdx.y * blockDim.y + threadIdx.y)
#define GID_Z (blockIdx.z * blockDim.z + threadIdx.z)

// The one thread that writes single results (gid 0 in every dimension).
#define IS_FIRST_THREAD (GID_X == 0u && GID_Y == 0u && GID_Z == 0u)

#endif  // KEEL_CONFORMANCE_KERNELS_VULKAN_KEEL_KERNELS_GLSL_
