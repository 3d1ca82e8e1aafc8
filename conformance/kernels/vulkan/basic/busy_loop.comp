// Module basic: busy_loop(u32* out, u32 iterations): a long single-thread loop whose
// result depends on every iteration; tests use it to keep a stream busy.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
  uint iterations;
KEEL_PARAMS_END

KEEL_KERNEL(busy_loop) {
  if (!IS_FIRST_THREAD) return;
  uint x = 1u;
  for (uint i = 0u; i < iterations; ++i) x = x * 1664525u + 1013904223u;
  dst.v[0] = x;
}
