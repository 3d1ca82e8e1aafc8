// Module `args_float64` (KERNELS.md): a double argument, a module of its own
// because it needs KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64 (cl_khr_fp64).
#include "keel_kernels.h"
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

kernel void args_f64(double a, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  u64 bits = as_ulong(a);
  out[0] = (u32)bits;
  out[1] = (u32)(bits >> 32);
}
