// Device-to-device copies and 32-bit fills by the backend's built-in kernels
// instead of the transfer commands vkCmdCopyBuffer and vkCmdFillBuffer.
//
// Why: NVIDIA's Vulkan driver runs the transfer commands between device
// buffers far below the memory bandwidth a compute shader reaches on the same
// GPU (H100, keel-bench: vkCmdCopyBuffer 391 GB/s copied, a shader's vector
// add 2600 GB/s of traffic; docs/performance.md), while CUDA's device copies
// run at the memory's speed. On a CPU device (lavapipe) the transfer
// commands are a plain memcpy/memset and a shader only adds work, so they
// stay.
//
// Fills are different: on the H100 vkCmdFillBuffer is the faster of the two
// (256 MiB, each alone in its process: 2333-2423 GB/s against 1970 for
// keel_fill_vec4; keel-bench and keel-bandwidth-probe, docs/performance.md),
// so fills keep the transfer command unless the kernels are forced.
//
// KEEL_VULKAN_COPY_KERNELS=1 uses the kernels for copies and fills on every
// device (how the tests exercise them on lavapipe), =0 never; unset (or
// "auto") uses them for copies on GPUs and never for fills. The kernels need
// 4-byte-aligned addresses and sizes; other copies keep the transfer command.
//
// Two unit sizes: keel_copy_words/keel_fill_words move one 32-bit word per
// thread access, keel_copy_vec4/keel_fill_vec4 one 16-byte uvec4. On NVIDIA
// GPUs 4-byte accesses leave memory bandwidth unused; 16-byte loads and
// stores are the usual way to reach the peak. A uvec4 access needs 16-byte
// aligned addresses, so a copy or fill records up to three parts: words until
// the destination is 16-byte aligned (at most 12 bytes), 16-byte units for
// the whole units that follow, words for the rest (at most 12 bytes). A copy
// gets the vec4 body only when source and destination differ by a multiple
// of 16 (otherwise they are never both aligned) and is all words else. Empty
// parts record no dispatch. Each dispatch covers at most 1 GiB (2^28 words or
// 2^26 units), so byte offsets inside the kernel stay below 2^30.
#ifndef KEEL_BACKENDS_VULKAN_COPY_KERNELS_H_
#define KEEL_BACKENDS_VULKAN_COPY_KERNELS_H_

#include <keel/keel.h>

#include <cstddef>
#include <cstdint>

#include "vulkan/stream.h"

namespace keel {
namespace vk {

class Context;

// Whether device copies, and fills, in this context go through the kernels.
bool UseCopyKernels(const Context& c);
bool UseFillKernels(const Context& c);

// Records the copy of n bytes from src to dst (device addresses; both and n
// multiples of 4; the ranges do not overlap) into rec's stream: word head,
// vec4 body, word tail when (src - dst) % 16 == 0, else words only.
KLresult RecordCopyKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, KLdeviceptr src,
                          uint64_t n, const char* api);

// Records setting n bytes at dst (dst and n multiples of 4) to the 32-bit
// value `pattern` in every word: word head until dst is 16-byte aligned,
// vec4 body (uvec4(pattern) per unit), word tail.
KLresult RecordFillKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, uint32_t pattern,
                          uint64_t n, const char* api);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_COPY_KERNELS_H_
