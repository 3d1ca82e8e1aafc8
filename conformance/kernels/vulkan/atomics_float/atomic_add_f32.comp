// Module atomics_float: atomic_add_f32(float* acc, u32 n). Needs
// KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD (VK_EXT_shader_atomic_float).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  f32_ptr acc;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(atomic_add_f32) {
  if (GID_X < n) atomicAdd(acc.v[0], 1.0);
}
