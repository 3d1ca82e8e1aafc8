// Reflection of the built conformance kernels against the Keel kernel ABI:
// parameter offsets and sizes are the C ones (KERNELS.md), shared memory is
// measured per specialization, and the argument-buffer rewrite is valid SPIR-V.
#include "vulkan/spirv_reflect.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <keel/keel_vulkan.h>

namespace keel {
namespace vk {
namespace {

class Reflected {
 public:
  explicit Reflected(const char* module) {
    std::ifstream in(std::string(KEEL_TEST_KERNEL_DIR) + "/" + module + ".spv", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<uint32_t> words;
    std::string error;
    ok_ = spirv::NormalizeByteOrder(bytes.data(), bytes.size(), &words, &error) &&
          m_.Parse(std::move(words), &error);
    EXPECT_TRUE(ok_) << module << ": " << error;
    Reflection r(m_);
    for (const spirv::EntryPoint& ep : m_.entry_points()) {
      KernelInfo info;
      EXPECT_TRUE(r.ReflectKernel(ep, &info, &error)) << ep.name << ": " << error;
      kernels_[ep.name] = info;
    }
  }
  const KernelInfo& operator[](const std::string& name) const {
    auto it = kernels_.find(name);
    EXPECT_NE(it, kernels_.end()) << name;
    static KernelInfo none;
    return it == kernels_.end() ? none : it->second;
  }
  const spirv::Module& module() const { return m_; }

 private:
  bool ok_ = false;
  spirv::Module m_;
  std::map<std::string, KernelInfo> kernels_;
};

std::vector<std::pair<uint32_t, uint32_t>> Params(const KernelInfo& k) {
  std::vector<std::pair<uint32_t, uint32_t>> v;
  for (const KernelParam& p : k.params) v.emplace_back(p.offset, p.size);
  return v;
}

using P = std::vector<std::pair<uint32_t, uint32_t>>;

TEST(SpirvReflect, BasicKernelsHaveCOffsetsAndTheHiddenHeader) {
  Reflected basic("basic");
  const KernelInfo& vec_add = basic["vec_add"];
  EXPECT_TRUE(vec_add.keel_header);
  EXPECT_EQ(vec_add.params_base, KEEL_VULKAN_HIDDEN_BYTES);
  EXPECT_EQ(Params(vec_add), (P{{0, 8}, {8, 8}, {16, 8}, {24, 4}}));
  EXPECT_EQ(vec_add.param_bytes, 28u);
  EXPECT_EQ(vec_add.layout.end, 28u);
  EXPECT_EQ(vec_add.layout.alignment, 8u);  // the extra buffer may be 32 bytes (a C struct)
  EXPECT_EQ(vec_add.block_bytes, 32u + 28u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(vec_add.block_dim_spec[i]);
    EXPECT_EQ(vec_add.block_dim[i], static_cast<uint32_t>(i));  // spec ids 0, 1, 2
  }
  EXPECT_EQ(Params(basic["coverage"]), (P{{0, 8}, {8, 4}, {12, 4}, {16, 4}}));
  EXPECT_EQ(Params(basic["add_scalar_f32"]), (P{{0, 8}, {8, 4}, {12, 4}}));
  EXPECT_TRUE(basic["empty"].params.empty());
  EXPECT_FALSE(basic["empty"].reads_workgroup_id);  // its grid may be split without a header
  EXPECT_TRUE(vec_add.reads_workgroup_id);
  EXPECT_EQ(basic["empty"].param_bytes, 0u);
}

TEST(SpirvReflect, ArgsKernelsMatchKernelsMd) {
  Reflected args("args");
  EXPECT_EQ(Params(args["args_i8"]), (P{{0, 1}, {1, 1}, {8, 8}}));
  EXPECT_EQ(Params(args["args_i16"]), (P{{0, 2}, {2, 2}, {8, 8}}));
  EXPECT_EQ(Params(args["args_i32_f32"]), (P{{0, 4}, {4, 4}, {8, 4}, {16, 8}}));
  EXPECT_EQ(Params(args["args_i64"]), (P{{0, 8}, {8, 8}, {16, 8}}));
  EXPECT_EQ(Params(args["args_f64"]), (P{{0, 8}, {8, 8}}));
  EXPECT_EQ(Params(args["struct_arg_16"]), (P{{0, 16}, {16, 8}}));
  EXPECT_EQ(Params(args["struct_arg_256"]), (P{{0, 256}, {256, 8}}));
  const KernelInfo& m16 = args["many_args_16"];
  const KernelInfo& m64 = args["many_args_64"];
  ASSERT_EQ(m16.params.size(), 16u);
  ASSERT_EQ(m64.params.size(), 64u);
  EXPECT_EQ(Params(m16)[0], std::make_pair(0u, 8u));
  for (uint32_t k = 1; k < 64; ++k)
    EXPECT_EQ(Params(m64)[k], std::make_pair(8u + 4u * (k - 1), 4u)) << k;
  EXPECT_EQ(m16.param_bytes, 68u);
  EXPECT_EQ(m64.param_bytes, 260u);
  // Over the push-constant limit of lavapipe (128) and NVIDIA (256).
  EXPECT_EQ(m64.block_bytes, 292u);
  EXPECT_EQ(args["struct_arg_256"].block_bytes, 296u);
}

TEST(SpirvReflect, SharedMemoryIsMeasuredPerSpecialization) {
  Reflected shared("shared");
  const KernelInfo& reverse = shared["reverse_dynamic"];
  EXPECT_TRUE(reverse.uses_dynamic_shared);
  EXPECT_EQ(reverse.static_shared_bytes, 0u);
  Reflection r(shared.module());
  SpecValues spec;
  uint64_t bytes = 0;
  std::string error;
  spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, 1024);
  ASSERT_TRUE(r.WorkgroupBytes(reverse, spec, &bytes, &error)) << error;
  EXPECT_EQ(bytes, 1024u);
  spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, 1022);  // rounds up to whole elements
  ASSERT_TRUE(r.WorkgroupBytes(reverse, spec, &bytes, &error)) << error;
  EXPECT_EQ(bytes, 1024u);
  spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, 0);  // one element when there is none
  ASSERT_TRUE(r.WorkgroupBytes(reverse, spec, &bytes, &error)) << error;
  EXPECT_EQ(bytes, 4u);

