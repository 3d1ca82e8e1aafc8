// Module basic: vec_add(const float* a, const float* b, float* c, i32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr a;
  f32_ptr b;
  f32_ptr c;
  int n;
KEEL_PARAMS_END

KEEL_KERNEL(vec_add) {
  uint gid = GID_X;
  if (n > 0 && gid < uint(n)) c.v[gid] = a.v[gid] + b.v[gid];
}
