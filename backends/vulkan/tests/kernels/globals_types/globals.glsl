// Module globals_types: the globals of the CUDA module
//   __device__ int counter = 5;
//   __device__ float table[256];   // table[i] = i
//   __device__ uint2 pair;
// shared by every kernel of the module (std430: counter @0, table @4, pair @1032).
#ifndef KEEL_VULKAN_TESTS_GLOBALS_TYPES_GLSL_
#define KEEL_VULKAN_TESTS_GLOBALS_TYPES_GLSL_
#extension GL_EXT_buffer_reference_uvec2 : require

KEEL_GLOBALS_BEGIN
  int counter;
  float table[256];
  uvec2 pair;
KEEL_GLOBALS_END

#endif  // KEEL_VULKAN_TESTS_GLOBALS_TYPES_GLSL_
