// The VecAdd kernel for the Vulkan backend, line for line the CUDA one
// (Keel Vulkan kernel ABI: docs/backends/vulkan.md).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr a;  // const float* a
  f32_ptr b;  // const float* b
  f32_ptr c;  // float* c
  int n;
KEEL_PARAMS_END

KEEL_KERNEL(VecAdd) {
  int i = int(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) c.v[i] = a.v[i] + b.v[i];
}
