// Kernels the backend itself launches (SPIR-V compiled from builtin/*.comp at
// build time and embedded in the plugin).
#ifndef KEEL_BACKENDS_VULKAN_BUILTIN_KERNELS_H_
#define KEEL_BACKENDS_VULKAN_BUILTIN_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace keel {
namespace vk {

// The module holding every built-in kernel.
const uint32_t* BuiltinKernelsSpirv(size_t* bytes);

// "keel_fill_edges": the partial words of an unaligned memset. Parameters
// (push constants, no Keel header): two word addresses, their keep masks,
// their values, and how many of the two to update.
constexpr const char* kFillEdgesKernel = "keel_fill_edges";
struct FillEdgesArgs {
  uint64_t word[2];
  uint32_t keep[2];
  uint32_t value[2];
  uint32_t count;
};

// "keel_copy_words" and "keel_fill_words": device-to-device copies and fills
// of 32-bit words (copy_kernels.h). Parameters (push constants, no Keel
// header): the addresses, then the value (fill), then the word count. Blocks
// of kCopyKernelBlock threads (the built-in kernels are launch-sized).
constexpr const char* kCopyWordsKernel = "keel_copy_words";
constexpr const char* kFillWordsKernel = "keel_fill_words";
// "keel_copy_vec4" and "keel_fill_vec4": the same with 16-byte units (one
// uvec4 per thread access; the fill stores uvec4(value)) for the 16-byte-
// aligned bodies of copies and fills. Same parameters, the count in units;
// the addresses must be multiples of 16.
constexpr const char* kCopyVec4Kernel = "keel_copy_vec4";
constexpr const char* kFillVec4Kernel = "keel_fill_vec4";
constexpr uint32_t kCopyKernelBlock = 128;

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_BUILTIN_KERNELS_H_
