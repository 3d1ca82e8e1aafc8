// Module `atomics_int64` (KERNELS.md): a 64-bit compare-and-swap loop, a module
// of its own because it needs KL_DEVICE_ATTRIBUTE_SHADER_INT64
// (cl_khr_int64_base_atomics).
#include "keel_kernels.h"
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable

kernel void atomic_cas_u64(global u64* counter, u32 n) {
  if (KEEL_GID_X >= n) return;
  volatile global u64* p = (volatile global u64*)counter;
  u64 old = *p;
  for (;;) {
    u64 seen = atom_cmpxchg(p, old, old + 1ul);
    if (seen == old) break;
    old = seen;
  }
}
