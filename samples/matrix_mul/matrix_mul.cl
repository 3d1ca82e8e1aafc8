// Tiled matrix multiply for the Level Zero backend (OpenCL C): C[M x N] =
// A[M x K] * B[K x N], row-major, 16x16 tiles in local (shared) memory.
// Launch with a 16x16 block.
#define TILE 16

kernel void MatMulTiled(global const float* A, global const float* B, global float* C, uint M,
                        uint N, uint K) {
  local float As[TILE][TILE];
  local float Bs[TILE][TILE];
  uint tx = (uint)get_local_id(0), ty = (uint)get_local_id(1);
  uint row = (uint)get_group_id(1) * TILE + ty;
  uint col = (uint)get_group_id(0) * TILE + tx;
  float sum = 0.0f;
  for (uint t = 0; t < (K + TILE - 1) / TILE; ++t) {
    uint ak = t * TILE + tx, bk = t * TILE + ty;
    As[ty][tx] = (row < M && ak < K) ? A[row * K + ak] : 0.0f;
    Bs[ty][tx] = (bk < K && col < N) ? B[bk * N + col] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint k = 0; k < TILE; ++k) sum += As[ty][k] * Bs[k][tx];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (row < M && col < N) C[row * N + col] = sum;
}
