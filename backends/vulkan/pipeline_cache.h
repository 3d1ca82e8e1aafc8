// The compute pipelines of one function: one per (block size, dynamic shared
// bytes), created on first launch with those values as specialization
// constants (ids 0-2 and 3 of the Keel kernel ABI). Dimensions the kernel
// fixes itself, and the shared size of kernels without dynamic shared
// memory, are left out of the key so they do not multiply pipelines.
#ifndef KEEL_BACKENDS_VULKAN_PIPELINE_CACHE_H_
#define KEEL_BACKENDS_VULKAN_PIPELINE_CACHE_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace keel {
namespace vk {

class Function;

struct PipelineKey {
  uint32_t block[3] = {0, 0, 0};
  uint32_t shared_bytes = 0;
  bool operator==(const PipelineKey& o) const {
    return block[0] == o.block[0] && block[1] == o.block[1] && block[2] == o.block[2] &&
           shared_bytes == o.shared_bytes;
  }
};

struct Pipeline {
  PipelineKey key;
  VkPipeline pipeline = VK_NULL_HANDLE;
  uint64_t workgroup_bytes = 0;  // shared memory of this specialization
};

class PipelineCache {
 public:
  // The pipeline for `block` and `shared_bytes`, created if needed. Fails
  // with KL_ERROR_LAUNCH_OUT_OF_RESOURCES when the specialization's shared
  // memory exceeds the device limit (checked before the driver sees it).
  KLresult Get(const Function& function, const uint32_t block[3], uint32_t shared_bytes,
               const char* api, const Pipeline** out);
  void Destroy(const Function& function);

 private:
  KLresult Create(const Function& function, const PipelineKey& key, const char* api,
                  Pipeline* out);
  std::mutex mu_;
  // Few entries per function: a vector searched from the most recent.
  std::vector<std::unique_ptr<Pipeline>> pipelines_;
  const Pipeline* last_ = nullptr;
};

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_PIPELINE_CACHE_H_
