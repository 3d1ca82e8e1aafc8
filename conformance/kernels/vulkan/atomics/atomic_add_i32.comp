// Module atomics: atomic_add_i32(i32* counter, u32 n).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  i32_ptr counter;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(atomic_add_i32) {
  if (GID_X < n) atomicAdd(counter.v[0], 1);
}
