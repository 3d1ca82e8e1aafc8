// Kernel launches.
//
// The hot path is what raw CUDA costs plus a few compares: check the stream
// and the argument form, compare the dynamic shared size with the kernel's
// current limit, bind the context (a thread-local compare), cuLaunchKernel.
// No allocation, lock or lookup. Everything else - explaining why the driver
// refused a launch - happens only after it did.
#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

struct Dims {
  unsigned int grid[3];
  unsigned int block[3];
};

// Validates the packed-argument list: KL_LAUNCH_PARAM_BUFFER_POINTER and
// KL_LAUNCH_PARAM_BUFFER_SIZE pairs, then KL_LAUNCH_PARAM_END, with a buffer
// large enough for the kernel's parameters when the driver reports them.
__attribute__((noinline)) KLresult CheckExtra(Function* f, void** extra) {
  void* buffer = nullptr;
  const size_t* size = nullptr;
  int i = 0;
  for (;; i += 2) {
    if (i >= 16) return Fail(KL_ERROR_INVALID_VALUE, "klLaunchKernel: extra has no KL_LAUNCH_PARAM_END");
    void* key = extra[i];
    if (key == KL_LAUNCH_PARAM_END) break;
    if (key == KL_LAUNCH_PARAM_BUFFER_POINTER) {
      buffer = extra[i + 1];
    } else if (key == KL_LAUNCH_PARAM_BUFFER_SIZE) {
      size = static_cast<const size_t*>(extra[i + 1]);
    } else {
      return Fail(KL_ERROR_INVALID_VALUE, "klLaunchKernel: extra[%d] = %p is not a KL_LAUNCH_PARAM_* marker", i, key);
    }
  }
  const int count = ParamCount(f);
  if (i == 0 && count <= 0) return KL_SUCCESS;  // nothing to pass (or the driver cannot tell)
  if (buffer == nullptr || size == nullptr) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klLaunchKernel: extra needs both KL_LAUNCH_PARAM_BUFFER_POINTER and KL_LAUNCH_PARAM_BUFFER_SIZE "
                "with non-NULL values");
  }
  if (count >= 0 && *size < f->param_bytes) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klLaunchKernel: the packed argument buffer is %zu bytes; the kernel's %d parameters take %zu",
                *size, count, f->param_bytes);
  }
  int max = f->ctx->device->attrs[KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES];
  if (*size > static_cast<size_t>(max)) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klLaunchKernel: the packed argument buffer is %zu bytes; the device takes at most %d "
                "(KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES)",
                *size, max);
  }
  return KL_SUCCESS;
}

