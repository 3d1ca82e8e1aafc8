#include "vulkan/copy_kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/services.h"
#include "vulkan/builtin_kernels.h"
#include "vulkan/context.h"
#include "vulkan/device.h"
#include "vulkan/function.h"
#include "vulkan/launch.h"
#include "vulkan/module.h"

namespace keel {
namespace vk {
namespace {

// Words per dispatch: byte offsets inside the kernel stay below 2^30, far
// from the signed 32-bit indexing of SPIR-V access chains.
constexpr uint64_t kMaxWordsPerDispatch = uint64_t{1} << 28;

enum class Mode { kAuto, kAlways, kNever };

Mode ModeFromEnvironment() {
  const char* env = std::getenv("KEEL_VULKAN_COPY_KERNELS");
  if (env == nullptr || std::strcmp(env, "auto") == 0 || *env == '\0') return Mode::kAuto;
  if (std::strcmp(env, "1") == 0) return Mode::kAlways;
  if (std::strcmp(env, "0") == 0) return Mode::kNever;
  Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_COPY_KERNELS=\"%s\" (want 0, 1 or auto)", env);
  return Mode::kAuto;
}

// Records `n` bytes' worth of word-kernel dispatches. `args` holds the
// kernel's argument pointers; before each dispatch, set_first(i) points the
// address arguments at word i, and *count receives that dispatch's words.
template <typename SetFirst>
KLresult RecordWordKernel(Stream::Recording& rec, Context* c, const char* kernel, uint64_t n,
                          void** args, uint32_t* count, SetFirst&& set_first, const char* api) {
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
  const uint64_t words = n / 4;
  const uint32_t block[3] = {kCopyKernelBlock, 1, 1};
  for (uint64_t first = 0; first < words && r == KL_SUCCESS; first += kMaxWordsPerDispatch) {
    *count = static_cast<uint32_t>(std::min(words - first, kMaxWordsPerDispatch));
    const uint32_t grid[3] = {
        static_cast<uint32_t>(std::min<uint64_t>((*count + kCopyKernelBlock - 1) / kCopyKernelBlock,
                                                 max_blocks)),
        1, 1};
    set_first(first);
    alignas(16) uint8_t block_args[64] = {};
    r = PackArguments(f->info(), args, nullptr, block_args, api);
    if (r == KL_SUCCESS) r = RecordLaunch(rec, *f, grid, block, 0, block_args, api);
  }
  return r;
}

}  // namespace

bool UseCopyKernels(const Context& c) {
  static const Mode mode = ModeFromEnvironment();
  if (mode != Mode::kAuto) return mode == Mode::kAlways;
  return c.device()->properties.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU;
}

KLresult RecordCopyKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, KLdeviceptr src,
                          uint64_t n, const char* api) {
  uint64_t from = 0, to = 0;
  uint32_t count = 0;
  void* args[] = {&from, &to, &count};  // keel_copy_words(src, dst, count)
  return RecordWordKernel(
      rec, c, kCopyWordsKernel, n, args, &count,
      [&](uint64_t first) {
        from = src + first * 4;
        to = dst + first * 4;
      },
      api);
}

KLresult RecordFillKernel(Stream::Recording& rec, Context* c, KLdeviceptr dst, uint32_t pattern,
                          uint64_t n, const char* api) {
  uint64_t to = 0;
  uint32_t count = 0;
  void* args[] = {&to, &pattern, &count};  // keel_fill_words(dst, value, count)
  return RecordWordKernel(
      rec, c, kFillWordsKernel, n, args, &count, [&](uint64_t first) { to = dst + first * 4; },
      api);
}

}  // namespace vk
}  // namespace keel
