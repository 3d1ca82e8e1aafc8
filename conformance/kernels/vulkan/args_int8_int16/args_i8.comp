// Module args_int8_int16: args_i8(i8 a, u8 b, u32* out). Offsets a@0, b@1, out@8.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  int8_t a;
  uint8_t b;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(args_i8) {
  if (!IS_FIRST_THREAD) return;
  dst.v[0] = uint(int(a));
  dst.v[1] = uint(b);
}
