// Module `matmul` (KERNELS.md): tiled matrix multiply in shared memory.
#include "keel_kernels.cuh"

#define KEEL_TILE 16

extern "C" __global__ void matmul_tiled(const float* A, const float* B, float* C, u32 M, u32 N,
                                        u32 K) {
  __shared__ float a_tile[KEEL_TILE][KEEL_TILE];
  __shared__ float b_tile[KEEL_TILE][KEEL_TILE];
  u32 tx = threadIdx.x, ty = threadIdx.y;
  u32 row = blockIdx.y * KEEL_TILE + ty;
  u32 col = blockIdx.x * KEEL_TILE + tx;
  float acc = 0.0f;
  for (u32 k0 = 0; k0 < K; k0 += KEEL_TILE) {
    u32 ak = k0 + tx, bk = k0 + ty;
    a_tile[ty][tx] = (row < M && ak < K) ? A[(size_t)row * K + ak] : 0.0f;
    b_tile[ty][tx] = (bk < K && col < N) ? B[(size_t)bk * N + col] : 0.0f;
    __syncthreads();
    for (u32 k = 0; k < KEEL_TILE; ++k) acc += a_tile[ty][k] * b_tile[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[(size_t)row * N + col] = acc;
}
