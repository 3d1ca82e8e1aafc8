// Module basic: write_index(u32* out, u32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(write_index) {
  uint gid = GID_X;
  if (gid < n) dst.v[gid] = gid;
}
