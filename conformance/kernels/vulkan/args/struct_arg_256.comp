// Module args: struct_arg_256(S256 s, u32* out), struct S256 { u32 v[64]; }. A 296-byte
// block with the header: its arguments travel in a buffer on lavapipe and NVIDIA.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

struct S256 {
  uint v[64];
};

KEEL_PARAMS_BEGIN
  S256 s;
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(struct_arg_256) {
  if (!IS_FIRST_THREAD) return;
  for (int i = 0; i < 64; ++i) dst.v[i] = s.v[i] * 2u + 1u;
}
