// Module `args_float64` (KERNELS.md): a double argument, a module of its own
// because it needs KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64.
#include "keel_kernels.cuh"

extern "C" __global__ void args_f64(double a, u32* out) {
  if (!IsFirstThread()) return;
  u64 bits = (u64)__double_as_longlong(a);
  out[0] = (u32)bits;
  out[1] = (u32)(bits >> 32);
}
