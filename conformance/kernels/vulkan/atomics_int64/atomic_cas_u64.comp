// Module atomics_int64: atomic_cas_u64(u64* counter, u32 n): a compare-and-swap increment loop.
// Needs KL_DEVICE_ATTRIBUTE_SHADER_INT64 (shaderInt64, shaderBufferInt64Atomics).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
  u64_ptr counter;
  uint n;
KEEL_PARAMS_END

KEEL_KERNEL(atomic_cas_u64) {
  if (GID_X >= n) return;
  uint64_t seen = atomicAdd(counter.v[0], 0ul);
  for (;;) {
    uint64_t prev = atomicCompSwap(counter.v[0], seen, seen + 1ul);
    if (prev == seen) break;
    seen = prev;
  }
}
