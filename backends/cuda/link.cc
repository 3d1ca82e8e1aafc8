// Linking several PTX/cubin/fatbin images into one cubin (cuLink*).
//
// The link state's log buffers are given to cuLinkCreate and filled by every
// later call, so each failure message carries the linker's log (undefined
// symbols, PTX errors of one input), and the caller's own log buffers get a
// copy after each call.
#include <cstring>
#include <memory>
#include <string>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

KLresult LinkError(const char* kl_fn, const char* cu_call, CUresult r, LinkState* link) {
  const char* log = link->options.error_log()[0] != '\0' ? link->options.error_log() : link->options.info_log();
  char excerpt[1400];
  LogExcerpt(excerpt, sizeof excerpt, "linker log", log);
  if (excerpt[0] == '\0') return FailCuda(r, kl_fn, cu_call);
  // The driver reports some link failures (an undefined symbol) as
  // CUDA_ERROR_UNKNOWN; an error log says it is the inputs that failed.
  KLresult code = ToKeelResult(r);
  if (code == KL_ERROR_UNKNOWN && link->options.error_log()[0] != '\0') code = KL_ERROR_COMPILE_FAILED;
  return FailCudaDetail(r, code, kl_fn, cu_call, "%s", excerpt);
}

}  // namespace

void FreeLinkState(LinkState* link) { delete link; }

KLresult klLinkCreate(KLcontext hctx, unsigned int numOptions, KLjit_option* options, void** optionValues,
                      KLlinkState* stateOut) {
  if (stateOut == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klLinkCreate: stateOut is NULL");
  Context* ctx = ToContext(hctx);
  auto link = std::make_unique<LinkState>();
  link->ctx = ctx;
  KLresult kr = link->options.Init("klLinkCreate", numOptions, options, optionValues);
  if (kr != KL_SUCCESS) return kr;
  CUresult r = CallIn(ctx->cu, [&] {
    return cu.LinkCreate(link->options.count(), link->options.options(), link->options.values(), &link->cu);
  });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klLinkCreate", "cuLinkCreate");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->links.insert(link.get());
  }
  *stateOut = ToHandle<KLlinkState>(link.release());
  return KL_SUCCESS;
}

KLresult klLinkAddData(KLlinkState state, KLjitInputType type, void* data, size_t size, const char* name,
                       unsigned int numOptions, KLjit_option* options, void** optionValues) {
  if (data == nullptr || size == 0) return Fail(KL_ERROR_INVALID_VALUE, "klLinkAddData: data is NULL or size is 0");
  int t = static_cast<int>(type);
  if (t < KL_JIT_INPUT_CUBIN || t > KL_JIT_INPUT_LIBRARY) {
    return Fail(KL_ERROR_INVALID_VALUE, "klLinkAddData: type %d is not a KLjitInputType", t);
  }
  LinkState* link = ToLinkState(state);
  // Per-input options go to the driver as given; the logs stay the link's.
  JitOptions input_options;
  KLresult kr = input_options.Init("klLinkAddData", numOptions, options, optionValues, /*with_logs=*/false);
  if (kr != KL_SUCCESS) return kr;
  // PTX must be NUL-terminated for the driver; Keel passes a size and allows
  // text without the NUL.
  void* input = data;
  if (type == KL_JIT_INPUT_PTX && static_cast<const char*>(data)[size - 1] != '\0') {
    link->owned_inputs.push_back(std::make_unique<std::string>(static_cast<const char*>(data), size));
    input = link->owned_inputs.back()->data();
    size = link->owned_inputs.back()->size() + 1;
  }
  // KLjitInputType values equal CUjitInputType values.
  CUresult r = CallIn(link->ctx->cu, [&] {
    return cu.LinkAddData(link->cu, static_cast<CUjitInputType>(t), input, size, name ? name : "keel-input",
                          input_options.count(), input_options.options(), input_options.values());
  });
  link->options.CopyOut();
  if (r != CUDA_SUCCESS) return LinkError("klLinkAddData", "cuLinkAddData", r, link);
  return KL_SUCCESS;
}

KLresult klLinkComplete(KLlinkState state, void** imageOut, size_t* sizeOut) {
  if (imageOut == nullptr || sizeOut == nullptr) {
    return Fail(KL_ERROR_INVALID_VALUE, "klLinkComplete: imageOut or sizeOut is NULL");
  }
  LinkState* link = ToLinkState(state);
  void* image = nullptr;
  size_t size = 0;
  CUresult r = CallIn(link->ctx->cu, [&] { return cu.LinkComplete(link->cu, &image, &size); });
  link->options.CopyOut();
  if (r != CUDA_SUCCESS) return LinkError("klLinkComplete", "cuLinkComplete", r, link);
  // The image belongs to the link state until klLinkDestroy, as in CUDA.
  *imageOut = image;
  *sizeOut = size;
  return KL_SUCCESS;
}

KLresult klLinkDestroy(KLlinkState state) {
  LinkState* link = ToLinkState(state);
  Context* ctx = link->ctx;
  CUresult r = CallIn(ctx->cu, [&] { return cu.LinkDestroy(link->cu); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klLinkDestroy", "cuLinkDestroy");
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->links.erase(link);
  }
  FreeLinkState(link);
  return KL_SUCCESS;
}

}  // namespace keel::cuda
