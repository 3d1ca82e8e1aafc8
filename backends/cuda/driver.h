// The libcuda entry points, resolved at run time from cuda_symbols.h.
//
// The backend never links libcuda: it opens libcuda.so.1 with dlopen and asks
// cuGetProcAddress_v2 for every symbol at the ABI version the list names.
#ifndef KEEL_BACKENDS_CUDA_DRIVER_H_
#define KEEL_BACKENDS_CUDA_DRIVER_H_

#include <cuda.h>
#include <keel/keel.h>

#include <cstddef>

#include "cuda/cuda_symbols.h"

namespace keel::cuda {

// One function-pointer type per symbol: fn::PFN_MemAlloc, ...
namespace fn {
#define KEEL_CUDA_FN_TYPE(name, version, need, params) using PFN_##name = CUresult(CUDAAPI*) params;
KEEL_CUDA_SYMBOLS(KEEL_CUDA_FN_TYPE)
#undef KEEL_CUDA_FN_TYPE
}  // namespace fn

// The resolved table. Filled once by LoadDriver (under the loader's init
// serialization) and read-only afterwards, so reading it needs no lock.
struct DriverApi {
#define KEEL_CUDA_FN_MEMBER(name, version, need, params) fn::PFN_##name name = nullptr;
  KEEL_CUDA_SYMBOLS(KEEL_CUDA_FN_MEMBER)
#undef KEEL_CUDA_FN_MEMBER
};

// Call sites read `cu.LaunchKernel(...)`.
extern DriverApi cu;

// Facts about the loaded driver, valid after a successful LoadDriver.
struct DriverFacts {
  int cuda_version = 0;          // cuDriverGetVersion: 13000 for CUDA 13.0
  char kernel_driver[64] = "";   // "580.65.06" from /proc/driver/nvidia/version, or ""
  bool lazy_loading = false;     // cuModuleGetLoadingMode == CU_MODULE_LAZY_LOADING
};
extern DriverFacts g_driver;

// Opens libcuda.so.1, resolves the symbol list and calls cuInit(0). Returns
// KL_SUCCESS, or an error with the last-error message set to the reason:
// KL_ERROR_NO_DEVICE when there is no usable NVIDIA driver (library absent,
// the toolkit's stub library, cuInit failing), KL_ERROR_NOT_SUPPORTED when
// the driver is older than the floor or lacks a required symbol.
KLresult LoadDriver();

// Extracts the kernel driver version ("580.65.06") from the first line of
// /proc/driver/nvidia/version into out; false (and "") if there is none.
bool ParseKernelDriverVersion(const char* line, char* out, size_t size);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_DRIVER_H_
