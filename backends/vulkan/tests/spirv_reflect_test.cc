// Reflection of the built conformance kernels against the Keel kernel ABI:
// parameter offsets and sizes are the C ones (KERNELS.md), shared memory is
// measured per specialization, and the argument-buffer rewrite is valid SPIR-V.
#include "vulkan/spirv_reflect.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
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

// ---------------------------------------------------------------------------
// Module globals (the KEEL_GLOBALS block).

GlobalsInfo GlobalsOf(const spirv::Module& m, bool expect_ok = true, std::string* error_out = nullptr) {
  GlobalsInfo info;
  std::string error;
  bool ok = Reflection(m).Globals(&info, &error);
  EXPECT_EQ(ok, expect_ok) << error;
  if (!ok) {
    EXPECT_FALSE(error.empty());
  }
  if (error_out != nullptr) *error_out = error;
  return info;
}

std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> Vars(const GlobalsInfo& g) {
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> v;
  for (const GlobalVariable& var : g.variables) v.push_back({var.name, {var.offset, var.size}});
  return v;
}
using V = std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>>;

// The id of the module's KeelGlobals struct, 0 if none.
uint32_t GlobalsBlock(const spirv::Module& m) {
  for (const spirv::Instruction& inst : m.instructions())
    if (inst.opcode == spirv::OpTypeStruct && m.Name(m.operands(inst)[0]) == kGlobalsBlockName)
      return m.operands(inst)[0];
  return 0;
}

// The module without OpName and OpMemberName, as spirv-opt --strip-debug
// leaves it.
std::vector<uint32_t> WithoutNames(const spirv::Module& m) {
  std::vector<uint32_t> out(m.words().begin(), m.words().begin() + spirv::kHeaderWords);
  for (const spirv::Instruction& inst : m.instructions()) {
    if (inst.opcode == spirv::OpName || inst.opcode == spirv::OpMemberName) continue;
    out.insert(out.end(), m.words().begin() + inst.offset,
               m.words().begin() + inst.offset + inst.word_count);
  }
  return out;
}

TEST(SpirvReflect, ConformanceGlobalsModule) {
  Reflected g("globals");
  GlobalsInfo info = GlobalsOf(g.module());
  EXPECT_TRUE(info.present);
  EXPECT_FALSE(info.names_stripped);
  EXPECT_EQ(Vars(info), (V{{"g_values", {0, 64}}}));  // u32 g_values[16]
  EXPECT_EQ(info.bytes, 64u);
  for (const char* k : {"read_globals", "write_globals", "keel_globals_init"}) {
    EXPECT_TRUE(g[k].keel_header) << k;
    EXPECT_TRUE(g[k].reads_globals_address) << k;
  }
  // The address rides in the header: no parameter bytes for it.
  EXPECT_EQ(Params(g["read_globals"]), (P{{0, 8}}));
  EXPECT_EQ(g["read_globals"].block_bytes, 32u + 8u);
  EXPECT_EQ(Params(g["write_globals"]), (P{{0, 4}}));
  EXPECT_EQ(g["write_globals"].block_bytes, 32u + 4u);
  EXPECT_TRUE(g["keel_globals_init"].params.empty());
}

TEST(SpirvReflect, GlobalsOfSeveralTypesHaveStd430Offsets) {
  Reflected t("globals_types");
  GlobalsInfo info = GlobalsOf(t.module());
  ASSERT_TRUE(info.present);
  // int counter; float table[256]; uvec2 pair (8-byte aligned).
  EXPECT_EQ(Vars(info), (V{{"counter", {0, 4}}, {"table", {4, 1024}}, {"pair", {1032, 8}}}));
  EXPECT_EQ(info.bytes, 1040u);
  EXPECT_TRUE(t["count_up"].reads_globals_address);
  EXPECT_TRUE(t["axpy_table"].reads_globals_address);
  EXPECT_FALSE(t["no_globals"].reads_globals_address);  // same module, no use
  EXPECT_EQ(t["no_globals"].block_bytes, 32u + 8u);
}

TEST(SpirvReflect, ModulesWithoutGlobalsHaveNone) {
  for (const char* name : {"basic", "args", "shared", "atomics", "matmul"}) {
    Reflected module(name);
    GlobalsInfo info = GlobalsOf(module.module());
    EXPECT_FALSE(info.present) << name;
    EXPECT_FALSE(info.names_stripped) << name;
    EXPECT_TRUE(info.variables.empty()) << name;
    for (const spirv::EntryPoint& ep : module.module().entry_points())
      EXPECT_FALSE(module[ep.name].reads_globals_address) << name << " " << ep.name;
  }
}

