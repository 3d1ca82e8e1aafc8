// libFuzzer target for the SPIR-V reader and the OpenCL-kernel reflection of
// backends/common (spirv_module, spirv_kernel_params), which every backend
// runs on an image before a driver sees it. Whatever the bytes:
//   - NormalizeByteOrder and Module::Parse never read out of bounds and fail
//     with a message;
//   - every accessor of a parsed module returns data inside the module (each
//     instruction lies in the words, entry points name functions that exist);
//   - ReflectKernels and SizeOfType never crash; a reflected parameter has a
//     size only when its kind has one;
//   - parsing the byte-swapped image gives the same module.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/spirv_kernel_params.h"
#include "common/spirv_module.h"

namespace {

namespace sp = keel::spirv;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "spirv_module_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

void Walk(const sp::Module& m) {
  const size_t n = m.words().size();
  Check(n >= sp::kHeaderWords, "a parsed module has a header");
  for (const sp::Instruction& inst : m.instructions()) {
    Check(inst.word_count >= 1 && inst.offset >= sp::kHeaderWords, "an instruction after the header");
    Check(size_t{inst.offset} + inst.word_count <= n, "an instruction inside the words");
    if (inst.word_count > 1) (void)m.operands(inst)[m.operand_count(inst) - 1];
  }
  for (const sp::EntryPoint& ep : m.entry_points()) {
    (void)m.Name(ep.function);
    (void)m.ExecutionModes(ep.function);
    for (uint32_t id : ep.interface) (void)m.Decorations(id);
  }
  const uint32_t bound = std::min<uint32_t>(m.bound(), 4096);
  for (uint32_t id = 0; id < bound; ++id) {
    if (const sp::Instruction* def = m.Definition(id))
      Check(size_t{def->offset} + def->word_count <= n, "a definition inside the words");
    uint32_t value = 0;
    (void)m.FindDecoration(id, sp::kOffset, &value);
    (void)m.MemberDecorations(id, 0);
    size_t size = 0, alignment = 0;
    if (sp::SizeOfType(m, id, &size, &alignment))
      Check(alignment >= 1, "an alignment of at least 1");
  }
  (void)m.IdsDecoratedWith(sp::kSpecId);
  std::vector<sp::KernelSignature> kernels;
  std::string error;
  if (sp::ReflectKernels(m, &kernels, &error)) {
    for (const sp::KernelSignature& k : kernels)
      for (const sp::KernelParam& p : k.params) {
        if (p.kind == sp::ParamKind::kLocalPointer || p.kind == sp::ParamKind::kUnsupported)
          Check(p.size == 0, "no value size for local and unsupported parameters");
        Check(sp::ParamKindName(p.kind) != nullptr, "a kind name");
      }
  } else {
    Check(!error.empty(), "a failed reflection says why");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint32_t> words;
  std::string error;
  if (!sp::NormalizeByteOrder(data, size, &words, &error)) {
    Check(!error.empty(), "a refused image says why");
    return 0;
  }
  sp::Module m;
  const bool parsed = m.Parse(words, &error);
  if (!parsed) {
    Check(!error.empty(), "a failed parse says why");
  } else {
    Walk(m);
  }
  // The other byte order reads as the same words.
  std::vector<uint8_t> swapped(size);
  for (size_t i = 0; i + 3 < size; i += 4)
    for (size_t k = 0; k < 4; ++k) swapped[i + k] = data[i + 3 - k];
  std::vector<uint32_t> again;
  Check(sp::NormalizeByteOrder(swapped.data(), size, &again, &error), "swapped image normalizes");
  Check(again == words, "byte order does not matter");
  return 0;
}
