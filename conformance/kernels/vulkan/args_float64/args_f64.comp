// Module args_float64: args_f64(double a, u32* out). Offsets a@0, out@8.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  double a;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(args_f64) {
  if (!IS_FIRST_THREAD) return;
  uvec2 bits = unpackDouble2x32(a);  // (low, high) word
  dst.v[0] = bits.x;
  dst.v[1] = bits.y;
}