// Turns a refused launch into the Keel code keel.h documents and a message
// that says which limit was hit. Errors of earlier asynchronous work (a
// kernel fault reported at this launch) pass through unchanged.
__attribute__((noinline)) KLresult LaunchError(const Function* f, CUresult r, const Dims& d, unsigned int shared) {
  if (r != CUDA_ERROR_INVALID_VALUE && r != CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES) {
    return FailCuda(r, "klLaunchKernel", "cuLaunchKernel");
  }
  static const char kAxis[3] = {'x', 'y', 'z'};
  const int* attrs = f->ctx->device->attrs;
  const int grid_limit[3] = {attrs[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X], attrs[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y],
                             attrs[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z]};
  const int block_limit[3] = {attrs[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X], attrs[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y],
                              attrs[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z]};
  for (int a = 0; a < 3; ++a) {
    if (d.grid[a] == 0 || d.block[a] == 0) {
      return FailCudaDetail(r, KL_ERROR_INVALID_VALUE, "klLaunchKernel", "cuLaunchKernel", "%sDim.%c is 0",
                            d.grid[a] == 0 ? "grid" : "block", kAxis[a]);
    }
    if (d.grid[a] > static_cast<unsigned int>(grid_limit[a])) {
      return FailCudaDetail(r, KL_ERROR_INVALID_VALUE, "klLaunchKernel", "cuLaunchKernel",
                            "gridDim.%c = %u exceeds the device limit %d (KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_%c)",
                            kAxis[a], d.grid[a], grid_limit[a], kAxis[a] - 'a' + 'A');
    }
    if (d.block[a] > static_cast<unsigned int>(block_limit[a])) {
      return FailCudaDetail(r, KL_ERROR_INVALID_VALUE, "klLaunchKernel", "cuLaunchKernel",
                            "blockDim.%c = %u exceeds the device limit %d (KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_%c)",
                            kAxis[a], d.block[a], block_limit[a], kAxis[a] - 'a' + 'A');
    }
  }
  unsigned long long threads = 1ull * d.block[0] * d.block[1] * d.block[2];
  if (threads > static_cast<unsigned long long>(attrs[KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK])) {
    return FailCudaDetail(r, KL_ERROR_INVALID_VALUE, "klLaunchKernel", "cuLaunchKernel",
                          "the block has %llu threads; the device allows %d (KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK)",
                          threads, attrs[KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK]);
  }
  if (threads > static_cast<unsigned long long>(f->max_threads)) {
    return FailCudaDetail(r, KL_ERROR_INVALID_VALUE, "klLaunchKernel", "cuLaunchKernel",
                          "the block has %llu threads; this kernel allows at most %d "
                          "(KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, limited by its register use)",
                          threads, f->max_threads);
  }
  return FailCudaDetail(r, ToKeelResult(r), "klLaunchKernel", "cuLaunchKernel",
                        "grid (%u, %u, %u), block (%u, %u, %u), %u bytes of dynamic shared memory", d.grid[0],
                        d.grid[1], d.grid[2], d.block[0], d.block[1], d.block[2], shared);
}

__attribute__((noinline)) KLresult BadStream(KLstream hStream) {
  if (!IsOwnHandle(hStream)) return Fail(KL_ERROR_INVALID_HANDLE, "klLaunchKernel: hStream is a stream of another backend");
  return Fail(KL_ERROR_INVALID_HANDLE, "klLaunchKernel: hStream belongs to another context than the function");
}

}  // namespace

KLresult klLaunchKernel(KLfunction hf, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                        unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                        unsigned int sharedMemBytes, KLstream hStream, void** kernelParams, void** extra) {
  Function* f = ToFunction(hf);
  CUstream stream = nullptr;
  if (hStream != nullptr) {
    if (KEEL_UNLIKELY(!IsOwnHandle(hStream) || ToStream(hStream)->ctx != f->ctx)) return BadStream(hStream);
    stream = ToStream(hStream)->cu;
  }
  if (KEEL_UNLIKELY(kernelParams != nullptr && extra != nullptr)) {
    return Fail(KL_ERROR_INVALID_VALUE, "klLaunchKernel: kernelParams and extra are both given; pass one");
  }
  if (KEEL_UNLIKELY(extra != nullptr)) {
    KLresult r = CheckExtra(f, extra);
    if (r != KL_SUCCESS) return r;
  } else if (KEEL_UNLIKELY(kernelParams == nullptr)) {
    // CUDA would launch with stale arguments (the deprecated cuParamSet*
    // state); Keel refuses when the kernel has parameters.
    int count = ParamCount(f);
    if (count > 0) {
      return Fail(KL_ERROR_INVALID_VALUE,
                  "klLaunchKernel: the kernel has %d parameters but neither kernelParams nor extra is given", count);
    }
  }
  // Above 48 KiB the driver wants an opt-in per kernel; Keel sets it for the
  // caller, once, when a launch first asks for more than the current limit.
  if (KEEL_UNLIKELY(sharedMemBytes >
                    static_cast<unsigned int>(f->dynamic_shared_limit.load(std::memory_order_relaxed)))) {
    KLresult r = RaiseDynamicShared(f, sharedMemBytes);
    if (r != KL_SUCCESS) return r;
  }
  CUresult r = CallIn(f->ctx->cu, [&] {
    return cu.LaunchKernel(f->cu, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes,
                           stream, kernelParams, extra);
  });
  if (KEEL_UNLIKELY(r != CUDA_SUCCESS)) {
    return LaunchError(f, r, Dims{{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}}, sharedMemBytes);
  }
  return KL_SUCCESS;
}

}  // namespace keel::cuda
