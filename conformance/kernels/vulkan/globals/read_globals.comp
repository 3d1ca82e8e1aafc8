// Module globals: read_globals(u32* out): out[i] = g_values[i] * 2 for gid = i < 16.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(read_globals) {
  uint i = GID_X;
  if (i < 16u) dst.v[i] = keel_globals.g_values[i] * 2u;
}
