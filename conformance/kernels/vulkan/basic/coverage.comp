// Module basic: coverage(u32* counts, u32 nx, u32 ny, u32 nz): counts every thread,
// so grids split into several dispatches show each index exactly once.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u32_ptr counts;
  uint nx;
  uint ny;
  uint nz;
KEEL_PARAMS_END

KEEL_KERNEL(coverage) {
  uint gx = GID_X, gy = GID_Y, gz = GID_Z;
  if (gx < nx && gy < ny && gz < nz) atomicAdd(counts.v[(gz * ny + gy) * nx + gx], 1u);
}
