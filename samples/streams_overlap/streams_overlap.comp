// Kernel for streams_overlap on the Vulkan backend: y = x * a + b, repeated.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr data;
  float a;
  float b;
  uint n;
  uint repeat_count;
KEEL_PARAMS_END

KEEL_KERNEL(ScaleAdd) {
  uint i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = data.v[i];
  for (uint r = 0u; r < repeat_count; ++r) v = v * a + b;
  data.v[i] = v;
}
