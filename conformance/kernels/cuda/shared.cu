// Module `shared` (KERNELS.md): static and dynamic shared memory, barriers.
#include "keel_kernels.cuh"

extern __shared__ u32 keel_dynamic_shared[];

extern "C" __global__ void reverse_dynamic(const u32* in, u32* out, u32 n) {
  u32* tile = keel_dynamic_shared;
  u32 t = threadIdx.x;
  u32 gid = GlobalIdX();
  tile[t] = gid < n ? in[gid] : 0u;
  __syncthreads();
  if (gid < n) out[gid] = tile[blockDim.x - 1 - t];
}

extern "C" __global__ void dynamic_shared_fill(u32* out, u32 words) {
  u32* tile = keel_dynamic_shared;
  for (u32 k = threadIdx.x; k < words; k += blockDim.x) tile[k] = k * 3u + blockIdx.x;
  __syncthreads();
  for (u32 k = threadIdx.x; k < words; k += blockDim.x)
    out[(size_t)blockIdx.x * words + k] = tile[(k + 1) % words];
}

extern "C" __global__ void static_plus_dynamic(u32* out, u32 words) {
  __shared__ u32 s[256];
  u32* tile = keel_dynamic_shared;
  u32 t = threadIdx.x;
  s[t] = t * 7u;
  tile[t] = t * 5u + 1u;
  __syncthreads();
  out[GlobalIdX()] = s[(t + 1) % blockDim.x] + tile[(t + 2) % blockDim.x];
}

extern "C" __global__ void reduce_sum_u32(const u32* in, u32* out, u32 n) {
  __shared__ u32 partial[256];
  u32 t = threadIdx.x;
  u32 gid = GlobalIdX();
  partial[t] = gid < n ? in[gid] : 0u;
  __syncthreads();
  for (u32 stride = 128; stride > 0; stride >>= 1) {
    if (t < stride) partial[t] += partial[t + stride];
    __syncthreads();
  }
  if (t == 0) atomicAdd(out, partial[0]);
}
