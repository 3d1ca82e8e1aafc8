#include "kernels.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "options.h"

namespace kc {
namespace {

constexpr KLdevice_attribute kNone = KL_DEVICE_ATTRIBUTE_INVALID;

// u32 parameters k..k+count-1 after an 8-byte pointer at offset 0.
std::vector<ParamLayout> PointerThenWords(size_t words) {
  std::vector<ParamLayout> p = {{0, 8}};
  for (size_t k = 0; k < words; ++k) p.push_back({8 + 4 * k, 4});
  return p;
}

// CUDA cubins built per module (conformance/kernels/CMakeLists.txt).
constexpr int kCubinArchs[] = {75, 80, 86, 89, 90};

int DeviceAttr(const Target& t, KLdevice_attribute a) {
  int v = 0;
  if (klDeviceGetAttribute(&v, a, t.device) != KL_SUCCESS) return 0;
  return v;
}

std::string ExecutableDir() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  std::string s(path);
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? "" : s.substr(0, slash);
}

bool FileExists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

}  // namespace

const std::vector<ModuleInfo>& AllModules() {
  static const std::vector<ModuleInfo> modules = {
      {"basic", kNone},
      {"args", kNone},
      {"args_int8_int16", KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS},
      {"args_int64", KL_DEVICE_ATTRIBUTE_SHADER_INT64},
      {"args_float64", KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64},
      {"shared", kNone},
      {"atomics", kNone},
      {"atomics_float", KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD},
      {"atomics_int64", KL_DEVICE_ATTRIBUTE_SHADER_INT64},
      {"matmul", kNone},
      {"globals", KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS},
  };
  return modules;
}

const ModuleInfo* FindModule(const std::string& name) {
  for (const ModuleInfo& m : AllModules())
    if (name == m.name) return &m;
  return nullptr;
}

const std::vector<KernelInfo>& AllKernels() {
  // Each kernel takes its module's requirement, filled in below.
  static const std::vector<KernelInfo> kernels = [] {
    std::vector<KernelInfo> k = {
        // basic
        {"basic", "empty", {}, kNone},
        {"basic", "vec_add", {{0, 8}, {8, 8}, {16, 8}, {24, 4}}, kNone},
        {"basic", "add_scalar_f32", {{0, 8}, {8, 4}, {12, 4}}, kNone},
        {"basic", "fill_u32", {{0, 8}, {8, 4}, {12, 4}}, kNone},
        {"basic", "write_index", {{0, 8}, {8, 4}}, kNone},
        {"basic", "busy_loop", {{0, 8}, {8, 4}}, kNone},
        {"basic", "coverage", {{0, 8}, {8, 4}, {12, 4}, {16, 4}}, kNone},
        {"basic", "grid_dims", {{0, 8}}, kNone},
        // args and its optional-feature modules
        {"args", "args_i32_f32", {{0, 4}, {4, 4}, {8, 4}, {16, 8}}, kNone},
        {"args", "many_args_16", PointerThenWords(15), kNone},
        {"args", "many_args_64", PointerThenWords(63), kNone},
        {"args", "struct_arg_16", {{0, 16}, {16, 8}}, kNone},
        {"args", "struct_arg_256", {{0, 256}, {256, 8}}, kNone},
        {"args_int8_int16", "args_i8", {{0, 1}, {1, 1}, {8, 8}}, kNone},
        {"args_int8_int16", "args_i16", {{0, 2}, {2, 2}, {8, 8}}, kNone},
        {"args_int64", "args_i64", {{0, 8}, {8, 8}, {16, 8}}, kNone},
        {"args_float64", "args_f64", {{0, 8}, {8, 8}}, kNone},
        // shared
        {"shared", "reverse_dynamic", {{0, 8}, {8, 8}, {16, 4}}, kNone},
        {"shared", "dynamic_shared_fill", {{0, 8}, {8, 4}}, kNone},
        {"shared", "static_plus_dynamic", {{0, 8}, {8, 4}}, kNone},
        {"shared", "reduce_sum_u32", {{0, 8}, {8, 8}, {16, 4}}, kNone},
        // atomics and its optional-feature modules
        {"atomics", "atomic_add_i32", {{0, 8}, {8, 4}}, kNone},
        {"atomics", "atomic_minmax", {{0, 8}, {8, 8}, {16, 4}}, kNone},
        {"atomics", "shared_atomics", {{0, 8}, {8, 8}, {16, 4}}, kNone},
        {"atomics_float", "atomic_add_f32", {{0, 8}, {8, 4}}, kNone},
        {"atomics_int64", "atomic_cas_u64", {{0, 8}, {8, 4}}, kNone},
        // matmul
        {"matmul", "matmul_tiled", {{0, 8}, {8, 8}, {16, 8}, {24, 4}, {28, 4}, {32, 4}}, kNone},
        // globals
        {"globals", "read_globals", {{0, 8}}, kNone},
        {"globals", "write_globals", {{0, 4}}, kNone},
    };
    for (KernelInfo& kernel : k) kernel.requires = FindModule(kernel.module)->requires;
    return k;
  }();
  return kernels;
}

