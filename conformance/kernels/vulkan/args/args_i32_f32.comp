// Module args: args_i32_f32(i32 a, u32 b, float c, u32* out).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  int a;
  uint b;
  float c;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(args_i32_f32) {
  if (!IS_FIRST_THREAD) return;
  dst.v[0] = uint(a);
  dst.v[1] = b;
  dst.v[2] = floatBitsToUint(c);
}
