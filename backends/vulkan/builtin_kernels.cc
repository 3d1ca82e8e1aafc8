#include "vulkan/builtin_kernels.h"

namespace keel {
namespace vk {
namespace {

// Generated at build time (cmake/KeelEmbedSpirv.cmake) from builtin/*.comp.
const uint32_t kBuiltinKernels[] = {
#include "builtin_kernels.spv.inc"
};

}  // namespace

const uint32_t* BuiltinKernelsSpirv(size_t* bytes) {
  *bytes = sizeof kBuiltinKernels;
  return kBuiltinKernels;
}

}  // namespace vk
}  // namespace keel
