#include "vulkan/function.h"

#include <climits>

#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/module.h"

namespace keel {
namespace vk {

Function::Function(Module* module, KernelInfo info, VkShaderModule shader, bool args_in_buffer)
    : module_(module), info_(std::move(info)), shader_(shader), args_in_buffer_(args_in_buffer) {
  const Device* device = module_->context()->device();
  uint64_t limit = device->properties.limits.maxComputeSharedMemorySize;
  max_dynamic_shared_ = static_cast<int>(
      info_.static_shared_bytes >= limit ? 0 : std::min<uint64_t>(limit - info_.static_shared_bytes, INT_MAX));
}

Context* Function::context() const { return module_->context(); }

void Function::Destroy() {
  pipelines_.Destroy(*this);
  Context* c = context();
  if (shader_ != VK_NULL_HANDLE) c->fn.vkDestroyShaderModule(c->device_handle(), shader_, nullptr);
  shader_ = VK_NULL_HANDLE;
}

VkPipelineLayout Function::layout() const {
  Context* c = context();
  return args_in_buffer_ ? c->buffer_args_layout() : c->push_constant_layout();
}

void Function::FillNative() {
  native_.structSize = sizeof native_;
  native_.argsInBuffer = args_in_buffer_ ? 1 : 0;
  native_.shaderModule = reinterpret_cast<uint64_t>(shader());
  native_.entryPoint = info_.name.c_str();
  native_.pipelineLayout = reinterpret_cast<uint64_t>(layout());
  native_.argumentBlockBytes = info_.block_bytes;
}

// ---------------------------------------------------------------------------
// Entry points.

KLresult klFuncGetAttribute(int* pi, KLfunction_attribute attrib, KLfunction hfunc) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: pi is NULL");
  const Function* f = FromHandle<Function>(hfunc);
  const KernelInfo& info = f->info();
  const VkPhysicalDeviceLimits& limits = f->context()->device()->properties.limits;
  switch (attrib) {
    case KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: {
      // A kernel that fixes its block size can only launch with that size.
      bool fixed = !info.block_dim_spec[0] && !info.block_dim_spec[1] && !info.block_dim_spec[2];
      uint64_t n = fixed ? uint64_t{info.block_dim[0]} * info.block_dim[1] * info.block_dim[2]
                         : limits.maxComputeWorkGroupInvocations;
      *pi = static_cast<int>(std::min<uint64_t>(n, INT_MAX));
      return KL_SUCCESS;
    }
    case KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
      *pi = static_cast<int>(std::min<uint64_t>(info.static_shared_bytes, INT_MAX));
      return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
      *pi = f->max_dynamic_shared();
      return KL_SUCCESS;
    // Vulkan does not report these: 0 means unknown, as keel.h allows.
    case KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
    case KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES:
    case KL_FUNC_ATTRIBUTE_NUM_REGS:
    case KL_FUNC_ATTRIBUTE_PTX_VERSION:
    case KL_FUNC_ATTRIBUTE_BINARY_VERSION:
      *pi = 0;
      return KL_SUCCESS;
    default:
      return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: unknown attribute %d",
                  static_cast<int>(attrib));
  }
}

KLresult klFuncSetAttribute(KLfunction hfunc, KLfunction_attribute attrib, int value) {
  Function* f = FromHandle<Function>(hfunc);
  if (attrib != KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncSetAttribute: attribute %d is not settable (only "
                "KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES is)",
                static_cast<int>(attrib));
  const Device* device = f->context()->device();
  uint64_t optin = static_cast<uint64_t>(device->attributes[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN]);
  uint64_t max = optin > f->info().static_shared_bytes ? optin - f->info().static_shared_bytes : 0;
  if (value < 0 || static_cast<uint64_t>(value) > max)
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncSetAttribute: %d bytes of dynamic shared memory is outside 0..%llu "
                "(%llu on %s minus %llu static)",
                value, static_cast<unsigned long long>(max), static_cast<unsigned long long>(optin),
                device->name.c_str(), static_cast<unsigned long long>(f->info().static_shared_bytes));
  f->set_max_dynamic_shared(value);
  return KL_SUCCESS;
}

KLresult klFuncGetParamCount(KLfunction hfunc, size_t* paramCount) {
  if (paramCount == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamCount: paramCount is NULL");
  *paramCount = FromHandle<Function>(hfunc)->info().params.size();
  return KL_SUCCESS;
}

KLresult klFuncGetParamInfo(KLfunction hfunc, size_t paramIndex, size_t* paramOffset,
                            size_t* paramSize) {
  const KernelInfo& info = FromHandle<Function>(hfunc)->info();
  if (paramIndex >= info.params.size())
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncGetParamInfo: paramIndex %zu is out of range (kernel \"%s\" has %zu)",
                paramIndex, info.name.c_str(), info.params.size());
  if (paramOffset != nullptr) *paramOffset = info.params[paramIndex].offset;
  if (paramSize != nullptr) *paramSize = info.params[paramIndex].size;
  return KL_SUCCESS;
}

KLresult klFuncGetNativeHandle(void** native, KLfunction hfunc) {
  if (native == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetNativeHandle: native is NULL");
  *native = const_cast<KLvulkanFunctionInfo*>(FromHandle<Function>(hfunc)->native());
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
