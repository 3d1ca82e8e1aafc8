// A small SPIR-V reader: checks that a binary is structurally sound before it
// reaches a driver, and indexes what backends need to reflect kernels (entry
// points, names, decorations, types, constants, variables).
//
// Drivers are not required to survive malformed SPIR-V (several crash), so
// every backend that loads SPIR-V (Vulkan, Level Zero) runs its image through
// Parse first: magic, version, bound, a walk over every instruction that never
// reads past the end, and bounds checks on every id the index records. This is
// not spirv-val: semantic rules stay with the build-time validator and the
// driver.
#ifndef KEEL_BACKENDS_COMMON_SPIRV_MODULE_H_
#define KEEL_BACKENDS_COMMON_SPIRV_MODULE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace keel {
namespace spirv {

constexpr uint32_t kMagic = 0x07230203u;
constexpr size_t kHeaderWords = 5;

// The subset of the SPIR-V enumerations Keel reads (values from the SPIR-V
// specification, which we do not have as a system header on every host).
enum Op : uint16_t {
  OpName = 5,
  OpMemberName = 6,
  OpExtension = 10,
  OpMemoryModel = 14,
  OpEntryPoint = 15,
  OpExecutionMode = 16,
  OpCapability = 17,
  OpTypeVoid = 19,
  OpTypeBool = 20,
  OpTypeInt = 21,
  OpTypeFloat = 22,
  OpTypeVector = 23,
  OpTypeMatrix = 24,
  OpTypeArray = 28,
  OpTypeRuntimeArray = 29,
  OpTypeStruct = 30,
  OpTypePointer = 32,
  OpTypeFunction = 33,
  OpTypeForwardPointer = 39,
  OpConstantTrue = 41,
  OpConstantFalse = 42,
  OpConstant = 43,
  OpConstantComposite = 44,
  OpConstantNull = 46,
  OpSpecConstantTrue = 48,
  OpSpecConstantFalse = 49,
  OpSpecConstant = 50,
  OpSpecConstantComposite = 51,
  OpSpecConstantOp = 52,
  OpFunction = 54,
  OpFunctionEnd = 56,
  OpFunctionCall = 57,
  OpVariable = 59,
  OpDecorate = 71,
  OpMemberDecorate = 72,
  OpExecutionModeId = 331,
};

enum ExecutionModel : uint32_t { kGLCompute = 5, kKernel = 6 };

enum StorageClass : uint32_t {
  kUniformConstant = 0,
  kInput = 1,
  kUniform = 2,
  kWorkgroup = 4,
  kCrossWorkgroup = 5,
  kPrivate = 6,
  kFunction = 7,
  kPushConstant = 9,
  kStorageBuffer = 12,
  kPhysicalStorageBuffer = 5349,
};

enum Decoration : uint32_t {
  kSpecId = 1,
  kBlock = 2,
  kArrayStride = 6,
  kMatrixStride = 7,
  kBuiltIn = 11,
  kNonWritable = 24,
  kBinding = 33,
  kDescriptorSet = 34,
  kOffset = 35,
};

enum BuiltIn : uint32_t { kWorkgroupSize = 25 };
enum ExecutionMode : uint32_t { kLocalSize = 17, kLocalSizeId = 38 };

// One instruction: its opcode, word count and the index of its first word.
struct Instruction {
  uint16_t opcode;
  uint16_t word_count;
  uint32_t offset;
};

struct EntryPoint {
  uint32_t model = 0;
  uint32_t function = 0;
  std::string name;
  std::vector<uint32_t> interface;  // ids of the global variables it uses
};

// A decoration: its kind and literal/id operands.
struct DecorationEntry {
  uint32_t decoration = 0;
  std::vector<uint32_t> operands;
};

class Module {
 public:
  // Checks and indexes `words` (host byte order; callers swap a big-endian
  // image first, see NormalizeByteOrder). On failure returns false and sets
  // *error to one sentence naming the word offset and what is wrong.
  bool Parse(std::vector<uint32_t> words, std::string* error);

  const std::vector<uint32_t>& words() const { return words_; }
  uint32_t version() const { return words_[1]; }  // 0x00MMmm00
  uint32_t version_major() const { return (words_[1] >> 16) & 0xff; }
  uint32_t version_minor() const { return (words_[1] >> 8) & 0xff; }
  uint32_t bound() const { return words_[3]; }

  const std::vector<Instruction>& instructions() const { return instructions_; }
  // Operand words of an instruction (after the opcode word) and their count.
  const uint32_t* operands(const Instruction& inst) const { return &words_[inst.offset + 1]; }
  uint32_t operand_count(const Instruction& inst) const { return inst.word_count - 1u; }

  const std::vector<uint32_t>& capabilities() const { return capabilities_; }
  bool HasCapability(uint32_t cap) const;
  const std::vector<std::string>& extensions() const { return extensions_; }
  const std::vector<EntryPoint>& entry_points() const { return entry_points_; }

  // The instruction that defines result id `id` (types, constants, variables,
  // functions), or nullptr.
  const Instruction* Definition(uint32_t id) const;
  // OpName of an id, "" if none.
  const std::string& Name(uint32_t id) const;
  // Decorations of an id and of a struct member.
  const std::vector<DecorationEntry>& Decorations(uint32_t id) const;
  const std::vector<DecorationEntry>& MemberDecorations(uint32_t struct_id, uint32_t member) const;
  // First operand of decoration `d` on id (or member), if present.
  bool FindDecoration(uint32_t id, uint32_t d, uint32_t* value) const;
  bool FindMemberDecoration(uint32_t struct_id, uint32_t member, uint32_t d,
                            uint32_t* value) const;
  bool HasDecoration(uint32_t id, uint32_t d) const;
  // Ids decorated with d (in module order).
  std::vector<uint32_t> IdsDecoratedWith(uint32_t d) const;

  // Execution modes (mode + literal/id operands) declared for an entry function.
  std::vector<DecorationEntry> ExecutionModes(uint32_t function) const;

 private:
  bool Index(std::string* error);

  std::vector<uint32_t> words_;
  std::vector<Instruction> instructions_;
  std::vector<uint32_t> capabilities_;
  std::vector<std::string> extensions_;
  std::vector<EntryPoint> entry_points_;
  std::unordered_map<uint32_t, uint32_t> definitions_;  // id -> instruction index
  std::unordered_map<uint32_t, std::string> names_;
  std::unordered_map<uint32_t, std::vector<DecorationEntry>> decorations_;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<DecorationEntry>> member_decorations_;
};

// Turns an image (any alignment, either byte order) into host-order words.
// Returns false with *error set if the size is not a positive multiple of 4
// or the first word is not the SPIR-V magic number in either byte order.
bool NormalizeByteOrder(const void* image, size_t size, std::vector<uint32_t>* words,
                        std::string* error);

// Reads a NUL-terminated literal string that starts at operand `first` of an
// instruction with `count` operands. Returns false if no NUL is found inside
// the instruction; *next receives the operand index after the string.
bool ReadString(const uint32_t* operands, uint32_t count, uint32_t first, std::string* out,
                uint32_t* next);

// "Int64", "Float64", ... for the capabilities Keel names in messages;
// "capability <n>" otherwise.
std::string CapabilityName(uint32_t cap);

}  // namespace spirv
}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_SPIRV_MODULE_H_
