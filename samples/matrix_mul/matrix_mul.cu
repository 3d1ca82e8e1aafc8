// Tiled matrix multiply for the CUDA backend: C[M x N] = A[M x K] * B[K x N],
// row-major, 16x16 tiles staged through shared memory.
#define TILE 16

extern "C" __global__ void MatMulTiled(const float* A, const float* B, float* C, unsigned M,
                                       unsigned N, unsigned K) {
  __shared__ float As[TILE][TILE];
  __shared__ float Bs[TILE][TILE];
  unsigned row = blockIdx.y * TILE + threadIdx.y;
  unsigned col = blockIdx.x * TILE + threadIdx.x;
  float sum = 0.0f;
  for (unsigned t = 0; t < (K + TILE - 1) / TILE; ++t) {
    unsigned ak = t * TILE + threadIdx.x, bk = t * TILE + threadIdx.y;
    As[threadIdx.y][threadIdx.x] = (row < M && ak < K) ? A[row * K + ak] : 0.0f;
    Bs[threadIdx.y][threadIdx.x] = (bk < K && col < N) ? B[bk * N + col] : 0.0f;
    __syncthreads();
    for (unsigned k = 0; k < TILE; ++k) sum += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = sum;
}
