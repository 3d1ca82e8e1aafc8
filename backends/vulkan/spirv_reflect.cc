#include "vulkan/spirv_reflect.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>

#include <keel/keel_vulkan.h>

namespace keel {
namespace vk {
namespace {

using namespace spirv;  // NOLINT: the opcode names read best unqualified here

constexpr int kMaxDepth = 64;
// Bound on any explicit layout size: far above any real parameter or global,
// low enough that offsets and sums of sizes cannot wrap 64 bits.
constexpr uint64_t kMaxLayoutBytes = uint64_t{1} << 40;

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

uint64_t Mask(uint64_t v, uint32_t width) {
  return width >= 64 ? v : v & ((uint64_t{1} << width) - 1);
}

int64_t SignExtend(uint64_t v, uint32_t width) {
  if (width == 0) return 0;  // a malformed integer type: no bits
  if (width >= 64) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (width - 1);
  return static_cast<int64_t>((Mask(v, width) ^ sign) - sign);
}

// SPIR-V opcodes that may appear inside OpSpecConstantOp.
enum SpecOp : uint32_t {
  kUConvert = 113,
  kSConvert = 114,
  kSNegate = 126,
  kIAdd = 128,
  kISub = 130,
  kIMul = 132,
  kUDiv = 134,
  kSDiv = 135,
  kUMod = 137,
  kSRem = 138,
  kSMod = 139,
  kCompositeExtract = 81,
  kLogicalEqual = 164,
  kLogicalNotEqual = 165,
  kLogicalOr = 166,
  kLogicalAnd = 167,
  kLogicalNot = 168,
  kSelect = 169,
  kIEqual = 170,
  kINotEqual = 171,
  kUGreaterThan = 172,
  kSGreaterThan = 173,
  kUGreaterThanEqual = 174,
  kSGreaterThanEqual = 175,
  kULessThan = 176,
  kSLessThan = 177,
  kULessThanEqual = 178,
  kSLessThanEqual = 179,
  kShiftRightLogical = 194,
  kShiftRightArithmetic = 195,
  kShiftLeftLogical = 196,
  kBitwiseOr = 197,
  kBitwiseXor = 198,
  kBitwiseAnd = 199,
  kNot = 200,
};

}  // namespace

void SpecValues::Set(uint32_t id, uint64_t value) {
  for (int i = 0; i < count; ++i) {
    if (ids[i] == id) {
      values[i] = value;
      return;
    }
  }
  if (count < 8) {
    ids[count] = id;
    values[count] = value;
    ++count;
  }
}

bool SpecValues::Get(uint32_t id, uint64_t* value) const {
  for (int i = 0; i < count; ++i) {
    if (ids[i] == id) {
      *value = values[i];
      return true;
    }
  }
  return false;
}

uint32_t Reflection::StorageClassOf(uint32_t variable) const {
  const Instruction* def = m_.Definition(variable);
  if (def == nullptr || def->opcode != OpVariable) return ~0u;
  return m_.operands(*def)[2];
}

// ---------------------------------------------------------------------------
// Constants.

bool Reflection::Evaluate(uint32_t id, const SpecValues& spec, uint64_t* value,
                          std::string* error) const {
  return EvaluateDepth(id, spec, value, error, 0);
}

bool Reflection::EvaluateDepth(uint32_t id, const SpecValues& spec, uint64_t* value,
                               std::string* error, int depth) const {
  if (depth > kMaxDepth) {
    *error = Format("constant %u nests deeper than %d levels", id, kMaxDepth);
    return false;
  }
  const Instruction* def = m_.Definition(id);
  if (def == nullptr) {
    *error = Format("id %u is not a constant", id);
    return false;
  }
  const uint32_t* ops = m_.operands(*def);
  const uint32_t count = m_.operand_count(*def);
  // Width of the result type (1 for booleans).
  uint32_t width = 32;
  if (const Instruction* type = m_.Definition(ops[0])) {
    if (type->opcode == OpTypeInt) width = m_.operands(*type)[1];
    if (type->opcode == OpTypeBool) width = 1;
  }
  uint32_t spec_id = 0;
  switch (def->opcode) {
    case OpConstantTrue:
      *value = 1;
      return true;
    case OpConstantFalse:
    case OpConstantNull:
      *value = 0;
      return true;
    case OpSpecConstantTrue:
    case OpSpecConstantFalse:
      if (m_.FindDecoration(id, kSpecId, &spec_id) && spec.Get(spec_id, value)) {
        *value = *value != 0;
        return true;
      }
      *value = def->opcode == OpSpecConstantTrue;
      return true;
    case OpConstant:
    case OpSpecConstant: {
      if (def->opcode == OpSpecConstant && m_.FindDecoration(id, kSpecId, &spec_id) &&
          spec.Get(spec_id, value)) {
        *value = Mask(*value, width);
        return true;
      }
      uint64_t v = ops[2];
      if (count > 3) v |= static_cast<uint64_t>(ops[3]) << 32;
      *value = Mask(v, width);
      return true;
    }
    case OpSpecConstantOp:
      break;
    default:
      *error = Format("id %u (opcode %u) is not a scalar constant", id, def->opcode);
      return false;
  }
  const uint32_t op = ops[2];
  const uint32_t* args = ops + 3;
  const uint32_t nargs = count - 3;
  if (op == kCompositeExtract) {
    if (nargs != 2) {
      *error = Format("OpSpecConstantOp CompositeExtract %u has %u operands", id, nargs);
      return false;
    }
    const Instruction* composite = m_.Definition(args[0]);
    if (composite == nullptr || (composite->opcode != OpConstantComposite &&
                                 composite->opcode != OpSpecConstantComposite)) {
      *error = Format("CompositeExtract %u does not read a constant composite", id);
      return false;
    }
    uint32_t index = args[1];
    if (index + 2 >= m_.operand_count(*composite)) {
      *error = Format("CompositeExtract %u index %u is out of range", id, index);
      return false;
    }
    return EvaluateDepth(m_.operands(*composite)[2 + index], spec, value, error, depth + 1);
  }
  uint64_t a[3] = {0, 0, 0};
  uint32_t wa = width;  // width of the first operand, for signed comparisons
  for (uint32_t k = 0; k < nargs && k < 3; ++k) {
    if (!EvaluateDepth(args[k], spec, &a[k], error, depth + 1)) return false;
  }
  if (nargs > 0) {
    if (const Instruction* d0 = m_.Definition(args[0])) {
      if (const Instruction* t0 = m_.Definition(m_.operands(*d0)[0])) {
        if (t0->opcode == OpTypeInt) wa = m_.operands(*t0)[1];
      }
    }
  }
  const uint32_t need = (op == kSelect) ? 3u
                        : (op == kUConvert || op == kSConvert || op == kSNegate ||
                           op == kLogicalNot || op == kNot)
                            ? 1u
                            : 2u;
  if (nargs < need) {
    *error = Format("OpSpecConstantOp %u (op %u) has %u operands, needs %u", id, op, nargs, need);
    return false;
  }
  const int64_t sa = SignExtend(a[0], wa), sb = SignExtend(a[1], wa);
  uint64_t r = 0;
  switch (op) {
    case kUConvert: r = a[0]; break;
    case kSConvert: r = static_cast<uint64_t>(sa); break;
    case kSNegate: r = uint64_t{0} - a[0]; break;  // two's complement, no signed overflow
    case kIAdd: r = a[0] + a[1]; break;
    case kISub: r = a[0] - a[1]; break;
    case kIMul: r = a[0] * a[1]; break;
    case kUDiv:
    case kUMod:
    case kSDiv:
    case kSRem:
    case kSMod:
      if (Mask(a[1], wa) == 0) {
        *error = Format("specialization constant %u divides by zero", id);
        return false;
      }
      if (op == kUDiv) r = Mask(a[0], wa) / Mask(a[1], wa);
      if (op == kUMod) r = Mask(a[0], wa) % Mask(a[1], wa);
      // INT64_MIN / -1 overflows in C++: the SPIR-V result wraps to INT64_MIN
      // (and the remainder is 0).
      if (sb == -1) {
        if (op == kSDiv) r = uint64_t{0} - static_cast<uint64_t>(sa);
        if (op == kSRem || op == kSMod) r = 0;
        break;
      }
      if (op == kSDiv) r = static_cast<uint64_t>(sa / sb);
      if (op == kSRem) r = static_cast<uint64_t>(sa % sb);
      if (op == kSMod) {
        int64_t m = sa % sb;
        if (m != 0 && ((m < 0) != (sb < 0))) m += sb;
        r = static_cast<uint64_t>(m);
      }
      break;
    case kLogicalEqual: r = (a[0] != 0) == (a[1] != 0); break;
    case kLogicalNotEqual: r = (a[0] != 0) != (a[1] != 0); break;
    case kLogicalOr: r = (a[0] != 0) || (a[1] != 0); break;
    case kLogicalAnd: r = (a[0] != 0) && (a[1] != 0); break;
    case kLogicalNot: r = a[0] == 0; break;
    case kSelect: r = a[0] != 0 ? a[1] : a[2]; break;
    case kIEqual: r = Mask(a[0], wa) == Mask(a[1], wa); break;
    case kINotEqual: r = Mask(a[0], wa) != Mask(a[1], wa); break;
    case kUGreaterThan: r = Mask(a[0], wa) > Mask(a[1], wa); break;
    case kUGreaterThanEqual: r = Mask(a[0], wa) >= Mask(a[1], wa); break;
    case kULessThan: r = Mask(a[0], wa) < Mask(a[1], wa); break;
    case kULessThanEqual: r = Mask(a[0], wa) <= Mask(a[1], wa); break;
    case kSGreaterThan: r = sa > sb; break;
    case kSGreaterThanEqual: r = sa >= sb; break;
    case kSLessThan: r = sa < sb; break;
    case kSLessThanEqual: r = sa <= sb; break;
    case kShiftRightLogical: r = a[1] >= 64 ? 0 : Mask(a[0], wa) >> a[1]; break;
    case kShiftRightArithmetic: r = static_cast<uint64_t>(a[1] >= 64 ? (sa < 0 ? -1 : 0) : sa >> a[1]); break;
    case kShiftLeftLogical: r = a[1] >= 64 ? 0 : a[0] << a[1]; break;
    case kBitwiseOr: r = a[0] | a[1]; break;
    case kBitwiseXor: r = a[0] ^ a[1]; break;
    case kBitwiseAnd: r = a[0] & a[1]; break;
    case kNot: r = ~a[0]; break;
    default:
      *error = Format("OpSpecConstantOp %u uses opcode %u, which Keel cannot evaluate", id, op);
      return false;
  }
  *value = Mask(r, width);
  return true;
}

// ---------------------------------------------------------------------------
// Type layouts.

// Explicit layout (push-constant blocks): offsets and strides come from the
// module's decorations; sizes are C sizeof (a struct is rounded up to its
// alignment, as a C compiler does).
bool Reflection::ExplicitLayout(uint32_t type, Layout* out, std::string* error,
                                int depth) const {
  if (depth > kMaxDepth) {
    *error = "parameter types nest too deeply";
    return false;
  }
  const Instruction* def = m_.Definition(type);
  if (def == nullptr) {
    *error = Format("parameter type %u is not defined", type);
    return false;
  }
  const uint32_t* ops = m_.operands(*def);
  switch (def->opcode) {
    case OpTypeInt:
    case OpTypeFloat:
      out->size = out->align = ops[1] / 8;
      if (out->size == 0) {
        *error = Format("parameter type %u has width %u", type, ops[1]);
        return false;
      }
      return true;
    case OpTypeVector: {
      Layout c;
      if (!ExplicitLayout(ops[1], &c, error, depth + 1)) return false;
      uint32_t n = ops[2];
      if (n < 2 || n > 16) {
        *error = Format("vector type %u has %u components", type, n);
        return false;
      }
      out->size = c.size * n;
      // CUDA's vector types align to their size (float2: 8, float4: 16);
      // a 3-vector aligns as its component (float3: 4).
      out->align = (n == 2 || n == 4) ? c.size * n : c.align;
      return true;
    }
    case OpTypeArray: {
      Layout e;
      if (!ExplicitLayout(ops[1], &e, error, depth + 1)) return false;
      uint64_t length = 0;
      SpecValues none;
      if (!Evaluate(ops[2], none, &length, error)) return false;
      uint32_t stride = 0;
      if (!m_.FindDecoration(type, kArrayStride, &stride)) stride = static_cast<uint32_t>(e.size);
      // A damaged length could wrap the product to a small size, which the
      // callers' limits would then accept.
      if (stride != 0 && length > kMaxLayoutBytes / stride) {
        *error = Format("array type %u is larger than %llu bytes", type,
                        static_cast<unsigned long long>(kMaxLayoutBytes));
        return false;
      }
      out->size = length * stride;
      out->align = e.align;
      return true;
    }
    case OpTypeStruct: {
      uint64_t end = 0, align = 1;
      for (uint32_t i = 1; i < m_.operand_count(*def); ++i) {
        Layout mem;
        if (!ExplicitLayout(ops[i], &mem, error, depth + 1)) return false;
        uint32_t offset = 0;
        if (!m_.FindMemberDecoration(type, i - 1, kOffset, &offset)) {
          *error = Format("struct %u member %u has no Offset decoration", type, i - 1);
          return false;
        }
        if (mem.size > kMaxLayoutBytes) {
          *error = Format("struct %u member %u is larger than %llu bytes", type, i - 1,
                          static_cast<unsigned long long>(kMaxLayoutBytes));
          return false;
        }
        end = std::max<uint64_t>(end, offset + mem.size);
        align = std::max(align, mem.align);
      }
      out->size = AlignUp(end, align);
      out->align = align;
      return true;
    }
    case OpTypePointer:
      if (ops[1] != kPhysicalStorageBuffer) {
        *error = "a pointer parameter must be a buffer reference (PhysicalStorageBuffer)";
        return false;
      }
      out->size = out->align = 8;
      return true;
    case OpTypeBool:
      *error = "bool parameters have no defined size; use int or uint";
      return false;
    case OpTypeMatrix:
      *error = "matrix parameters are not supported; pass a struct or an array";
      return false;
    case OpTypeRuntimeArray:
      *error = "runtime-sized arrays cannot be parameters";
      return false;
    default:
      *error = Format("parameter type %u (opcode %u) cannot be passed to a kernel", type,
                      def->opcode);
      return false;
  }
}

// Natural layout of shared (Workgroup) variables: drivers choose, so this is
// the size a C compiler would give, which is what the limit checks need.
bool Reflection::NaturalLayout(uint32_t type, const SpecValues& spec, Layout* out,
                               std::string* error, int depth) const {
  if (depth > kMaxDepth) {
    *error = "shared variable types nest too deeply";
    return false;
  }
  const Instruction* def = m_.Definition(type);
  if (def == nullptr) {
    *error = Format("shared variable type %u is not defined", type);
    return false;
  }
  const uint32_t* ops = m_.operands(*def);
  switch (def->opcode) {
    case OpTypeBool:
      out->size = out->align = 4;
      return true;
    case OpTypeInt:
    case OpTypeFloat:
      out->size = out->align = std::max(ops[1] / 8, 1u);
      return true;
    case OpTypePointer:
      out->size = out->align = 8;
      return true;
    case OpTypeVector:
    case OpTypeMatrix: {
      Layout c;
      if (!NaturalLayout(ops[1], spec, &c, error, depth + 1)) return false;
      out->align = c.align * (ops[2] == 3 ? 4 : ops[2]);
      if (def->opcode == OpTypeMatrix) out->align = c.align;
      out->size = AlignUp(c.size * ops[2], out->align);
      return true;
    }
    case OpTypeArray: {
      Layout e;
      if (!NaturalLayout(ops[1], spec, &e, error, depth + 1)) return false;
      uint64_t length = 0;
      if (!Evaluate(ops[2], spec, &length, error)) return false;
      out->size = length * AlignUp(e.size, e.align);
      out->align = e.align;
      return true;
    }
    case OpTypeStruct: {
      uint64_t offset = 0, align = 1;
      for (uint32_t i = 1; i < m_.operand_count(*def); ++i) {
        Layout mem;
        if (!NaturalLayout(ops[i], spec, &mem, error, depth + 1)) return false;
        offset = AlignUp(offset, mem.align) + mem.size;
        align = std::max(align, mem.align);
      }
      out->size = AlignUp(offset, align);
      out->align = align;
      return true;
    }
    default:
      *error = Format("shared variable type %u (opcode %u) has no known size", type, def->opcode);
      return false;
  }
}

// ---------------------------------------------------------------------------
// Kernels.

bool Reflection::BlockSize(const EntryPoint& entry, KernelInfo* info, std::string* error) const {
  // Classifies the three constituents of a workgroup-size composite: a
  // specialization constant with a SpecId follows the launch, anything else
  // is a fixed size.
  auto from_ids = [&](const uint32_t* ids, bool spec[3], uint32_t dim[3]) {
    for (int i = 0; i < 3; ++i) {
      const Instruction* c = m_.Definition(ids[i]);
      if (c == nullptr) {
        *error = Format("workgroup size constituent %u is not defined", ids[i]);
        return false;
      }
      uint32_t spec_id = 0;
      if (c->opcode == OpSpecConstant && m_.FindDecoration(ids[i], kSpecId, &spec_id)) {
        spec[i] = true;
        dim[i] = spec_id;
      } else {
        uint64_t v = 0;
        SpecValues none;
        if (!Evaluate(ids[i], none, &v, error)) return false;
        spec[i] = false;
        dim[i] = static_cast<uint32_t>(v);
      }
    }
    return true;
  };
  // A WorkgroupSize built-in overrides the execution modes. Modules linked
  // from several kernels carry one per kernel; they must agree.
  bool found = false;
  for (uint32_t id : m_.IdsDecoratedWith(kBuiltIn)) {
    uint32_t builtin = 0;
    m_.FindDecoration(id, kBuiltIn, &builtin);
    if (builtin != kWorkgroupSize) continue;
    const Instruction* def = m_.Definition(id);
    if (def == nullptr ||
        (def->opcode != OpConstantComposite && def->opcode != OpSpecConstantComposite) ||
        m_.operand_count(*def) != 5) {
      *error = "the WorkgroupSize built-in is not a 3-component constant";
      return false;
    }
    bool spec[3];
    uint32_t dim[3];
    if (!from_ids(m_.operands(*def) + 2, spec, dim)) return false;
    for (int i = 0; i < 3; ++i) {
      if (found && (spec[i] != info->block_dim_spec[i] || dim[i] != info->block_dim[i])) {
        *error = "the module's WorkgroupSize built-ins disagree (do not link fixed-size and "
                 "launch-sized kernels into one module)";
        return false;
      }
      info->block_dim_spec[i] = spec[i];
      info->block_dim[i] = dim[i];
    }
    found = true;
  }
  if (found) return true;
  for (const DecorationEntry& mode : m_.ExecutionModes(entry.function)) {
    if (mode.operands.size() < 3) continue;
    if (mode.decoration == kLocalSizeId)
      return from_ids(mode.operands.data(), info->block_dim_spec, info->block_dim);
    if (mode.decoration == kLocalSize) {
      for (int i = 0; i < 3; ++i) {
        info->block_dim_spec[i] = false;
        info->block_dim[i] = mode.operands[i];
      }
      return true;
    }
  }
  *error = Format("entry point \"%s\" declares no workgroup size", entry.name.c_str());
  return false;
}

bool Reflection::PushBlock(const EntryPoint& entry, KernelInfo* info, std::string* error) const {
  // SPIR-V 1.4+ lists every global an entry point uses in its interface;
  // older modules list only inputs and outputs, so then the module must have
  // at most one push-constant block.
  std::vector<uint32_t> candidates;
  if (m_.version() >= 0x00010400u) {
    for (uint32_t id : entry.interface)
      if (StorageClassOf(id) == kPushConstant) candidates.push_back(id);
  } else {
    for (const Instruction& inst : m_.instructions())
      if (inst.opcode == OpVariable && m_.operands(inst)[2] == kPushConstant)
        candidates.push_back(m_.operands(inst)[1]);
  }
  if (candidates.empty()) return true;  // no parameters at all
  if (candidates.size() > 1) {
    *error = Format("entry point \"%s\": %zu push-constant blocks (SPIR-V before 1.4 cannot say "
                    "which one is the kernel's)",
                    entry.name.c_str(), candidates.size());
    return false;
  }
  info->push_variable = candidates[0];
  const Instruction* var = m_.Definition(info->push_variable);
  const Instruction* ptr = m_.Definition(m_.operands(*var)[0]);
  if (ptr == nullptr || ptr->opcode != OpTypePointer) {
    *error = "the push-constant variable's type is not a pointer";
    return false;
  }
  uint32_t block = m_.operands(*ptr)[2];
  const Instruction* def = m_.Definition(block);
  if (def == nullptr || def->opcode != OpTypeStruct) {
    *error = "the push-constant block is not a struct";
    return false;
  }
  const uint32_t members = m_.operand_count(*def) - 1;
  const uint32_t* types = m_.operands(*def) + 1;
  std::vector<uint32_t> offsets(members);
  for (uint32_t i = 0; i < members; ++i) {
    if (!m_.FindMemberDecoration(block, i, kOffset, &offsets[i])) {
      *error = Format("push-constant block member %u has no Offset", i);
      return false;
    }
  }
  // The hidden header: uvec3 @0, uint @12, uvec3 @16, uint @28.
  auto is_uint = [&](uint32_t type, uint32_t components) {
    const Instruction* t = m_.Definition(type);
    if (t == nullptr) return false;
    if (components > 1) {
      if (t->opcode != OpTypeVector || m_.operands(*t)[2] != components) return false;
      t = m_.Definition(m_.operands(*t)[1]);
      if (t == nullptr) return false;
    }
    return t->opcode == OpTypeInt && m_.operands(*t)[1] == 32;
  };
  info->keel_header = members >= 4 && offsets[0] == 0 && is_uint(types[0], 3) &&
                      offsets[1] == 12 && is_uint(types[1], 1) && offsets[2] == 16 &&
                      is_uint(types[2], 3) && offsets[3] == 28 && is_uint(types[3], 1);
  info->params_base = info->keel_header ? KEEL_VULKAN_HIDDEN_BYTES : 0;
  info->reads_globals_address = info->keel_header && ReadsGlobalsAddress(info->push_variable);
  uint64_t end = info->params_base;
  for (uint32_t i = info->keel_header ? 4 : 0; i < members; ++i) {
    Layout layout;
    if (!ExplicitLayout(types[i], &layout, error, 0)) {
      *error = Format("entry point \"%s\" parameter %u: %s", entry.name.c_str(),
                      i - (info->keel_header ? 4 : 0), error->c_str());
      return false;
    }
    if (offsets[i] < info->params_base) {
      *error = Format("entry point \"%s\": a parameter overlaps the hidden header", entry.name.c_str());
      return false;
    }
    // Blocks are at most a few KiB (KEEL_VULKAN_MAX_PARAM_BYTES); larger
    // numbers come from damaged types and would overflow the 32-bit sizes.
    constexpr uint64_t kMaxBlockBytes = 1u << 20;
    if (layout.size > kMaxBlockBytes || offsets[i] + layout.size > kMaxBlockBytes) {
      *error = Format("entry point \"%s\": parameter %u ends past %llu bytes", entry.name.c_str(),
                      i, static_cast<unsigned long long>(kMaxBlockBytes));
      return false;
    }
    KernelParam p;
    p.offset = offsets[i] - info->params_base;
    p.size = static_cast<uint32_t>(layout.size);
    info->params.push_back(p);
    info->layout.offsets.push_back(p.offset);
    info->layout.sizes.push_back(p.size);
    info->layout.alignment = std::max<size_t>(info->layout.alignment, layout.align);
    end = std::max<uint64_t>(end, offsets[i] + layout.size);
  }
  info->param_bytes = static_cast<uint32_t>(end - info->params_base);
  info->layout.end = info->param_bytes;
  info->block_bytes = static_cast<uint32_t>(AlignUp(end, 4));
  return true;
}

// Whether any instruction reads header member 1 or 3 of `push_variable` (the
// globals address, keel_reserved0/1). Access chains with a constant first
// index are exact; a load of the whole block or an index that is not a
// constant counts as a read.
bool Reflection::ReadsGlobalsAddress(uint32_t push_variable) const {
  constexpr uint16_t kOpLoad = 61, kOpAccessChain = 65, kOpInBoundsAccessChain = 66,
                     kOpPtrAccessChain = 67, kOpInBoundsPtrAccessChain = 70;
  for (const Instruction& inst : m_.instructions()) {
    const uint32_t* ops = m_.operands(inst);
    const uint32_t n = m_.operand_count(inst);
    if (n < 3 || ops[2] != push_variable) continue;
    uint32_t index_at = 0;
    switch (inst.opcode) {
      case kOpLoad: return true;
      case kOpAccessChain:
      case kOpInBoundsAccessChain: index_at = 3; break;
      case kOpPtrAccessChain:
      case kOpInBoundsPtrAccessChain: index_at = 4; break;
      default: continue;
    }
    if (n <= index_at) continue;  // the block itself: no member read yet
    uint64_t member = 0;
    std::string ignored;
    SpecValues none;
    if (!Evaluate(ops[index_at], none, &member, &ignored) || member == 1 || member == 3)
      return true;
  }
  return false;
}

bool Reflection::Globals(GlobalsInfo* out, std::string* error) const {
  *out = GlobalsInfo();
  std::vector<uint32_t> blocks;
  bool any_name = false;
  for (const Instruction& inst : m_.instructions()) {
    if (inst.opcode == OpName || inst.opcode == OpMemberName) any_name = true;
    if (inst.opcode == OpTypeStruct && m_.Name(m_.operands(inst)[0]) == kGlobalsBlockName)
      blocks.push_back(m_.operands(inst)[0]);
  }
  if (blocks.empty()) {
    out->names_stripped = !any_name;
    return true;
  }
  // Member names of those blocks (the module index keeps only OpName).
  std::map<std::pair<uint32_t, uint32_t>, std::string> member_names;
  for (const Instruction& inst : m_.instructions()) {
    if (inst.opcode != OpMemberName) continue;
    const uint32_t* ops = m_.operands(inst);
    if (std::find(blocks.begin(), blocks.end(), ops[0]) == blocks.end()) continue;
    std::string name;
    uint32_t next = 0;
    if (!ReadString(ops, m_.operand_count(inst), 2, &name, &next)) {
      *error = Format("unterminated OpMemberName string at word %u", inst.offset);
      return false;
    }
    // spirv-link merges structurally equal types, so kernels that declare
    // {a, b} and {b, a} leave one block whose members have two names each.
    auto inserted = member_names.emplace(std::make_pair(ops[0], ops[1]), name);
    if (!inserted.second && inserted.first->second != name) {
      *error = Format("member %u of the globals block is named both \"%s\" and \"%s\": kernels "
                      "of the module declare its globals differently; share one KEEL_GLOBALS "
                      "block",
                      ops[1], inserted.first->second.c_str(), name.c_str());
      return false;
    }
  }
  std::map<std::string, GlobalVariable> merged;
  for (uint32_t block : blocks) {
    if (!m_.HasDecoration(block, kBlock)) {
      *error = Format("struct %u is named %s but is not a Block; declare module globals with "
                      "KEEL_GLOBALS_BEGIN/KEEL_GLOBALS_END",
                      block, kGlobalsBlockName);
      return false;
    }
    const Instruction* def = m_.Definition(block);
    const uint32_t members = m_.operand_count(*def) - 1;
    for (uint32_t i = 0; i < members; ++i) {
      auto name = member_names.find({block, i});
      if (name == member_names.end() || name->second.empty()) {
        *error = Format("member %u of the globals block has no name (OpMemberName)", i);
        return false;
      }
      const char* global = name->second.c_str();
      uint32_t offset = 0;
      if (!m_.FindMemberDecoration(block, i, kOffset, &offset)) {
        *error = Format("global \"%s\" has no Offset decoration", global);
        return false;
      }
      const uint32_t type = m_.operands(*def)[1 + i];
      const Instruction* type_def = m_.Definition(type);
      if (type_def != nullptr && type_def->opcode == OpTypeRuntimeArray) {
        *error = Format("global \"%s\" is a runtime-sized array; module globals need a fixed "
                        "size",
                        global);
        return false;
      }
      Layout layout;
      if (!ExplicitLayout(type, &layout, error, 0)) {
        *error = Format("global \"%s\": %s", global, error->c_str());
        return false;
      }
      if (layout.size > kMaxGlobalsBytes || offset + layout.size > kMaxGlobalsBytes) {
        *error = Format("global \"%s\" ends past %llu bytes", global,
                        static_cast<unsigned long long>(kMaxGlobalsBytes));
        return false;
      }
      GlobalVariable v;
      v.name = name->second;
      v.offset = offset;
      v.size = layout.size;
      auto inserted = merged.emplace(v.name, v);
      const GlobalVariable& seen = inserted.first->second;
      if (!inserted.second && (seen.offset != v.offset || seen.size != v.size)) {
        *error = Format("kernels of the module declare global \"%s\" differently (offset %llu, "
                        "%llu bytes and offset %llu, %llu bytes); share one KEEL_GLOBALS block",
                        global, static_cast<unsigned long long>(seen.offset),
                        static_cast<unsigned long long>(seen.size),
                        static_cast<unsigned long long>(v.offset),
                        static_cast<unsigned long long>(v.size));
        return false;
      }
    }
  }
  for (const auto& kv : merged) out->variables.push_back(kv.second);
  std::sort(out->variables.begin(), out->variables.end(),
            [](const GlobalVariable& a, const GlobalVariable& b) {
              return a.offset != b.offset ? a.offset < b.offset : a.name < b.name;
            });
  // Different names must not share bytes (declarations that differ only in
  // which names they list are fine).
  const GlobalVariable* furthest = nullptr;  // the variable ending last so far
  for (const GlobalVariable& v : out->variables) {
    if (furthest != nullptr && v.size != 0 && v.offset < out->bytes) {
      *error = Format("globals \"%s\" and \"%s\" overlap; kernels of the module must share one "
                      "KEEL_GLOBALS block",
                      furthest->name.c_str(), v.name.c_str());
      return false;
    }
    if (v.offset + v.size > out->bytes) {
      out->bytes = v.offset + v.size;
      furthest = &v;
    }
  }
  out->present = true;
  return true;
}

bool Reflection::ReflectKernel(const EntryPoint& entry, KernelInfo* info,
                               std::string* error) const {
  *info = KernelInfo();
  info->name = entry.name;
  info->function_id = entry.function;
  if (!BlockSize(entry, info, error)) return false;
  if (!PushBlock(entry, info, error)) return false;
  // A kernel that never reads WorkgroupId cannot tell a split grid from a
  // whole one (SPIR-V before 1.4 lists only inputs in the interface, which
  // is where WorkgroupId lives, so this holds for every version).
  info->reads_workgroup_id = false;
  for (uint32_t id : entry.interface) {
    uint32_t builtin = 0;
    if (StorageClassOf(id) == kInput && m_.FindDecoration(id, kBuiltIn, &builtin) &&
        builtin == 26 /*WorkgroupId*/)
      info->reads_workgroup_id = true;
  }
  // Shared memory: the entry point's Workgroup variables (all of the
  // module's before SPIR-V 1.4, whose interfaces do not list them).
  if (m_.version() >= 0x00010400u) {
    for (uint32_t id : entry.interface)
      if (StorageClassOf(id) == kWorkgroup) info->workgroup_variables.push_back(id);
  } else {
    for (const Instruction& inst : m_.instructions())
      if (inst.opcode == OpVariable && m_.operands(inst)[2] == kWorkgroup)
        info->workgroup_variables.push_back(m_.operands(inst)[1]);
  }
  // A variable is dynamic shared memory if its size follows spec constant 3;
  // static sizes are evaluated with the module's default constants.
  SpecValues defaults, probe;
  probe.Set(KEEL_VULKAN_SPEC_DYNAMIC_SHARED_BYTES, 4096);
  for (uint32_t var : info->workgroup_variables) {
    const Instruction* ptr = m_.Definition(m_.operands(*m_.Definition(var))[0]);
    if (ptr == nullptr || ptr->opcode != OpTypePointer) {
      *error = Format("shared variable %u has no pointer type", var);
      return false;
    }
    Layout a, b;
    if (!NaturalLayout(m_.operands(*ptr)[2], defaults, &a, error, 0) ||
        !NaturalLayout(m_.operands(*ptr)[2], probe, &b, error, 0)) {
      *error = Format("entry point \"%s\": %s", entry.name.c_str(), error->c_str());
      return false;
    }
    if (a.size != b.size)
      info->uses_dynamic_shared = true;
    else
      info->static_shared_bytes += a.size;
  }
  return true;
}

bool Reflection::WorkgroupBytes(const KernelInfo& info, const SpecValues& spec, uint64_t* bytes,
                                std::string* error) const {
  uint64_t total = 0;
  for (uint32_t var : info.workgroup_variables) {
    const Instruction* ptr = m_.Definition(m_.operands(*m_.Definition(var))[0]);
    Layout layout;
    if (!NaturalLayout(m_.operands(*ptr)[2], spec, &layout, error, 0)) return false;
    total = AlignUp(total, layout.align) + layout.size;
  }
  *bytes = total;
  return true;
}

// ---------------------------------------------------------------------------
// Extraction of one entry point.

namespace {

// Instructions without a result id that can appear in function bodies (and
// the annotation/debug ones). Everything else in a function body has its
// result at operand 1 (after the result type), except OpLabel (operand 0).
bool HasNoResult(uint16_t op) {
  switch (op) {
    case 0: case 2: case 3: case 4: case 5: case 6: case 8: case 10: case 14: case 15: case 16:
    case 17: case 39: case 56: case 62: case 63: case 64: case 71: case 72: case 74: case 75:
    case 218: case 219: case 224: case 225: case 228: case 246: case 247: case 249: case 250:
    case 251: case 252: case 253: case 254: case 255: case 256: case 257: case 317: case 331:
    case 332: case 4416: case 5380: case 5632: case 5633:
      return true;
    default:
      return false;
  }
}

}  // namespace

// The id operands of a global definition (type, constant, variable), which
// keep those ids alive. Literal operands are skipped where the opcode says
// so; where it does not (OpSpecConstantOp), extra ids only keep more alive.
void GlobalReferences(const Module& m, const Instruction& inst, std::vector<uint32_t>* out) {
  const uint32_t* ops = m.operands(inst);
  const uint32_t n = m.operand_count(inst);
  auto add = [&](uint32_t first, uint32_t last) {
    for (uint32_t k = first; k < last && k < n; ++k) out->push_back(ops[k]);
  };
  switch (inst.opcode) {
    case OpTypeVector:
    case OpTypeMatrix:
    case OpTypeRuntimeArray: add(1, 2); break;
    case OpTypeArray: add(1, 3); break;
    case OpTypeStruct:
    case OpTypeFunction: add(1, n); break;
    case OpTypePointer: add(2, 3); break;
    case OpConstantComposite:
    case OpSpecConstantComposite: add(0, 1); add(2, n); break;
    case OpSpecConstantOp: add(0, 1); add(3, n); break;
    case OpVariable: add(0, 1); add(3, 4); break;
    default:
      if (inst.opcode >= OpConstantTrue && inst.opcode <= OpSpecConstant) add(0, 1);
      if (inst.opcode == 45 /*OpUndef*/) add(0, 1);
      break;
  }
}

// The id a global definition defines, or 0.
uint32_t GlobalResult(const Module& m, const Instruction& inst) {
  const uint32_t* ops = m.operands(inst);
  if (inst.opcode >= OpTypeVoid && inst.opcode <= OpTypeFunction) return ops[0];
  if ((inst.opcode >= OpConstantTrue && inst.opcode <= OpSpecConstantOp) ||
      inst.opcode == OpVariable || inst.opcode == 45 /*OpUndef*/)
    return m.operand_count(inst) >= 2 ? ops[1] : 0;
  return 0;
}

// The operands of a function-body instruction that are ids (so they keep
// their definitions alive), skipping the literal operands of the opcodes
// that have them. Unknown opcodes count every operand as an id, which only
// keeps more alive.
void FunctionIdOperands(const Module& m, const Instruction& inst, std::vector<uint32_t>* out) {
  const uint32_t* ops = m.operands(inst);
  const uint32_t n = m.operand_count(inst);
  auto ids = [&](uint32_t first, uint32_t last) {
    for (uint32_t k = first; k < last && k < n; ++k) out->push_back(ops[k]);
  };
  // Memory operands: a literal mask, a literal alignment if Aligned (0x2),
  // then scope ids (MakePointerAvailable/Visible).
  auto memory_operands = [&](uint32_t at) {
    if (at >= n) return;
    uint32_t mask = ops[at++];
    if (mask & 0x2) ++at;
    ids(at, n);
  };
  switch (inst.opcode) {
    case 8 /*OpLine*/: ids(0, 1); break;
    case 12 /*OpExtInst*/: ids(0, 3); ids(4, n); break;
    case OpVariable: ids(0, 2); ids(3, 4); break;
    case OpFunction: ids(0, 2); ids(3, 4); break;
    case 61 /*OpLoad*/: ids(0, 3); memory_operands(3); break;
    case 62 /*OpStore*/: ids(0, 2); memory_operands(2); break;
    case 63 /*OpCopyMemory*/: ids(0, 2); memory_operands(2); break;
    case 64 /*OpCopyMemorySized*/: ids(0, 3); memory_operands(3); break;
    case 79 /*OpVectorShuffle*/: ids(0, 4); break;
    case 81 /*OpCompositeExtract*/: ids(0, 3); break;
    case 82 /*OpCompositeInsert*/: ids(0, 4); break;
    case 246 /*OpLoopMerge*/: ids(0, 2); break;
    case 247 /*OpSelectionMerge*/: ids(0, 1); break;
    case 250 /*OpBranchConditional*/: ids(0, 3); break;
    case 251 /*OpSwitch*/:
      ids(0, 2);
      for (uint32_t k = 3; k < n; k += 2) out->push_back(ops[k]);  // labels after literals
      break;
    default:
      // Subgroup reductions carry a literal GroupOperation after the scope.
      if (inst.opcode >= 349 && inst.opcode <= 362) {
        ids(0, 3);
        ids(4, n);
      } else {
        ids(0, n);
      }
      break;
  }
}

std::vector<uint32_t> ExtractEntryPoint(const Module& m, const EntryPoint& entry) {
  const std::vector<Instruction>& insts = m.instructions();
  // Functions: [first, last] instruction indices, and whom they call.
  struct Fn {
    size_t first = 0, last = 0;
    std::vector<uint32_t> calls;
  };
  std::map<uint32_t, Fn> functions;
  uint32_t current = 0;
  for (size_t i = 0; i < insts.size(); ++i) {
    const Instruction& inst = insts[i];
    if (inst.opcode == OpFunction) {
      current = m.operands(inst)[1];
      functions[current].first = i;
    } else if (inst.opcode == OpFunctionEnd && current != 0) {
      functions[current].last = i;
      current = 0;
    } else if (inst.opcode == OpFunctionCall && current != 0) {
      functions[current].calls.push_back(m.operands(inst)[2]);
    }
  }
  std::set<uint32_t> reachable;
  std::vector<uint32_t> work = {entry.function};
  while (!work.empty()) {
    uint32_t f = work.back();
    work.pop_back();
    if (!reachable.insert(f).second) continue;
    auto it = functions.find(f);
    if (it != functions.end())
      for (uint32_t callee : it->second.calls) work.push_back(callee);
  }

  // Live ids: everything the kept functions mention (any operand word), the
  // entry point's interface and execution-mode operands, the WorkgroupSize
  // built-in (it sizes every entry point), and, transitively, what live
  // global definitions refer to.
  std::set<uint32_t> live, kept_locals, dropped_locals;
  std::vector<uint32_t> refs;
  std::vector<bool> in_function(insts.size(), false), in_dropped_function(insts.size(), false);
  for (const auto& kv : functions) {
    bool keep = reachable.count(kv.first) != 0;
    for (size_t i = kv.second.first; i <= kv.second.last; ++i) {
      const Instruction& inst = insts[i];
      const uint32_t* ops = m.operands(inst);
      const uint32_t n = m.operand_count(inst);
      in_function[i] = true;
      if (keep) {
        refs.clear();
        FunctionIdOperands(m, inst, &refs);
        live.insert(refs.begin(), refs.end());
        if (inst.opcode == 248 /*OpLabel*/ && n >= 1)
          kept_locals.insert(ops[0]);
        else if (!HasNoResult(inst.opcode) && n >= 2)
          kept_locals.insert(ops[1]);
      } else {
        in_dropped_function[i] = true;
        if (inst.opcode == 248 /*OpLabel*/ && n >= 1)
          dropped_locals.insert(ops[0]);
        else if (!HasNoResult(inst.opcode) && n >= 2)
          dropped_locals.insert(ops[1]);
      }
    }
  }
  live.insert(entry.function);
  for (uint32_t id : entry.interface) live.insert(id);
  for (const DecorationEntry& mode : m.ExecutionModes(entry.function))
    for (uint32_t v : mode.operands) live.insert(v);
  for (uint32_t id : m.IdsDecoratedWith(kBuiltIn)) {
    uint32_t builtin = 0;
    if (m.FindDecoration(id, kBuiltIn, &builtin) && builtin == kWorkgroupSize) live.insert(id);
  }
  std::vector<uint32_t> pending(live.begin(), live.end());
  while (!pending.empty()) {
    uint32_t id = pending.back();
    pending.pop_back();
    const Instruction* def = m.Definition(id);
    if (def == nullptr || in_function[static_cast<size_t>(def - insts.data())]) continue;
    refs.clear();
    GlobalReferences(m, *def, &refs);
    for (uint32_t r : refs)
      if (live.insert(r).second) pending.push_back(r);
  }
  // A name or decoration stays only if its target is defined in the result:
  // a live global definition, a kept function, or a kept function's result.
  auto target_dropped = [&](uint32_t id) {
    if (kept_locals.count(id) || reachable.count(id)) return false;
    const Instruction* def = m.Definition(id);
    if (def != nullptr && !in_function[static_cast<size_t>(def - insts.data())])
      return live.count(id) == 0;
    return dropped_locals.count(id) != 0 || functions.count(id) != 0;
  };

  std::vector<uint32_t> out(m.words().begin(), m.words().begin() + kHeaderWords);
  bool kept_entry = false;
  for (size_t i = 0; i < insts.size(); ++i) {
    const Instruction& inst = insts[i];
    const uint32_t* ops = m.operands(inst);
    if (in_dropped_function[i]) continue;
    bool keep = true;
    switch (inst.opcode) {
      case OpEntryPoint: {
        // This entry point only (another may share its function).
        std::string name;
        uint32_t next = 0;
        keep = !kept_entry && ops[1] == entry.function && ops[0] == entry.model &&
               ReadString(ops, m.operand_count(inst), 2, &name, &next) && name == entry.name;
        kept_entry = kept_entry || keep;
        break;
      }
      case OpExecutionMode:
      case OpExecutionModeId:
        keep = ops[0] == entry.function;
        break;
      case OpName:
      case OpMemberName:
      case OpDecorate:
      case OpMemberDecorate:
      case 332 /*OpDecorateId*/:
      case 5632 /*OpDecorateString*/:
      case 5633 /*OpMemberDecorateString*/:
        keep = !target_dropped(ops[0]);
        break;
      case OpTypeForwardPointer:
        keep = live.count(ops[0]) != 0;
        break;
      default:
        if (!in_function[i]) {
          uint32_t result = GlobalResult(m, inst);
          if (result != 0) keep = live.count(result) != 0;
        }
        break;
    }
    if (keep)
      out.insert(out.end(), m.words().begin() + inst.offset,
                 m.words().begin() + inst.offset + inst.word_count);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rewrite.

std::vector<uint32_t> MovePushConstantsToStorageBuffer(const Module& m) {
  const std::vector<uint32_t>& in = m.words();
  std::vector<uint32_t> body(in.begin(), in.end());
  std::vector<uint32_t> variables;
  std::set<uint32_t> blocks;
  size_t last_capability_end = kHeaderWords;
  size_t annotations_end = 0;
  for (const Instruction& inst : m.instructions()) {
    uint32_t* ops = &body[inst.offset + 1];
    if (inst.opcode == OpCapability) last_capability_end = inst.offset + inst.word_count;
    if (inst.opcode == OpTypePointer && ops[1] == kPushConstant) {
      ops[1] = kStorageBuffer;
    } else if (inst.opcode == OpTypeForwardPointer && ops[1] == kPushConstant) {
      ops[1] = kStorageBuffer;
    } else if (inst.opcode == OpVariable && ops[2] == kPushConstant) {
      ops[2] = kStorageBuffer;
      variables.push_back(ops[1]);
      const Instruction* ptr = m.Definition(ops[0]);
      if (ptr != nullptr && ptr->opcode == OpTypePointer) blocks.insert(m.operands(*ptr)[2]);
    }
    if (annotations_end == 0 &&
        ((inst.opcode >= OpTypeVoid && inst.opcode <= OpTypeForwardPointer) ||
         (inst.opcode >= OpConstantTrue && inst.opcode <= OpSpecConstantOp) ||
         inst.opcode == OpVariable || inst.opcode == OpFunction))
      annotations_end = inst.offset;
  }
  auto instruction = [](uint16_t op, std::initializer_list<uint32_t> operands) {
    std::vector<uint32_t> w;
    w.push_back((static_cast<uint32_t>(operands.size() + 1) << 16) | op);
    w.insert(w.end(), operands);
    return w;
  };
  std::vector<uint32_t> capabilities;
  auto add_capability = [&](uint32_t needs, uint32_t cap) {
    if (m.HasCapability(needs) && !m.HasCapability(cap)) {
      auto w = instruction(OpCapability, {cap});
      capabilities.insert(capabilities.end(), w.begin(), w.end());
    }
  };
  add_capability(4450 /*StoragePushConstant8*/, 4448 /*StorageBuffer8BitAccess*/);
  add_capability(4435 /*StoragePushConstant16*/, 4433 /*StorageBuffer16BitAccess*/);
  std::vector<uint32_t> extensions;
  if (m.version() < 0x00010300u && !variables.empty()) {
    // "SPV_KHR_storage_buffer_storage_class" as a literal string.
    const char name[] = "SPV_KHR_storage_buffer_storage_class";
    std::vector<uint32_t> w(1 + (sizeof name + 3) / 4, 0);
    for (size_t i = 0; i < sizeof name; ++i)
      w[1 + i / 4] |= static_cast<uint32_t>(static_cast<unsigned char>(name[i])) << (8 * (i % 4));
    w[0] = (static_cast<uint32_t>(w.size()) << 16) | OpExtension;
    extensions = w;
  }
  std::vector<uint32_t> decorations;
  for (uint32_t var : variables) {
    for (auto w : {instruction(OpDecorate, {var, kDescriptorSet, 0}),
                   instruction(OpDecorate, {var, kBinding, 0})})
      decorations.insert(decorations.end(), w.begin(), w.end());
  }
  for (uint32_t block : blocks) {
    const Instruction* def = m.Definition(block);
    if (def == nullptr || def->opcode != OpTypeStruct) continue;
    for (uint32_t i = 0; i + 1 < m.operand_count(*def); ++i) {
      if (m.FindMemberDecoration(block, i, kNonWritable, nullptr)) continue;
      auto w = instruction(OpMemberDecorate, {block, i, kNonWritable});
      decorations.insert(decorations.end(), w.begin(), w.end());
    }
  }
  // Splice: capabilities (and the extension) after the last OpCapability,
  // decorations at the end of the annotation section.
  if (annotations_end == 0) annotations_end = body.size();
  // Only a module out of the logical layout (types before capabilities) can
  // get here; keep the splice points in order rather than trust it.
  if (annotations_end < last_capability_end) annotations_end = last_capability_end;
  std::vector<uint32_t> out;
  out.reserve(body.size() + capabilities.size() + extensions.size() + decorations.size());
  out.insert(out.end(), body.begin(), body.begin() + static_cast<long>(last_capability_end));
  out.insert(out.end(), capabilities.begin(), capabilities.end());
  out.insert(out.end(), extensions.begin(), extensions.end());
  out.insert(out.end(), body.begin() + static_cast<long>(last_capability_end),
             body.begin() + static_cast<long>(annotations_end));
  out.insert(out.end(), decorations.begin(), decorations.end());
  out.insert(out.end(), body.begin() + static_cast<long>(annotations_end), body.end());
  return out;
}

}  // namespace vk
}  // namespace keel
