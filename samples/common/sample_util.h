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
 */
static inline KLresult sample_load_module(KLmodule* module, KLdevice dev, const char* base) {
  char dir[PATH_MAX], path[PATH_MAX + 64];
  (void)dev; /* the backend of dev picks the image inside the bundle */
  sample_kernel_dir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/%s.keelbundle", dir, base);
  printf("Loading module %s\n", path);
  return klModuleLoad(module, path);
}

#endif /* KEEL_SAMPLES_SAMPLE_UTIL_H_ */
