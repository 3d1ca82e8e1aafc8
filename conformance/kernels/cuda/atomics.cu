// Module `atomics` (KERNELS.md): 32-bit integer atomics on global and shared
// memory. Atomics that need an optional device feature are in atomics_float
// and atomics_int64.
#include "keel_kernels.cuh"

extern "C" __global__ void atomic_add_i32(i32* counter, u32 n) {
  if (GlobalIdX() < n) atomicAdd(counter, 1);
}

extern "C" __global__ void atomic_minmax(const i32* in, i32* out, u32 n) {
  u32 gid = GlobalIdX();
  if (gid >= n) return;
  i32 v = in[gid];
  atomicMin(&out[0], v);
  atomicMax(&out[1], v);
  atomicAnd(&out[2], v);
  atomicOr(&out[3], v);
  atomicXor(&out[4], v);
  atomicExch(&out[5], v);
}

extern "C" __global__ void shared_atomics(const u32* in, u32* out, u32 n) {
  __shared__ u32 hist[64];
  u32 t = threadIdx.x;
  for (u32 k = t; k < 64; k += blockDim.x) hist[k] = 0u;
  __syncthreads();
  u32 gid = GlobalIdX();
  if (gid < n) atomicAdd(&hist[in[gid] % 64u], 1u);
  __syncthreads();
  for (u32 k = t; k < 64; k += blockDim.x) atomicAdd(&out[k], hist[k]);
}
