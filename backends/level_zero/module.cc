// Modules: OpenCL-flavoured SPIR-V, checked and reflected before the driver
// sees it (parameter sizes come from here: Level Zero cannot report them),
// built with zeModuleCreate, build log attached to every failure.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "common/bundle.h"
#include "common/image_format.h"
#include "common/spirv_module.h"
#include "level_zero.h"

namespace keel::ze {

namespace {

struct JitLogs {
  char* info = nullptr;
  size_t* info_size = nullptr;
  char* error = nullptr;
  size_t* error_size = nullptr;
  float* wall_ms = nullptr;
  std::string build_flags;
};

void WriteLog(char* buffer, size_t* size_slot, const std::string& text) {
  if (buffer == nullptr || size_slot == nullptr || *size_slot == 0) return;
  size_t n = text.size() < *size_slot - 1 ? text.size() : *size_slot - 1;
  std::memcpy(buffer, text.data(), n);
  buffer[n] = '\0';
  *size_slot = n + 1;
}

// Parses cuModuleLoadDataEx-style options: values are stored in the option
// slots themselves (sizes in and out, the wall time out).
KLresult ParseOptions(unsigned n, KLjit_option* options, void** values, JitLogs* logs) {
  if (n > 0 && (options == nullptr || values == nullptr))
    return Fail(KL_ERROR_INVALID_VALUE,
                "klModuleLoadDataEx: options or optionValues is NULL with numOptions = %u", n);
  for (unsigned i = 0; i < n; ++i) {
    // Read as an integer: callers may pass values outside the enumeration.
    std::underlying_type_t<KLjit_option> option;
    std::memcpy(&option, &options[i], sizeof option);
    switch (option) {
      case KL_JIT_INFO_LOG_BUFFER: logs->info = static_cast<char*>(values[i]); break;
      case KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES: logs->info_size = reinterpret_cast<size_t*>(&values[i]); break;
      case KL_JIT_ERROR_LOG_BUFFER: logs->error = static_cast<char*>(values[i]); break;
      case KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES: logs->error_size = reinterpret_cast<size_t*>(&values[i]); break;
      case KL_JIT_WALL_TIME: logs->wall_ms = reinterpret_cast<float*>(&values[i]); break;
      case KL_JIT_OPTIMIZATION_LEVEL:
        if (reinterpret_cast<uintptr_t>(values[i]) == 0) logs->build_flags = "-ze-opt-disable";
        break;
      case KL_JIT_MAX_REGISTERS:
      case KL_JIT_THREADS_PER_BLOCK:
      case KL_JIT_TARGET_FROM_CUCONTEXT:
      case KL_JIT_TARGET:
      case KL_JIT_FALLBACK_STRATEGY:
      case KL_JIT_GENERATE_DEBUG_INFO:
      case KL_JIT_LOG_VERBOSE:
      case KL_JIT_GENERATE_LINE_INFO:
      case KL_JIT_CACHE_MODE:
        break;  // known, no Level Zero equivalent: ignored as keel.h allows
      default:
        return Fail(KL_ERROR_INVALID_VALUE, "klModuleLoadDataEx: unknown option %d",
                    static_cast<int>(option));
    }
  }
  return KL_SUCCESS;
}

std::string BuildLog(ze_module_build_log_handle_t log) {
  if (log == nullptr) return "";
  std::string text;
  size_t size = 0;
  if (api.zeModuleBuildLogGetString(log, &size, nullptr) == ZE_RESULT_SUCCESS && size > 1) {
    text.resize(size);
    if (api.zeModuleBuildLogGetString(log, &size, text.data()) != ZE_RESULT_SUCCESS) text.clear();
    while (!text.empty() && (text.back() == '\0' || text.back() == '\n')) text.pop_back();
  }
  api.zeModuleBuildLogDestroy(log);
  return text;
}

KLresult LoadImage(Context* ctx, const void* image, size_t size, const char* function,
                   JitLogs* logs, KLmodule* out) {
  if (image == nullptr || size == 0)
    return Fail(KL_ERROR_INVALID_IMAGE, "%s: the image is empty", function);
  BundleImage chosen;  // a Keel bundle: load its OpenCL SPIR-V
  if (DetectImageFormat(image, size) == ImageFormat::kBundle) {
    std::string why;
    KLresult r = SelectBundleImage(image, size, LevelZeroBundlePreferences(), &chosen, &why);
    if (r != KL_SUCCESS) return Fail(r, "%s: %s", function, why.c_str());
    image = chosen.data;
    size = chosen.size;
  }
  ImageFormat format = DetectImageFormat(image, size);
  if (format != ImageFormat::kSpirv)
    return Fail(KL_ERROR_INVALID_IMAGE,
                "%s: the image is %s; the level_zero backend loads OpenCL SPIR-V (.ze.spv)",
                function, ImageFormatName(format));
  std::vector<uint32_t> words;
  std::string error;
  spirv::Module spv;
  if (!spirv::NormalizeByteOrder(image, size, &words, &error) || !spv.Parse(std::move(words), &error))
    return Fail(KL_ERROR_INVALID_IMAGE, "%s: malformed SPIR-V: %s", function, error.c_str());
  std::vector<spirv::KernelSignature> kernels;
  if (!spirv::ReflectKernels(spv, &kernels, &error))
    return Fail(KL_ERROR_INVALID_IMAGE, "%s: malformed SPIR-V: %s", function, error.c_str());
  if (kernels.empty())
    return Fail(KL_ERROR_INVALID_IMAGE,
                "%s: the SPIR-V has no OpenCL kernels (OpEntryPoint Kernel); Vulkan (GLCompute) "
                "SPIR-V is for the vulkan backend",
                function);

  auto m = std::make_unique<Module>();
  m->ctx = ctx;
  for (auto& k : kernels) m->kernels.emplace(k.name, std::move(k));
  const std::vector<uint32_t>& code = spv.words();
  ze_module_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_MODULE_DESC;
  desc.format = ZE_MODULE_FORMAT_IL_SPIRV;
  desc.inputSize = code.size() * sizeof(uint32_t);
  desc.pInputModule = reinterpret_cast<const uint8_t*>(code.data());
  desc.pBuildFlags = logs->build_flags.c_str();
  ze_module_build_log_handle_t log = nullptr;
  auto start = std::chrono::steady_clock::now();
  ze_result_t r = api.zeModuleCreate(ctx->ze, ctx->device->handle, &desc, &m->module, &log);
  auto stop = std::chrono::steady_clock::now();
  std::string text = BuildLog(log);
  if (logs->wall_ms != nullptr)
    *logs->wall_ms = std::chrono::duration<float, std::milli>(stop - start).count();
  if (r != ZE_RESULT_SUCCESS) {
    WriteLog(logs->error, logs->error_size, text);
    WriteLog(logs->info, logs->info_size, "");
    std::string detail = text.empty() ? std::string("no build log") : "build log:\n" + text;
    return ZeFail(r, function, "zeModuleCreate", KL_SUCCESS, detail.c_str());
  }
  WriteLog(logs->info, logs->info_size, text);
  WriteLog(logs->error, logs->error_size, "");
  std::lock_guard<std::mutex> lock(ctx->mu);
  ctx->modules.insert(m.get());
  *out = ToHandle<KLmodule>(m.release());
  return KL_SUCCESS;
}

}  // namespace

KLresult DestroyModule(Module* m, const char* function) {
  Context* ctx = m->ctx;
  // Work already queued may use its kernels (keel.h): wait for it.
  KLresult result = SynchronizeContext(ctx, function);
  for (auto& [name, f] : m->functions) DestroyFunction(f.get());
  m->functions.clear();
  {
    AllocationMap& a = Allocations();
    std::lock_guard<std::mutex> lock(a.mu);
    for (uint64_t base : m->globals) a.map.Erase(base);
  }
  ze_result_t r = api.zeModuleDestroy(m->module);
  {
    std::lock_guard<std::mutex> lock(ctx->mu);
    ctx->modules.erase(m);
  }
  delete m;
  if (r != ZE_RESULT_SUCCESS && result == KL_SUCCESS) result = ZeFail(r, function, "zeModuleDestroy");
  return result;
}

// ---- entry points -----------------------------------------------------------

KLresult klModuleLoad(KLcontext ctx, KLmodule* module, const char* fname) {
  if (module == nullptr || fname == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleLoad: module or fname is NULL");
  std::ifstream file(fname, std::ios::binary);
  if (!file) return Fail(KL_ERROR_FILE_NOT_FOUND, "klModuleLoad: cannot open '%s'", fname);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  JitLogs logs;
  return LoadImage(FromHandle<Context>(ctx), bytes.data(), bytes.size(), "klModuleLoad", &logs, module);
}

KLresult klModuleLoadData(KLcontext ctx, KLmodule* module, const void* image, size_t size) {
  if (module == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleLoadData: module is NULL");
  JitLogs logs;
  return LoadImage(FromHandle<Context>(ctx), image, size, "klModuleLoadData", &logs, module);
}

KLresult klModuleLoadDataEx(KLcontext ctx, KLmodule* module, const void* image, size_t size,
                            unsigned int numOptions, KLjit_option* options, void** optionValues) {
  if (module == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleLoadDataEx: module is NULL");
  JitLogs logs;
  KLresult r = ParseOptions(numOptions, options, optionValues, &logs);
  if (r != KL_SUCCESS) return r;
  return LoadImage(FromHandle<Context>(ctx), image, size, "klModuleLoadDataEx", &logs, module);
}

KLresult klModuleUnload(KLmodule hmod) {
  return DestroyModule(FromHandle<Module>(hmod), "klModuleUnload");
}

KLresult klModuleGetGlobal(KLdeviceptr* dptr, size_t* bytes, KLmodule hmod, const char* name) {
  if (name == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetGlobal: name is NULL");
  Module* m = FromHandle<Module>(hmod);
  size_t size = 0;
  void* ptr = nullptr;
  ze_result_t r = api.zeModuleGetGlobalPointer(m->module, name, &size, &ptr);
  if (r == ZE_RESULT_ERROR_INVALID_GLOBAL_NAME)
    return ZeFail(r, "klModuleGetGlobal", "zeModuleGetGlobalPointer", KL_ERROR_NOT_FOUND,
                  (std::string("no global '") + name + "' in the module").c_str());
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "klModuleGetGlobal", "zeModuleGetGlobalPointer");
  uint64_t base = reinterpret_cast<uint64_t>(ptr);
  if (size > 0 && ptr != nullptr) {
    // Registered so that copies to and from it pass the range checks.
    AllocationMap& a = Allocations();
    std::lock_guard<std::mutex> lock(a.mu);
    const auto* e = a.map.FindBase(base);
    if (e == nullptr && a.map.Insert(base, size, Allocation{AllocKind::kGlobal, m->ctx, m}))
      m->globals.push_back(base);
  }
  if (dptr != nullptr) *dptr = base;
  if (bytes != nullptr) *bytes = size;
  return KL_SUCCESS;
}

KLresult klModuleGetNativeHandle(void** native, KLmodule hmod) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetNativeHandle: native is NULL");
  *native = FromHandle<Module>(hmod)->module;
  return KL_SUCCESS;
}

// Keel's linker takes PTX/cubin inputs (KLjitInputType); Level Zero links
// SPIR-V modules (zeModuleDynamicLink), which these entry points cannot name.
KLresult klLinkCreate(KLcontext ctx, unsigned int numOptions, KLjit_option* options,
                      void** optionValues, KLlinkState* stateOut) {
  return Fail(KL_ERROR_NOT_SUPPORTED,
              "klLinkCreate: the level_zero backend has no PTX/cubin linker; load one SPIR-V "
              "module per klModuleLoadData");
}
KLresult klLinkAddData(KLlinkState state, KLjitInputType type, void* data, size_t size,
                       const char* name, unsigned int numOptions, KLjit_option* options,
                       void** optionValues) {
  return Fail(KL_ERROR_NOT_SUPPORTED, "klLinkAddData: the level_zero backend has no linker");
}
KLresult klLinkComplete(KLlinkState state, void** imageOut, size_t* sizeOut) {
  return Fail(KL_ERROR_NOT_SUPPORTED, "klLinkComplete: the level_zero backend has no linker");
}
KLresult klLinkDestroy(KLlinkState state) {
  return Fail(KL_ERROR_NOT_SUPPORTED, "klLinkDestroy: the level_zero backend has no linker");
}

}  // namespace keel::ze
