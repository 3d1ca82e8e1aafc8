/*
 * multi_backend: one kernel bundle, every backend. Runs vector_add's VecAdd
 * from kernels/vector_add.keelbundle on every device of every backend Keel
 * loaded, on the same inputs, and compares each device's result with the CPU
 * and with every other device, bit for bit (a float addition is exactly
 * rounded everywhere).
 *
 * KEEL_BACKENDS picks the backends (unset: all found). Exit status 0 when
 * every device agrees with the CPU, 1 otherwise, 77 when there is no device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

/* Runs VecAdd on device `ordinal`; 0 on success, else prints why and returns 1. */
static int run_on_device(int ordinal, const float* a, const float* b, float* c, int n) {
  KLdevice dev;
  KLcontext ctx = NULL;
  KLmodule module = NULL;
  KLdeviceptr d_a = 0, d_b = 0, d_c = 0;
  size_t bytes = (size_t)n * sizeof(float);
  KLresult r = klDeviceGet(&dev, ordinal);
  const char* step = "klDeviceGet";
#define STEP(call)          \
  do {                      \
    step = #call;           \
    r = (call);             \
    if (r != KL_SUCCESS) goto done; \
  } while (0)
  STEP(klCtxCreate(&ctx, 0, dev));
  STEP(sample_load_module(&module, dev, "vector_add"));
  KLfunction vec_add;
  STEP(klModuleGetFunction(&vec_add, module, "VecAdd"));
  STEP(klMemAlloc(&d_a, bytes));
  STEP(klMemAlloc(&d_b, bytes));
  STEP(klMemAlloc(&d_c, bytes));
  STEP(klMemcpyHtoD(d_a, a, bytes));
  STEP(klMemcpyHtoD(d_b, b, bytes));
  STEP(klMemsetD32(d_c, 0xFFFFFFFFu, (size_t)n)); /* poison: a skipped element cannot pass */
  unsigned threads = 256, blocks = (unsigned)((n + 255) / 256);
  void* args[] = {&d_a, &d_b, &d_c, &n};
  STEP(klLaunchKernel(vec_add, blocks, 1, 1, threads, 1, 1, 0, NULL, args, NULL));
  STEP(klCtxSynchronize());
  STEP(klMemcpyDtoH(c, d_c, bytes));
#undef STEP
done:
  if (r != KL_SUCCESS) {
    const char* name = "?";
    const char* message = "";
    klGetErrorName(r, &name);
    klGetLastErrorMessage(&message);
    fprintf(stderr, "device %d: %s failed: %s\n  %s\n", ordinal, step, name ? name : "?", message);
  }
  if (d_a) klMemFree(d_a);
  if (d_b) klMemFree(d_b);
  if (d_c) klMemFree(d_c);
  if (module) klModuleUnload(module);
  if (ctx) klCtxDestroy(ctx);
  return r == KL_SUCCESS ? 0 : 1;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100000;
  if (n <= 0) {
    fprintf(stderr, "usage: multi_backend [N > 0]\n");
    return 2;
  }
  KLresult init = klInit(0);
  if (init == KL_ERROR_NO_DEVICE || init == KL_ERROR_NO_BACKEND) {
    const char* message = "";
    klGetLastErrorMessage(&message);
    fprintf(stderr, "multi_backend: no device to run on: %s\n", message);
    return 77; /* "skipped" for ctest */
  }
  CHECK(init);

  int backends = 0, devices = 0;
  CHECK(klGetBackendCount(&backends));
  CHECK(klDeviceGetCount(&devices));
  printf("Backends:\n");
  for (int i = 0; i < backends; ++i) {
    KLbackendProperties p;
    CHECK(klGetBackendProperties(&p, i));
    printf("  %-12s %d device(s)%s%s\n", p.name, p.deviceCount, p.reason[0] ? "  -- " : "",
           p.reason);
  }

  size_t bytes = (size_t)n * sizeof(float);
  float* a = (float*)malloc(bytes);
  float* b = (float*)malloc(bytes);
  float* expected = (float*)malloc(bytes);
  float* first = (float*)malloc(bytes);
  float* c = (float*)malloc(bytes);
  if (!a || !b || !expected || !first || !c) {
    fprintf(stderr, "out of host memory\n");
    return 1;
  }
  srand(7);
  for (int i = 0; i < n; ++i) {
    a[i] = (float)rand() / (float)RAND_MAX;
    b[i] = (float)rand() / (float)RAND_MAX;
    expected[i] = a[i] + b[i];
  }

  int failures = 0, compared = 0, first_device = -1;
  char first_label[320] = "";
  for (int d = 0; d < devices; ++d) {
    KLdevice dev;
    char name[256], backend[32], label[320];
    CHECK(klDeviceGet(&dev, d));
    CHECK(klDeviceGetName(name, (int)sizeof name, dev));
    sample_backend_name(dev, backend, sizeof backend);
    snprintf(label, sizeof label, "device %d (%s: %s)", d, backend, name);
    printf("\n%s\n", label);
    memset(c, 0, bytes);
    if (run_on_device(d, a, b, c, n) != 0) {
      printf("  FAILED to run\n");
      ++failures;
      continue;
    }
    int wrong = 0;
    for (int i = 0; i < n; ++i) {
      if (memcmp(&c[i], &expected[i], sizeof(float)) != 0) {
        if (wrong < 3)
          fprintf(stderr, "  element %d: got %.9g, expected %.9g\n", i, c[i], expected[i]);
        ++wrong;
      }
    }
    printf("  %d of %d elements equal the CPU's bit for bit\n", n - wrong, n);
    if (wrong) {
      ++failures;
      continue;
    }
    if (first_device < 0) {
      first_device = d;
      snprintf(first_label, sizeof first_label, "%s", label);
      memcpy(first, c, bytes);
    } else {
      int differ = 0;
      for (int i = 0; i < n; ++i) differ += memcmp(&c[i], &first[i], sizeof(float)) != 0;
      printf("  %s with %s\n", differ ? "DIFFERS" : "identical", first_label);
      if (differ) ++failures;
    }
    ++compared;
  }

  free(a);
  free(b);
  free(expected);
  free(first);
  free(c);
  printf("\n%s: %d device(s) on %d backend candidate(s); %d agree with the CPU and each other, %d "
         "failed\n",
         failures ? "FAILED" : "PASSED", devices, backends, compared, failures);
  return failures ? 1 : 0;
}
