// Every KLresult with its name and sentence, one line each.
#ifndef KEEL_LOADER_RESULT_CODES_H_
#define KEEL_LOADER_RESULT_CODES_H_

#define KEEL_RESULT_CODES(X)                                                                  \
  X(KL_SUCCESS, "no error")                                                                   \
  X(KL_ERROR_INVALID_VALUE, "a parameter is NULL or out of range")                            \
  X(KL_ERROR_OUT_OF_MEMORY, "out of memory")                                                  \
  X(KL_ERROR_NOT_INITIALIZED, "klInit has not been called successfully")                      \
  X(KL_ERROR_NO_BACKEND, "no Keel backend plugin could be loaded")                            \
  X(KL_ERROR_NO_DEVICE, "no device was found by any loaded backend")                          \
  X(KL_ERROR_INVALID_DEVICE, "invalid device ordinal or handle")                              \
  X(KL_ERROR_INVALID_IMAGE, "the module image is malformed or of an unsupported format")      \
  X(KL_ERROR_INVALID_CONTEXT, "no current context, or the wrong context")                     \
  X(KL_ERROR_NO_BINARY_FOR_DEVICE, "the module image holds no code for this device")          \
  X(KL_ERROR_UNSUPPORTED_IMAGE_VERSION, "the module image is newer than the driver supports") \
  X(KL_ERROR_COMPILE_FAILED, "compiling or linking the module failed; see the log")           \
  X(KL_ERROR_FILE_NOT_FOUND, "the file could not be opened")                                  \
  X(KL_ERROR_INVALID_HANDLE, "invalid handle")                                                \
  X(KL_ERROR_NOT_FOUND, "the named symbol was not found")                                     \
  X(KL_ERROR_NOT_READY, "the work is not complete yet")                                       \
  X(KL_ERROR_ILLEGAL_ADDRESS, "a kernel accessed an illegal address")                         \
  X(KL_ERROR_LAUNCH_OUT_OF_RESOURCES, "the launch needs more resources than available")       \
  X(KL_ERROR_LAUNCH_TIMEOUT, "a kernel exceeded the watchdog time limit")                     \
  X(KL_ERROR_PRIMARY_CONTEXT_ACTIVE, "the primary context is already active")                 \
  X(KL_ERROR_CONTEXT_IS_DESTROYED, "the context has been destroyed")                          \
  X(KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED, "the host memory range is already registered")   \
  X(KL_ERROR_HOST_MEMORY_NOT_REGISTERED, "the host memory range is not registered")           \
  X(KL_ERROR_LAUNCH_FAILED, "a kernel failed; the context is unusable")                       \
  X(KL_ERROR_NOT_PERMITTED, "the operation is not permitted")                                 \
  X(KL_ERROR_NOT_SUPPORTED, "the operation is not supported by this backend")                 \
  X(KL_ERROR_DEVICE_LOST, "the device was lost")                                              \
  X(KL_ERROR_UNKNOWN, "an unknown internal error occurred")

#endif  // KEEL_LOADER_RESULT_CODES_H_
