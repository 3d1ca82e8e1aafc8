// Module `shared` (KERNELS.md): static and dynamic shared (local) memory.
// Kernels with dynamic shared memory take it as their last parameter, a
// __local pointer sized by the launch's sharedMemBytes (Keel kernel ABI).
#include "keel_kernels.h"

kernel void reverse_dynamic(global const u32* in, global u32* out, u32 n, local u32* tile) {
  u32 t = (u32)get_local_id(0);
  u32 gid = KEEL_GID_X;
  tile[t] = gid < n ? in[gid] : 0u;
  barrier(CLK_LOCAL_MEM_FENCE);
  if (gid < n) out[gid] = tile[(u32)get_local_size(0) - 1u - t];
}

kernel void dynamic_shared_fill(global u32* out, u32 words, local u32* tile) {
  u32 block = (u32)get_group_id(0);
  u32 size = (u32)get_local_size(0);
  for (u32 k = (u32)get_local_id(0); k < words; k += size) tile[k] = k * 3u + block;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (u32 k = (u32)get_local_id(0); k < words; k += size)
    out[(size_t)block * words + k] = tile[(k + 1u) % words];
}

kernel void static_plus_dynamic(global u32* out, u32 words, local u32* tile) {
  local u32 s[256];
  u32 t = (u32)get_local_id(0);
  u32 size = (u32)get_local_size(0);
  s[t] = t * 7u;
  tile[t] = t * 5u + 1u;
  barrier(CLK_LOCAL_MEM_FENCE);
  out[KEEL_GID_X] = s[(t + 1u) % size] + tile[(t + 2u) % size];
}

kernel void reduce_sum_u32(global const u32* in, global u32* out, u32 n) {
  local u32 partial[256];
  u32 t = (u32)get_local_id(0);
  u32 gid = KEEL_GID_X;
  partial[t] = gid < n ? in[gid] : 0u;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (u32 stride = 128u; stride > 0u; stride >>= 1) {
    if (t < stride) partial[t] += partial[t + stride];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (t == 0u) atomic_add(out, partial[0]);
}
