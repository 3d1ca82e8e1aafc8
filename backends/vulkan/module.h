// A module: a Vulkan SPIR-V image checked and reflected on load, its shader
// module(s) and its kernels. A second shader module with push-constant
// blocks moved to a storage buffer is created when some kernel's argument
// block exceeds the device's push-constant limit.
#ifndef KEEL_BACKENDS_VULKAN_MODULE_H_
#define KEEL_BACKENDS_VULKAN_MODULE_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <memory>
#include <string>
#include <vector>

#include "common/object.h"
#include "common/spirv_module.h"
#include "vulkan/function.h"

namespace keel {
namespace vk {

class Context;

class Module : public keel::Object {
 public:
  // Checks, reflects and loads `image`. On failure *out is untouched and the
  // message says what was wrong; *log (if not null) receives it too.
  static KLresult Load(Context* context, const void* image, size_t size, const char* api,
                       Module** out, std::string* log);
  // Waits for the context's work, then destroys pipelines, shader modules,
  // functions and the module.
  void Destroy();

  Context* context() const { return context_; }
  const spirv::Module& spirv() const { return spirv_; }
  VkShaderModule shader() const { return shader_; }
  VkShaderModule buffer_args_shader() const { return buffer_args_shader_; }
  Function* FindFunction(const char* name) const;

 private:
  explicit Module(Context* context) : context_(context) {}
  KLresult Check(const char* api, std::string* message);
  void DestroyShaders();

  Context* context_;
  spirv::Module spirv_;
  VkShaderModule shader_ = VK_NULL_HANDLE;
  VkShaderModule buffer_args_shader_ = VK_NULL_HANDLE;
  std::vector<std::unique_ptr<Function>> functions_;
};

KLresult klModuleLoad(KLcontext ctx, KLmodule* module, const char* fname);
KLresult klModuleLoadData(KLcontext ctx, KLmodule* module, const void* image, size_t size);
KLresult klModuleLoadDataEx(KLcontext ctx, KLmodule* module, const void* image, size_t size,
                            unsigned int numOptions, KLjit_option* options, void** optionValues);
KLresult klModuleUnload(KLmodule hmod);
KLresult klModuleGetFunction(KLfunction* hfunc, KLmodule hmod, const char* name);
KLresult klModuleGetGlobal(KLdeviceptr* dptr, size_t* bytes, KLmodule hmod, const char* name);
KLresult klModuleGetNativeHandle(void** native, KLmodule hmod);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_MODULE_H_
