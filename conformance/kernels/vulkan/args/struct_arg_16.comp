// Module args: struct_arg_16(S16 s, u32* out), struct S16 { i32 a; float b; u32 c; i32 d; }.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

struct S16 {
  int a;
  float b;
  uint c;
  int d;
};

KEEL_PARAMS_BEGIN
  S16 s;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(struct_arg_16) {
  if (!IS_FIRST_THREAD) return;
  dst.v[0] = uint(s.a);
  dst.v[1] = floatBitsToUint(s.b);
  dst.v[2] = s.c;
  dst.v[3] = uint(s.d);
}
