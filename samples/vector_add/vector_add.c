/*
 * vector_add: the CUDA programming guide's VecAdd, driver-API flow, in Keel.
 * init -> device -> context -> module -> function -> alloc -> copy in ->
 * launch -> copy out -> verify -> clean up.
 *
 * Runs on the first device of the highest-priority backend; choose with
 * KEEL_BACKENDS=cuda or KEEL_BACKENDS=vulkan. Exit status 0 when every element
 * is right.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 50000;
  if (n <= 0) {
    fprintf(stderr, "usage: vector_add [N > 0]\n");
    return 2;
  }
  size_t bytes = (size_t)n * sizeof(float);

  KLresult init = klInit(0);
  if (init == KL_ERROR_NO_DEVICE || init == KL_ERROR_NO_BACKEND) {
    const char* message = "";
    klGetLastErrorMessage(&message);
    fprintf(stderr, "vector_add: no device to run on: %s\n", message);
    return 77; /* "skipped" for ctest */
  }
  CHECK(init);
  KLdevice dev;
  CHECK(klDeviceGet(&dev, 0));
  char name[256], backend[32];
  CHECK(klDeviceGetName(name, (int)sizeof name, dev));
  sample_backend_name(dev, backend, sizeof backend);
  printf("Vector addition of %d elements on backend '%s', device 0: %s\n", n, backend, name);

  KLcontext ctx;
  CHECK(klCtxCreate(&ctx, 0, dev));
  KLmodule module;
  CHECK(sample_load_module(&module, dev, "vector_add"));
  KLfunction vec_add;
  CHECK(klModuleGetFunction(&vec_add, module, "VecAdd"));

  float* h_a = (float*)malloc(bytes);
  float* h_b = (float*)malloc(bytes);
  float* h_c = (float*)malloc(bytes);
  if (!h_a || !h_b || !h_c) {
    fprintf(stderr, "out of host memory\n");
    return 1;
  }
  srand(1);
  for (int i = 0; i < n; ++i) {
    h_a[i] = (float)rand() / (float)RAND_MAX;
    h_b[i] = (float)rand() / (float)RAND_MAX;
    h_c[i] = -1.0f; /* poison: a skipped element cannot pass */
  }

  KLdeviceptr d_a, d_b, d_c;
  CHECK(klMemAlloc(&d_a, bytes));
  CHECK(klMemAlloc(&d_b, bytes));
  CHECK(klMemAlloc(&d_c, bytes));
  CHECK(klMemcpyHtoD(d_a, h_a, bytes));
  CHECK(klMemcpyHtoD(d_b, h_b, bytes));
  CHECK(klMemsetD32(d_c, 0xFFFFFFFFu, (size_t)n));

  unsigned threads = 256;
  unsigned blocks = (unsigned)((n + threads - 1) / threads);
  void* args[] = {&d_a, &d_b, &d_c, &n};
  CHECK(klLaunchKernel(vec_add, blocks, 1, 1, threads, 1, 1, 0, NULL, args, NULL));
  CHECK(klCtxSynchronize());
  CHECK(klMemcpyDtoH(h_c, d_c, bytes));

  int errors = 0;
  for (int i = 0; i < n; ++i) {
    float expected = h_a[i] + h_b[i];
    if (fabsf(h_c[i] - expected) > 1e-5f) {
      if (errors < 5)
        fprintf(stderr, "mismatch at %d: got %f, expected %f\n", i, h_c[i], expected);
      ++errors;
    }
  }

  CHECK(klMemFree(d_a));
  CHECK(klMemFree(d_b));
  CHECK(klMemFree(d_c));
  CHECK(klModuleUnload(module));
  CHECK(klCtxDestroy(ctx));
  free(h_a);
  free(h_b);
  free(h_c);

  printf("%s: %d of %d elements correct on %s (%s)\n", errors ? "FAILED" : "PASSED",
         n - errors, n, name, backend);
  return errors ? 1 : 0;
}
