// Module globals: the CUDA initializer `g_values[16] = {0, 1, ..., 15}`. The
// backend runs this kernel once, as one block, when the module loads.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
KEEL_PARAMS_END

KEEL_KERNEL(keel_globals_init) {
  if (!IS_FIRST_THREAD) return;
  for (uint i = 0u; i < 16u; ++i) keel_globals.g_values[i] = i;
}
