// Module shared: reduce_sum_u32(const u32* in, u32* out, u32 n): a 256-thread tree
// reduction in static shared memory.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr src;
  u32_ptr dst;
  uint n;
KEEL_PARAMS_END

shared uint partial[256];

KEEL_KERNEL(reduce_sum_u32) {
  uint t = threadIdx.x;
  uint gid = GID_X;
  partial[t] = gid < n ? src.v[gid] : 0u;
  syncthreads();
  for (uint stride = 128u; stride > 0u; stride >>= 1) {
    if (t < stride) partial[t] += partial[t + stride];
    syncthreads();
  }
  if (t == 0u) atomicAdd(dst.v[0], partial[0]);
}