const KernelInfo* FindKernel(const std::string& name) {
  for (const KernelInfo& k : AllKernels())
    if (name == k.name) return &k;
  return nullptr;
}

std::string FormatDir(const Target& target) {
  if (target.backend == "cuda") return "cuda";
  if (target.backend == "vulkan") return "vulkan";
  if (target.backend == "level_zero") return "level_zero";
  return "";
}

std::vector<std::string> KernelSearchDirs() {
  std::string env = Env("KEEL_CONFORMANCE_KERNEL_DIR");
  if (!env.empty()) return {env};
  std::vector<std::string> dirs;
#ifdef KEEL_CONFORMANCE_BUILD_KERNEL_DIR
  dirs.push_back(KEEL_CONFORMANCE_BUILD_KERNEL_DIR);
#endif
#ifdef KEEL_CONFORMANCE_PREBUILT_DIR
  dirs.push_back(KEEL_CONFORMANCE_PREBUILT_DIR);
#endif
  std::string exe = ExecutableDir();
  if (!exe.empty()) dirs.push_back(exe + "/../share/keel/conformance/kernels");
  return dirs;
}

namespace {

std::string FindImage(const std::string& format, const std::string& file, std::string* searched) {
  for (const std::string& dir : KernelSearchDirs()) {
    std::string path = dir + "/" + format + "/" + file;
    if (FileExists(path)) return path;
    if (searched) *searched += (searched->empty() ? "" : ", ") + path;
  }
  return "";
}

}  // namespace

