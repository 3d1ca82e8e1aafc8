// Module basic: fill_u32(u32* out, u32 value, u32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint value;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(fill_u32) {
  uint gid = GID_X;
  if (gid < n) dst.v[gid] = value;
}
