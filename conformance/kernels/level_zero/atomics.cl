// Module `atomics` (KERNELS.md): OpenCL 1.2 32-bit integer atomics on global
// and local memory. Atomics that need an optional device feature are in
// atomics_float and atomics_int64.
#include "keel_kernels.h"

kernel void atomic_add_i32(global i32* counter, u32 n) {
  if (KEEL_GID_X < n) atomic_add(counter, 1);
}

kernel void atomic_minmax(global const i32* in, global i32* out, u32 n) {
  u32 gid = KEEL_GID_X;
  if (gid >= n) return;
  i32 v = in[gid];
  atomic_min(&out[0], v);
  atomic_max(&out[1], v);
  atomic_and(&out[2], v);
  atomic_or(&out[3], v);
  atomic_xor(&out[4], v);
  atomic_xchg(&out[5], v);
}

kernel void shared_atomics(global const u32* in, global u32* out, u32 n) {
  local u32 hist[64];
  u32 t = (u32)get_local_id(0);
  u32 size = (u32)get_local_size(0);
  for (u32 k = t; k < 64u; k += size) hist[k] = 0u;
  barrier(CLK_LOCAL_MEM_FENCE);
  u32 gid = KEEL_GID_X;
  if (gid < n) atomic_add(&hist[in[gid] % 64u], 1u);
  barrier(CLK_LOCAL_MEM_FENCE);
  for (u32 k = t; k < 64u; k += size) atomic_add(&out[k], hist[k]);
}
