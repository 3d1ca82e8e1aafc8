// Module `basic` (KERNELS.md).
#include "keel_kernels.h"

kernel void empty(void) {}

kernel void vec_add(global const float* a, global const float* b, global float* c, i32 n) {
  u32 gid = KEEL_GID_X;
  if (gid < (u32)n && n > 0) c[gid] = a[gid] + b[gid];
}

kernel void add_scalar_f32(global float* data, float value, i32 n) {
  u32 gid = KEEL_GID_X;
  if (n > 0 && gid < (u32)n) data[gid] += value;
}

kernel void fill_u32(global u32* out, u32 value, u32 n) {
  u32 gid = KEEL_GID_X;
  if (gid < n) out[gid] = value;
}

kernel void write_index(global u32* out, u32 n) {
  u32 gid = KEEL_GID_X;
  if (gid < n) out[gid] = gid;
}

kernel void busy_loop(global u32* out, u32 iterations) {
  if (!KEEL_FIRST_THREAD) return;
  u32 x = 1u;
  for (u32 i = 0; i < iterations; ++i) x = x * 1664525u + 1013904223u;
  out[0] = x;
}

kernel void coverage(global u32* counts, u32 nx, u32 ny, u32 nz) {
  u32 gx = KEEL_GID_X, gy = KEEL_GID_Y, gz = KEEL_GID_Z;
  if (gx < nx && gy < ny && gz < nz) atomic_add(&counts[(gz * ny + gy) * nx + gx], 1u);
}

kernel void grid_dims(global u32* out) {
  if (get_group_id(0) != 0 || get_group_id(1) != 0 || get_group_id(2) != 0) return;
  if (get_local_id(0) != 0 || get_local_id(1) != 0 || get_local_id(2) != 0) return;
  out[0] = (u32)get_num_groups(0);
  out[1] = (u32)get_num_groups(1);
  out[2] = (u32)get_num_groups(2);
  out[3] = (u32)get_local_size(0);
  out[4] = (u32)get_local_size(1);
  out[5] = (u32)get_local_size(2);
}
