// Functions: eager resolution, attributes, parameter reflection.
//
// Lazy loading (CUDA_MODULE_LOADING=LAZY, the driver's default since CUDA
// 12.2) defers loading each kernel to its first use. Keel resolves a kernel
// when klModuleGetFunction returns it: errors surface there rather than in
// the first launch, that launch is not slowed by the load, and a launch never
// has to load a kernel while other kernels run (which can deadlock kernels
// that wait on each other). Kernels never looked up stay unloaded.
#include <climits>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

constexpr CUfunction_attribute kNoAttribute = static_cast<CUfunction_attribute>(-1);

CUfunction_attribute CudaAttribute(KLfunction_attribute a) {
  switch (a) {
    case KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: return CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
    case KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: return CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES;
    case KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES: return CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES;
    case KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: return CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES;
    case KL_FUNC_ATTRIBUTE_NUM_REGS: return CU_FUNC_ATTRIBUTE_NUM_REGS;
    case KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: return CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
    case KL_FUNC_ATTRIBUTE_PTX_VERSION: return CU_FUNC_ATTRIBUTE_PTX_VERSION;
    case KL_FUNC_ATTRIBUTE_BINARY_VERSION: return CU_FUNC_ATTRIBUTE_BINARY_VERSION;
    default: return kNoAttribute;
  }
}

KLresult ParamsNotSupported(const char* kl_fn) {
  return Fail(KL_ERROR_NOT_SUPPORTED,
              "%s: parameter reflection needs cuFuncGetParamInfo (a CUDA 12.4 or newer driver); this "
              "driver implements CUDA %d.%d",
              kl_fn, g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10);
}

// The largest dynamic shared size the device allows for f with opt-in.
int OptInLimit(const Function* f) {
  return f->ctx->device->attrs[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN] - f->static_shared;
}

}  // namespace

KLresult PrepareFunction(Function* f, const char* name) {
  CUresult r = Bind(f->ctx->cu);
  if (r != CUDA_SUCCESS) return FailCuda(r, "klModuleGetFunction", "cuCtxSetCurrent");
  if (cu.FuncLoad != nullptr) {
    r = cu.FuncLoad(f->cu);
    if (r != CUDA_SUCCESS) {
      return FailCudaDetail(r, ToKeelResult(r), "klModuleGetFunction", "cuFuncLoad", "loading kernel '%s'", name);
    }
  }
  // Reading attributes also loads the kernel on drivers without cuFuncLoad.
  int dynamic_limit = 0;
  if ((r = cu.FuncGetAttribute(&f->max_threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, f->cu)) != CUDA_SUCCESS ||
      (r = cu.FuncGetAttribute(&f->static_shared, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f->cu)) != CUDA_SUCCESS ||
      (r = cu.FuncGetAttribute(&dynamic_limit, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f->cu)) !=
          CUDA_SUCCESS) {
    return FailCudaDetail(r, ToKeelResult(r), "klModuleGetFunction", "cuFuncGetAttribute", "kernel '%s'", name);
  }
  f->dynamic_shared_limit.store(dynamic_limit, std::memory_order_relaxed);
  return KL_SUCCESS;
}

int ComputeParamLayout(Function* f) {
  std::lock_guard<std::mutex> lock(f->attribute_mutex);
  int known = f->param_count.load(std::memory_order_acquire);
  if (known != Function::kParamsUnknown) return known;  // another thread did it
  int count = -1;
  if (cu.FuncGetParamInfo != nullptr && Bind(f->ctx->cu) == CUDA_SUCCESS) {
    // Probe indices until the driver refuses one. A parameter takes at least
    // a byte, so the parameter-space limit bounds the loop.
    size_t i = 0, end = 0;
    CUresult r = CUDA_SUCCESS;
    for (; i <= 32764; ++i) {
      size_t offset = 0, size = 0;
      r = cu.FuncGetParamInfo(f->cu, i, &offset, &size);
      if (r != CUDA_SUCCESS) break;
      if (offset + size > end) end = offset + size;
    }
    if (r == CUDA_ERROR_INVALID_VALUE) {
      count = static_cast<int>(i);
      f->param_bytes = end;
    } else {
      Log(KL_LOG_DEBUG, "cuFuncGetParamInfo: %s; parameters not reflected", CudaErrorName(r));
    }
  }
  f->param_count.store(count, std::memory_order_release);
  return count;
}

