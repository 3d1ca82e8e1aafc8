// Module `globals` (KERNELS.md): a program-scope global (OpenCL C 2.0), found
// by klModuleGetGlobal through zeModuleGetGlobalPointer.
#include "keel_kernels.h"

global u32 g_values[16] = {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u};

kernel void read_globals(global u32* out) {
  u32 i = KEEL_GID_X;
  if (i < 16u) out[i] = g_values[i] * 2u;
}

kernel void write_globals(u32 v) {
  u32 i = KEEL_GID_X;
  if (i < 16u) g_values[i] = v + i;
}
