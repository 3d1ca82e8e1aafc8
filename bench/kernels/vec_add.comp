// VecAdd for the Vulkan backend (Keel kernel ABI, docs/backends/vulkan.md):
// c = a + b, the 4-argument launch figures and the bandwidth-bound kernel.
// Same kernel as VecAdd in bench.cu.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr a;  // const float* a
  f32_ptr b;  // const float* b
  f32_ptr c;  // float* c
  int n;      // int n
KEEL_PARAMS_END

KEEL_KERNEL(VecAdd) {
  uint i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < uint(n)) c.v[i] = a.v[i] + b.v[i];
}
