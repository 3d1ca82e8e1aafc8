// Functions: a ze_kernel per (module, name), with the parameter layout taken
// from the module's SPIR-V reflection. A trailing __local pointer parameter
// is the dynamic shared memory of the Keel kernel ABI and is not a Keel
// parameter (docs/backends/level_zero.md).
#include <algorithm>

#include "level_zero.h"

namespace keel::ze {

namespace {

// Largest dynamic shared memory a launch may use by default: what the device
// has beyond the kernel's static local memory (0 when the device reports no
// limit, which disables the check).
int DefaultMaxDynamicShared(const Function* f) {
  uint32_t total = f->module->ctx->device->compute.maxSharedLocalMemory;
  if (total == 0) return 0;
  return total > f->props.localMemSize ? static_cast<int>(total - f->props.localMemSize) : 0;
}

}  // namespace

void DestroyFunction(Function* f) {
  ze_result_t r = api.zeKernelDestroy(f->kernel);
  if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_WARN, "zeKernelDestroy(%s): %s", f->name.c_str(), ResultName(r));
}

KLresult klModuleGetFunction(KLfunction* hfunc, KLmodule hmod, const char* name) {
  if (hfunc == nullptr || name == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetFunction: hfunc or name is NULL");
  Module* m = FromHandle<Module>(hmod);
  std::lock_guard<std::mutex> lock(m->ctx->mu);
  auto cached = m->functions.find(name);
  if (cached != m->functions.end()) {
    *hfunc = ToHandle<KLfunction>(cached->second.get());
    return KL_SUCCESS;
  }
  auto sig = m->kernels.find(name);
  if (sig == m->kernels.end()) {
    std::string names;
    for (const auto& [n, s] : m->kernels) names += (names.empty() ? "" : ", ") + n;
    return Fail(KL_ERROR_NOT_FOUND, "klModuleGetFunction: no kernel '%s' in the module (it has: %s)",
                name, names.c_str());
  }
  auto f = std::make_unique<Function>();
  f->module = m;
  f->name = name;
  const std::vector<spirv::KernelParam>& params = sig->second.params;
  size_t visible = params.size();
  if (visible > 0 && params.back().kind == spirv::ParamKind::kLocalPointer) {
    f->dynamic_shared = true;
    --visible;
  }
  for (size_t i = 0; i < visible; ++i) {
    const spirv::KernelParam& p = params[i];
    if (p.kind == spirv::ParamKind::kLocalPointer)
      return Fail(KL_ERROR_NOT_SUPPORTED,
                  "klModuleGetFunction: kernel '%s' parameter %zu is a __local pointer that is "
                  "not the last parameter; the Keel kernel ABI allows one, last (dynamic shared "
                  "memory)",
                  name, i);
    if (p.kind == spirv::ParamKind::kUnsupported)
      return Fail(KL_ERROR_NOT_SUPPORTED,
                  "klModuleGetFunction: kernel '%s' parameter %zu has type %s, which Keel cannot "
                  "pass (images, samplers, events)",
                  name, i, p.type.c_str());
    f->layout.Append(p.size, p.alignment);
  }
  f->native_args = static_cast<uint32_t>(params.size());
  ze_kernel_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_KERNEL_DESC;
  desc.pKernelName = name;
  ze_result_t r = api.zeKernelCreate(m->module, &desc, &f->kernel);
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "klModuleGetFunction", "zeKernelCreate");
  f->props.stype = ZE_STRUCTURE_TYPE_KERNEL_PROPERTIES;
  r = api.zeKernelGetProperties(f->kernel, &f->props);
  if (r != ZE_RESULT_SUCCESS) {
    api.zeKernelDestroy(f->kernel);
    return ZeFail(r, "klModuleGetFunction", "zeKernelGetProperties");
  }
  if (f->props.numKernelArgs != 0 && f->props.numKernelArgs != f->native_args)
    Log(KL_LOG_WARN, "kernel '%s': the driver reports %u arguments, the SPIR-V declares %u", name,
        f->props.numKernelArgs, f->native_args);
  f->max_dynamic_shared = DefaultMaxDynamicShared(f.get());
  *hfunc = ToHandle<KLfunction>(f.get());
  m->functions.emplace(name, std::move(f));
  return KL_SUCCESS;
}

KLresult klFuncGetAttribute(int* pi, KLfunction_attribute attrib, KLfunction hfunc) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: pi is NULL");
  const Function* f = FromHandle<Function>(hfunc);
  const Device* d = f->module->ctx->device;
  switch (attrib) {
    case KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: {
      uint64_t limit = d->compute.maxTotalGroupSize;
      uint64_t kernel = static_cast<uint64_t>(f->props.maxNumSubgroups) * f->props.maxSubgroupSize;
      if (kernel != 0 && (limit == 0 || kernel < limit)) limit = kernel;
      *pi = static_cast<int>(std::min<uint64_t>(limit, 0x7fffffff));
      return KL_SUCCESS;
    }
    case KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: *pi = static_cast<int>(f->props.localMemSize); return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES: *pi = 0; return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: *pi = static_cast<int>(f->props.privateMemSize); return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_NUM_REGS: *pi = 0; return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *pi = f->max_dynamic_shared; return KL_SUCCESS;
    case KL_FUNC_ATTRIBUTE_PTX_VERSION:
    case KL_FUNC_ATTRIBUTE_BINARY_VERSION: *pi = 0; return KL_SUCCESS;
    default:
      return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: unknown attribute %d", static_cast<int>(attrib));
  }
}

KLresult klFuncSetAttribute(KLfunction hfunc, KLfunction_attribute attrib, int value) {
  Function* f = FromHandle<Function>(hfunc);
  if (attrib != KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncSetAttribute: attribute %d is not settable",
                static_cast<int>(attrib));
  const Device* d = f->module->ctx->device;
  int limit = d->compute.maxSharedLocalMemory == 0 ? 0x7fffffff
      : static_cast<int>(d->compute.maxSharedLocalMemory > f->props.localMemSize
                             ? d->compute.maxSharedLocalMemory - f->props.localMemSize : 0);
  if (value < 0 || value > limit)
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncSetAttribute: %d bytes of dynamic shared memory is outside 0..%d for '%s'",
                value, limit, f->name.c_str());
  std::lock_guard<std::mutex> lock(f->module->ctx->mu);
  f->max_dynamic_shared = value;
  return KL_SUCCESS;
}

KLresult klFuncGetParamCount(KLfunction hfunc, size_t* paramCount) {
  if (paramCount == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamCount: paramCount is NULL");
  *paramCount = FromHandle<Function>(hfunc)->layout.count();
  return KL_SUCCESS;
}

KLresult klFuncGetParamInfo(KLfunction hfunc, size_t paramIndex, size_t* paramOffset, size_t* paramSize) {
  const Function* f = FromHandle<Function>(hfunc);
  if (paramIndex >= f->layout.count())
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamInfo: paramIndex %zu out of range (kernel '%s' has %zu)",
                paramIndex, f->name.c_str(), f->layout.count());
  if (paramOffset != nullptr) *paramOffset = f->layout.offsets[paramIndex];
  if (paramSize != nullptr) *paramSize = f->layout.sizes[paramIndex];
  return KL_SUCCESS;
}

KLresult klFuncGetNativeHandle(void** native, KLfunction hfunc) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetNativeHandle: native is NULL");
  *native = FromHandle<Function>(hfunc)->kernel;
  return KL_SUCCESS;
}

}  // namespace keel::ze
