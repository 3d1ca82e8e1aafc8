// A kernel of a module: its reflected ABI (parameters, block size, shared
// memory), the shader module and layout its pipelines use, and its pipelines.
#ifndef KEEL_BACKENDS_VULKAN_FUNCTION_H_
#define KEEL_BACKENDS_VULKAN_FUNCTION_H_

#include <keel/keel.h>
#include <keel/keel_vulkan.h>
#include <vulkan/vulkan.h>

#include <atomic>

#include "common/object.h"
#include "vulkan/pipeline_cache.h"
#include "vulkan/spirv_reflect.h"

namespace keel {
namespace vk {

class Context;
class Module;

class Function : public keel::Object {
 public:
  // `shader` holds only this kernel (ExtractEntryPoint), in the
  // argument-buffer form when `args_in_buffer`; the function owns it.
  Function(Module* module, KernelInfo info, VkShaderModule shader, bool args_in_buffer);
  // Destroys its pipelines and shader module (the module's work is done).
  void Destroy();

  Module* module() const { return module_; }
  Context* context() const;
  const KernelInfo& info() const { return info_; }
  // True when the argument block exceeds the push-constant limit and travels
  // in a storage buffer (set 0, binding 0 of the rewritten shader).
  bool args_in_buffer() const { return args_in_buffer_; }
  // VK_NULL_HANDLE when the block needs a buffer the device cannot bind.
  VkShaderModule shader() const { return shader_; }
  VkPipelineLayout layout() const;
  PipelineCache& pipelines() const { return pipelines_; }
  int max_dynamic_shared() const { return max_dynamic_shared_.load(std::memory_order_relaxed); }
  void set_max_dynamic_shared(int v) { max_dynamic_shared_.store(v, std::memory_order_relaxed); }
  const KLvulkanFunctionInfo* native() const { return &native_; }
  void FillNative();

 private:
  Module* module_;
  KernelInfo info_;
  VkShaderModule shader_;
  bool args_in_buffer_;
  std::atomic<int> max_dynamic_shared_{0};
  mutable PipelineCache pipelines_;
  KLvulkanFunctionInfo native_{};
};

KLresult klFuncGetAttribute(int* pi, KLfunction_attribute attrib, KLfunction hfunc);
KLresult klFuncSetAttribute(KLfunction hfunc, KLfunction_attribute attrib, int value);
KLresult klFuncGetParamCount(KLfunction hfunc, size_t* paramCount);
KLresult klFuncGetParamInfo(KLfunction hfunc, size_t paramIndex, size_t* paramOffset,
                            size_t* paramSize);
KLresult klFuncGetNativeHandle(void** native, KLfunction hfunc);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_FUNCTION_H_
