// Module basic: grid_dims(u32* out): gridDim and blockDim as the kernel sees them.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr dst;
KEEL_PARAMS_END

KEEL_KERNEL(grid_dims) {
  if (threadIdx == uvec3(0u) && blockIdx == uvec3(0u)) {
    dst.v[0] = gridDim.x;
    dst.v[1] = gridDim.y;
    dst.v[2] = gridDim.z;
    dst.v[3] = blockDim.x;
    dst.v[4] = blockDim.y;
    dst.v[5] = blockDim.z;
  }
}
