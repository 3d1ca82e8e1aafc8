// Module `matmul` (KERNELS.md): 16x16 tiles in static local memory.
#include "keel_kernels.h"

#define TILE 16u

kernel void matmul_tiled(global const float* A, global const float* B, global float* C, u32 M,
                         u32 N, u32 K) {
  local float As[16][16];
  local float Bs[16][16];
  u32 tx = (u32)get_local_id(0), ty = (u32)get_local_id(1);
  u32 row = (u32)get_group_id(1) * TILE + ty;
  u32 col = (u32)get_group_id(0) * TILE + tx;
  float acc = 0.0f;
  for (u32 t0 = 0; t0 < K; t0 += TILE) {
    As[ty][tx] = (row < M && t0 + tx < K) ? A[(size_t)row * K + t0 + tx] : 0.0f;
    Bs[ty][tx] = (col < N && t0 + ty < K) ? B[(size_t)(t0 + ty) * N + col] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (u32 k = 0; k < TILE; ++k) acc += As[ty][k] * Bs[k][tx];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (row < M && col < N) C[(size_t)row * N + col] = acc;
}
