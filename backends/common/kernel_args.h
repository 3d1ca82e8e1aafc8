// The packed argument layout of klLaunchKernel and the two ways arguments
// arrive (kernelParams, or a packed buffer through `extra`).
//
// Backends that learn parameter sizes from their kernels (Level Zero and
// Vulkan from SPIR-V) build a ParamLayout once per function and call
// GatherArgs on every launch: it validates kernelParams/extra exactly as
// cuLaunchKernel does and returns one pointer per parameter, pointing at that
// parameter's value in the caller's memory (no copy).
#ifndef KEEL_BACKENDS_COMMON_KERNEL_ARGS_H_
#define KEEL_BACKENDS_COMMON_KERNEL_ARGS_H_

#include <keel/keel.h>

#include <cstddef>
#include <vector>

namespace keel {

// Where each parameter lies in the packed buffer: C rules, each parameter at
// the next multiple of its alignment (klFuncGetParamInfo reports these).
struct ParamLayout {
  std::vector<size_t> offsets;
  std::vector<size_t> sizes;
  size_t end = 0;        // offset + size of the last parameter (0 without parameters)
  size_t alignment = 1;  // the largest parameter alignment

  size_t count() const { return sizes.size(); }
  // Appends a parameter of `size` bytes aligned to `alignment` (a power of two).
  void Append(size_t size, size_t alignment);
};

// Validates the arguments of one launch and fills values[i] with the address
// of parameter i's value. `function` names the caller in messages
// ("klLaunchKernel"), `kernel` the kernel. Rules (those of cuLaunchKernel):
//   - a kernel with parameters needs exactly one of kernelParams and extra;
//     one without ignores a NULL pair and rejects both given;
//   - extra is {KL_LAUNCH_PARAM_BUFFER_POINTER, buf, KL_LAUNCH_PARAM_BUFFER_SIZE,
//     &size, KL_LAUNCH_PARAM_END} in either order of the two pairs, each at
//     most once, buf non-NULL, and size between layout.end and layout.end
//     rounded up to layout.alignment (sizeof of the equivalent C struct);
//   - every kernelParams[i] must be non-NULL.
// Returns KL_SUCCESS, or KL_ERROR_INVALID_VALUE with the last-error message set.
KLresult GatherArgs(const ParamLayout& layout, void** kernelParams, void** extra,
                    const char* function, const char* kernel, std::vector<const void*>* values);

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_KERNEL_ARGS_H_
