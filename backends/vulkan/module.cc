#include "vulkan/module.h"

#include <cstdarg>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/bundle.h"
#include "common/image_format.h"
#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/launch.h"
#include "vulkan/memory.h"
#include "vulkan/status.h"
#include "vulkan/stream.h"

namespace keel {
namespace vk {
namespace {

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

// SPIR-V capabilities that need a device feature, and whether it is enabled.
struct CapabilityNeed {
  uint32_t capability;
  const char* feature;
  bool DeviceFeatures::*flag;
  bool DeviceFeatures::*alternative;  // either one suffices (may be null)
};

const CapabilityNeed kCapabilityNeeds[] = {
    {9, "shaderFloat16", &DeviceFeatures::float16, nullptr},
    {10, "shaderFloat64", &DeviceFeatures::float64, nullptr},
    {11, "shaderInt64", &DeviceFeatures::int64, nullptr},
    {12, "shaderBufferInt64Atomics", &DeviceFeatures::int64_atomics, nullptr},
    {22, "shaderInt16", &DeviceFeatures::int16, nullptr},
    {39, "shaderInt8", &DeviceFeatures::int8, nullptr},
    {4433, "storageBuffer16BitAccess", &DeviceFeatures::storage_buffer_16bit, nullptr},
    {4434, "uniformAndStorageBuffer16BitAccess", &DeviceFeatures::uniform_storage_16bit, nullptr},
    {4435, "storagePushConstant16", &DeviceFeatures::push_constant_16bit, nullptr},
    {4448, "storageBuffer8BitAccess", &DeviceFeatures::storage_buffer_8bit, nullptr},
    {4449, "uniformAndStorageBuffer8BitAccess", &DeviceFeatures::uniform_storage_8bit, nullptr},
    {4450, "storagePushConstant8", &DeviceFeatures::push_constant_8bit, nullptr},
    {5345, "vulkanMemoryModel", &DeviceFeatures::vulkan_memory_model, nullptr},
    {5346, "vulkanMemoryModelDeviceScope", &DeviceFeatures::vulkan_memory_model_device_scope,
     nullptr},
    {6033, "shaderBufferFloat32AtomicAdd (VK_EXT_shader_atomic_float)",
     &DeviceFeatures::float32_atomic_add, &DeviceFeatures::float32_shared_atomic_add},
    {6034, "shaderBufferFloat64AtomicAdd (VK_EXT_shader_atomic_float)",
     &DeviceFeatures::float64_atomic_add, nullptr},
};

size_t AsSize(void* value) { return static_cast<size_t>(reinterpret_cast<uintptr_t>(value)); }
void* FromSize(size_t size) { return reinterpret_cast<void*>(static_cast<uintptr_t>(size)); }

// Copies a log into a caller's buffer (NUL-terminated); returns bytes written
// including the NUL, as the CUDA backend does.
size_t CopyLog(char* dst, size_t dst_size, const std::string& log) {
  if (dst == nullptr || dst_size == 0) return 0;
  size_t n = log.size() < dst_size - 1 ? log.size() : dst_size - 1;
  std::memcpy(dst, log.data(), n);
  dst[n] = '\0';
  return n + 1;
}

}  // namespace

KLresult Module::Check(const char* api, std::string* message) {
  const Device* device = context_->device();
  if (spirv_.version() > device->spirv_version) {
    *message = Format("%s: the module is SPIR-V %u.%u; %s accepts up to SPIR-V %u.%u (Vulkan %u.%u)",
                      api, spirv_.version_major(), spirv_.version_minor(), device->name.c_str(),
                      (device->spirv_version >> 16) & 0xff, (device->spirv_version >> 8) & 0xff,
                      VK_API_VERSION_MAJOR(device->api_version),
                      VK_API_VERSION_MINOR(device->api_version));
    return KL_ERROR_UNSUPPORTED_IMAGE_VERSION;
  }
  bool compute = false;
  for (const spirv::EntryPoint& ep : spirv_.entry_points())
    if (ep.model == spirv::kGLCompute) compute = true;
  if (spirv_.HasCapability(6 /*Kernel*/) || !compute) {
    *message = Format(
        "%s: the SPIR-V module has no Vulkan compute entry point%s; the Vulkan backend loads "
        "GLSL compute shaders compiled for Vulkan (docs/backends/vulkan.md)",
        api, spirv_.HasCapability(6) ? " (it is OpenCL-flavoured SPIR-V, for Level Zero)" : "");
    return KL_ERROR_INVALID_IMAGE;
  }
  for (uint32_t cap : spirv_.capabilities()) {
    for (const CapabilityNeed& need : kCapabilityNeeds) {
      if (need.capability != cap) continue;
      bool ok = device->features.*need.flag ||
                (need.alternative != nullptr && device->features.*need.alternative);
      if (!ok) {
        *message = Format("%s: the module needs SPIR-V capability %s, and %s lacks %s", api,
                          spirv::CapabilityName(cap).c_str(), device->name.c_str(), need.feature);
        return KL_ERROR_NO_BINARY_FOR_DEVICE;
      }
    }
  }
  return KL_SUCCESS;
}

KLresult Module::Load(Context* context, const void* image, size_t size, const char* api,
                      Module** out, std::string* log) {
  std::string message;
  auto fail = [&](KLresult code) {
    if (log != nullptr) *log = message;
    return Fail(code, "%s", message.c_str());
  };
  if (size == 0) {
    message = Format("%s: the image is empty (size 0)", api);
    return fail(KL_ERROR_INVALID_IMAGE);
  }
  ImageFormat format = DetectImageFormat(image, size);
  // A Keel bundle: take the newest Vulkan SPIR-V the device accepts
  // (docs/bundle-format.md); it then goes through the checks below.
  BundleImage chosen;
  if (format == ImageFormat::kBundle) {
    const Device* d = context->device();
    std::string why;
    KLresult r = SelectBundleImage(
        image, size,
        VulkanBundlePreferences(static_cast<int>(VK_API_VERSION_MAJOR(d->api_version)),
                                static_cast<int>(VK_API_VERSION_MINOR(d->api_version))),
        &chosen, &why);
    if (r != KL_SUCCESS) {
      message = Format("%s: %s", api, why.c_str());
      return fail(r);
    }
    image = chosen.data;
    size = chosen.size;
    format = DetectImageFormat(image, size);
  }
  if (format != ImageFormat::kSpirv) {
    if (format == ImageFormat::kUnknown) {
      uint32_t first = 0;
      std::memcpy(&first, image, size < 4 ? size : 4);
      message = Format("%s: the image is not SPIR-V (first word 0x%08x, expected the magic "
                       "number 0x07230203)",
                       api, first);
    } else {
      message = Format("%s: the image is %s; the Vulkan backend loads Vulkan SPIR-V "
                       "(docs/backends/vulkan.md)",
                       api, ImageFormatName(format));
    }
    return fail(KL_ERROR_INVALID_IMAGE);
  }
  std::unique_ptr<Module> m(new Module(context));
  std::vector<uint32_t> words;
  std::string error;
  if (!spirv::NormalizeByteOrder(image, size, &words, &error) ||
      !m->spirv_.Parse(std::move(words), &error)) {
    message = Format("%s: invalid SPIR-V: %s", api, error.c_str());
    return fail(KL_ERROR_INVALID_IMAGE);
  }
  KLresult r = m->Check(api, &message);
  if (r != KL_SUCCESS) return fail(r);

  // Reflect every compute kernel before the driver sees anything.
  const Device* device = context->device();
  Reflection reflection(m->spirv_);
  std::vector<KernelInfo> kernels;
  for (const spirv::EntryPoint& ep : m->spirv_.entry_points()) {
    if (ep.model != spirv::kGLCompute) continue;
    KernelInfo info;
    if (!reflection.ReflectKernel(ep, &info, &error)) {
      message = Format("%s: %s", api, error.c_str());
      return fail(KL_ERROR_INVALID_IMAGE);
    }
    kernels.push_back(std::move(info));
  }

  // Kernels whose argument block exceeds the push-constant limit read it from
  // a storage buffer. That needs push descriptors, and storage-buffer access
  // to 8/16-bit members if the block has them; without those such kernels
  // fail at launch with the reason.
  const DeviceFeatures& f = device->features;
  const bool buffer_args_possible =
      f.push_descriptor && (!m->spirv_.HasCapability(4450) || f.storage_buffer_8bit) &&
      (!m->spirv_.HasCapability(4435) || f.storage_buffer_16bit);
  const DeviceFunctions& fn = context->fn;
  size_t k = 0;
  for (const spirv::EntryPoint& ep : m->spirv_.entry_points()) {
    if (ep.model != spirv::kGLCompute) continue;
    KernelInfo& info = kernels[k++];
    const bool in_buffer = info.block_bytes > device->max_push_constants;
    VkShaderModule shader = VK_NULL_HANDLE;
    if (!in_buffer || buffer_args_possible) {
      // The kernel's own module is checked like the image it came from.
      std::vector<uint32_t> code = ExtractEntryPoint(m->spirv_, ep);
      spirv::Module single;
      if (!single.Parse(code, &error)) {
        message = Format("%s: extracting kernel \"%s\": %s", api, ep.name.c_str(), error.c_str());
        m.release()->Destroy();
        return fail(KL_ERROR_INVALID_IMAGE);
      }
      if (in_buffer) code = MovePushConstantsToStorageBuffer(single);
      VkShaderModuleCreateInfo create{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
      create.codeSize = code.size() * 4;
      create.pCode = code.data();
      VkResult vr = fn.vkCreateShaderModule(context->device_handle(), &create, nullptr, &shader);
      if (vr != VK_SUCCESS) {
        message = Format("%s: vkCreateShaderModule (kernel \"%s\"): %s (%d)", api, ep.name.c_str(),
                         VkResultName(vr) ? VkResultName(vr) : "?", static_cast<int>(vr));
        m.release()->Destroy();
        return fail(vr == VK_ERROR_INVALID_SHADER_NV ? KL_ERROR_INVALID_IMAGE : ToKLresult(vr));
      }
    }
    m->functions_.emplace_back(new Function(m.get(), std::move(info), shader, in_buffer));
    m->functions_.back()->FillNative();
  }
  if (!reflection.Globals(&m->globals_, &error)) {
    message = Format("%s: %s", api, error.c_str());
    m.release()->Destroy();
    return fail(KL_ERROR_INVALID_IMAGE);
  }
  r = m->LoadGlobals(api, &message);
  if (r != KL_SUCCESS) {
    m->FreeGlobals();
    m.release()->Destroy();
    return fail(r);
  }
  *out = m.release();
  context->AddModule(*out);
  Log(KL_LOG_DEBUG, "%s: loaded a SPIR-V %u.%u module with %zu kernel(s)", api,
      (*out)->spirv_.version_major(), (*out)->spirv_.version_minor(), (*out)->functions_.size());
  return KL_SUCCESS;
}

KLresult Module::LoadGlobals(const char* api, std::string* message) {
  if (!globals_.present) return KL_SUCCESS;
  // One real allocation per loaded module, so klMemcpy*/klMemset* on the
  // addresses klModuleGetGlobal returns resolve through the range map like
  // any other device pointer.
  KLcontext ctx = ToHandle<KLcontext>(context_);
  const size_t bytes = static_cast<size_t>(globals_.bytes == 0 ? 1 : globals_.bytes);
  KLresult r = vk::klMemAlloc(ctx, &globals_address_, bytes);
  if (r == KL_SUCCESS) r = vk::klMemsetD8(ctx, globals_address_, 0, bytes);
  if (r != KL_SUCCESS) {
    *message = Format("%s: allocating and zeroing the module's %zu bytes of globals failed "
                      "(KLresult %d)",
                      api, bytes, static_cast<int>(r));
    return r;
  }
  // CUDA initializes __device__ variables when the module loads; a Vulkan
  // module does so with its keel_globals_init kernel, run once here as one
  // block, and waited for so that every stream sees the initial values.
  Function* init = FindFunction(KEEL_VULKAN_GLOBALS_INIT_KERNEL);
  if (init == nullptr) return KL_SUCCESS;
  const KernelInfo& info = init->info();
  if (!info.keel_header || !info.params.empty()) {
    *message = Format("%s: kernel %s must take no parameters and declare the Keel argument "
                      "header (an empty KEEL_PARAMS_BEGIN KEEL_PARAMS_END), which carries the "
                      "globals address",
                      api, KEEL_VULKAN_GLOBALS_INIT_KERNEL);
    return KL_ERROR_INVALID_IMAGE;
  }
  unsigned int block[3];
  for (int i = 0; i < 3; ++i) block[i] = info.block_dim_spec[i] ? 1u : info.block_dim[i];
  r = vk::klLaunchKernel(ToHandle<KLfunction>(init), 1, 1, 1, block[0], block[1], block[2], 0,
                     nullptr, nullptr, nullptr);
  if (r == KL_SUCCESS) r = vk::klStreamSynchronize(ctx, nullptr);
  if (r != KL_SUCCESS) {
    *message = Format("%s: running %s failed (KLresult %d)", api, KEEL_VULKAN_GLOBALS_INIT_KERNEL,
                      static_cast<int>(r));
    return r;
  }
  return KL_SUCCESS;
}

void Module::FreeGlobals() {
  if (globals_address_ == 0) return;
  // Unload has waited for the module's work; an error here (the caller freed
  // the address itself) leaves nothing to release.
  vk::klMemFree(ToHandle<KLcontext>(context_), globals_address_);
  globals_address_ = 0;
}

KLresult Module::NativeShader(const char* api, VkShaderModule* out) {
  std::lock_guard<std::mutex> lock(native_mu_);
  if (native_ == VK_NULL_HANDLE) {
    VkShaderModuleCreateInfo create{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    create.codeSize = spirv_.words().size() * 4;
    create.pCode = spirv_.words().data();
    VkResult r = context_->fn.vkCreateShaderModule(context_->device_handle(), &create, nullptr, &native_);
    if (r != VK_SUCCESS) {
      native_ = VK_NULL_HANDLE;
      return VkFail(r, api, "vkCreateShaderModule");
    }
  }
  *out = native_;
  return KL_SUCCESS;
}

void Module::Destroy() {
  for (auto& f : functions_) f->Destroy();
  functions_.clear();
  if (native_ != VK_NULL_HANDLE)
    context_->fn.vkDestroyShaderModule(context_->device_handle(), native_, nullptr);
  delete this;
}

Function* Module::FindFunction(const char* name) const {
  for (const auto& f : functions_)
    if (f->info().name == name) return f.get();
  return nullptr;
}

// ---------------------------------------------------------------------------
// Entry points.

namespace {

KLresult LoadEntry(Context* c, KLmodule* module, const void* image, size_t size, const char* api,
                   std::string* log) {
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (module == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: module is NULL", api);
  if (image == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: image is NULL", api);
  Module* m = nullptr;
  r = Module::Load(c, image, size, api, &m, log);
  if (r != KL_SUCCESS) return r;
  *module = ToHandle<KLmodule>(m);
  return KL_SUCCESS;
}

}  // namespace

KLresult klModuleLoad(KLcontext ctx, KLmodule* module, const char* fname) {
  const char* api = "klModuleLoad";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (module == nullptr || fname == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: module or fname is NULL", api);
  std::FILE* file = std::fopen(fname, "rb");
  if (file == nullptr)
    return Fail(KL_ERROR_FILE_NOT_FOUND, "%s: cannot open \"%s\": %s", api, fname,
                std::strerror(errno));
  std::vector<unsigned char> bytes;
  unsigned char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
  bool read_error = std::ferror(file) != 0;
  std::fclose(file);
  if (read_error) return Fail(KL_ERROR_FILE_NOT_FOUND, "%s: cannot read \"%s\"", api, fname);
  if (bytes.empty()) return Fail(KL_ERROR_INVALID_IMAGE, "%s: \"%s\" is empty", api, fname);
  return LoadEntry(c, module, bytes.data(), bytes.size(), api, nullptr);
}

KLresult klModuleLoadData(KLcontext ctx, KLmodule* module, const void* image, size_t size) {
  return LoadEntry(FromHandle<Context>(ctx), module, image, size, "klModuleLoadData", nullptr);
}

KLresult klModuleLoadDataEx(KLcontext ctx, KLmodule* module, const void* image, size_t size,
                            unsigned int numOptions, KLjit_option* options, void** optionValues) {
  const char* api = "klModuleLoadDataEx";
  if (numOptions > 0 && (options == nullptr || optionValues == nullptr))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: numOptions is %u but options or optionValues is NULL",
                api, numOptions);
  // Vulkan SPIR-V is not JIT-compiled by Keel: options are checked and
  // ignored, logs are filled (the error log with the failure, if any).
  int info_size_slot = -1, error_size_slot = -1, wall_slot = -1;
  char* info_log = nullptr;
  char* error_log = nullptr;
  for (unsigned int i = 0; i < numOptions; ++i) {
    // Read as an int: a value outside the enum is the caller's error to
    // report, and loading it as a KLjit_option would be undefined.
    int o = 0;
    static_assert(sizeof(KLjit_option) == sizeof(int), "KLjit_option is an int");
    std::memcpy(&o, &options[i], sizeof o);
    if (o < 0 || o > KL_JIT_CACHE_MODE)
      return Fail(KL_ERROR_INVALID_VALUE, "%s: options[%u] = %d is not a KLjit_option", api, i, o);
    switch (o) {
      case KL_JIT_INFO_LOG_BUFFER: info_log = static_cast<char*>(optionValues[i]); break;
      case KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES: info_size_slot = static_cast<int>(i); break;
      case KL_JIT_ERROR_LOG_BUFFER: error_log = static_cast<char*>(optionValues[i]); break;
      case KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES: error_size_slot = static_cast<int>(i); break;
      case KL_JIT_WALL_TIME: wall_slot = static_cast<int>(i); break;
      default: break;
    }
  }
  if (info_log != nullptr && info_size_slot < 0)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: KL_JIT_INFO_LOG_BUFFER given without KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES", api);
  if (error_log != nullptr && error_size_slot < 0)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: KL_JIT_ERROR_LOG_BUFFER given without KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", api);
  auto start = std::chrono::steady_clock::now();
  std::string log;
  KLresult r = LoadEntry(FromHandle<Context>(ctx), module, image, size, api, &log);
  float ms = std::chrono::duration<float, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (info_size_slot >= 0)
    optionValues[info_size_slot] =
        FromSize(CopyLog(info_log, AsSize(optionValues[info_size_slot]), std::string()));
  if (error_size_slot >= 0)
    optionValues[error_size_slot] =
        FromSize(CopyLog(error_log, AsSize(optionValues[error_size_slot]), log));
  if (wall_slot >= 0) {
    // The float is stored in the option's value slot, as CUDA does.
    void* slot = nullptr;
    std::memcpy(&slot, &ms, sizeof ms);
    optionValues[wall_slot] = slot;
  }
  return r;
}

KLresult klModuleUnload(KLmodule hmod) {
  Module* m = FromHandle<Module>(hmod);
  Context* c = m->context();
  // Launches already queued may still use the module's pipelines.
  KLresult r = c->Synchronize("klModuleUnload");
  m->FreeGlobals();
  c->RemoveModule(m);
  m->Destroy();
  return r;
}

KLresult klModuleGetFunction(KLfunction* hfunc, KLmodule hmod, const char* name) {
  if (hfunc == nullptr || name == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetFunction: hfunc or name is NULL");
  Function* f = FromHandle<Module>(hmod)->FindFunction(name);
  if (f == nullptr)
    return Fail(KL_ERROR_NOT_FOUND, "klModuleGetFunction: the module has no kernel named \"%s\"",
                name);
  *hfunc = ToHandle<KLfunction>(f);
  return KL_SUCCESS;
}

KLresult klModuleGetGlobal(KLdeviceptr* dptr, size_t* bytes, KLmodule hmod, const char* name) {
  const char* api = "klModuleGetGlobal";
  if (name == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: name is NULL", api);
  const Module* m = FromHandle<Module>(hmod);
  const GlobalsInfo& globals = m->globals();
  if (!globals.present) {
    if (globals.names_stripped)
      return Fail(KL_ERROR_NOT_FOUND,
                  "%s: cannot look up \"%s\": the module's debug names were stripped (it has no "
                  "OpName/OpMemberName, e.g. after spirv-opt --strip-debug), and globals are "
                  "found by the member names of the %s block; load the module unstripped",
                  api, name, kGlobalsBlockName);
    return Fail(KL_ERROR_NOT_FOUND,
                "%s: the module declares no globals (no KEEL_GLOBALS_BEGIN block), so none is "
                "named \"%s\"",
                api, name);
  }
  std::string known;
  for (const GlobalVariable& v : globals.variables) {
    if (v.name == name) {
      if (dptr != nullptr) *dptr = m->globals_address() + v.offset;
      if (bytes != nullptr) *bytes = static_cast<size_t>(v.size);
      return KL_SUCCESS;
    }
    // The names for the message, up to a readable length.
    if (known.size() < 200) known += (known.empty() ? "" : ", ") + v.name;
  }
  return Fail(KL_ERROR_NOT_FOUND, "%s: the module has no global named \"%s\" (its globals: %s)",
              api, name, known.c_str());
}

KLresult klModuleGetNativeHandle(void** native, KLmodule hmod) {
  if (native == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetNativeHandle: native is NULL");
  VkShaderModule shader = VK_NULL_HANDLE;
  KLresult r = FromHandle<Module>(hmod)->NativeShader("klModuleGetNativeHandle", &shader);
  if (r != KL_SUCCESS) return r;
  *native = reinterpret_cast<void*>(shader);
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
