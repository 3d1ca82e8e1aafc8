// Module globals: write_globals(u32 v): g_values[i] = v + i for gid = i < 16.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
  uint v;
KEEL_PARAMS_END

KEEL_KERNEL(write_globals) {
  uint i = GID_X;
  if (i < 16u) keel_globals.g_values[i] = v + i;
}
