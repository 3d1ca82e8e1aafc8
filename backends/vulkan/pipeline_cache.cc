#include "vulkan/pipeline_cache.h"

#include <keel/keel_vulkan.h>

#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/function.h"
#include "vulkan/module.h"
#include "vulkan/status.h"

namespace keel {
namespace vk {

KLresult PipelineCache::Get(const Function& function, const uint32_t block[3],
                            uint32_t shared_bytes, const char* api, const Pipeline** out) {
  const KernelInfo& info = function.info();
  PipelineKey key;
  for (int i = 0; i < 3; ++i) key.block[i] = info.block_dim_spec[i] ? block[i] : 0;
  key.shared_bytes = info.uses_dynamic_shared ? shared_bytes : 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ != nullptr && last_->key == key) {
    *out = last_;
    return KL_SUCCESS;
  }
  for (auto it = pipelines_.rbegin(); it != pipelines_.rend(); ++it) {
    if ((*it)->key == key) {
      *out = last_ = it->get();
      return KL_SUCCESS;
    }
  }
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->key = key;
  KLresult r = Create(function, key, api, p.get());
  if (r != KL_SUCCESS) return r;
  pipelines_.push_back(std::move(p));
  *out = last_ = pipelines_.back().get();
  return KL_SUCCESS;
}

KLresult PipelineCache::Create(const Function& function, const PipelineKey& key, const char* api,
                               Pipeline* out) {
  const KernelInfo& info = function.info();
  Context* context = function.context();
  const Device* device = context->device();
  SpecValues spec;
  for (int i = 0; i < 3; ++i)
    if (info.block_dim_spec[i]) spec.Set(info.block_dim[i], key.block[i]);
  if (info.uses_dynamic_shared) spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, key.shared_bytes);

  // Shared memory of this specialization, checked before the driver sees it.
  std::string error;
  Reflection reflection(function.module()->spirv());
  if (!reflection.WorkgroupBytes(info, spec, &out->workgroup_bytes, &error))
    return Fail(KL_ERROR_INVALID_IMAGE, "%s: kernel \"%s\": %s", api, info.name.c_str(),
                error.c_str());
  const uint32_t limit = device->properties.limits.maxComputeSharedMemorySize;
  if (out->workgroup_bytes > limit)
    return Fail(KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
                "%s: kernel \"%s\" needs %llu bytes of shared memory with block (%u, %u, %u) and "
                "sharedMemBytes %u; %s has %u",
                api, info.name.c_str(), static_cast<unsigned long long>(out->workgroup_bytes),
                key.block[0], key.block[1], key.block[2], key.shared_bytes, device->name.c_str(),
                limit);

  VkSpecializationMapEntry entries[4];
  uint32_t data[4];
  for (int i = 0; i < spec.count; ++i) {
    entries[i].constantID = spec.ids[i];
    entries[i].offset = static_cast<uint32_t>(i * sizeof(uint32_t));
    entries[i].size = sizeof(uint32_t);
    data[i] = static_cast<uint32_t>(spec.values[i]);
  }
  VkSpecializationInfo specialization{};
  specialization.mapEntryCount = static_cast<uint32_t>(spec.count);
  specialization.pMapEntries = entries;
  specialization.dataSize = spec.count * sizeof(uint32_t);
  specialization.pData = data;

  VkComputePipelineCreateInfo create{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  create.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  create.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  create.stage.module = function.shader();
  create.stage.pName = info.name.c_str();
  create.stage.pSpecializationInfo = spec.count > 0 ? &specialization : nullptr;
  create.layout = function.layout();
  VkResult r = context->fn.vkCreateComputePipelines(context->device_handle(),
                                                    context->pipeline_cache(), 1, &create,
                                                    nullptr, &out->pipeline);
  if (r != VK_SUCCESS) {
    out->pipeline = VK_NULL_HANDLE;
    return VkFail(r, api, "vkCreateComputePipelines");
  }
  Log(KL_LOG_DEBUG, "%s: pipeline for \"%s\" block (%u, %u, %u) shared %u (%llu bytes)", api,
      info.name.c_str(), key.block[0], key.block[1], key.block[2], key.shared_bytes,
      static_cast<unsigned long long>(out->workgroup_bytes));
  return KL_SUCCESS;
}

void PipelineCache::Destroy(const Function& function) {
  Context* context = function.context();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& p : pipelines_)
    if (p->pipeline != VK_NULL_HANDLE)
      context->fn.vkDestroyPipeline(context->device_handle(), p->pipeline, nullptr);
  pipelines_.clear();
  last_ = nullptr;
}

}  // namespace vk
}  // namespace keel
