// Module shared: reverse_dynamic(const u32* in, u32* out, u32 n), dynamic shared
// u32 tile[blockDim.x] (sharedMemBytes = blockDim.x * 4).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr src;
  u32_ptr dst;
  uint n;
KEEL_PARAMS_END

KEEL_DYNAMIC_SHARED(uint, tile, 4);

KEEL_KERNEL(reverse_dynamic) {
  uint t = threadIdx.x;
  uint gid = GID_X;
  tile[t] = gid < n ? src.v[gid] : 0u;
  syncthreads();
  if (gid < n) dst.v[gid] = tile[blockDim.x - 1u - t];
}
