// The one list of every libcuda symbol the CUDA backend uses.
//
// Each line is X(name, version, need, params):
//   name     the driver function without its `cu` prefix. The prefix is added
//            only as a string ("cu" #name) for cuGetProcAddress, so cuda.h's
//            version macros (CUDA 13: `#define cuCtxCreate cuCtxCreate_v4`)
//            can never rewrite a name here.
//   version  the CUDA version whose ABI of the symbol we call, as
//            cuGetProcAddress takes it (1000*major + 10*minor). It selects the
//            exact versioned entry point: cuCtxCreate at 3020 is cuCtxCreate_v2
//            (flags, device), whatever the toolkit headers call cuCtxCreate.
//   need     REQUIRED: present in every driver since the floor (CUDA 12.0);
//            init fails without it. OPTIONAL: newer than the floor; NULL when
//            the driver lacks it, and the feature reports KL_ERROR_NOT_SUPPORTED.
//   params   the parameter list of that ABI version, spelled here rather than
//            taken from cudaTypedefs.h so older toolkits build too. The unit
//            test symbol_signature_test.cc checks each against the toolkit's
//            PFN_cu<name>_v<version> where the toolkit has it.
//
// The driver floor: CUDA 12.0 (R525). It is the first driver with
// cuGetProcAddress_v2, through which everything here is resolved.
#ifndef KEEL_BACKENDS_CUDA_CUDA_SYMBOLS_H_
#define KEEL_BACKENDS_CUDA_CUDA_SYMBOLS_H_

#define KEEL_CUDA_DRIVER_FLOOR 12000

