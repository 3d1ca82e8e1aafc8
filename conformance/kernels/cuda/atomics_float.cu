// Module `atomics_float` (KERNELS.md): float atomic add on global memory, a
// module of its own because it needs KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD.
#include "keel_kernels.cuh"

extern "C" __global__ void atomic_add_f32(float* acc, u32 n) {
  if (GlobalIdX() < n) atomicAdd(acc, 1.0f);
}
