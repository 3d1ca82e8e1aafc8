#include "cuda/status.h"

#include <cstdarg>
#include <cstdio>

#include "common/services.h"
#include "cuda/driver.h"

namespace keel::cuda {
namespace {

// Every CUresult of cuda.h (CUDA 13.0), by number, so the table does not
// depend on the toolkit the backend is built with. The mapping rule: the Keel
// code whose documented meaning matches; codes for features Keel does not
// expose (graphics interop, stream capture, MPS, peers) map to the closest
// state error, and the message always keeps the CUDA name and number.
#define KEEL_CUDA_RESULTS(X)                                               \
  X(CUDA_SUCCESS, 0, KL_SUCCESS)                                           \
  X(CUDA_ERROR_INVALID_VALUE, 1, KL_ERROR_INVALID_VALUE)                   \
  X(CUDA_ERROR_OUT_OF_MEMORY, 2, KL_ERROR_OUT_OF_MEMORY)                   \
  X(CUDA_ERROR_NOT_INITIALIZED, 3, KL_ERROR_NOT_INITIALIZED)               \
  X(CUDA_ERROR_DEINITIALIZED, 4, KL_ERROR_UNKNOWN)                         \
  X(CUDA_ERROR_PROFILER_DISABLED, 5, KL_ERROR_NOT_PERMITTED)               \
  X(CUDA_ERROR_PROFILER_NOT_INITIALIZED, 6, KL_ERROR_NOT_PERMITTED)        \
  X(CUDA_ERROR_PROFILER_ALREADY_STARTED, 7, KL_ERROR_NOT_PERMITTED)        \
  X(CUDA_ERROR_PROFILER_ALREADY_STOPPED, 8, KL_ERROR_NOT_PERMITTED)        \
  X(CUDA_ERROR_STUB_LIBRARY, 34, KL_ERROR_NO_DEVICE)                       \
  X(CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER, 36, KL_ERROR_NOT_SUPPORTED)     \
  X(CUDA_ERROR_DEVICE_UNAVAILABLE, 46, KL_ERROR_NO_DEVICE)                 \
  X(CUDA_ERROR_NO_DEVICE, 100, KL_ERROR_NO_DEVICE)                         \
  X(CUDA_ERROR_INVALID_DEVICE, 101, KL_ERROR_INVALID_DEVICE)               \
  X(CUDA_ERROR_DEVICE_NOT_LICENSED, 102, KL_ERROR_NOT_SUPPORTED)           \
  X(CUDA_ERROR_INVALID_IMAGE, 200, KL_ERROR_INVALID_IMAGE)                 \
  X(CUDA_ERROR_INVALID_CONTEXT, 201, KL_ERROR_INVALID_CONTEXT)             \
  X(CUDA_ERROR_CONTEXT_ALREADY_CURRENT, 202, KL_ERROR_INVALID_CONTEXT)     \
  X(CUDA_ERROR_MAP_FAILED, 205, KL_ERROR_UNKNOWN)                          \
  X(CUDA_ERROR_UNMAP_FAILED, 206, KL_ERROR_UNKNOWN)                        \
  X(CUDA_ERROR_ARRAY_IS_MAPPED, 207, KL_ERROR_NOT_PERMITTED)               \
  X(CUDA_ERROR_ALREADY_MAPPED, 208, KL_ERROR_NOT_PERMITTED)                \
  X(CUDA_ERROR_NO_BINARY_FOR_GPU, 209, KL_ERROR_NO_BINARY_FOR_DEVICE)      \
  X(CUDA_ERROR_ALREADY_ACQUIRED, 210, KL_ERROR_NOT_PERMITTED)              \
  X(CUDA_ERROR_NOT_MAPPED, 211, KL_ERROR_NOT_PERMITTED)                    \
  X(CUDA_ERROR_NOT_MAPPED_AS_ARRAY, 212, KL_ERROR_NOT_PERMITTED)           \
  X(CUDA_ERROR_NOT_MAPPED_AS_POINTER, 213, KL_ERROR_NOT_PERMITTED)         \
  X(CUDA_ERROR_ECC_UNCORRECTABLE, 214, KL_ERROR_DEVICE_LOST)               \
  X(CUDA_ERROR_UNSUPPORTED_LIMIT, 215, KL_ERROR_NOT_SUPPORTED)             \
  X(CUDA_ERROR_CONTEXT_ALREADY_IN_USE, 216, KL_ERROR_NOT_PERMITTED)        \
  X(CUDA_ERROR_PEER_ACCESS_UNSUPPORTED, 217, KL_ERROR_NOT_SUPPORTED)       \
  X(CUDA_ERROR_INVALID_PTX, 218, KL_ERROR_COMPILE_FAILED)                  \
  X(CUDA_ERROR_INVALID_GRAPHICS_CONTEXT, 219, KL_ERROR_INVALID_CONTEXT)    \
  X(CUDA_ERROR_NVLINK_UNCORRECTABLE, 220, KL_ERROR_DEVICE_LOST)            \
  X(CUDA_ERROR_JIT_COMPILER_NOT_FOUND, 221, KL_ERROR_COMPILE_FAILED)       \
  X(CUDA_ERROR_UNSUPPORTED_PTX_VERSION, 222, KL_ERROR_UNSUPPORTED_IMAGE_VERSION) \
  X(CUDA_ERROR_JIT_COMPILATION_DISABLED, 223, KL_ERROR_COMPILE_FAILED)     \
  X(CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY, 224, KL_ERROR_NOT_SUPPORTED)     \
  X(CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC, 225, KL_ERROR_NOT_SUPPORTED)      \
  X(CUDA_ERROR_CONTAINED, 226, KL_ERROR_LAUNCH_FAILED)                     \
  X(CUDA_ERROR_INVALID_SOURCE, 300, KL_ERROR_INVALID_IMAGE)                \
  X(CUDA_ERROR_FILE_NOT_FOUND, 301, KL_ERROR_FILE_NOT_FOUND)               \
  X(CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND, 302, KL_ERROR_NOT_FOUND)    \
  X(CUDA_ERROR_SHARED_OBJECT_INIT_FAILED, 303, KL_ERROR_UNKNOWN)           \
  X(CUDA_ERROR_OPERATING_SYSTEM, 304, KL_ERROR_UNKNOWN)                    \
  X(CUDA_ERROR_INVALID_HANDLE, 400, KL_ERROR_INVALID_HANDLE)               \
  X(CUDA_ERROR_ILLEGAL_STATE, 401, KL_ERROR_NOT_PERMITTED)                 \
  X(CUDA_ERROR_LOSSY_QUERY, 402, KL_ERROR_NOT_SUPPORTED)                   \
  X(CUDA_ERROR_NOT_FOUND, 500, KL_ERROR_NOT_FOUND)                         \
  X(CUDA_ERROR_NOT_READY, 600, KL_ERROR_NOT_READY)                         \
  X(CUDA_ERROR_ILLEGAL_ADDRESS, 700, KL_ERROR_ILLEGAL_ADDRESS)             \
  X(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, 701, KL_ERROR_LAUNCH_OUT_OF_RESOURCES) \
  X(CUDA_ERROR_LAUNCH_TIMEOUT, 702, KL_ERROR_LAUNCH_TIMEOUT)               \
  X(CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING, 703, KL_ERROR_NOT_SUPPORTED) \
  X(CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED, 704, KL_ERROR_NOT_PERMITTED)   \
  X(CUDA_ERROR_PEER_ACCESS_NOT_ENABLED, 705, KL_ERROR_NOT_PERMITTED)       \
  X(CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE, 708, KL_ERROR_PRIMARY_CONTEXT_ACTIVE) \
  X(CUDA_ERROR_CONTEXT_IS_DESTROYED, 709, KL_ERROR_CONTEXT_IS_DESTROYED)   \
  X(CUDA_ERROR_ASSERT, 710, KL_ERROR_LAUNCH_FAILED)                        \
  X(CUDA_ERROR_TOO_MANY_PEERS, 711, KL_ERROR_NOT_SUPPORTED)                \
  X(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED, 712, KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED) \
  X(CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED, 713, KL_ERROR_HOST_MEMORY_NOT_REGISTERED) \
  X(CUDA_ERROR_HARDWARE_STACK_ERROR, 714, KL_ERROR_LAUNCH_FAILED)          \
  X(CUDA_ERROR_ILLEGAL_INSTRUCTION, 715, KL_ERROR_LAUNCH_FAILED)           \
  X(CUDA_ERROR_MISALIGNED_ADDRESS, 716, KL_ERROR_ILLEGAL_ADDRESS)          \
  X(CUDA_ERROR_INVALID_ADDRESS_SPACE, 717, KL_ERROR_ILLEGAL_ADDRESS)       \
  X(CUDA_ERROR_INVALID_PC, 718, KL_ERROR_LAUNCH_FAILED)                    \
  X(CUDA_ERROR_LAUNCH_FAILED, 719, KL_ERROR_LAUNCH_FAILED)                 \
  X(CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE, 720, KL_ERROR_LAUNCH_OUT_OF_RESOURCES) \
  X(CUDA_ERROR_TENSOR_MEMORY_LEAK, 721, KL_ERROR_LAUNCH_FAILED)            \
  X(CUDA_ERROR_NOT_PERMITTED, 800, KL_ERROR_NOT_PERMITTED)                 \
  X(CUDA_ERROR_NOT_SUPPORTED, 801, KL_ERROR_NOT_SUPPORTED)                 \
  X(CUDA_ERROR_SYSTEM_NOT_READY, 802, KL_ERROR_NO_DEVICE)                  \
  X(CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, 803, KL_ERROR_NO_DEVICE)            \
  X(CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE, 804, KL_ERROR_NO_DEVICE)    \
  X(CUDA_ERROR_MPS_CONNECTION_FAILED, 805, KL_ERROR_NO_DEVICE)             \
  X(CUDA_ERROR_MPS_RPC_FAILURE, 806, KL_ERROR_DEVICE_LOST)                 \
  X(CUDA_ERROR_MPS_SERVER_NOT_READY, 807, KL_ERROR_NO_DEVICE)              \
  X(CUDA_ERROR_MPS_MAX_CLIENTS_REACHED, 808, KL_ERROR_NOT_PERMITTED)       \
  X(CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED, 809, KL_ERROR_NOT_PERMITTED)   \
  X(CUDA_ERROR_MPS_CLIENT_TERMINATED, 810, KL_ERROR_DEVICE_LOST)           \
  X(CUDA_ERROR_CDP_NOT_SUPPORTED, 811, KL_ERROR_NOT_SUPPORTED)             \
  X(CUDA_ERROR_CDP_VERSION_MISMATCH, 812, KL_ERROR_NOT_SUPPORTED)          \
  X(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, 900, KL_ERROR_NOT_PERMITTED)    \
  X(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, 901, KL_ERROR_NOT_PERMITTED)    \
  X(CUDA_ERROR_STREAM_CAPTURE_MERGE, 902, KL_ERROR_NOT_PERMITTED)          \
  X(CUDA_ERROR_STREAM_CAPTURE_UNMATCHED, 903, KL_ERROR_NOT_PERMITTED)      \
  X(CUDA_ERROR_STREAM_CAPTURE_UNJOINED, 904, KL_ERROR_NOT_PERMITTED)       \
  X(CUDA_ERROR_STREAM_CAPTURE_ISOLATION, 905, KL_ERROR_NOT_PERMITTED)      \
  X(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT, 906, KL_ERROR_NOT_PERMITTED)       \
  X(CUDA_ERROR_CAPTURED_EVENT, 907, KL_ERROR_NOT_PERMITTED)                \
  X(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, 908, KL_ERROR_NOT_PERMITTED)   \
  X(CUDA_ERROR_TIMEOUT, 909, KL_ERROR_NOT_READY)                           \
  X(CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE, 910, KL_ERROR_NOT_PERMITTED)     \
  X(CUDA_ERROR_EXTERNAL_DEVICE, 911, KL_ERROR_LAUNCH_FAILED)               \
  X(CUDA_ERROR_INVALID_CLUSTER_SIZE, 912, KL_ERROR_INVALID_VALUE)          \
  X(CUDA_ERROR_FUNCTION_NOT_LOADED, 913, KL_ERROR_NOT_PERMITTED)           \
  X(CUDA_ERROR_INVALID_RESOURCE_TYPE, 914, KL_ERROR_INVALID_VALUE)         \
  X(CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION, 915, KL_ERROR_INVALID_VALUE) \
  X(CUDA_ERROR_KEY_ROTATION, 916, KL_ERROR_DEVICE_LOST)                    \
  X(CUDA_ERROR_UNKNOWN, 999, KL_ERROR_UNKNOWN)

struct ResultEntry {
  int number;
  const char* name;
  KLresult keel;
};

#define KEEL_CUDA_RESULT_ENTRY(name, number, keel) {number, #name, keel},
constexpr ResultEntry kResults[] = {KEEL_CUDA_RESULTS(KEEL_CUDA_RESULT_ENTRY)};
#undef KEEL_CUDA_RESULT_ENTRY

// The table is sorted by number (checked at compile time), so lookups are a
// binary search: error paths only, but some (NOT_READY) are polled.
constexpr bool IsSorted() {
  for (size_t i = 1; i < sizeof kResults / sizeof kResults[0]; ++i) {
    if (kResults[i - 1].number >= kResults[i].number) return false;
  }
  return true;
}
static_assert(IsSorted(), "KEEL_CUDA_RESULTS must be sorted by number, without duplicates");

const ResultEntry* Find(int r) {
  size_t lo = 0, hi = sizeof kResults / sizeof kResults[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (kResults[mid].number == r) return &kResults[mid];
    if (kResults[mid].number < r) lo = mid + 1; else hi = mid;
  }
  return nullptr;
}

}  // namespace

KLresult ToKeelResult(CUresult r) {
  const ResultEntry* e = Find(static_cast<int>(r));
  return e != nullptr ? e->keel : KL_ERROR_UNKNOWN;
}

bool IsKnownCudaResult(int r) { return Find(r) != nullptr; }

const char* CudaErrorName(CUresult r) {
  if (const ResultEntry* e = Find(static_cast<int>(r))) return e->name;
  // A driver newer than this table knows the name of its new codes.
  const char* name = nullptr;
  if (cu.GetErrorName != nullptr && cu.GetErrorName(r, &name) == CUDA_SUCCESS && name != nullptr) {
    return name;
  }
  return "CUDA_ERROR_<unknown>";
}

void FormatCudaError(char* out, size_t size, CUresult r, const char* cu_call) {
  const char* text = nullptr;
  if (cu.GetErrorString == nullptr || cu.GetErrorString(r, &text) != CUDA_SUCCESS) text = nullptr;
  std::snprintf(out, size, "%s: %s (%d)%s%s", cu_call, CudaErrorName(r), static_cast<int>(r),
                text ? ": " : "", text ? text : "");
}

KLresult FailCuda(CUresult r, const char* kl_function, const char* cu_call) {
  char native[512];
  FormatCudaError(native, sizeof native, r, cu_call);
  return Fail(ToKeelResult(r), "%s: %s", kl_function, native);
}

KLresult FailCudaDetail(CUresult r, KLresult code, const char* kl_function, const char* cu_call,
                        const char* format, ...) {
  char native[512];
  FormatCudaError(native, sizeof native, r, cu_call);
  char detail[1536];
  va_list args;
  va_start(args, format);
  std::vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  return Fail(code, "%s: %s; %s", kl_function, native, detail);
}

}  // namespace keel::cuda