#define KEEL_CUDA_SYMBOLS(X)                                                                     \
  /* initialization, versions, errors */                                                         \
  X(Init, 2000, REQUIRED, (unsigned int flags))                                                  \
  X(DriverGetVersion, 2020, REQUIRED, (int* version))                                            \
  X(GetErrorName, 6000, REQUIRED, (CUresult error, const char** str))                            \
  X(GetErrorString, 6000, REQUIRED, (CUresult error, const char** str))                          \
  /* devices */                                                                                  \
  X(DeviceGetCount, 2000, REQUIRED, (int* count))                                                \
  X(DeviceGet, 2000, REQUIRED, (CUdevice * device, int ordinal))                                 \
  X(DeviceGetName, 2000, REQUIRED, (char* name, int len, CUdevice dev))                          \
  X(DeviceGetUuid, 11040, REQUIRED, (CUuuid * uuid, CUdevice dev))                               \
  X(DeviceGetPCIBusId, 4010, REQUIRED, (char* id, int len, CUdevice dev))                        \
  X(DeviceTotalMem, 3020, REQUIRED, (size_t * bytes, CUdevice dev))                              \
  X(DeviceGetAttribute, 2000, REQUIRED, (int* pi, CUdevice_attribute attrib, CUdevice dev))      \
  /* contexts */                                                                                 \
  X(CtxCreate, 3020, REQUIRED, (CUcontext * pctx, unsigned int flags, CUdevice dev))             \
  X(CtxDestroy, 4000, REQUIRED, (CUcontext ctx))                                                 \
  X(CtxSetCurrent, 4000, REQUIRED, (CUcontext ctx))                                              \
  X(CtxPopCurrent, 4000, REQUIRED, (CUcontext * pctx))                                           \
  X(CtxSynchronize, 2000, REQUIRED, (void))                                                      \
  X(CtxGetStreamPriorityRange, 5050, REQUIRED, (int* least, int* greatest))                      \
  X(DevicePrimaryCtxRetain, 7000, REQUIRED, (CUcontext * pctx, CUdevice dev))                    \
  X(DevicePrimaryCtxRelease, 11000, REQUIRED, (CUdevice dev))                                    \
  X(DevicePrimaryCtxReset, 11000, REQUIRED, (CUdevice dev))                                      \
  X(DevicePrimaryCtxGetState, 7000, REQUIRED, (CUdevice dev, unsigned int* flags, int* active))  \
  X(DevicePrimaryCtxSetFlags, 11000, REQUIRED, (CUdevice dev, unsigned int flags))               \
  /* modules, linking */                                                                         \
  X(ModuleLoadDataEx, 2010, REQUIRED,                                                            \
    (CUmodule * module, const void* image, unsigned int numOptions, CUjit_option* options,       \
     void** optionValues))                                                                       \
  X(ModuleUnload, 2000, REQUIRED, (CUmodule module))                                             \
  X(ModuleGetFunction, 2000, REQUIRED, (CUfunction * hfunc, CUmodule module, const char* name))  \
  X(ModuleGetGlobal, 3020, REQUIRED,                                                             \
    (CUdeviceptr * dptr, size_t * bytes, CUmodule module, const char* name))                     \
  X(ModuleGetLoadingMode, 11070, REQUIRED, (CUmoduleLoadingMode * mode))                         \
  X(LinkCreate, 6050, REQUIRED,                                                                  \
    (unsigned int numOptions, CUjit_option* options, void** optionValues, CUlinkState* state))   \
  X(LinkAddData, 6050, REQUIRED,                                                                 \
    (CUlinkState state, CUjitInputType type, void* data, size_t size, const char* name,          \
     unsigned int numOptions, CUjit_option* options, void** optionValues))                       \
  X(LinkComplete, 5050, REQUIRED, (CUlinkState state, void** cubinOut, size_t* sizeOut))         \
  X(LinkDestroy, 5050, REQUIRED, (CUlinkState state))                                            \
  /* functions */                                                                                \
  X(FuncGetAttribute, 2020, REQUIRED, (int* pi, CUfunction_attribute attrib, CUfunction func))   \
  X(FuncSetAttribute, 9000, REQUIRED, (CUfunction func, CUfunction_attribute attrib, int value)) \
  X(FuncGetParamInfo, 12040, OPTIONAL,                                                           \
    (CUfunction func, size_t paramIndex, size_t* paramOffset, size_t* paramSize))                \
  X(FuncLoad, 12040, OPTIONAL, (CUfunction func))                                                \
  /* memory */                                                                                   \
  X(MemAlloc, 3020, REQUIRED, (CUdeviceptr * dptr, size_t bytesize))                             \
  X(MemFree, 3020, REQUIRED, (CUdeviceptr dptr))                                                 \
  X(MemGetInfo, 3020, REQUIRED, (size_t * free, size_t * total))                                 \
  X(MemGetAddressRange, 3020, REQUIRED, (CUdeviceptr * base, size_t * size, CUdeviceptr dptr))   \
  X(MemHostAlloc, 2020, REQUIRED, (void** pp, size_t bytesize, unsigned int flags))              \
  X(MemFreeHost, 2000, REQUIRED, (void* p))                                                      \
  X(MemHostRegister, 6050, REQUIRED, (void* p, size_t bytesize, unsigned int flags))             \
  X(MemHostUnregister, 4000, REQUIRED, (void* p))                                                \
  X(PointerGetAttributes, 7000, REQUIRED,                                                        \
    (unsigned int numAttributes, CUpointer_attribute* attributes, void** data, CUdeviceptr ptr)) \
  X(MemcpyHtoD, 3020, REQUIRED, (CUdeviceptr dst, const void* src, size_t bytes))                \
  X(MemcpyDtoH, 3020, REQUIRED, (void* dst, CUdeviceptr src, size_t bytes))                      \
  X(MemcpyDtoD, 3020, REQUIRED, (CUdeviceptr dst, CUdeviceptr src, size_t bytes))                \
  X(MemcpyHtoDAsync, 3020, REQUIRED,                                                             \
    (CUdeviceptr dst, const void* src, size_t bytes, CUstream stream))                           \
  X(MemcpyDtoHAsync, 3020, REQUIRED, (void* dst, CUdeviceptr src, size_t bytes, CUstream stream)) \
  X(MemcpyDtoDAsync, 3020, REQUIRED,                                                             \
    (CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream))                           \
  X(MemsetD8, 3020, REQUIRED, (CUdeviceptr dst, unsigned char value, size_t n))                  \
  X(MemsetD16, 3020, REQUIRED, (CUdeviceptr dst, unsigned short value, size_t n))                \
  X(MemsetD32, 3020, REQUIRED, (CUdeviceptr dst, unsigned int value, size_t n))                  \
  X(MemsetD8Async, 3020, REQUIRED,                                                               \
    (CUdeviceptr dst, unsigned char value, size_t n, CUstream stream))                           \
  X(MemsetD16Async, 3020, REQUIRED,                                                              \
    (CUdeviceptr dst, unsigned short value, size_t n, CUstream stream))                          \
  X(MemsetD32Async, 3020, REQUIRED,                                                              \
    (CUdeviceptr dst, unsigned int value, size_t n, CUstream stream))                            \
  /* streams */                                                                                  \
  X(StreamCreate, 2000, REQUIRED, (CUstream * stream, unsigned int flags))                       \
  X(StreamCreateWithPriority, 5050, REQUIRED,                                                    \
    (CUstream * stream, unsigned int flags, int priority))                                       \
  X(StreamDestroy, 4000, REQUIRED, (CUstream stream))                                            \
  X(StreamSynchronize, 2000, REQUIRED, (CUstream stream))                                        \
  X(StreamQuery, 2000, REQUIRED, (CUstream stream))                                              \
  X(StreamWaitEvent, 3020, REQUIRED, (CUstream stream, CUevent event, unsigned int flags))       \
  X(StreamGetPriority, 5050, REQUIRED, (CUstream stream, int* priority))                         \
  X(StreamGetFlags, 5050, REQUIRED, (CUstream stream, unsigned int* flags))                      \
  X(LaunchHostFunc, 10000, REQUIRED, (CUstream stream, CUhostFn fn, void* userData))             \
  /* events */                                                                                   \
  X(EventCreate, 2000, REQUIRED, (CUevent * event, unsigned int flags))                          \
  X(EventRecord, 2000, REQUIRED, (CUevent event, CUstream stream))                               \
  X(EventQuery, 2000, REQUIRED, (CUevent event))                                                 \
  X(EventSynchronize, 2000, REQUIRED, (CUevent event))                                           \
  X(EventElapsedTime, 2000, REQUIRED, (float* ms, CUevent start, CUevent end))                   \
  X(EventDestroy, 4000, REQUIRED, (CUevent event))                                               \
  /* launch */                                                                                   \
  X(LaunchKernel, 4000, REQUIRED,                                                                \
    (CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,          \
     unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,                     \
     unsigned int sharedMemBytes, CUstream stream, void** kernelParams, void** extra))

#endif  // KEEL_BACKENDS_CUDA_CUDA_SYMBOLS_H_
