/*
 * Small helpers shared by the samples: error checking and loading a sample's
 * kernel bundle. Header-only C99.
 */
#ifndef KEEL_SAMPLES_SAMPLE_UTIL_H_
#define KEEL_SAMPLES_SAMPLE_UTIL_H_

#include <keel/keel.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Checks a Keel call; on failure prints the code, the call and Keel's
 * last-error message (which carries the native error), then exits. */
#define CHECK(call)                                                                   \
  do {                                                                                \
    KLresult check_result_ = (call);                                                  \
    if (check_result_ != KL_SUCCESS) {                                                \
      const char* check_name_ = "?";                                                  \
      const char* check_message_ = "";                                                \
      klGetErrorName(check_result_, &check_name_);                                    \
      klGetLastErrorMessage(&check_message_);                                         \
      fprintf(stderr, "%s:%d: %s failed: %s\n  %s\n", __FILE__, __LINE__, #call,      \
              check_name_ ? check_name_ : "?", check_message_);                       \
      exit(EXIT_FAILURE);                                                             \
    }                                                                                 \
  } while (0)

/* The name of the backend that owns dev ("cuda", "vulkan", ...). */
static inline void sample_backend_name(KLdevice dev, char* name, size_t size) {
  int index = -1;
  KLbackendProperties props;
  snprintf(name, size, "?");
  if (klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, dev) == KL_SUCCESS &&
      klGetBackendProperties(&props, index) == KL_SUCCESS)
    snprintf(name, size, "%s", props.name);
}

/* The directory holding the sample's kernels: $KEEL_SAMPLE_KERNEL_DIR, else
 * kernels/ beside the executable. */
static inline void sample_kernel_dir(char* dir, size_t size) {
  const char* env = getenv("KEEL_SAMPLE_KERNEL_DIR");
  if (env != NULL) {
    snprintf(dir, size, "%s", env);
    return;
  }
  char exe[PATH_MAX - 16]; /* room for "/kernels" in dir */
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    snprintf(dir, size, "kernels");
    return;
  }
  exe[n] = '\0';
  char* slash = strrchr(exe, '/');
  if (slash != NULL) *slash = '\0';
  snprintf(dir, size, "%s/kernels", exe);
}

/* Loads module `base` in the current context from <kernel dir>/<base>.keelbundle,
 * the Keel bundle that holds the module's kernels for every backend (PTX and
 * cubins, Vulkan SPIR-V, OpenCL SPIR-V); the backend picks the image that
 * suits the device. Prints the file it loaded.
 *
 * TRANSITION (issue 7): until every backend's klModuleLoad takes bundles, a
 * backend that rejects the bundle with KL_ERROR_INVALID_IMAGE gets its own
 * format instead, one of the bundle's images copied beside it: <base>.ptx
 * (CUDA), <base>.spv (Vulkan), <base>.ze.spv (Level Zero). Set
 * KEEL_SAMPLE_BUNDLE_ONLY=1 to turn the fallback off. */
static inline KLresult sample_load_module(KLmodule* module, KLdevice dev, const char* base) {
  char backend[32], dir[PATH_MAX], path[PATH_MAX + 64];
  sample_backend_name(dev, backend, sizeof backend);
  sample_kernel_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s.keelbundle", dir, base);
  printf("Loading module %s\n", path);
  KLresult r = klModuleLoad(module, path);
  const char* bundle_only = getenv("KEEL_SAMPLE_BUNDLE_ONLY");
  if (r != KL_ERROR_INVALID_IMAGE || (bundle_only != NULL && strcmp(bundle_only, "1") == 0))
    return r;
  const char* why = "";
  klGetLastErrorMessage(&why);
  const char* ext = ".spv";
  if (strcmp(backend, "cuda") == 0) ext = ".ptx";
  else if (strcmp(backend, "level_zero") == 0) ext = ".ze.spv";
  snprintf(path, sizeof path, "%s/%s%s", dir, base, ext);
  printf("  the %s backend does not take bundles yet (%s);\n  loading %s instead\n", backend,
         why, path);
  return klModuleLoad(module, path);
}

#endif /* KEEL_SAMPLES_SAMPLE_UTIL_H_ */
