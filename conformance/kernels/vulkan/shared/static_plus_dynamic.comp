// Module shared: static_plus_dynamic(u32* out, u32 words): static shared u32 s[256]
// next to dynamic shared u32 tile[words].
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint words;
KEEL_PARAMS_END

shared uint s[256];
KEEL_DYNAMIC_SHARED(uint, tile, 4);

KEEL_KERNEL(static_plus_dynamic) {
  uint t = threadIdx.x;
  s[t] = t * 7u;
  tile[t] = t * 5u + 1u;
  syncthreads();
  dst.v[GID_X] = s[(t + 1u) % blockDim.x] + tile[(t + 2u) % blockDim.x];
}
