/*
 * Drives the host backend of docs/writing-a-backend.md through libkeel, as an
 * application would: run with KEEL_BACKEND_PATH=<its directory> and
 * KEEL_BACKENDS=host. Exit status 0 when every check holds.
 */
#include <keel/keel.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int g_failures;

#define EXPECT(cond)                                             \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                              \
    }                                                            \
  } while (0)

/* The call returns `code` and the last-error message contains `text`. */
#define EXPECT_FAILS(call, code, text)                                                   \
  do {                                                                                   \
    KLresult r_ = (call);                                                                \
    const char* m_ = "";                                                                 \
    klGetLastErrorMessage(&m_);                                                          \
    if (r_ != (code) || strstr(m_, (text)) == NULL) {                                    \
      fprintf(stderr, "%s:%d: FAILED: %s returned %d (want %d), message '%s' (want '%s')\n", \
              __FILE__, __LINE__, #call, (int)r_, (int)(code), m_, (text));              \
      ++g_failures;                                                                      \
    }                                                                                    \
  } while (0)

int main(void) {
  EXPECT(klInit(0) == KL_SUCCESS);
  int count = 0;
  EXPECT(klDeviceGetCount(&count) == KL_SUCCESS && count == 1);
  KLbackendProperties props;
  EXPECT(klGetBackendProperties(&props, 0) == KL_SUCCESS);
  EXPECT(strcmp(props.name, "host") == 0 && props.status == KL_BACKEND_STATUS_LOADED);
  EXPECT(strstr(props.version, "minimal_backend") != NULL);

  /* Device queries. */
  KLdevice dev;
  char name[64];
  size_t total = 0;
  int value = 0;
  EXPECT(klDeviceGet(&dev, 0) == KL_SUCCESS);
  EXPECT(klDeviceGetName(name, (int)sizeof name, dev) == KL_SUCCESS && strcmp(name, "Keel host (CPU)") == 0);
  EXPECT(klDeviceGetName(name, 5, dev) == KL_SUCCESS && strcmp(name, "Keel") == 0);
  EXPECT(klDeviceTotalMem(&total, dev) == KL_SUCCESS && total > 0);
  EXPECT(klDeviceGetAttribute(&value, KL_DEVICE_ATTRIBUTE_INTEGRATED, dev) == KL_SUCCESS && value == 1);
  EXPECT(klDeviceGetAttribute(&value, KL_DEVICE_ATTRIBUTE_BACKEND, dev) == KL_SUCCESS && value == 0);
  EXPECT_FAILS(klDeviceGetAttribute(&value, (KLdevice_attribute)999, dev), KL_ERROR_INVALID_VALUE,
               "unknown attribute 999");
  EXPECT_FAILS(klDeviceGetName(NULL, 8, dev), KL_ERROR_INVALID_VALUE, "klDeviceGetName");
  /* A slot the backend left NULL: the loader says so. */
  EXPECT_FAILS(klDeviceGetPCIBusId(name, (int)sizeof name, dev), KL_ERROR_NOT_SUPPORTED,
               "not supported by the host backend");

  /* Contexts: the loader pushes what klCtxCreate returns. */
  KLcontext ctx = NULL, current = NULL;
  KLdevice ctx_dev = NULL;
  EXPECT(klCtxCreate(&ctx, 0, dev) == KL_SUCCESS && ctx != NULL);
  EXPECT(klCtxGetCurrent(&current) == KL_SUCCESS && current == ctx);
  EXPECT(klCtxGetDevice(&ctx_dev) == KL_SUCCESS && ctx_dev == dev);
  EXPECT(klCtxSynchronize() == KL_SUCCESS);
  EXPECT_FAILS(klCtxCreate(&current, 0x100, dev), KL_ERROR_INVALID_VALUE, "unknown flags 0x100");

  /* Memory. */
  enum { N = 1000 };
  unsigned int in[N], out[N];
  for (int i = 0; i < N; ++i) in[i] = 3u * (unsigned)i + 1u;
  KLdeviceptr a = 0, b = 0, base = 0;
  size_t size = 0, free_bytes = 0, total_bytes = 0;
  EXPECT(klMemAlloc(&a, sizeof in) == KL_SUCCESS && a % 256 == 0);
  EXPECT(klMemAlloc(&b, sizeof in) == KL_SUCCESS);
  EXPECT(klMemcpyHtoD(a, in, sizeof in) == KL_SUCCESS);
  EXPECT(klMemcpyDtoD(b, a, sizeof in) == KL_SUCCESS);
  memset(out, 0, sizeof out);
  EXPECT(klMemcpyDtoH(out, b, sizeof out) == KL_SUCCESS && memcmp(in, out, sizeof in) == 0);
  EXPECT(klMemsetD32(b + 4, 0xdeadbeefu, 10) == KL_SUCCESS);
  EXPECT(klMemsetD8(b, 0x7f, 4) == KL_SUCCESS);
  EXPECT(klMemcpyDtoH(out, b, sizeof out) == KL_SUCCESS);
  EXPECT(out[0] == 0x7f7f7f7fu && out[1] == 0xdeadbeefu && out[10] == 0xdeadbeefu && out[11] == in[11]);
  EXPECT(klMemGetAddressRange(&base, &size, a + 100) == KL_SUCCESS && base == a && size == sizeof in);
  EXPECT(klMemGetInfo(&free_bytes, &total_bytes) == KL_SUCCESS && free_bytes < total_bytes);
  EXPECT_FAILS(klMemcpyHtoD(a + 8, in, sizeof in), KL_ERROR_INVALID_VALUE, "is not inside one allocation");
  EXPECT_FAILS(klMemsetD32(a + 2, 0, 1), KL_ERROR_INVALID_VALUE, "is not 4-byte aligned");
  EXPECT_FAILS(klMemAlloc(&base, 0), KL_ERROR_INVALID_VALUE, "bytesize is 0");
  EXPECT_FAILS(klMemFree(a + 16), KL_ERROR_INVALID_VALUE, "is not the start of a live allocation");
  EXPECT(klMemFree(a) == KL_SUCCESS);
  EXPECT_FAILS(klMemFree(a), KL_ERROR_INVALID_VALUE, "is not the start of a live allocation");

  /* Pinned host memory: usable for copies, not a device address. */
  unsigned int* pinned = NULL;
  EXPECT(klMemHostAlloc((void**)&pinned, sizeof in, KL_MEMHOSTALLOC_PORTABLE) == KL_SUCCESS);
  if (pinned != NULL) {
    memcpy(pinned, in, sizeof in);
    EXPECT(klMemcpyHtoD(b, pinned, sizeof in) == KL_SUCCESS);
    EXPECT_FAILS(klMemsetD8((KLdeviceptr)(uintptr_t)pinned, 0, 1), KL_ERROR_INVALID_VALUE,
                 "is not inside one allocation");
    EXPECT_FAILS(klMemFree((KLdeviceptr)(uintptr_t)pinned), KL_ERROR_INVALID_VALUE,
                 "is not the start of a live allocation");
    EXPECT(klMemFreeHost(pinned) == KL_SUCCESS);
  }
  EXPECT_FAILS(klMemFreeHost(in), KL_ERROR_INVALID_VALUE, "was not returned by klMemHostAlloc");
  EXPECT_FAILS(klMemHostAlloc((void**)&pinned, 16, 0x80), KL_ERROR_INVALID_VALUE, "unknown flags 0x80");

  /* What the backend does not implement. */
  KLmodule module;
  KLstream stream;
  EXPECT_FAILS(klModuleLoad(&module, "kernels.keelbundle"), KL_ERROR_NOT_SUPPORTED,
               "klModuleLoad: not supported by the host backend");
  EXPECT_FAILS(klStreamCreate(&stream, 0), KL_ERROR_NOT_SUPPORTED, "klStreamCreate");

  /* Destroying the context frees what is left in it (b). */
  EXPECT(klCtxDestroy(ctx) == KL_SUCCESS);
  EXPECT(klCtxGetCurrent(&current) == KL_SUCCESS && current == NULL);

  printf("%s: %d check(s) failed\n", g_failures ? "FAILED" : "PASSED", g_failures);
  return g_failures ? 1 : 0;
}
