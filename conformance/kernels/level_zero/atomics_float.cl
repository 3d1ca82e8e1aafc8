// Module `atomics_float` (KERNELS.md): float atomic add on global memory, a
// module of its own because the common list ties it to
// KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD (this OpenCL C version needs only
// 32-bit compare-and-swap).
#include "keel_kernels.h"

// OpenCL 1.2 has no float atomic add: a compare-and-swap loop on the bits.
kernel void atomic_add_f32(global float* acc, u32 n) {
  if (KEEL_GID_X >= n) return;
  volatile global u32* bits = (volatile global u32*)acc;
  u32 old = *bits;
  for (;;) {
    u32 seen = atomic_cmpxchg(bits, old, as_uint(as_float(old) + 1.0f));
    if (seen == old) break;
    old = seen;
  }
}
