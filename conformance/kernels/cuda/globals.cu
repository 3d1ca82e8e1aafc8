// Module `globals` (KERNELS.md): a module-scope variable found with klModuleGetGlobal.
#include "keel_kernels.cuh"

extern "C" __device__ u32 g_values[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

extern "C" __global__ void read_globals(u32* out) {
  u32 i = GlobalIdX();
  if (i < 16) out[i] = g_values[i] * 2u;
}

extern "C" __global__ void write_globals(u32 v) {
  u32 i = GlobalIdX();
  if (i < 16) g_values[i] = v + i;
}
