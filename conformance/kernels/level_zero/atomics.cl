// Module `atomics` (KERNELS.md): OpenCL 1.2 atomics on global and local memory.
#include "keel_kernels.h"
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable

kernel void atomic_add_i32(global i32* counter, u32 n) {
  if (KEEL_GID_X < n) atomic_add(counter, 1);
}

// OpenCL 1.2 has no float atomic add: a compare-and-swap loop on the bits.
kernel void atomic_add_f32(global float* acc, u32 n) {
  if (KEEL_GID_X >= n) return;
  volatile global u32* bits = (volatile global u32*)acc;
  u32 old = *bits;
  for (;;) {
    u32 seen = atomic_cmpxchg(bits, old, as_uint(as_float(old) + 1.0f));
    if (seen == old) break;
    old = seen;
  }
}

kernel void atomic_cas_u64(global u64* counter, u32 n) {
  if (KEEL_GID_X >= n) return;
  volatile global u64* p = (volatile global u64*)counter;
  u64 old = *p;
  for (;;) {
    u64 seen = atom_cmpxchg(p, old, old + 1ul);
    if (seen == old) break;
    old = seen;
  }
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
