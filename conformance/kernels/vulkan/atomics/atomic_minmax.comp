// Module atomics: atomic_minmax(const i32* in, i32* out, u32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  i32_ptr src;
  i32_ptr dst;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(atomic_minmax) {
  uint gid = GID_X;
  if (gid >= n) return;
  int v = src.v[gid];
  atomicMin(dst.v[0], v);
  atomicMax(dst.v[1], v);
  atomicAnd(dst.v[2], v);
  atomicOr(dst.v[3], v);
  atomicXor(dst.v[4], v);
  atomicExchange(dst.v[5], v);
}
