// What the Vulkan backend learns about a kernel from its SPIR-V, following the
// Keel kernel ABI (docs/backends/vulkan.md):
// - the parameters: members of the entry point's push-constant block after
//   the 32-byte hidden header, their C offsets and sizes;
// - the block size: per dimension a specialization constant or a fixed size;
// - its workgroup (shared) memory, evaluated for a given block size and
//   dynamic shared size (array lengths may be specialization-constant
//   expressions, so sizes are computed by evaluating them);
// - per module, the globals block (KEEL_GLOBALS_BEGIN): its members' names,
//   offsets and sizes;
// and the module rewrite that moves push-constant blocks into a storage
// buffer for kernels whose arguments exceed the device's push-constant limit.
#ifndef KEEL_BACKENDS_VULKAN_SPIRV_REFLECT_H_
#define KEEL_BACKENDS_VULKAN_SPIRV_REFLECT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/kernel_args.h"
#include "common/spirv_module.h"

namespace keel {
namespace vk {

struct KernelParam {
  uint32_t offset = 0;  // in the packed parameter buffer (the C offset)
  uint32_t size = 0;    // C sizeof
};

struct KernelInfo {
  std::string name;
  uint32_t function_id = 0;
  uint32_t push_variable = 0;  // 0: the kernel declares no push-constant block
  bool keel_header = false;    // the block starts with the hidden header
  bool reads_workgroup_id = true;  // uses gl_WorkGroupID (false: splitting a grid is invisible to it)
  // Reads the hidden words that carry the module's globals address (header
  // members 1 and 3), or may (a whole-block load, a non-constant index).
  bool reads_globals_address = false;
  uint32_t params_base = 0;    // block offset of parameter offset 0
  uint32_t block_bytes = 0;    // bytes of the block the kernel reads, multiple of 4
  uint32_t param_bytes = 0;    // end of the last parameter: the packed buffer size
  std::vector<KernelParam> params;
  // The same offsets and sizes, with the largest alignment, for GatherArgs
  // (backends/common/kernel_args.h).
  ParamLayout layout;
  // Block size, per dimension: a specialization constant id, or a fixed size.
  bool block_dim_spec[3] = {false, false, false};
  uint32_t block_dim[3] = {1, 1, 1};  // spec id when block_dim_spec, else the size
  std::vector<uint32_t> workgroup_variables;
  bool uses_dynamic_shared = false;  // a workgroup array is sized by spec constant 3
  uint64_t static_shared_bytes = 0;  // workgroup bytes not sized by spec constant 3
};

// Values of specialization constants, by SpecId.
struct SpecValues {
  uint32_t ids[8];
  uint64_t values[8];
  int count = 0;
  void Set(uint32_t id, uint64_t value);
  bool Get(uint32_t id, uint64_t* value) const;
};

// The name of the buffer reference block KEEL_GLOBALS_BEGIN declares.
constexpr const char kGlobalsBlockName[] = "KeelGlobals";

// A module global: a member of the module's globals block.
struct GlobalVariable {
  std::string name;
  uint64_t offset = 0;  // from the start of the block
  uint64_t size = 0;    // std430 size (what klModuleGetGlobal reports)
};

struct GlobalsInfo {
  bool present = false;  // the module declares a globals block
  // No OpName or OpMemberName at all: the debug names were stripped, so a
  // globals block, found by name, cannot be found.
  bool names_stripped = false;
  uint64_t bytes = 0;  // end of the last member: the allocation's size
  std::vector<GlobalVariable> variables;  // by offset
};

// Largest globals block a module may declare (larger sizes come from damaged
// or hostile modules and would only fail the allocation later).
constexpr uint64_t kMaxGlobalsBytes = uint64_t{1} << 30;

class Reflection {
 public:
  explicit Reflection(const spirv::Module& module) : m_(module) {}

  // Fills *info for a GLCompute entry point. Fails (false, *error) on
  // parameter types Keel cannot pass (runtime arrays, matrices, bools,
  // non-buffer-reference pointers) or a missing workgroup size.
  bool ReflectKernel(const spirv::EntryPoint& entry, KernelInfo* info, std::string* error) const;

  // The module's globals: every struct named KeelGlobals (kernels compiled
  // apart and linked may each bring one), merged by member name. Fails on a
  // block that is not a Block, a member without a name or Offset, a member
  // without a fixed size, two declarations of one name that disagree, or
  // two names that overlap.
  bool Globals(GlobalsInfo* out, std::string* error) const;

  // Workgroup memory of the kernel specialized with `spec`.
  bool WorkgroupBytes(const KernelInfo& info, const SpecValues& spec, uint64_t* bytes,
                      std::string* error) const;

  // Evaluates a (specialization) constant scalar. Public for tests.
  bool Evaluate(uint32_t id, const SpecValues& spec, uint64_t* value, std::string* error) const;

 private:
  struct Layout {
    uint64_t size = 0;
    uint64_t align = 1;
  };
  bool ExplicitLayout(uint32_t type, Layout* out, std::string* error, int depth) const;
  bool NaturalLayout(uint32_t type, const SpecValues& spec, Layout* out, std::string* error,
                     int depth) const;
  bool EvaluateDepth(uint32_t id, const SpecValues& spec, uint64_t* value, std::string* error,
                     int depth) const;
  bool BlockSize(const spirv::EntryPoint& entry, KernelInfo* info, std::string* error) const;
  bool PushBlock(const spirv::EntryPoint& entry, KernelInfo* info, std::string* error) const;
  uint32_t StorageClassOf(uint32_t variable) const;  // ~0u if not a variable
  bool ReadsGlobalsAddress(uint32_t push_variable) const;

  const spirv::Module& m_;
};

// A copy of the module with only `entry`: the other entry points, their
// execution modes, the functions `entry` does not reach, the global
// variables those functions alone used, and the names and decorations of
// everything removed are dropped (types and constants stay). Each kernel gets
// its own VkShaderModule from this, so neither drivers nor the validation
// layer see the other kernels' push-constant blocks.
std::vector<uint32_t> ExtractEntryPoint(const spirv::Module& module, const spirv::EntryPoint& entry);

// A copy of the module in which every push-constant block is a read-only
// storage buffer at descriptor set 0, binding 0, with the capabilities the
// storage buffer needs for 8- and 16-bit members. Its pipelines read the
// argument block from a buffer instead of push constants; the kernel source
// is unchanged.
std::vector<uint32_t> MovePushConstantsToStorageBuffer(const spirv::Module& module);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_SPIRV_REFLECT_H_
