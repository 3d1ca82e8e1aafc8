// Module globals_conflict: two kernels whose globals blocks disagree (a, b
// here; b, a in second.comp). The backend refuses such a module.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"
#extension GL_EXT_buffer_reference_uvec2 : require

KEEL_GLOBALS_BEGIN
  uint a;
  uint b;
KEEL_GLOBALS_END

KEEL_PARAMS_BEGIN
KEEL_PARAMS_END

KEEL_KERNEL(first) { keel_globals.a = 1u; }
