// CUresult -> KLresult, and the last-error messages that name the native error.
#ifndef KEEL_BACKENDS_CUDA_STATUS_H_
#define KEEL_BACKENDS_CUDA_STATUS_H_

#include <cuda.h>
#include <keel/keel.h>

#include <cstddef>

namespace keel::cuda {

// The Keel code for a driver result (KL_ERROR_UNKNOWN for codes newer than
// the table; the message still carries the driver's own name for them).
KLresult ToKeelResult(CUresult r);

// "CUDA_ERROR_INVALID_PTX". From the table; for codes it does not know, the
// driver's cuGetErrorName; else "CUDA_ERROR_<unknown>". Never NULL.
const char* CudaErrorName(CUresult r);

// True if the table has an entry for r (used by the coverage test).
bool IsKnownCudaResult(int r);

// Writes "cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX (218): <cuGetErrorString>".
void FormatCudaError(char* out, size_t size, CUresult r, const char* cu_call);

// Sets the calling thread's last-error message to
// "<kl_function>: <cu_call>: NAME (number): description" and returns the
// mapped code. The overload with `detail` appends "; <detail>".
KLresult FailCuda(CUresult r, const char* kl_function, const char* cu_call);
KLresult FailCudaDetail(CUresult r, KLresult code, const char* kl_function, const char* cu_call,
                        const char* format, ...) __attribute__((format(printf, 5, 6)));

}  // namespace keel::cuda

#ifndef KEEL_UNLIKELY
#define KEEL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif

// Calls cu.<name> args and returns the Keel error (with the message) from the
// enclosing function if it fails. `kl_fn` is the Keel function's name.
#define KEEL_CU_TRY(kl_fn, name, args)                                       \
  do {                                                                       \
    CUresult keel_cu_r_ = ::keel::cuda::cu.name args;                        \
    if (KEEL_UNLIKELY(keel_cu_r_ != CUDA_SUCCESS))                           \
      return ::keel::cuda::FailCuda(keel_cu_r_, kl_fn, "cu" #name);          \
  } while (0)

#endif  // KEEL_BACKENDS_CUDA_STATUS_H_
