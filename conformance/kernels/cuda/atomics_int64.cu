// Module `atomics_int64` (KERNELS.md): a 64-bit compare-and-swap loop, a module
// of its own because it needs KL_DEVICE_ATTRIBUTE_SHADER_INT64.
#include "keel_kernels.cuh"

extern "C" __global__ void atomic_cas_u64(u64* counter, u32 n) {
  if (GlobalIdX() >= n) return;
  u64 seen = *(volatile u64*)counter;
  for (;;) {
    u64 prev = atomicCAS(counter, seen, seen + 1ull);
    if (prev == seen) break;
    seen = prev;
  }
}
