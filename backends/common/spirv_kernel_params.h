// Reflection of the parameters of OpenCL-flavoured SPIR-V kernels
// (OpEntryPoint Kernel): what each parameter is and how many bytes its value
// takes, which Level Zero cannot report (zeKernelGetProperties gives only a
// count) and which the argument packing of klLaunchKernel needs.
//
// A kernel's parameters are the OpFunctionParameter list of its entry
// function. Their types map to kinds as clang + llvm-spirv emit them:
//   OpTypeInt / OpTypeFloat / OpTypeVector          kScalar, size of the value
//   OpTypePointer CrossWorkgroup|UniformConstant|Generic
//                                                    kGlobalPointer, pointer size
//   OpTypePointer Workgroup                          kLocalPointer (a __local
//                                                    buffer: its size is chosen
//                                                    at launch, no value)
//   OpTypePointer Function + FuncParamAttr ByVal     kStruct: a struct passed by
//                                                    value, size of the pointee
//   anything else (images, samplers, events, ...)    kUnsupported
// Sizes and alignments follow the OpenCL C rules (3-element vectors take the
// room of 4, structs are laid out with natural alignment unless CPacked).
#ifndef KEEL_BACKENDS_COMMON_SPIRV_KERNEL_PARAMS_H_
#define KEEL_BACKENDS_COMMON_SPIRV_KERNEL_PARAMS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/spirv_module.h"

namespace keel {
namespace spirv {

enum class ParamKind {
  kScalar,         // integer, float or vector value
  kGlobalPointer,  // __global / __constant / generic pointer: a device address
  kLocalPointer,   // __local pointer: sized at launch
  kStruct,         // aggregate passed by value
  kUnsupported,    // image, sampler, event, ... (Keel cannot pass these)
};

// "scalar", "global pointer", "local pointer", "struct", "unsupported".
const char* ParamKindName(ParamKind kind);

struct KernelParam {
  ParamKind kind = ParamKind::kUnsupported;
  size_t size = 0;       // bytes of the value (0 for kLocalPointer and kUnsupported)
  size_t alignment = 1;  // natural alignment of the value
  std::string type;      // a short description for messages ("u32", "ptr CrossWorkgroup", ...)
};

struct KernelSignature {
  std::string name;
  std::vector<KernelParam> params;
};

// Reflects every OpEntryPoint Kernel of `module`. Returns false with *error
// set when an entry point's function or a parameter type is malformed (a
// type the reflection does not know is kUnsupported, not an error).
bool ReflectKernels(const Module& module, std::vector<KernelSignature>* kernels,
                    std::string* error);

// Size and alignment of a SPIR-V data type under the OpenCL C rules; false if
// the type has no fixed size (runtime arrays, opaque types) or is malformed.
bool SizeOfType(const Module& module, uint32_t type_id, size_t* size, size_t* alignment);

}  // namespace spirv
}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_SPIRV_KERNEL_PARAMS_H_