TEST(SpirvReflect, StrippedNamesAreReportedAndTheHeaderStillFound) {
  Reflected g("globals");
  spirv::Module stripped;
  std::string error;
  ASSERT_TRUE(stripped.Parse(WithoutNames(g.module()), &error)) << error;
  GlobalsInfo info = GlobalsOf(stripped);
  EXPECT_FALSE(info.present);
  EXPECT_TRUE(info.names_stripped);
  // The header is recognised by its layout, so a kernel reading the globals
  // address is still known (the backend refuses to launch it).
  for (const spirv::EntryPoint& ep : stripped.entry_points()) {
    KernelInfo k;
    ASSERT_TRUE(Reflection(stripped).ReflectKernel(ep, &k, &error)) << error;
    EXPECT_TRUE(k.keel_header) << ep.name;
    EXPECT_TRUE(k.reads_globals_address) << ep.name;
  }
}

TEST(SpirvReflect, GlobalsBlocksThatDisagreeAreRejected) {
  Reflected c("globals_conflict");  // {a, b} in one kernel, {b, a} in the other
  std::string error;
  GlobalsOf(c.module(), false, &error);
  EXPECT_NE(error.find("differently"), std::string::npos) << error;
}

// Each damage to the globals block of globals_types, made in its words.
TEST(SpirvReflect, DamagedGlobalsBlocksAreRejected) {
  Reflected t("globals_types");
  const spirv::Module& m = t.module();
  const uint32_t block = GlobalsBlock(m);
  ASSERT_NE(block, 0u);
  // Member 1, float table[256]: its array type and the length constant.
  const uint32_t table_array = m.operands(*m.Definition(block))[2];
  ASSERT_EQ(m.Definition(table_array)->opcode, spirv::OpTypeArray);
  const uint32_t table_length = m.operands(*m.Definition(table_array))[2];
  auto is_table_length = [&](const spirv::Instruction& inst, const uint32_t* w) {
    return inst.opcode == spirv::OpConstant && w[2] == table_length;
  };
  struct Case {
    const char* what;
    const char* message;
    std::function<bool(const spirv::Instruction&, uint32_t*)> damage;  // true if it changed inst
  };
  const Case cases[] = {
      {"member 1 without Offset", "no Offset",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (inst.opcode != spirv::OpMemberDecorate || w[1] != block || w[2] != 1 ||
             w[3] != spirv::kOffset)
           return false;
         w[3] = 0;  // RelaxedPrecision: no longer an Offset
         return true;
       }},
      {"member 0 without a name", "no name",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (inst.opcode != spirv::OpMemberName || w[1] != block || w[2] != 0) return false;
         w[2] = 99;
         return true;
       }},
      {"member 0 named twice", "named both",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (inst.opcode != spirv::OpMemberName || w[1] != block || w[2] != 1) return false;
         w[2] = 0;  // "table" names member 0 too
         return true;
       }},
      {"not a Block", "not a Block",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (inst.opcode != spirv::OpDecorate || w[1] != block || w[2] != spirv::kBlock) return false;
         w[2] = 0;
         return true;
       }},
      {"table of 2^32 - 1 floats", "ends past",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (!is_table_length(inst, w)) return false;
         w[3] = 0xffffffffu;
         return true;
       }},
      {"table of 2^28 floats (1 GiB)", "ends past",  // past kMaxGlobalsBytes with the offset
       [&](const spirv::Instruction& inst, uint32_t* w) {
         if (!is_table_length(inst, w)) return false;
         w[3] = 1u << 28;
         return true;
       }},
      {"table of 2^32 - 1 elements 2^32 - 1 bytes apart (2^64 bytes)", "larger than",
       [&](const spirv::Instruction& inst, uint32_t* w) {
         const bool stride = inst.opcode == spirv::OpDecorate && w[1] == table_array &&
                             w[2] == spirv::kArrayStride;
         if (!stride && !is_table_length(inst, w)) return false;
         w[3] = 0xffffffffu;
         return true;
       }},
  };
  for (const Case& c : cases) {
    std::vector<uint32_t> words = m.words();
    int changed = 0;
    for (const spirv::Instruction& inst : m.instructions())
      if (c.damage(inst, &words[inst.offset])) ++changed;
    ASSERT_GE(changed, 1) << c.what;
    spirv::Module bad;
    std::string error;
    ASSERT_TRUE(bad.Parse(words, &error)) << c.what << ": " << error;
    GlobalsOf(bad, false, &error);
    EXPECT_NE(error.find(c.message), std::string::npos) << c.what << ": " << error;
  }
}

}  // namespace
}  // namespace vk
}  // namespace keel
