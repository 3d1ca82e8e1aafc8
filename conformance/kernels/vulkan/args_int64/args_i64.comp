// Module args_int64: args_i64(i64 a, u64 b, u32* out).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  int64_t a;
  uint64_t b;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(args_i64) {
  if (!IS_FIRST_THREAD) return;
  uint64_t ua = uint64_t(a);
  dst.v[0] = uint(ua);
  dst.v[1] = uint(ua >> 32);
  dst.v[2] = uint(b);
  dst.v[3] = uint(b >> 32);
}
