// Tiled matrix multiply for the Vulkan backend: C[M x N] = A[M x K] * B[K x N],
// row-major, 16x16 tiles in shared memory. Launch with a 16x16 block.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

#define TILE 16u

KEEL_PARAMS_BEGIN
  f32_ptr A;
  f32_ptr B;
  f32_ptr C;
  uint M;
  uint N;
  uint K;
KEEL_PARAMS_END

shared float As[TILE][TILE];
shared float Bs[TILE][TILE];

KEEL_KERNEL(MatMulTiled) {
  uint row = blockIdx.y * TILE + threadIdx.y;
  uint col = blockIdx.x * TILE + threadIdx.x;
  float sum = 0.0;
  for (uint t = 0u; t < (K + TILE - 1u) / TILE; ++t) {
    uint ak = t * TILE + threadIdx.x, bk = t * TILE + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (row < M && ak < K) ? A.v[row * K + ak] : 0.0;
    Bs[threadIdx.y][threadIdx.x] = (bk < K && col < N) ? B.v[bk * N + col] : 0.0;
    syncthreads();
    for (uint k = 0u; k < TILE; ++k) sum += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    syncthreads();
  }
  if (row < M && col < N) C.v[row * N + col] = sum;
}
