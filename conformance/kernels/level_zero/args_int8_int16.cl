// Module `args_int8_int16` (KERNELS.md): 8- and 16-bit arguments, a module of
// their own because they need KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS.
#include "keel_kernels.h"

kernel void args_i8(i8 a, u8 b, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  out[0] = (u32)(i32)a;
  out[1] = b;
}

kernel void args_i16(i16 a, u16 b, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  out[0] = (u32)(i32)a;
  out[1] = b;
}
