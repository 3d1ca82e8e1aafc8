/*
 * The one list of Keel entry points that backends implement.
 *
 * Each line is X(KIND, name, dispatch, params, args):
 *   KIND      how the loader finds the backend and what the backend receives:
 *     H   dispatched through the handle named by `dispatch`; the backend
 *         function has exactly the public signature `params`.
 *     HX  as H, but the loader's exported function is written by hand
 *         (it does loader work around the call: context stack, attributes).
 *     C   dispatched through the calling thread's current context; the
 *         backend function receives that context first: (KLcontext ctx, params).
 *     C0  as C for a function without parameters: (KLcontext ctx).
 *     S   a function with an optional stream `dispatch`: dispatched through the
 *         stream when it is not NULL (the backend then gets ctx == NULL), else
 *         through the current context (the backend gets it as ctx and uses
 *         that context's default stream): (KLcontext ctx, params).
 *     B   backend-internal: called by the loader, not exported.
 *   dispatch  the handle parameter dispatched on (`_` for C and C0).
 *   params    the public parameter list, parenthesized.
 *   args      the parameter names, parenthesized, for forwarding.
 *
 * This list drives the dispatch table (keel_backend.h), the loader's exported
 * functions, and the checks that each exported function matches its
 * declaration in keel.h (the compiler rejects any mismatch). The table is
 * append-only: new entries go at the end, never in between, never removed.
 */
#ifndef KEEL_KEEL_ENTRY_POINTS_H_
#define KEEL_KEEL_ENTRY_POINTS_H_

