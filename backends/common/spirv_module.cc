#include "common/spirv_module.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace keel {
namespace spirv {
namespace {

// An id bound above this is almost certainly garbage (real modules stay far
// below it) and would make per-id tables explode.
constexpr uint32_t kMaxBound = 1u << 22;

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

uint32_t Swap(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

// Opcodes whose first two operands are (result type, result id).
bool HasTypeAndResult(uint16_t op) {
  switch (op) {
    case OpConstantTrue:
    case OpConstantFalse:
    case OpConstant:
    case OpConstantComposite:
    case OpConstantNull:
    case OpSpecConstantTrue:
    case OpSpecConstantFalse:
    case OpSpecConstant:
    case OpSpecConstantComposite:
    case OpSpecConstantOp:
    case OpFunction:
    case OpVariable:
      return true;
    default:
      return false;
  }
}

// Type declarations: the result id is the first operand.
bool IsTypeDeclaration(uint16_t op) {
  return (op >= OpTypeVoid && op <= OpTypeFunction) || op == 34 /*OpTypeEvent*/ ||
         op == 35 /*OpTypeDeviceEvent*/ || op == 36 /*OpTypeReserveId*/ ||
         op == 37 /*OpTypeQueue*/ || op == 38 /*OpTypePipe*/ ||
         op == 322 /*OpTypePipeStorage*/ || op == 327 /*OpTypeNamedBarrier*/;
}

// Minimum operand counts of the instructions the index reads.
uint32_t MinOperands(uint16_t op) {
  switch (op) {
    case OpName: return 2;
    case OpMemberName: return 3;
    case OpExtension: return 1;
    case OpMemoryModel: return 2;
    case OpEntryPoint: return 3;
    case OpExecutionMode: return 2;
    case OpExecutionModeId: return 2;
    case OpCapability: return 1;
    case OpTypeInt: return 3;
    case OpTypeFloat: return 2;
    case OpTypeVector: return 3;
    case OpTypeMatrix: return 3;
    case OpTypeArray: return 3;
    case OpTypeRuntimeArray: return 2;
    case OpTypeStruct: return 1;
    case OpTypePointer: return 3;
    case OpTypeForwardPointer: return 2;
    case OpConstant: return 3;
    case OpSpecConstant: return 3;
    case OpSpecConstantOp: return 3;
    case OpVariable: return 3;
    case OpFunction: return 4;
    case OpDecorate: return 2;
    case OpMemberDecorate: return 3;
    default:
      if (HasTypeAndResult(op)) return 2;
      if (IsTypeDeclaration(op)) return 1;
      return 0;
  }
}

const std::vector<DecorationEntry> kNoDecorations;
const std::string kNoName;

}  // namespace

bool NormalizeByteOrder(const void* image, size_t size, std::vector<uint32_t>* words,
                        std::string* error) {
  if (size == 0 || size % 4 != 0) {
    *error = Format("SPIR-V size %zu bytes is not a positive multiple of 4 (truncated?)", size);
    return false;
  }
  words->resize(size / 4);
  std::memcpy(words->data(), image, size);  // also fixes a misaligned source
  if ((*words)[0] == kMagic) return true;
  if ((*words)[0] == Swap(kMagic)) {
    for (uint32_t& w : *words) w = Swap(w);
    return true;
  }
  *error = Format("bad SPIR-V magic number 0x%08x (expected 0x%08x)", (*words)[0], kMagic);
  return false;
}

bool ReadString(const uint32_t* operands, uint32_t count, uint32_t first, std::string* out,
                uint32_t* next) {
  out->clear();
  for (uint32_t i = first; i < count; ++i) {
    uint32_t w = operands[i];
    for (int b = 0; b < 4; ++b) {
      char c = static_cast<char>((w >> (8 * b)) & 0xff);
      if (c == '\0') {
        *next = i + 1;
        return true;
      }
      out->push_back(c);
    }
  }
  return false;
}

bool Module::Parse(std::vector<uint32_t> words, std::string* error) {
  words_ = std::move(words);
  instructions_.clear();
  if (words_.size() < kHeaderWords) {
    *error = Format("SPIR-V image of %zu words is shorter than the 5-word header",
                    words_.size());
    return false;
  }
  if (words_[0] != kMagic) {
    *error = Format("bad SPIR-V magic number 0x%08x", words_[0]);
    return false;
  }
  uint32_t version = words_[1];
  if ((version & 0xff0000ffu) != 0 || version_major() != 1 || version_minor() > 6) {
    *error = Format("unknown SPIR-V version word 0x%08x", version);
    return false;
  }
  if (bound() == 0 || bound() > kMaxBound) {
    *error = Format("SPIR-V id bound %u is out of range", bound());
    return false;
  }
  if (words_[4] != 0) {
    *error = Format("SPIR-V schema word is %u, must be 0", words_[4]);
    return false;
  }
  size_t i = kHeaderWords;
  while (i < words_.size()) {
    uint32_t first = words_[i];
    uint16_t wc = static_cast<uint16_t>(first >> 16);
    uint16_t op = static_cast<uint16_t>(first & 0xffffu);
    if (wc == 0) {
      *error = Format("instruction at word %zu (opcode %u) has a word count of 0", i, op);
      return false;
    }
    if (i + wc > words_.size()) {
      *error = Format(
          "instruction at word %zu (opcode %u, %u words) runs past the end of the %zu-word "
          "image (truncated?)",
          i, op, wc, words_.size());
      return false;
    }
    if (wc - 1u < MinOperands(op)) {
      *error = Format("instruction at word %zu (opcode %u) has %u operands, needs at least %u", i,
                      op, wc - 1u, MinOperands(op));
      return false;
    }
    instructions_.push_back(Instruction{op, wc, static_cast<uint32_t>(i)});
    i += wc;
  }
  return Index(error);
}

bool Module::Index(std::string* error) {
  capabilities_.clear();
  extensions_.clear();
  entry_points_.clear();
  definitions_.clear();
  names_.clear();
  decorations_.clear();
  member_decorations_.clear();
  int memory_models = 0;
  const uint32_t limit = bound();
  for (size_t n = 0; n < instructions_.size(); ++n) {
    const Instruction& inst = instructions_[n];
    const uint32_t* ops = operands(inst);
    const uint32_t count = operand_count(inst);
    auto bad_id = [&](uint32_t id) {
      *error = Format("instruction at word %u (opcode %u) names id %u, outside the bound %u",
                      inst.offset, inst.opcode, id, limit);
      return false;
    };
    auto define = [&](uint32_t id) {
      if (id == 0 || id >= limit) return bad_id(id);
      if (!definitions_.emplace(id, static_cast<uint32_t>(n)).second) {
        *error = Format("id %u is defined twice (second time at word %u)", id, inst.offset);
        return false;
      }
      return true;
    };
    std::string text;
    uint32_t next = 0;
    switch (inst.opcode) {
      case OpCapability:
        capabilities_.push_back(ops[0]);
        break;
      case OpExtension:
        if (!ReadString(ops, count, 0, &text, &next)) {
          *error = Format("unterminated OpExtension string at word %u", inst.offset);
          return false;
        }
        extensions_.push_back(text);
        break;
      case OpMemoryModel:
        ++memory_models;
        break;
      case OpEntryPoint: {
        EntryPoint ep;
        ep.model = ops[0];
        ep.function = ops[1];
        if (ep.function == 0 || ep.function >= limit) return bad_id(ep.function);
        if (!ReadString(ops, count, 2, &ep.name, &next)) {
          *error = Format("unterminated OpEntryPoint name at word %u", inst.offset);
          return false;
        }
        for (uint32_t k = next; k < count; ++k) {
          if (ops[k] == 0 || ops[k] >= limit) return bad_id(ops[k]);
          ep.interface.push_back(ops[k]);
        }
        entry_points_.push_back(std::move(ep));
        break;
      }
      case OpName:
        if (ops[0] >= limit) return bad_id(ops[0]);
        if (!ReadString(ops, count, 1, &text, &next)) {
          *error = Format("unterminated OpName string at word %u", inst.offset);
          return false;
        }
        names_[ops[0]] = text;
        break;
      case OpDecorate:
        if (ops[0] == 0 || ops[0] >= limit) return bad_id(ops[0]);
        decorations_[ops[0]].push_back(
            DecorationEntry{ops[1], std::vector<uint32_t>(ops + 2, ops + count)});
        break;
      case OpMemberDecorate:
        if (ops[0] == 0 || ops[0] >= limit) return bad_id(ops[0]);
        member_decorations_[{ops[0], ops[1]}].push_back(
            DecorationEntry{ops[2], std::vector<uint32_t>(ops + 3, ops + count)});
        break;
      case OpTypeForwardPointer:
        if (ops[0] == 0 || ops[0] >= limit) return bad_id(ops[0]);
        break;
      default:
        if (IsTypeDeclaration(inst.opcode)) {
          if (!define(ops[0])) return false;
          // Every operand of these type declarations except literals is an id;
          // check the ones the reflection follows.
          switch (inst.opcode) {
            case OpTypeVector:
            case OpTypeMatrix:
            case OpTypeRuntimeArray:
              if (ops[1] == 0 || ops[1] >= limit) return bad_id(ops[1]);
              break;
            case OpTypeArray:
              if (ops[1] == 0 || ops[1] >= limit) return bad_id(ops[1]);
              if (ops[2] == 0 || ops[2] >= limit) return bad_id(ops[2]);
              break;
            case OpTypePointer:
              if (ops[2] == 0 || ops[2] >= limit) return bad_id(ops[2]);
              break;
            case OpTypeStruct:
              for (uint32_t k = 1; k < count; ++k)
                if (ops[k] == 0 || ops[k] >= limit) return bad_id(ops[k]);
              break;
            default:
              break;
          }
        } else if (HasTypeAndResult(inst.opcode)) {
          if (ops[0] == 0 || ops[0] >= limit) return bad_id(ops[0]);
          if (!define(ops[1])) return false;
          if (inst.opcode == OpConstantComposite || inst.opcode == OpSpecConstantComposite) {
            for (uint32_t k = 2; k < count; ++k)
              if (ops[k] == 0 || ops[k] >= limit) return bad_id(ops[k]);
          }
        }
        break;
    }
  }
  // Functions must be complete: a module cut at an instruction boundary
  // passes the walk above but ends inside (or between) function bodies.
  int functions = 0;
  bool seen_function = false;
  for (const Instruction& inst : instructions_) {
    if (inst.opcode == OpFunction) {
      ++functions;
      seen_function = true;
    }
    if (functions < 0 || functions > 1) {
      *error = Format("unbalanced OpFunction/OpFunctionEnd at word %u", inst.offset);
      return false;
    }
    // The logical layout: once functions begin, everything is inside one
    // (debug line markers and OpNop excepted).
    if (seen_function && functions == 0 && inst.opcode != 0 /*OpNop*/ &&
        inst.opcode != 8 /*OpLine*/ && inst.opcode != 317 /*OpNoLine*/) {
      *error = Format("instruction at word %u (opcode %u) lies between functions", inst.offset,
                      inst.opcode);
      return false;
    }
    if (inst.opcode == OpFunctionEnd) --functions;
    if (inst.opcode == OpFunctionCall && operand_count(inst) >= 3) {
      const Instruction* callee = Definition(operands(inst)[2]);
      if (callee == nullptr || callee->opcode != OpFunction) {
        *error = Format("OpFunctionCall at word %u calls id %u, which is not a function (truncated?)",
                        inst.offset, operands(inst)[2]);
        return false;
      }
    }
  }
  if (functions != 0 || instructions_.empty() || instructions_.back().opcode != OpFunctionEnd) {
    *error = "the module does not end with a complete function (truncated?)";
    return false;
  }
  if (memory_models != 1) {
    *error = Format("SPIR-V module has %d OpMemoryModel instructions, needs exactly 1",
                    memory_models);
    return false;
  }
  if (entry_points_.empty()) {
    *error = "SPIR-V module has no entry points (a library module cannot be loaded)";
    return false;
  }
  for (const EntryPoint& ep : entry_points_) {
    const Instruction* def = Definition(ep.function);
    if (def == nullptr || def->opcode != OpFunction) {
      *error = Format("entry point \"%s\" names id %u, which is not a function", ep.name.c_str(),
                      ep.function);
      return false;
    }
  }
  return true;
}

bool Module::HasCapability(uint32_t cap) const {
  for (uint32_t c : capabilities_)
    if (c == cap) return true;
  return false;
}

const Instruction* Module::Definition(uint32_t id) const {
  auto it = definitions_.find(id);
  return it == definitions_.end() ? nullptr : &instructions_[it->second];
}

const std::string& Module::Name(uint32_t id) const {
  auto it = names_.find(id);
  return it == names_.end() ? kNoName : it->second;
}

const std::vector<DecorationEntry>& Module::Decorations(uint32_t id) const {
  auto it = decorations_.find(id);
  return it == decorations_.end() ? kNoDecorations : it->second;
}

const std::vector<DecorationEntry>& Module::MemberDecorations(uint32_t struct_id,
                                                              uint32_t member) const {
  auto it = member_decorations_.find({struct_id, member});
  return it == member_decorations_.end() ? kNoDecorations : it->second;
}

bool Module::FindDecoration(uint32_t id, uint32_t d, uint32_t* value) const {
  for (const DecorationEntry& e : Decorations(id)) {
    if (e.decoration == d) {
      if (value != nullptr) *value = e.operands.empty() ? 0 : e.operands[0];
      return true;
    }
  }
  return false;
}

bool Module::FindMemberDecoration(uint32_t struct_id, uint32_t member, uint32_t d,
                                  uint32_t* value) const {
  for (const DecorationEntry& e : MemberDecorations(struct_id, member)) {
    if (e.decoration == d) {
      if (value != nullptr) *value = e.operands.empty() ? 0 : e.operands[0];
      return true;
    }
  }
  return false;
}

bool Module::HasDecoration(uint32_t id, uint32_t d) const {
  return FindDecoration(id, d, nullptr);
}

std::vector<uint32_t> Module::IdsDecoratedWith(uint32_t d) const {
  std::vector<uint32_t> ids;
  for (const Instruction& inst : instructions_) {
    if (inst.opcode == OpDecorate && operands(inst)[1] == d) ids.push_back(operands(inst)[0]);
  }
  return ids;
}

std::vector<DecorationEntry> Module::ExecutionModes(uint32_t function) const {
  std::vector<DecorationEntry> modes;
  for (const Instruction& inst : instructions_) {
    if (inst.opcode != OpExecutionMode && inst.opcode != OpExecutionModeId) continue;
    const uint32_t* ops = operands(inst);
    if (ops[0] != function) continue;
    modes.push_back(DecorationEntry{ops[1], std::vector<uint32_t>(ops + 2, ops + operand_count(inst))});
  }
  return modes;
}

std::string CapabilityName(uint32_t cap) {
  switch (cap) {
    case 1: return "Shader";
    case 6: return "Kernel";
    case 9: return "Float16";
    case 10: return "Float64";
    case 11: return "Int64";
    case 12: return "Int64Atomics";
    case 22: return "Int16";
    case 39: return "Int8";
    case 4433: return "StorageBuffer16BitAccess";
    case 4434: return "UniformAndStorageBuffer16BitAccess";
    case 4435: return "StoragePushConstant16";
    case 4448: return "StorageBuffer8BitAccess";
    case 4449: return "UniformAndStorageBuffer8BitAccess";
    case 4450: return "StoragePushConstant8";
    case 5345: return "VulkanMemoryModel";
    case 5347: return "PhysicalStorageBufferAddresses";
    case 6033: return "AtomicFloat32AddEXT";
    case 6034: return "AtomicFloat64AddEXT";
    default: break;
  }
  return Format("capability %u", cap);
}

}  // namespace spirv
}  // namespace keel
