/*
 * streams_overlap: the data is cut into chunks; each chunk is copied in,
 * processed and copied out on its own stream, so copies of one stream overlap
 * kernels of another. Both the serial run (one stream) and the overlapped run
 * are timed with events; the result is checked element by element.
 * Usage: streams_overlap [elements] [streams]   (default 4M, 4)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_util.h"

#define MAX_STREAMS 16
#define REPEAT 32u

static float reference(float x) {
  for (unsigned r = 0; r < REPEAT; ++r) x = x * 0.999f + 0.5f;
  return x;
}

/* Runs copy-in, kernel, copy-out for each chunk on streams[c % nstreams];
 * returns the elapsed milliseconds between two events on the NULL stream. */
static float run(KLfunction kernel, float* host, KLdeviceptr dev, unsigned n, int nstreams,
                 KLstream* streams) {
  KLevent start, stop;
  CHECK(klEventCreate(&start, KL_EVENT_DEFAULT));
  CHECK(klEventCreate(&stop, KL_EVENT_DEFAULT));
  unsigned chunks = (unsigned)nstreams * 2;
  unsigned chunk = (n + chunks - 1) / chunks;
  CHECK(klEventRecord(start, NULL));
  for (unsigned c = 0; c < chunks; ++c) {
    unsigned first = c * chunk;
    if (first >= n) break;
    unsigned count = first + chunk > n ? n - first : chunk;
    KLstream s = streams[c % (unsigned)nstreams];
    KLdeviceptr d = dev + (KLdeviceptr)first * sizeof(float);
    float a = 0.999f, b = 0.5f;
    unsigned repeat = REPEAT;
    void* args[] = {&d, &a, &b, &count, &repeat};
    CHECK(klMemcpyHtoDAsync(d, host + first, count * sizeof(float), s));
    CHECK(klLaunchKernel(kernel, (count + 255) / 256, 1, 1, 256, 1, 1, 0, s, args, NULL));
    CHECK(klMemcpyDtoHAsync(host + first, d, count * sizeof(float), s));
  }
  /* The NULL stream waits for every blocking stream: stop marks the end. */
  for (int i = 0; i < nstreams; ++i) CHECK(klStreamSynchronize(streams[i]));
  CHECK(klEventRecord(stop, NULL));
  CHECK(klEventSynchronize(stop));
  float ms = 0.0f;
  CHECK(klEventElapsedTime(&ms, start, stop));
  CHECK(klEventDestroy(start));
  CHECK(klEventDestroy(stop));
  return ms;
}

int main(int argc, char** argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 4u << 20;
  int nstreams = argc > 2 ? atoi(argv[2]) : 4;
  if (n == 0 || nstreams < 1 || nstreams > MAX_STREAMS) {
    fprintf(stderr, "usage: streams_overlap [elements > 0] [streams 1..%d]\n", MAX_STREAMS);
    return 2;
  }
  KLresult init = klInit(0);
  if (init == KL_ERROR_NO_DEVICE || init == KL_ERROR_NO_BACKEND) {
    const char* message = "";
    klGetLastErrorMessage(&message);
    fprintf(stderr, "streams_overlap: no device to run on: %s\n", message);
    return 77;
  }
  CHECK(init);
  KLdevice dev;
  CHECK(klDeviceGet(&dev, 0));
  char name[256], backend[32];
  CHECK(klDeviceGetName(name, (int)sizeof name, dev));
  sample_backend_name(dev, backend, sizeof backend);
  printf("streams_overlap: %u floats, %d streams, on %s (%s)\n", n, nstreams, name, backend);

  KLcontext ctx;
  CHECK(klCtxCreate(&ctx, 0, dev));
  KLmodule module;
  CHECK(sample_load_module(&module, dev, "streams_overlap"));
  KLfunction kernel;
  CHECK(klModuleGetFunction(&kernel, module, "ScaleAdd"));

  size_t bytes = (size_t)n * sizeof(float);
  float* host;
  CHECK(klMemHostAlloc((void**)&host, bytes, 0)); /* pinned: async copies overlap */
  float* input = (float*)malloc(bytes);
  if (!input) return 1;
  for (unsigned i = 0; i < n; ++i) input[i] = (float)(i % 1000) / 100.0f;
  KLdeviceptr d;
  CHECK(klMemAlloc(&d, bytes));
  KLstream streams[MAX_STREAMS];
  for (int i = 0; i < nstreams; ++i) CHECK(klStreamCreate(&streams[i], KL_STREAM_NON_BLOCKING));

  /* An untimed first run: the first launch of a kernel may build it (the
   * Vulkan backend compiles its pipeline then, milliseconds on a GPU), which
   * would otherwise land in the serial pass and inflate the speed-up. */
  memcpy(host, input, bytes);
  (void)run(kernel, host, d, n, nstreams, streams);

  int failed = 0;
  float times[2];
  for (int pass = 0; pass < 2; ++pass) {
    int used = pass == 0 ? 1 : nstreams; /* pass 0: serial baseline */
    memcpy(host, input, bytes);
    times[pass] = run(kernel, host, d, n, used, streams);
    size_t errors = 0;
    for (unsigned i = 0; i < n; ++i) {
      float expected = reference(input[i]);
      if (fabsf(host[i] - expected) > 1e-4f * (1.0f + fabsf(expected))) {
        if (errors < 5) fprintf(stderr, "mismatch at %u: got %f, expected %f\n", i, host[i], expected);
        ++errors;
      }
    }
    printf("  %-10s %d stream(s): %8.3f ms, %s\n", pass == 0 ? "serial" : "overlapped", used,
           times[pass], errors ? "WRONG" : "correct");
    failed |= errors != 0;
  }
  printf("  speed-up from overlap: %.2fx\n", times[1] > 0 ? times[0] / times[1] : 0.0);

  for (int i = 0; i < nstreams; ++i) CHECK(klStreamDestroy(streams[i]));
  CHECK(klMemFree(d));
  CHECK(klMemFreeHost(host));
  CHECK(klModuleUnload(module));
  CHECK(klCtxDestroy(ctx));
  free(input);
  printf("%s\n", failed ? "FAILED" : "PASSED");
  return failed;
}