KLresult RaiseDynamicShared(Function* f, unsigned int bytes) {
  std::lock_guard<std::mutex> lock(f->attribute_mutex);
  if (bytes <= static_cast<unsigned int>(f->dynamic_shared_limit.load(std::memory_order_relaxed))) {
    return KL_SUCCESS;  // another thread raised it meanwhile
  }
  int limit = OptInLimit(f);
  if (bytes > static_cast<unsigned int>(limit)) {
    return Fail(KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
                "klLaunchKernel: sharedMemBytes %u exceeds the %d bytes of dynamic shared memory this kernel "
                "can have (KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN %d minus %d bytes of static "
                "shared memory)",
                bytes, limit, f->ctx->device->attrs[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN],
                f->static_shared);
  }
  CUresult r = CallIn(f->ctx->cu, [&] {
    return cu.FuncSetAttribute(f->cu, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, static_cast<int>(bytes));
  });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klLaunchKernel", "cuFuncSetAttribute");
  f->dynamic_shared_limit.store(static_cast<int>(bytes), std::memory_order_relaxed);
  return KL_SUCCESS;
}

KLresult klFuncGetAttribute(int* pi, KLfunction_attribute attrib, KLfunction hfunc) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: pi is NULL");
  CUfunction_attribute a = CudaAttribute(attrib);
  if (a == kNoAttribute) {
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetAttribute: %d is not a KLfunction_attribute", static_cast<int>(attrib));
  }
  Function* f = ToFunction(hfunc);
  int v = 0;
  CUresult r = CallIn(f->ctx->cu, [&] { return cu.FuncGetAttribute(&v, a, f->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klFuncGetAttribute", "cuFuncGetAttribute");
  *pi = v;
  return KL_SUCCESS;
}

KLresult klFuncSetAttribute(KLfunction hfunc, KLfunction_attribute attrib, int value) {
  if (attrib != KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncSetAttribute: attribute %d is not settable (only "
                "KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES is)",
                static_cast<int>(attrib));
  }
  Function* f = ToFunction(hfunc);
  int limit = OptInLimit(f);
  if (value < 0 || value > limit) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klFuncSetAttribute: %d bytes of dynamic shared memory is outside 0..%d for this kernel "
                "(device opt-in limit %d minus %d bytes of static shared memory)",
                value, limit, f->ctx->device->attrs[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN],
                f->static_shared);
  }
  std::lock_guard<std::mutex> lock(f->attribute_mutex);
  CUresult r = CallIn(f->ctx->cu, [&] {
    return cu.FuncSetAttribute(f->cu, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, value);
  });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klFuncSetAttribute", "cuFuncSetAttribute");
  f->dynamic_shared_limit.store(value, std::memory_order_relaxed);
  return KL_SUCCESS;
}

KLresult klFuncGetParamCount(KLfunction hfunc, size_t* paramCount) {
  if (paramCount == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamCount: paramCount is NULL");
  Function* f = ToFunction(hfunc);
  if (cu.FuncGetParamInfo == nullptr) return ParamsNotSupported("klFuncGetParamCount");
  int count = ParamCount(f);
  if (count < 0) {
    return Fail(KL_ERROR_NOT_SUPPORTED, "klFuncGetParamCount: the driver could not reflect this kernel's parameters");
  }
  *paramCount = static_cast<size_t>(count);
  return KL_SUCCESS;
}

KLresult klFuncGetParamInfo(KLfunction hfunc, size_t paramIndex, size_t* paramOffset, size_t* paramSize) {
  Function* f = ToFunction(hfunc);
  if (cu.FuncGetParamInfo == nullptr) return ParamsNotSupported("klFuncGetParamInfo");
  int count = ParamCount(f);
  if (count < 0) {
    return Fail(KL_ERROR_NOT_SUPPORTED, "klFuncGetParamInfo: the driver could not reflect this kernel's parameters");
  }
  if (paramIndex >= static_cast<size_t>(count)) {
    return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetParamInfo: paramIndex %zu is out of range (the kernel has %d)",
                paramIndex, count);
  }
  size_t offset = 0, size = 0;
  CUresult r = CallIn(f->ctx->cu, [&] { return cu.FuncGetParamInfo(f->cu, paramIndex, &offset, &size); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klFuncGetParamInfo", "cuFuncGetParamInfo");
  if (paramOffset != nullptr) *paramOffset = offset;
  if (paramSize != nullptr) *paramSize = size;
  return KL_SUCCESS;
}

KLresult klFuncGetNativeHandle(void** native, KLfunction hfunc) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klFuncGetNativeHandle: native is NULL");
  *native = ToFunction(hfunc)->cu;
  return KL_SUCCESS;
}

}  // namespace keel::cuda
