// Module shared: dynamic_shared_fill(u32* out, u32 words), dynamic shared u32 tile[words].
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint words;
KEEL_PARAMS_END

KEEL_DYNAMIC_SHARED(uint, tile, 4);

KEEL_KERNEL(dynamic_shared_fill) {
  for (uint k = threadIdx.x; k < words; k += blockDim.x) tile[k] = k * 3u + blockIdx.x;
  syncthreads();
  for (uint k = threadIdx.x; k < words; k += blockDim.x)
    dst.v[blockIdx.x * words + k] = tile[(k + 1u) % words];
}
