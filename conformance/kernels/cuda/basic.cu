// Module `basic` (KERNELS.md): launch shapes, copies and stream tests.
#include "keel_kernels.cuh"

extern "C" __global__ void empty() {}

extern "C" __global__ void vec_add(const float* a, const float* b, float* c, i32 n) {
  u32 gid = GlobalIdX();
  if (gid < (u32)n && n > 0) c[gid] = a[gid] + b[gid];
}

extern "C" __global__ void add_scalar_f32(float* data, float value, i32 n) {
  u32 gid = GlobalIdX();
  if (gid < (u32)n && n > 0) data[gid] += value;
}

extern "C" __global__ void fill_u32(u32* out, u32 value, u32 n) {
  u32 gid = GlobalIdX();
  if (gid < n) out[gid] = value;
}

extern "C" __global__ void write_index(u32* out, u32 n) {
  u32 gid = GlobalIdX();
  if (gid < n) out[gid] = gid;
}

// A long-running single-thread loop whose result depends on every iteration,
// so the compiler cannot shorten it; tests use it to keep a stream busy.
extern "C" __global__ void busy_loop(u32* out, u32 iterations) {
  if (!IsFirstThread()) return;
  u32 x = 1u;
  for (u32 i = 0; i < iterations; ++i) x = x * 1664525u + 1013904223u;
  out[0] = x;
}

extern "C" __global__ void coverage(u32* counts, u32 nx, u32 ny, u32 nz) {
  u32 gx = GlobalIdX(), gy = GlobalIdY(), gz = GlobalIdZ();
  if (gx < nx && gy < ny && gz < nz) atomicAdd(&counts[((size_t)gz * ny + gy) * nx + gx], 1u);
}

extern "C" __global__ void grid_dims(u32* out) {
  if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0 && blockIdx.x == 0 &&
      blockIdx.y == 0 && blockIdx.z == 0) {
    out[0] = gridDim.x;
    out[1] = gridDim.y;
    out[2] = gridDim.z;
    out[3] = blockDim.x;
    out[4] = blockDim.y;
    out[5] = blockDim.z;
  }
}
