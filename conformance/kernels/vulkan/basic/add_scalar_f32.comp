// Module basic: add_scalar_f32(float* data, float value, i32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr data;
  float value;
  int n;
KEEL_PARAMS_END

KEEL_KERNEL(add_scalar_f32) {
  uint gid = GID_X;
  if (n > 0 && gid < uint(n)) data.v[gid] += value;
}
