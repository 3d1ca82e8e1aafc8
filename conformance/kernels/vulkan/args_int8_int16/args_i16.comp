// Module args_int8_int16: args_i16(i16 a, u16 b, u32* out).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  int16_t a;
  uint16_t b;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(args_i16) {
  if (!IS_FIRST_THREAD) return;
  dst.v[0] = uint(int(a));
  dst.v[1] = uint(b);
}
