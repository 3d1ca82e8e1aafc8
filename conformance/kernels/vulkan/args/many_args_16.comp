// Module args: many_args_16(u32* out, u32 a0, ..., u32 a14): 16 parameters, 68 bytes.
// out[1+k] = a_k; out[0] = sum of a_k*(k+1) mod 2^32.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint a0;
  uint a1;
  uint a2;
  uint a3;
  uint a4;
  uint a5;
  uint a6;
  uint a7;
  uint a8;
  uint a9;
  uint a10;
  uint a11;
  uint a12;
  uint a13;
  uint a14;
KEEL_PARAMS_END

KEEL_KERNEL(many_args_16) {
  if (!IS_FIRST_THREAD) return;
  uint sum = 0u;
  dst.v[1] = a0;
  sum += a0 * 1u;
  dst.v[2] = a1;
  sum += a1 * 2u;
  dst.v[3] = a2;
  sum += a2 * 3u;
  dst.v[4] = a3;
  sum += a3 * 4u;
  dst.v[5] = a4;
  sum += a4 * 5u;
  dst.v[6] = a5;
  sum += a5 * 6u;
  dst.v[7] = a6;
  sum += a6 * 7u;
  dst.v[8] = a7;
  sum += a7 * 8u;
  dst.v[9] = a8;
  sum += a8 * 9u;
  dst.v[10] = a9;
  sum += a9 * 10u;
  dst.v[11] = a10;
  sum += a10 * 11u;
  dst.v[12] = a11;
  sum += a11 * 12u;
  dst.v[13] = a12;
  sum += a12 * 13u;
  dst.v[14] = a13;
  sum += a13 * 14u;
  dst.v[15] = a14;
  sum += a14 * 15u;
  dst.v[0] = sum;
}
