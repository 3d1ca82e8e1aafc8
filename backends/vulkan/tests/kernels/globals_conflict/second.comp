// Module globals_conflict: the second kernel, its globals in the other order
// and of other types (spirv-link merges blocks of the same shape, keeping the
// first one's names, which would hide the disagreement).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"
#extension GL_EXT_buffer_reference_uvec2 : require

KEEL_GLOBALS_BEGIN
  uint b;
  float a;
KEEL_GLOBALS_END

KEEL_PARAMS_BEGIN
KEEL_PARAMS_END

KEEL_KERNEL(second) { keel_globals.b = 2u; }