  const KernelInfo& both = shared["static_plus_dynamic"];
  EXPECT_TRUE(both.uses_dynamic_shared);
  EXPECT_EQ(both.static_shared_bytes, 1024u);
  spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, 512);
  ASSERT_TRUE(r.WorkgroupBytes(both, spec, &bytes, &error)) << error;
  EXPECT_EQ(bytes, 1536u);

  EXPECT_FALSE(shared["reduce_sum_u32"].uses_dynamic_shared);
  EXPECT_EQ(shared["reduce_sum_u32"].static_shared_bytes, 1024u);
  Reflected matmul("matmul");
  EXPECT_EQ(matmul["matmul_tiled"].static_shared_bytes, 2u * 16 * 16 * 4);
  Reflected atomics("atomics");
  EXPECT_EQ(atomics["shared_atomics"].static_shared_bytes, 256u);
}

TEST(SpirvReflect, EvaluatesSpecializationConstantExpressions) {
  Reflected shared("shared");
  Reflection r(shared.module());
  // The tile length of reverse_dynamic: a Select over a UDiv of spec 3.
  const spirv::Module& m = shared.module();
  uint32_t length_id = 0;
  for (const spirv::Instruction& inst : m.instructions()) {
    if (inst.opcode == spirv::OpTypeArray) {
      const spirv::Instruction* len = m.Definition(m.operands(inst)[2]);
      if (len != nullptr && len->opcode == spirv::OpSpecConstantOp) length_id = m.operands(inst)[2];
    }
  }
  ASSERT_NE(length_id, 0u);
  SpecValues spec;
  std::string error;
  uint64_t v = 0;
  for (uint64_t bytes : {0u, 1u, 4u, 5u, 4096u, 32768u}) {
    spec.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, bytes);
    ASSERT_TRUE(r.Evaluate(length_id, spec, &v, &error)) << error;
    EXPECT_EQ(v, bytes == 0 ? 1 : (bytes + 3) / 4) << bytes;
  }
}

// The rewritten module (push-constant blocks moved to a storage buffer)
// passes spirv-val and has no push-constant variables left.
TEST(SpirvReflect, ArgumentBufferRewriteIsValidSpirv) {
  for (const char* name : {"args", "basic", "shared", "atomics", "matmul"}) {
    Reflected module(name);
    std::vector<uint32_t> rewritten = MovePushConstantsToStorageBuffer(module.module());
    spirv::Module m;
    std::string error;
    ASSERT_TRUE(m.Parse(rewritten, &error)) << name << ": " << error;
    for (const spirv::Instruction& inst : m.instructions()) {
      if (inst.opcode == spirv::OpVariable) {
        EXPECT_NE(m.operands(inst)[2], static_cast<uint32_t>(spirv::kPushConstant)) << name;
      }
    }
    // Reflection of the rewritten module still sees no push block (so its
    // parameters come only from the original), and args keeps 8-bit access.
    if (std::string(name) == "args") {
      EXPECT_TRUE(m.HasCapability(4448)) << "StorageBuffer8BitAccess";
      EXPECT_TRUE(m.HasCapability(4433)) << "StorageBuffer16BitAccess";
    }
    std::string path = ::testing::TempDir() + "keel_rewrite_" + name + ".spv";
    {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(rewritten.data()),
                static_cast<std::streamsize>(rewritten.size() * 4));
    }
    std::string command = std::string(KEEL_TEST_SPIRV_VAL) + " --target-env vulkan1.2 " + path;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::remove(path.c_str());
  }
}

