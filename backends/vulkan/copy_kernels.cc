#include "vulkan/copy_kernels.h"

#include <algorithm>
#include <cstdlib>

#include "common/services.h"
#include "common/settings.h"
#include "vulkan/builtin_kernels.h"
#include "vulkan/context.h"
#include "vulkan/device.h"
#include "vulkan/function.h"
#include "vulkan/launch.h"
#include "vulkan/module.h"

namespace keel {
namespace vk {
namespace {

// The kernels' units: 32-bit words (keel_copy_words, keel_fill_words) and
// 16-byte uvec4 units (keel_copy_vec4, keel_fill_vec4).
constexpr uint64_t kWordBytes = 4;
constexpr uint64_t kVec4Bytes = 16;

// Bytes per dispatch (2^28 words, 2^26 vec4 units): byte offsets inside the
// kernel stay below 2^30, far from the signed 32-bit indexing of SPIR-V
// access chains.
constexpr uint64_t kMaxBytesPerDispatch = uint64_t{1} << 30;

// KEEL_VULKAN_COPY_KERNELS: auto (also unset or empty), 0 (never) or 1 (always).
TriState ModeFromEnvironment() {
  const char* env = std::getenv("KEEL_VULKAN_COPY_KERNELS");
  TriState mode = TriState::kAuto;
  if (env != nullptr && *env != '\0' && !ParseTriState(env, &mode))
    Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_COPY_KERNELS=\"%s\" (want 0, 1 or auto)", env);
  return mode;
}

// Records the dispatches of `kernel`, whose units are `unit` bytes, for the
// bytes [begin, begin + bytes) of a copy or fill (`bytes` a multiple of
// `unit`; no dispatch when it is 0). `args` holds the kernel's argument
// pointers; before each dispatch, set_at(offset) points the address
// arguments at byte `offset` of the copy or fill, and *count receives that
// dispatch's units.
template <typename SetAt>
KLresult RecordUnitKernel(Stream::Recording& rec, Context* c, const char* kernel, uint64_t unit,
                          uint64_t begin, uint64_t bytes, void** args, uint32_t* count,
                          SetAt&& set_at, const char* api) {
  if (bytes == 0) return KL_SUCCESS;
  Module* builtin = nullptr;
  KLresult r = c->BuiltinModule(api, &builtin);
  if (r != KL_SUCCESS) return r;
  const Function* f = builtin->FindFunction(kernel);
  if (f == nullptr)
    return Fail(KL_ERROR_UNKNOWN, "%s: the built-in kernel %s is missing", api, kernel);
  // Enough blocks to fill the GPU many times over; the loop in the kernel
  // covers the rest. Never above the per-dispatch limit (no splitting: the
  // kernels read the grid size from gl_NumWorkGroups).
  const uint64_t max_blocks = std::min<uint64_t>(c->device()->max_workgroup_count[0], 65535);
  const uint64_t units = bytes / unit;
  const uint64_t max_units = kMaxBytesPerDispatch / unit;
  const uint32_t block[3] = {kCopyKernelBlock, 1, 1};
  for (uint64_t first = 0; first < units && r == KL_SUCCESS; first += max_units) {
    *count = static_cast<uint32_t>(std::min(units - first, max_units));
    const uint32_t grid[3] = {
        static_cast<uint32_t>(std::min<uint64_t>((*count + kCopyKernelBlock - 1) / kCopyKernelBlock,
                                                 max_blocks)),
        1, 1};
    set_at(begin + first * unit);
    alignas(16) uint8_t block_args[64] = {};
    r = PackArguments(f->info(), args, nullptr, block_args, api);
    if (r == KL_SUCCESS) r = RecordLaunch(rec, *f, grid, block, 0, block_args, api);
  }
  return r;
}

// Records a copy or fill of n bytes at dst (dst and n multiples of 4) in up
// to three parts: the word kernel `words` until dst is 16-byte aligned, the
// vec4 kernel `vec4` for the whole 16-byte units that follow, `words` again
// for the rest. With split false (a copy whose source and destination differ
// in their alignment mod 16, so never both 16-byte aligned), all of it is
// words. Empty parts record nothing. args, count and set_at as for
// RecordUnitKernel (both kernels take the same parameters).
template <typename SetAt>
KLresult RecordSplit(Stream::Recording& rec, Context* c, const char* words, const char* vec4,
                     KLdeviceptr dst, uint64_t n, bool split, void** args, uint32_t* count,
                     SetAt&& set_at, const char* api) {
  uint64_t head = n, body = 0;
  if (split) {
    head = std::min<uint64_t>(n, (kVec4Bytes - dst % kVec4Bytes) % kVec4Bytes);
    body = (n - head) / kVec4Bytes * kVec4Bytes;
  }
  const uint64_t tail = n - head - body;
  KLresult r = RecordUnitKernel(rec, c, words, kWordBytes, 0, head, args, count, set_at, api);
  if (r == KL_SUCCESS)
    r = RecordUnitKernel(rec, c, vec4, kVec4Bytes, head, body, args, count, set_at, api);
  if (r == KL_SUCCESS)
    r = RecordUnitKernel(rec, c, words, kWordBytes, head + body, tail, args, count, set_at, api);
  return r;
}

TriState ModeSetting() {
  static const TriState mode = ModeFromEnvironment();
  return mode;
}

}  // namespace

bool UseCopyKernels(const Context& c) {
  const TriState mode = ModeSetting();
  if (mode != TriState::kAuto) return mode == TriState::kOn;
  return c.device()->properties.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

bool UseFillKernels(const Context&) { return ModeSetting() == TriState::kOn; }

KLresult RecordCopyKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, KLdeviceptr src,
                          uint64_t n, const char* api) {
  uint64_t from = 0, to = 0;
  uint32_t count = 0;
  void* args[] = {&from, &to, &count};  // keel_copy_words/_vec4(src, dst, count)
  // Source and destination reach 16-byte alignment together only when they
  // differ by a multiple of 16 (unsigned wrap-around keeps the remainder).
  const bool split = (src - dst) % kVec4Bytes == 0;
  return RecordSplit(
      rec, c, kCopyWordsKernel, kCopyVec4Kernel, dst, n, split, args, &count,
      [&](uint64_t offset) {
        from = src + offset;
        to = dst + offset;
      },
      api);
}

KLresult RecordFillKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, uint32_t pattern,
                          uint64_t n, const char* api) {
  uint64_t to = 0;
  uint32_t count = 0;
  void* args[] = {&to, &pattern, &count};  // keel_fill_words/_vec4(dst, value, count)
  return RecordSplit(
      rec, c, kFillWordsKernel, kFillVec4Kernel, dst, n, true, args, &count,
      [&](uint64_t offset) { to = dst + offset; }, api);
}

}  // namespace vk
}  // namespace keel
