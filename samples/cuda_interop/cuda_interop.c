/*
 * cuda_interop: a CUDA library (cuBLAS) working on Keel objects.
 *
 * Keel's CUDA backend hands out its native handles: the CUcontext of a Keel
 * context, the CUstream of a Keel stream; and a KLdeviceptr of the CUDA
 * backend is a CUDA device address. Following the CUDA programming guide's
 * runtime/driver interoperability rules, a runtime-API library used while the
 * Keel context is current runs in that same CUDA context, so cuBLAS can
 * compute on Keel memory, ordered on a Keel stream.
 *
 * Computes C = alpha*A*B + beta*C with cublasSgemm and checks it against a
 * CPU reference. CUDA backend only (KEEL_BACKENDS=cuda); exit 77 without one.
 */
#include <cublas_v2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

#define CHECK_CUBLAS(call)                                                               \
  do {                                                                                   \
    cublasStatus_t s_ = (call);                                                          \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                   \
      fprintf(stderr, "%s:%d: %s failed: cuBLAS status %d\n", __FILE__, __LINE__, #call, \
              (int)s_);                                                                  \
      exit(EXIT_FAILURE);                                                                \
    }                                                                                    \
  } while (0)

int main(void) {
  KLresult init = klInit(0);
  KLdevice dev = NULL;
  char backend[32] = "";
  int count = 0;
  if (init == KL_SUCCESS) klDeviceGetCount(&count);
  /* Find a device of the CUDA backend. */
  for (int d = 0; d < count && dev == NULL; ++d) {
    KLdevice candidate;
    CHECK(klDeviceGet(&candidate, d));
    sample_backend_name(candidate, backend, sizeof backend);
    if (strcmp(backend, "cuda") == 0) dev = candidate;
  }
  if (dev == NULL) {
    fprintf(stderr, "cuda_interop: no device of the CUDA backend; nothing to do\n");
    return 77;
  }
  char name[256];
  CHECK(klDeviceGetName(name, (int)sizeof name, dev));
  printf("cuBLAS on Keel memory and a Keel stream, on %s\n", name);

  KLcontext ctx;
  CHECK(klCtxCreate(&ctx, 0, dev)); /* current: the CUDA context is current too */
  KLstream stream;
  CHECK(klStreamCreate(&stream, KL_STREAM_NON_BLOCKING));
  void* native_stream = NULL;
  CHECK(klStreamGetNativeHandle(&native_stream, stream));

  const int m = 192, n = 160, k = 96; /* column-major, as cuBLAS */
  const float alpha = 1.5f, beta = -0.5f;
  float* A = (float*)malloc(sizeof(float) * m * k);
  float* B = (float*)malloc(sizeof(float) * k * n);
  float* C = (float*)malloc(sizeof(float) * m * n);
  float* R = (float*)malloc(sizeof(float) * m * n);
  if (!A || !B || !C || !R) return 1;
  srand(3);
  for (int i = 0; i < m * k; ++i) A[i] = (float)(rand() % 21 - 10) / 10.0f;
  for (int i = 0; i < k * n; ++i) B[i] = (float)(rand() % 21 - 10) / 10.0f;
  for (int i = 0; i < m * n; ++i) C[i] = (float)(rand() % 21 - 10) / 10.0f;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      double s = 0.0;
      for (int p = 0; p < k; ++p) s += (double)A[i + p * m] * B[p + j * k];
      R[i + j * m] = (float)(alpha * s + beta * C[i + j * m]);
    }

  KLdeviceptr dA, dB, dC;
  CHECK(klMemAlloc(&dA, sizeof(float) * m * k));
  CHECK(klMemAlloc(&dB, sizeof(float) * k * n));
  CHECK(klMemAlloc(&dC, sizeof(float) * m * n));
  CHECK(klMemcpyHtoDAsync(dA, A, sizeof(float) * m * k, stream));
  CHECK(klMemcpyHtoDAsync(dB, B, sizeof(float) * k * n, stream));
  CHECK(klMemcpyHtoDAsync(dC, C, sizeof(float) * m * n, stream));

  cublasHandle_t handle;
  CHECK_CUBLAS(cublasCreate(&handle));
  CHECK_CUBLAS(cublasSetStream(handle, (cudaStream_t)native_stream));
  CHECK_CUBLAS(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha,
                           (const float*)(uintptr_t)dA, m, (const float*)(uintptr_t)dB, k, &beta,
                           (float*)(uintptr_t)dC, m));
  /* Back through Keel on the same stream: ordered after the sgemm. */
  CHECK(klMemcpyDtoHAsync(C, dC, sizeof(float) * m * n, stream));
  CHECK(klStreamSynchronize(stream));
  CHECK_CUBLAS(cublasDestroy(handle));

  int errors = 0;
  for (int i = 0; i < m * n; ++i) {
    if (fabsf(C[i] - R[i]) > 1e-3f * (1.0f + fabsf(R[i]))) {
      if (errors < 5) fprintf(stderr, "mismatch at %d: got %f, expected %f\n", i, C[i], R[i]);
      ++errors;
    }
  }
  CHECK(klMemFree(dA));
  CHECK(klMemFree(dB));
  CHECK(klMemFree(dC));
  CHECK(klStreamDestroy(stream));
  CHECK(klCtxDestroy(ctx));
  free(A);
  free(B);
  free(C);
  free(R);
  printf("%s: %d of %d elements of cublasSgemm on Keel memory correct\n",
         errors ? "FAILED" : "PASSED", m * n - errors, m * n);
  return errors ? 1 : 0;
}