bool SpirvVal(const std::vector<uint32_t>& words, const std::string& tag) {
  std::string path = ::testing::TempDir() + "keel_" + tag + ".spv";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(words.data()),
              static_cast<std::streamsize>(words.size() * 4));
  }
  std::string command = std::string(KEEL_TEST_SPIRV_VAL) + " --target-env vulkan1.2 " + path;
  bool ok = std::system(command.c_str()) == 0;
  if (ok) std::remove(path.c_str());
  return ok;
}

// Each kernel's own module: valid, one entry point, one push-constant block
// at most, and the same reflection as in the whole module.
TEST(SpirvReflect, ExtractedEntryPointsAreValidModules) {
  for (const char* name : {"basic", "args", "shared", "atomics", "matmul"}) {
    Reflected module(name);
    for (const spirv::EntryPoint& ep : module.module().entry_points()) {
      std::vector<uint32_t> words = ExtractEntryPoint(module.module(), ep);
      spirv::Module single;
      std::string error;
      ASSERT_TRUE(single.Parse(words, &error)) << ep.name << ": " << error;
      ASSERT_EQ(single.entry_points().size(), 1u);
      EXPECT_EQ(single.entry_points()[0].name, ep.name);
      int push_blocks = 0;
      for (const spirv::Instruction& inst : single.instructions())
        if (inst.opcode == spirv::OpTypePointer && single.operands(inst)[1] == spirv::kPushConstant &&
            single.Definition(single.operands(inst)[2])->opcode == spirv::OpTypeStruct)
          ++push_blocks;
      EXPECT_LE(push_blocks, 1) << ep.name;
      EXPECT_LT(words.size(), module.module().words().size()) << ep.name;
      EXPECT_TRUE(SpirvVal(words, ep.name)) << ep.name;
      KernelInfo whole = module[ep.name], alone;
      ASSERT_TRUE(Reflection(single).ReflectKernel(single.entry_points()[0], &alone, &error)) << error;
      EXPECT_EQ(Params(alone), Params(whole)) << ep.name;
      EXPECT_EQ(alone.static_shared_bytes, whole.static_shared_bytes) << ep.name;
      EXPECT_EQ(alone.uses_dynamic_shared, whole.uses_dynamic_shared) << ep.name;
      // And its argument-buffer form.
      EXPECT_TRUE(SpirvVal(MovePushConstantsToStorageBuffer(single), ep.name + "_buffer")) << ep.name;
    }
  }
}

TEST(SpirvReflect, RejectsParametersKeelCannotPass) {
  // A module whose push-constant block holds a bool-free runtime array is
  // invalid GLSL; instead, corrupt a member type of vec_add's block into a
  // matrix-less unsupported kind: point member "n" at the void type.
  Reflected basic("basic");
  std::vector<uint32_t> words = basic.module().words();
  const spirv::Module& m = basic.module();
  uint32_t void_type = 0;
  for (const spirv::Instruction& inst : m.instructions())
    if (inst.opcode == spirv::OpTypeVoid) void_type = m.operands(inst)[0];
  const KernelInfo& vec_add = basic["vec_add"];
  const spirv::Instruction* var = m.Definition(vec_add.push_variable);
  const spirv::Instruction* ptr = m.Definition(m.operands(*var)[0]);
  const spirv::Instruction* block = m.Definition(m.operands(*ptr)[2]);
  words[block->offset + 1 + 1 + 7] = void_type;  // member 7 (n) := void
  spirv::Module bad;
  std::string error;
  ASSERT_TRUE(bad.Parse(words, &error)) << error;
  Reflection r(bad);
  KernelInfo info;
  bool ok = true;
  for (const spirv::EntryPoint& ep : bad.entry_points())
    if (ep.name == "vec_add") ok = r.ReflectKernel(ep, &info, &error);
  EXPECT_FALSE(ok);
  EXPECT_NE(error.find("vec_add"), std::string::npos) << error;
}

}  // namespace
}  // namespace vk
}  // namespace keel
