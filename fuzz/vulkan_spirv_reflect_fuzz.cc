// libFuzzer target for the Vulkan backend's kernel reflection
// (backends/vulkan/spirv_reflect: push-constant parameters, block size,
// workgroup memory under specialization) and its module rewrite
// (MovePushConstantsToStorageBuffer), all pure host code run on every image
// the backend loads, and the module globals block (Reflection::Globals).
// Whatever the bytes of a module that Module::Parse accepts:
//   - reflection and evaluation never crash and fail with a message;
//   - reflected parameters lie inside the packed parameter buffer;
//   - reflected globals lie inside the globals block, which stays within
//     kMaxGlobalsBytes, and do not overlap;
//   - the rewritten module is itself a module Module::Parse accepts, with the
//     same entry points.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/spirv_module.h"
#include "vulkan/spirv_reflect.h"

namespace {

namespace sp = keel::spirv;
namespace vk = keel::vk;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "vulkan_spirv_reflect_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint32_t> words;
  std::string error;
  if (!sp::NormalizeByteOrder(data, size, &words, &error)) return 0;
  sp::Module m;
  if (!m.Parse(words, &error)) return 0;

  vk::Reflection reflection(m);
  for (const sp::EntryPoint& ep : m.entry_points()) {
    if (ep.model != sp::kGLCompute) continue;
    vk::KernelInfo info;
    error.clear();
    if (!reflection.ReflectKernel(ep, &info, &error)) {
      Check(!error.empty(), "a failed reflection says why");
      continue;
    }
    for (const vk::KernelParam& p : info.params)
      Check(uint64_t{p.offset} + p.size <= info.param_bytes, "parameters inside the packed buffer");
    // Workgroup memory for a few block and dynamic shared sizes.
    for (uint64_t dynamic : {uint64_t{0}, uint64_t{1}, uint64_t{4096}, uint64_t{1} << 40}) {
      vk::SpecValues spec;
      for (int d = 0; d < 3; ++d)
        if (info.block_dim_spec[d]) spec.Set(info.block_dim[d], d == 0 ? 64 : 1);
      spec.Set(3, dynamic);
      uint64_t bytes = 0;
      error.clear();
      if (!reflection.WorkgroupBytes(info, spec, &bytes, &error))
        Check(!error.empty(), "a failed evaluation says why");
    }
  }
  vk::GlobalsInfo globals;
  error.clear();
  if (!reflection.Globals(&globals, &error)) {
    Check(!error.empty(), "a failed globals reflection says why");
  } else {
    Check(globals.bytes <= vk::kMaxGlobalsBytes, "the globals block within its limit");
    uint64_t end = 0;
    for (const vk::GlobalVariable& v : globals.variables) {
      Check(v.offset + v.size <= globals.bytes, "globals inside the block");
      Check(v.size == 0 || v.offset >= end, "globals do not overlap");
      end = std::max(end, v.offset + v.size);
    }
  }
  const uint32_t bound = std::min<uint32_t>(m.bound(), 1024);
  vk::SpecValues none;
  for (uint32_t id = 0; id < bound; ++id) {
    uint64_t value = 0;
    error.clear();
    (void)reflection.Evaluate(id, none, &value, &error);
  }

  std::vector<uint32_t> rewritten = vk::MovePushConstantsToStorageBuffer(m);
  sp::Module again;
  error.clear();
  if (!again.Parse(rewritten, &error)) {
    std::fprintf(stderr, "vulkan_spirv_reflect_fuzz: the rewritten module does not parse: %s\n",
                 error.c_str());
    std::abort();
  }
  Check(again.entry_points().size() == m.entry_points().size(), "the rewrite keeps the entry points");
  return 0;
}
