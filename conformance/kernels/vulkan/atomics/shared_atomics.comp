// Module atomics: shared_atomics(const u32* in, u32* out, u32 n): a 64-bin histogram
// in shared memory, added to out.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr src;
  u32_ptr dst;
  uint n;
KEEL_PARAMS_END

shared uint hist[64];

KEEL_KERNEL(shared_atomics) {
  uint t = threadIdx.x;
  for (uint k = t; k < 64u; k += blockDim.x) hist[k] = 0u;
  syncthreads();
  uint gid = GID_X;
  if (gid < n) atomicAdd(hist[src.v[gid] % 64u], 1u);
  syncthreads();
  for (uint k = t; k < 64u; k += blockDim.x) atomicAdd(dst.v[k], hist[k]);
}
