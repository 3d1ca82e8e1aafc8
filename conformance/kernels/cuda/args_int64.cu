// Module `args_int64` (KERNELS.md): 64-bit integer arguments, a module of
// their own because they need KL_DEVICE_ATTRIBUTE_SHADER_INT64.
#include "keel_kernels.cuh"

extern "C" __global__ void args_i64(i64 a, u64 b, u32* out) {
  if (!IsFirstThread()) return;
  u64 ua = (u64)a;
  out[0] = (u32)ua;
  out[1] = (u32)(ua >> 32);
  out[2] = (u32)b;
  out[3] = (u32)(b >> 32);
}
