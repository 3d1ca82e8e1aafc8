// A module: a Vulkan SPIR-V image checked and reflected on load, and its
// kernels. Each kernel gets a VkShaderModule of its own, extracted from the
// image (its entry point and what it reaches), with its push-constant block
// moved to a storage buffer when the block exceeds the device's limit. The
// whole image becomes a VkShaderModule only if klModuleGetNativeHandle asks.
#ifndef KEEL_BACKENDS_VULKAN_MODULE_H_
#define KEEL_BACKENDS_VULKAN_MODULE_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/object.h"
#include "common/spirv_module.h"
#include "vulkan/function.h"
#include "vulkan/spirv_reflect.h"

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
  // The whole image as one VkShaderModule, created on first request.
  KLresult NativeShader(const char* api, VkShaderModule* out);
  Function* FindFunction(const char* name) const;
  // The module's globals (KEEL_GLOBALS_BEGIN) and the address of their
  // allocation, 0 when it has none.
  const GlobalsInfo& globals() const { return globals_; }
  KLdeviceptr globals_address() const { return globals_address_; }
  // Frees the globals allocation (klModuleUnload, failed loads; at context
  // teardown the context frees all memory itself).
  void FreeGlobals();

 private:
  explicit Module(Context* context) : context_(context) {}
  KLresult Check(const char* api, std::string* message);
  // Allocates and zeroes the globals, then runs keel_globals_init if the
  // module has one, and waits for it.
  KLresult LoadGlobals(const char* api, std::string* message);

  Context* context_;
  spirv::Module spirv_;
  std::mutex native_mu_;
  VkShaderModule native_ = VK_NULL_HANDLE;
  std::vector<std::unique_ptr<Function>> functions_;
  GlobalsInfo globals_;
  KLdeviceptr globals_address_ = 0;
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
