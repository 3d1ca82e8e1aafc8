// Kernel launches: argument packing into the Keel argument block, launch
// checks against the device limits (lavapipe runs invalid work without a
// word, so every limit is enforced here), dispatch splitting for grids over
// maxComputeWorkGroupCount, and recording.
//
// Splitting: vkCmdDispatchBase cannot reach workgroup ids at or above the
// per-dimension limit (baseGroup + groupCount must stay within it), so a
// larger grid is cut into dispatches of at most the limit per dimension, and
// each dispatch's first block goes to the kernel as the hidden value
// keel_block_base (blockIdx = gl_WorkGroupID + keel_block_base). The full
// grid size goes as keel_grid_dim, so gridDim is right in every part.
#ifndef KEEL_BACKENDS_VULKAN_LAUNCH_H_
#define KEEL_BACKENDS_VULKAN_LAUNCH_H_

#include <keel/keel.h>

#include <algorithm>
#include <cstdint>

#include "vulkan/spirv_reflect.h"
#include "vulkan/stream.h"

namespace keel {
namespace vk {

class Function;

// Copies the arguments into `block` (the kernel's argument block,
// info.block_bytes long, zeroed by the caller) at params_base + each
// parameter's offset. kernelParams and extra follow klLaunchKernel.
KLresult PackArguments(const KernelInfo& info, void** kernelParams, void** extra, uint8_t* block,
                       const char* api);

struct DispatchPart {
  uint32_t base[3];
  uint32_t count[3];
};

// Number of dispatches ForEachDispatchPart makes.
inline uint64_t DispatchPartCount(const uint32_t grid[3], const uint32_t limit[3]) {
  uint64_t n = 1;
  for (int i = 0; i < 3; ++i) n *= (uint64_t{grid[i]} + limit[i] - 1) / limit[i];
  return n;
}

// Calls visit(part) for dispatches covering `grid`, each at most `limit`
// blocks per dimension, x fastest.
template <typename Visit>
void ForEachDispatchPart(const uint32_t grid[3], const uint32_t limit[3], Visit&& visit) {
  DispatchPart part;
  for (uint64_t z = 0; z < grid[2]; z += limit[2]) {
    for (uint64_t y = 0; y < grid[1]; y += limit[1]) {
      for (uint64_t x = 0; x < grid[0]; x += limit[0]) {
        part.base[0] = static_cast<uint32_t>(x);
        part.base[1] = static_cast<uint32_t>(y);
        part.base[2] = static_cast<uint32_t>(z);
        part.count[0] = static_cast<uint32_t>(std::min<uint64_t>(limit[0], grid[0] - x));
        part.count[1] = static_cast<uint32_t>(std::min<uint64_t>(limit[1], grid[1] - y));
        part.count[2] = static_cast<uint32_t>(std::min<uint64_t>(limit[2], grid[2] - z));
        visit(static_cast<const DispatchPart&>(part));
      }
    }
  }
}

// Checks a launch's dimensions and shared memory against the function and
// the device; the message names the limit.
KLresult CheckLaunch(const Function& f, const uint32_t grid[3], const uint32_t block[3],
                     uint32_t shared_bytes, const char* api);

// Records a checked launch whose arguments are packed in `args` (the
// function's block_bytes; the hidden header is filled here).
KLresult RecordLaunch(Stream::Recording& rec, const Function& f, const uint32_t grid[3],
                      const uint32_t block[3], uint32_t shared_bytes, uint8_t* args,
                      const char* api);

KLresult klLaunchKernel(KLfunction f, unsigned int gridDimX, unsigned int gridDimY,
                        unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                        unsigned int blockDimZ, unsigned int sharedMemBytes, KLstream hStream,
                        void** kernelParams, void** extra);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_LAUNCH_H_
