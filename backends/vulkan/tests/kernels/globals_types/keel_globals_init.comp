// The initializers of globals.glsl, run by the backend when the module loads.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
KEEL_PARAMS_END

KEEL_KERNEL(keel_globals_init) {
  keel_globals.counter = 5;
  for (uint i = 0u; i < 256u; ++i) keel_globals.table[i] = float(i);
}