#define KEEL_ENTRY_POINTS(X)                                                                      \
  /* devices */                                                                                   \
  X(H, klDeviceGetName, dev, (char* name, int len, KLdevice dev), (name, len, dev))               \
  X(H, klDeviceGetUuid, dev, (KLuuid* uuid, KLdevice dev), (uuid, dev))                           \
  X(H, klDeviceGetPCIBusId, dev, (char* pciBusId, int len, KLdevice dev), (pciBusId, len, dev))   \
  X(H, klDeviceTotalMem, dev, (size_t* bytes, KLdevice dev), (bytes, dev))                        \
  X(HX, klDeviceGetAttribute, dev, (int* pi, KLdevice_attribute attrib, KLdevice dev),            \
    (pi, attrib, dev))                                                                            \
  X(H, klDeviceGetNativeHandle, dev, (void** native, KLdevice dev), (native, dev))                \
  /* contexts */                                                                                  \
  X(HX, klCtxCreate, dev, (KLcontext* pctx, unsigned int flags, KLdevice dev), (pctx, flags, dev)) \
  X(HX, klCtxDestroy, ctx, (KLcontext ctx), (ctx))                                                \
  X(C, klCtxGetDevice, _, (KLdevice* device), (device))                                           \
  X(C0, klCtxSynchronize, _, (void), ())                                                          \
  X(C, klCtxGetStreamPriorityRange, _, (int* leastPriority, int* greatestPriority),               \
    (leastPriority, greatestPriority))                                                            \
  X(H, klCtxGetNativeHandle, ctx, (void** native, KLcontext ctx), (native, ctx))                  \
  X(H, klDevicePrimaryCtxRetain, dev, (KLcontext* pctx, KLdevice dev), (pctx, dev))               \
  X(H, klDevicePrimaryCtxRelease, dev, (KLdevice dev), (dev))                                     \
  X(H, klDevicePrimaryCtxReset, dev, (KLdevice dev), (dev))                                       \
  X(H, klDevicePrimaryCtxGetState, dev, (KLdevice dev, unsigned int* flags, int* active),         \
    (dev, flags, active))                                                                         \
  X(H, klDevicePrimaryCtxSetFlags, dev, (KLdevice dev, unsigned int flags), (dev, flags))         \
  /* modules and functions */                                                                     \
  X(C, klModuleLoad, _, (KLmodule* module, const char* fname), (module, fname))                   \
  X(C, klModuleLoadData, _, (KLmodule* module, const void* image, size_t size),                   \
    (module, image, size))                                                                        \
  X(C, klModuleLoadDataEx, _,                                                                     \
    (KLmodule* module, const void* image, size_t size, unsigned int numOptions,                   \
     KLjit_option* options, void** optionValues),                                                 \
    (module, image, size, numOptions, options, optionValues))                                     \
  X(H, klModuleUnload, hmod, (KLmodule hmod), (hmod))                                             \
  X(H, klModuleGetFunction, hmod, (KLfunction* hfunc, KLmodule hmod, const char* name),           \
    (hfunc, hmod, name))                                                                          \
  X(H, klModuleGetGlobal, hmod,                                                                   \
    (KLdeviceptr* dptr, size_t* bytes, KLmodule hmod, const char* name),                          \
    (dptr, bytes, hmod, name))                                                                    \
  X(H, klModuleGetNativeHandle, hmod, (void** native, KLmodule hmod), (native, hmod))             \
  X(C, klLinkCreate, _,                                                                           \
    (unsigned int numOptions, KLjit_option* options, void** optionValues, KLlinkState* stateOut), \
    (numOptions, options, optionValues, stateOut))                                                \
  X(H, klLinkAddData, state,                                                                      \
    (KLlinkState state, KLjitInputType type, void* data, size_t size, const char* name,           \
     unsigned int numOptions, KLjit_option* options, void** optionValues),                        \
    (state, type, data, size, name, numOptions, options, optionValues))                           \
  X(H, klLinkComplete, state, (KLlinkState state, void** imageOut, size_t* sizeOut),              \
    (state, imageOut, sizeOut))                                                                   \
  X(H, klLinkDestroy, state, (KLlinkState state), (state))                                        \
  X(H, klFuncGetAttribute, hfunc, (int* pi, KLfunction_attribute attrib, KLfunction hfunc),       \
    (pi, attrib, hfunc))                                                                          \
  X(H, klFuncSetAttribute, hfunc, (KLfunction hfunc, KLfunction_attribute attrib, int value),     \
    (hfunc, attrib, value))                                                                       \
  X(H, klFuncGetParamCount, hfunc, (KLfunction hfunc, size_t* paramCount), (hfunc, paramCount))   \
  X(H, klFuncGetParamInfo, hfunc,                                                                 \
    (KLfunction hfunc, size_t paramIndex, size_t* paramOffset, size_t* paramSize),                \
    (hfunc, paramIndex, paramOffset, paramSize))                                                  \
  X(H, klFuncGetNativeHandle, hfunc, (void** native, KLfunction hfunc), (native, hfunc))          \
  /* memory */                                                                                    \
  X(C, klMemAlloc, _, (KLdeviceptr* dptr, size_t bytesize), (dptr, bytesize))                     \
  X(C, klMemFree, _, (KLdeviceptr dptr), (dptr))                                                  \
  X(C, klMemGetInfo, _, (size_t* free, size_t* total), (free, total))                             \
  X(C, klMemGetAddressRange, _, (KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr),            \
    (pbase, psize, dptr))                                                                         \
  X(C, klMemHostAlloc, _, (void** pp, size_t bytesize, unsigned int flags), (pp, bytesize, flags)) \
  X(C, klMemFreeHost, _, (void* p), (p))                                                          \
  X(C, klMemHostRegister, _, (void* p, size_t bytesize, unsigned int flags), (p, bytesize, flags)) \
  X(C, klMemHostUnregister, _, (void* p), (p))                                                    \
  X(C, klMemcpyHtoD, _, (KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount),           \
    (dstDevice, srcHost, ByteCount))                                                              \
  X(C, klMemcpyDtoH, _, (void* dstHost, KLdeviceptr srcDevice, size_t ByteCount),                 \
    (dstHost, srcDevice, ByteCount))                                                              \
  X(C, klMemcpyDtoD, _, (KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount),         \
    (dstDevice, srcDevice, ByteCount))                                                            \
  X(S, klMemcpyHtoDAsync, hStream,                                                                \
    (KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount, KLstream hStream),             \
    (dstDevice, srcHost, ByteCount, hStream))                                                     \
  X(S, klMemcpyDtoHAsync, hStream,                                                                \
    (void* dstHost, KLdeviceptr srcDevice, size_t ByteCount, KLstream hStream),                   \
    (dstHost, srcDevice, ByteCount, hStream))                                                     \
  X(S, klMemcpyDtoDAsync, hStream,                                                                \
    (KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount, KLstream hStream),           \
    (dstDevice, srcDevice, ByteCount, hStream))                                                   \
  X(C, klMemsetD8, _, (KLdeviceptr dstDevice, unsigned char uc, size_t N), (dstDevice, uc, N))    \
  X(C, klMemsetD16, _, (KLdeviceptr dstDevice, unsigned short us, size_t N), (dstDevice, us, N))  \
  X(C, klMemsetD32, _, (KLdeviceptr dstDevice, unsigned int ui, size_t N), (dstDevice, ui, N))    \
  X(S, klMemsetD8Async, hStream,                                                                  \
    (KLdeviceptr dstDevice, unsigned char uc, size_t N, KLstream hStream),                        \
    (dstDevice, uc, N, hStream))                                                                  \
  X(S, klMemsetD16Async, hStream,                                                                 \
    (KLdeviceptr dstDevice, unsigned short us, size_t N, KLstream hStream),                       \
    (dstDevice, us, N, hStream))                                                                  \
  X(S, klMemsetD32Async, hStream,                                                                 \
    (KLdeviceptr dstDevice, unsigned int ui, size_t N, KLstream hStream),                         \
    (dstDevice, ui, N, hStream))                                                                  \
  /* streams */                                                                                   \
  X(C, klStreamCreate, _, (KLstream* phStream, unsigned int Flags), (phStream, Flags))            \
  X(C, klStreamCreateWithPriority, _, (KLstream* phStream, unsigned int flags, int priority),     \
    (phStream, flags, priority))                                                                  \
  X(H, klStreamDestroy, hStream, (KLstream hStream), (hStream))                                   \
  X(S, klStreamSynchronize, hStream, (KLstream hStream), (hStream))                               \
  X(S, klStreamQuery, hStream, (KLstream hStream), (hStream))                                     \
  X(S, klStreamWaitEvent, hStream, (KLstream hStream, KLevent hEvent, unsigned int Flags),        \
    (hStream, hEvent, Flags))                                                                     \
  X(S, klStreamGetPriority, hStream, (KLstream hStream, int* priority), (hStream, priority))      \
  X(S, klStreamGetFlags, hStream, (KLstream hStream, unsigned int* flags), (hStream, flags))      \
  X(S, klLaunchHostFunc, hStream, (KLstream hStream, KLhostFn fn, void* userData),                \
    (hStream, fn, userData))                                                                      \
  X(S, klStreamGetNativeHandle, hStream, (void** native, KLstream hStream), (native, hStream))    \
  /* events */                                                                                    \
  X(C, klEventCreate, _, (KLevent* phEvent, unsigned int Flags), (phEvent, Flags))                \
  X(H, klEventRecord, hEvent, (KLevent hEvent, KLstream hStream), (hEvent, hStream))              \
  X(H, klEventQuery, hEvent, (KLevent hEvent), (hEvent))                                          \
  X(H, klEventSynchronize, hEvent, (KLevent hEvent), (hEvent))                                    \
  X(H, klEventElapsedTime, hStart, (float* pMilliseconds, KLevent hStart, KLevent hEnd),          \
    (pMilliseconds, hStart, hEnd))                                                                \
  X(H, klEventDestroy, hEvent, (KLevent hEvent), (hEvent))                                        \
  X(H, klEventGetNativeHandle, hEvent, (void** native, KLevent hEvent), (native, hEvent))         \
  /* launch */                                                                                    \
  X(H, klLaunchKernel, f,                                                                         \
    (KLfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,           \
     unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,                      \
     unsigned int sharedMemBytes, KLstream hStream, void** kernelParams, void** extra),           \
    (f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes, hStream,   \
     kernelParams, extra))                                                                        \
  /* backend-internal: the loader made ctx current on the calling thread (push, set, or a pop  \
     that uncovered it). Backends whose native API has its own current context (CUDA) bind it \
     here, so native libraries called next (cuBLAS) see the same context. Optional. */          \
  X(B, keelBackendCtxMadeCurrent, ctx, (KLcontext ctx), (ctx))

#endif /* KEEL_KEEL_ENTRY_POINTS_H_ */
