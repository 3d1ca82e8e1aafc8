// no_globals(u32* out): out[0] = 7. A kernel of a module with globals that does
// not use them: it reads neither hidden globals word.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(no_globals) {
  if (blockIdx.x == 0u && threadIdx.x == 0u) dst.v[0] = 7u;
}
