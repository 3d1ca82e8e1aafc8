// axpy_table(float* out, const float* x, const float* y, float a, float b, u32 n):
// out[i] = a * x[i] + b * y[i] + table[i] for i < min(n, 256). Its 36 bytes of
// parameters put it over a 64-byte push-constant limit (the argument-buffer
// path of the small-limits test run).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr dst;
  f32_ptr x;
  f32_ptr y;
  float a;
  float b;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(axpy_table) {
  uint i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n && i < 256u) dst.v[i] = a * x.v[i] + b * y.v[i] + keel_globals.table[i];
}
