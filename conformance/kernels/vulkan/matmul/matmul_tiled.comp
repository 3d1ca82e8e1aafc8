// Module matmul: matmul_tiled(const float* A, const float* B, float* C, u32 M, u32 N, u32 K):
// row-major C = A * B with 16x16 tiles in static shared memory; block (16, 16, 1).
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

#define TILE 16u

KEEL_PARAMS_BEGIN
  f32_ptr A;
  f32_ptr B;
  f32_ptr C;
  uint M;
  uint N;
  uint K;
KEEL_PARAMS_END

shared float a_tile[TILE][TILE];
shared float b_tile[TILE][TILE];

KEEL_KERNEL(matmul_tiled) {
  uint tx = threadIdx.x, ty = threadIdx.y;
  uint row = blockIdx.y * TILE + ty;
  uint col = blockIdx.x * TILE + tx;
  float acc = 0.0;
  for (uint k0 = 0u; k0 < K; k0 += TILE) {
    uint ak = k0 + tx, bk = k0 + ty;
    a_tile[ty][tx] = (row < M && ak < K) ? A.v[row * K + ak] : 0.0;
    b_tile[ty][tx] = (bk < K && col < N) ? B.v[bk * N + col] : 0.0;
    syncthreads();
    for (uint k = 0u; k < TILE; ++k) acc += a_tile[ty][k] * b_tile[k][tx];
    syncthreads();
  }
  if (row < M && col < N) C.v[row * N + col] = acc;
}
