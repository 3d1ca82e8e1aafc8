#include "common/spirv_kernel_params.h"

#include <cstdio>

namespace keel {
namespace spirv {
namespace {

constexpr uint16_t kOpFunctionParameter = 55;
constexpr uint16_t kOpTypeOpaque = 31;
constexpr uint32_t kStorageGeneric = 8;
constexpr uint32_t kDecorationCPacked = 10;
constexpr uint32_t kDecorationFuncParamAttr = 38;
constexpr uint32_t kFuncParamAttrByVal = 2;
constexpr uint32_t kAddressingPhysical32 = 1;
constexpr int kMaxTypeDepth = 32;

size_t AlignUp(size_t v, size_t a) { return (v + a - 1) / a * a; }

// Pointer width from OpMemoryModel: Physical32 -> 4, otherwise 8.
size_t PointerSize(const Module& module) {
  for (const Instruction& inst : module.instructions()) {
    if (inst.opcode == OpMemoryModel && module.operand_count(inst) >= 1)
      return module.operands(inst)[0] == kAddressingPhysical32 ? 4 : 8;
  }
  return 8;
}

// Value of an OpConstant of integer type (the low 64 bits).
bool ConstantValue(const Module& module, uint32_t id, uint64_t* value) {
  const Instruction* def = module.Definition(id);
  if (def == nullptr || def->opcode != OpConstant || module.operand_count(*def) < 3) return false;
  const uint32_t* ops = module.operands(*def);
  *value = ops[2];
  if (module.operand_count(*def) >= 4) *value |= static_cast<uint64_t>(ops[3]) << 32;
  return true;
}

bool SizeOf(const Module& module, uint32_t type_id, size_t pointer_size, int depth, size_t* size,
            size_t* alignment) {
  if (depth > kMaxTypeDepth) return false;
  const Instruction* def = module.Definition(type_id);
  if (def == nullptr) return false;
  const uint32_t* ops = module.operands(*def);
  uint32_t n = module.operand_count(*def);
  switch (def->opcode) {
    case OpTypeInt:
    case OpTypeFloat: {
      uint32_t bits = ops[1];
      if (bits == 0 || bits % 8 != 0) return false;
      *size = *alignment = bits / 8;
      return true;
    }
    case OpTypeBool:
      *size = *alignment = 1;
      return true;
    case OpTypeVector: {
      size_t es, ea;
      if (n < 3 || !SizeOf(module, ops[1], pointer_size, depth + 1, &es, &ea)) return false;
      // SPIR-V vectors have 2 or more components (4 without the Vector16
      // capability's 8 and 16); anything else is malformed, and a 0 would
      // become a zero alignment that AlignUp divides by.
      if (ops[2] < 2 || ops[2] > 16 || es == 0) return false;
      uint32_t count = ops[2] == 3 ? 4 : ops[2];  // OpenCL: 3-vectors take the room of 4
      *size = *alignment = es * count;
      return true;
    }
    case OpTypePointer:
      *size = *alignment = pointer_size;
      return true;
    case OpTypeArray: {
      size_t es, ea;
      uint64_t length;
      if (n < 3 || !SizeOf(module, ops[1], pointer_size, depth + 1, &es, &ea) ||
          !ConstantValue(module, ops[2], &length))
        return false;
      *size = AlignUp(es, ea) * length;
      *alignment = ea;
      return true;
    }
    case OpTypeStruct: {
      bool packed = module.HasDecoration(type_id, kDecorationCPacked);
      size_t offset = 0, max_align = 1;
      for (uint32_t m = 1; m < n; ++m) {
        size_t ms, ma;
        if (!SizeOf(module, ops[m], pointer_size, depth + 1, &ms, &ma)) return false;
        uint32_t explicit_offset;
        if (module.FindMemberDecoration(type_id, m - 1, Decoration::kOffset, &explicit_offset)) {
          offset = explicit_offset;
        } else if (!packed) {
          offset = AlignUp(offset, ma);
        }
        offset += ms;
        if (!packed && ma > max_align) max_align = ma;
      }
      *alignment = max_align;
      *size = AlignUp(offset == 0 ? 1 : offset, max_align);
      return true;
    }
    default:
      return false;
  }
}

std::string Describe(const Module& module, uint32_t type_id, int depth = 0) {
  const Instruction* def = module.Definition(type_id);
  if (def == nullptr || depth > 4) return "?";
  const uint32_t* ops = module.operands(*def);
  char text[64];
  switch (def->opcode) {
    case OpTypeInt:
      std::snprintf(text, sizeof text, "%c%u", ops[2] ? 'i' : 'u', ops[1]);
      return text;
    case OpTypeFloat:
      std::snprintf(text, sizeof text, "f%u", ops[1]);
      return text;
    case OpTypeVector:
      std::snprintf(text, sizeof text, "%sx%u", Describe(module, ops[1], depth + 1).c_str(),
                    ops[2]);
      return text;
    case OpTypePointer:
      std::snprintf(text, sizeof text, "ptr(sc %u) %s", ops[1],
                    Describe(module, ops[2], depth + 1).c_str());
      return text;
    case OpTypeStruct: {
      const std::string& name = module.Name(type_id);
      return name.empty() ? "struct" : name;
    }
    case OpTypeArray:
      return Describe(module, ops[1], depth + 1) + "[]";
    case kOpTypeOpaque:
      return "opaque";
    default:
      std::snprintf(text, sizeof text, "type op %u", def->opcode);
      return text;
  }
}

KernelParam Classify(const Module& module, uint32_t param_id, uint32_t type_id,
                     size_t pointer_size) {
  KernelParam p;
  p.type = Describe(module, type_id);
  const Instruction* def = module.Definition(type_id);
  if (def == nullptr) return p;
  const uint32_t* ops = module.operands(*def);
  switch (def->opcode) {
    case OpTypeInt:
    case OpTypeFloat:
    case OpTypeVector:
      if (SizeOf(module, type_id, pointer_size, 0, &p.size, &p.alignment))
        p.kind = ParamKind::kScalar;
      return p;
    case OpTypePointer: {
      uint32_t storage = ops[1];
      if (storage == kWorkgroup) {
        p.kind = ParamKind::kLocalPointer;
        return p;
      }
      if (storage == kCrossWorkgroup || storage == kUniformConstant || storage == kStorageGeneric) {
        p.kind = ParamKind::kGlobalPointer;
        p.size = p.alignment = pointer_size;
        return p;
      }
      if (storage == kFunction) {
        // A struct by value: llvm-spirv passes a pointer marked ByVal.
        for (const DecorationEntry& d : module.Decorations(param_id)) {
          if (d.decoration == kDecorationFuncParamAttr && !d.operands.empty() &&
              d.operands[0] == kFuncParamAttrByVal) {
            if (SizeOf(module, ops[2], pointer_size, 0, &p.size, &p.alignment)) {
              p.kind = ParamKind::kStruct;
              p.type = Describe(module, ops[2]);
            }
            return p;
          }
        }
      }
      return p;
    }
    default:
      return p;
  }
}

}  // namespace

const char* ParamKindName(ParamKind kind) {
  switch (kind) {
    case ParamKind::kScalar: return "scalar";
    case ParamKind::kGlobalPointer: return "global pointer";
    case ParamKind::kLocalPointer: return "local pointer";
    case ParamKind::kStruct: return "struct";
    case ParamKind::kUnsupported: break;
  }
  return "unsupported";
}

bool SizeOfType(const Module& module, uint32_t type_id, size_t* size, size_t* alignment) {
  return SizeOf(module, type_id, PointerSize(module), 0, size, alignment);
}

bool ReflectKernels(const Module& module, std::vector<KernelSignature>* kernels,
                    std::string* error) {
  kernels->clear();
  size_t pointer_size = PointerSize(module);
  const std::vector<Instruction>& insts = module.instructions();
  for (const EntryPoint& ep : module.entry_points()) {
    if (ep.model != kKernel) continue;
    const Instruction* fn = module.Definition(ep.function);
    if (fn == nullptr || fn->opcode != OpFunction) {
      *error = "entry point '" + ep.name + "' names no OpFunction";
      return false;
    }
    KernelSignature sig;
    sig.name = ep.name;
    // OpFunctionParameter instructions follow their OpFunction directly.
    for (size_t i = static_cast<size_t>(fn - insts.data()) + 1; i < insts.size(); ++i) {
      const Instruction& inst = insts[i];
      if (inst.opcode != kOpFunctionParameter) break;
      if (module.operand_count(inst) < 2) {
        *error = "kernel '" + ep.name + "' has a truncated OpFunctionParameter";
        return false;
      }
      const uint32_t* ops = module.operands(inst);
      sig.params.push_back(Classify(module, ops[1], ops[0], pointer_size));
    }
    kernels->push_back(std::move(sig));
  }
  return true;
}

}  // namespace spirv
}  // namespace keel
