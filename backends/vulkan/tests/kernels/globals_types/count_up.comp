// count_up(u32 n): atomicAdd(&counter, 1) for gid < n; thread 0 of block 0
// stores (gridDim.x, blockDim.x) in pair.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"
#include "globals.glsl"

KEEL_PARAMS_BEGIN
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(count_up) {
  uint i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) atomicAdd(keel_globals.counter, 1);
  if (i == 0u) keel_globals.pair = uvec2(gridDim.x, blockDim.x);
}