std::vector<ImageVariant> ImageVariants(const Target& target) {
  std::string format = FormatDir(target);
  if (format == "cuda") {
    std::vector<ImageVariant> v = {{"fatbin", ".fatbin", false}, {"ptx", ".ptx", true}};
    // The cubin that runs on this device: same major architecture, highest
    // minor not above the device's (cubins run on later minors of their major).
    int major = DeviceAttr(target, KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    int minor = DeviceAttr(target, KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    int best = -1;
    for (int arch : kCubinArchs)
      if (arch / 10 == major && arch % 10 <= minor) best = arch;
    if (best > 0) {
      std::string ext = ".sm_" + std::to_string(best) + ".cubin";
      if (!FindImage(format, "basic" + ext, nullptr).empty()) v.push_back({"cubin", ext, false});
    }
    return v;
  }
  if (format == "vulkan") return {{"spv", ".spv", false}};
  if (format == "level_zero") return {{"spv", ".ze.spv", false}};
  return {};
}

std::string ImagePath(const Target& target, const std::string& module, const std::string& variant,
                      std::string* searched) {
  std::vector<ImageVariant> variants = ImageVariants(target);
  for (const ImageVariant& v : variants) {
    if (!variant.empty() && v.name != variant) continue;
    return FindImage(FormatDir(target), module + v.ext, searched);
  }
  if (searched) *searched = "no image variant '" + variant + "' for backend " + target.backend;
  return "";
}

bool LinkInputType(const Target& target, KLjitInputType* type) {
  if (FormatDir(target) != "cuda") return false;
  *type = KL_JIT_INPUT_PTX;
  return true;
}

std::string BrokenIL(const Target& target) {
  if (FormatDir(target) != "cuda") return "";
  // Well-formed PTX header, then an instruction using an undeclared register.
  return ".version 7.0\n.target sm_75\n.address_size 64\n\n"
         ".visible .entry broken(.param .u64 p)\n{\n"
         "\tld.param.u64 %rd1, [p];\n"
         "\tst.global.u32 [%rd1], %undeclared_register;\n"
         "\tret;\n}\n";
}

std::string ManyKernelsModule(unsigned int count) { return "many_kernels_" + std::to_string(count); }

std::string ManyKernelsPtx(const Target& target, unsigned int count) {
  if (FormatDir(target) != "cuda") return "";
  // PTX ISA 7.0 for sm_50 and later: drivers since CUDA 11 compile it for
  // every architecture Keel supports.
  std::string ptx = ".version 7.0\n.target sm_50\n.address_size 64\n";
  for (unsigned int i = 0; i < count; ++i) {
    std::string name = "kernel_" + std::to_string(i);
    ptx += "\n.visible .entry " + name + "(.param .u64 " + name + "_out, .param .u32 " + name + "_n)\n{\n";
    ptx += "\t.reg .pred %p<2>;\n\t.reg .b32 %r<8>;\n\t.reg .b64 %rd<5>;\n";
    ptx += "\tld.param.u64 %rd1, [" + name + "_out];\n";
    ptx += "\tld.param.u32 %r1, [" + name + "_n];\n";
    // gid = blockIdx.x * blockDim.x + threadIdx.x
    ptx += "\tmov.u32 %r2, %ctaid.x;\n\tmov.u32 %r3, %ntid.x;\n\tmov.u32 %r4, %tid.x;\n";
    ptx += "\tmad.lo.s32 %r5, %r2, %r3, %r4;\n";
    ptx += "\tsetp.ge.u32 %p1, %r5, %r1;\n\t@%p1 bra DONE;\n";
    // out[gid] = gid * 3 + i
    ptx += "\tmad.lo.s32 %r6, %r5, 3, " + std::to_string(i) + ";\n";
    ptx += "\tcvta.to.global.u64 %rd2, %rd1;\n\tmul.wide.u32 %rd3, %r5, 4;\n";
    ptx += "\tadd.s64 %rd4, %rd2, %rd3;\n\tst.global.u32 [%rd4], %r6;\n";
    ptx += "DONE:\n\tret;\n}\n";
  }
  return ptx;
}

std::vector<char> ForeignImage(const Target& target) {
  std::vector<char> image;
  if (FormatDir(target) == "cuda") {
    // A SPIR-V module (Vulkan's format); a minimal valid header if no
    // prebuilt Vulkan image is around.
    std::string path = FindImage("vulkan", "basic.spv", nullptr);
    if (!path.empty() && ReadFile(path, &image)) return image;
    const uint32_t header[] = {0x07230203u, 0x00010000u, 0u, 16u, 0u};
    image.resize(sizeof header);
    std::memcpy(image.data(), header, sizeof header);
    return image;
  }
  // Everything else gets PTX text (CUDA's format).
  std::string path = FindImage("cuda", "basic.ptx", nullptr);
  if (!path.empty() && ReadFile(path, &image)) return image;
  const char ptx[] = ".version 7.0\n.target sm_75\n.address_size 64\n.visible .entry empty()\n{\n\tret;\n}\n";
  image.assign(ptx, ptx + sizeof ptx - 1);
  return image;
}

bool ReadFile(const std::string& path, std::vector<char>* data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  data->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace kc
