/*
 * matrix_mul: tiled matrix multiply with shared memory (the flow of CUDA's
 * matrixMulDrv sample, written for Keel). Times the kernel with events,
 * prints GFLOP/s, and checks every element against a CPU reference.
 * Usage: matrix_mul [M N K]   (default 320 320 640)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

#define TILE 16

int main(int argc, char** argv) {
  unsigned M = 320, N = 320, K = 640;
  if (argc == 4) {
    M = (unsigned)atoi(argv[1]);
    N = (unsigned)atoi(argv[2]);
    K = (unsigned)atoi(argv[3]);
  }
  if (M == 0 || N == 0 || K == 0) {
    fprintf(stderr, "usage: matrix_mul [M N K], all > 0\n");
    return 2;
  }
  KLresult init = klInit(0);
  if (init == KL_ERROR_NO_DEVICE || init == KL_ERROR_NO_BACKEND) {
    const char* message = "";
    klGetLastErrorMessage(&message);
    fprintf(stderr, "matrix_mul: no device to run on: %s\n", message);
    return 77;
  }
  CHECK(init);
  KLdevice dev;
  CHECK(klDeviceGet(&dev, 0));
  char name[256], backend[32];
  CHECK(klDeviceGetName(name, (int)sizeof name, dev));
  sample_backend_name(dev, backend, sizeof backend);
  printf("Matrix multiply C(%ux%u) = A(%ux%u) * B(%ux%u) on %s (%s)\n", M, N, M, K, K, N, name,
         backend);

  KLcontext ctx;
  CHECK(klCtxCreate(&ctx, 0, dev));
  KLmodule module;
  CHECK(sample_load_module(&module, dev, "matrix_mul"));
  KLfunction kernel;
  CHECK(klModuleGetFunction(&kernel, module, "MatMulTiled"));

  size_t a_count = (size_t)M * K, b_count = (size_t)K * N, c_count = (size_t)M * N;
  float* A = (float*)malloc(a_count * sizeof(float));
  float* B = (float*)malloc(b_count * sizeof(float));
  float* C = (float*)malloc(c_count * sizeof(float));
  if (!A || !B || !C) {
    fprintf(stderr, "out of host memory\n");
    return 1;
  }
  srand(7);
  for (size_t i = 0; i < a_count; ++i) A[i] = (float)(rand() % 17) / 8.0f - 1.0f;
  for (size_t i = 0; i < b_count; ++i) B[i] = (float)(rand() % 13) / 6.0f - 1.0f;

  KLdeviceptr dA, dB, dC;
  CHECK(klMemAlloc(&dA, a_count * sizeof(float)));
  CHECK(klMemAlloc(&dB, b_count * sizeof(float)));
  CHECK(klMemAlloc(&dC, c_count * sizeof(float)));
  CHECK(klMemcpyHtoD(dA, A, a_count * sizeof(float)));
  CHECK(klMemcpyHtoD(dB, B, b_count * sizeof(float)));
  CHECK(klMemsetD32(dC, 0x7FC00000u, c_count)); /* NaN poison */

  KLevent start, stop;
  CHECK(klEventCreate(&start, KL_EVENT_DEFAULT));
  CHECK(klEventCreate(&stop, KL_EVENT_DEFAULT));
  void* args[] = {&dA, &dB, &dC, &M, &N, &K};
  unsigned gx = (N + TILE - 1) / TILE, gy = (M + TILE - 1) / TILE;
  /* Warm-up launch (pipeline creation, JIT), then a timed one. */
  CHECK(klLaunchKernel(kernel, gx, gy, 1, TILE, TILE, 1, 0, NULL, args, NULL));
  CHECK(klEventRecord(start, NULL));
  CHECK(klLaunchKernel(kernel, gx, gy, 1, TILE, TILE, 1, 0, NULL, args, NULL));
  CHECK(klEventRecord(stop, NULL));
  CHECK(klEventSynchronize(stop));
  float ms = 0.0f;
  CHECK(klEventElapsedTime(&ms, start, stop));
  CHECK(klMemcpyDtoH(C, dC, c_count * sizeof(float)));

  double flops = 2.0 * M * N * (double)K;
  printf("Time %.3f ms, %.2f GFLOP/s\n", ms, ms > 0 ? flops / (ms * 1e6) : 0.0);

  size_t errors = 0;
  for (unsigned r = 0; r < M; ++r) {
    for (unsigned c = 0; c < N; ++c) {
      double ref = 0.0;
      for (unsigned k = 0; k < K; ++k) ref += (double)A[(size_t)r * K + k] * B[(size_t)k * N + c];
      float got = C[(size_t)r * N + c];
      if (!(fabs(got - ref) <= 1e-3 * (1.0 + fabs(ref)))) {
        if (errors < 5) fprintf(stderr, "mismatch at (%u,%u): got %f, expected %f\n", r, c, got, ref);
        ++errors;
      }
    }
  }
  CHECK(klEventDestroy(start));
  CHECK(klEventDestroy(stop));
  CHECK(klMemFree(dA));
  CHECK(klMemFree(dB));
  CHECK(klMemFree(dC));
  CHECK(klModuleUnload(module));
  CHECK(klCtxDestroy(ctx));
  free(A);
  free(B);
  free(C);
  printf("%s: %zu of %zu elements correct\n", errors ? "FAILED" : "PASSED", c_count - errors, c_count);
  return errors ? 1 : 0;
}
