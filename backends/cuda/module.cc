// Modules: loading PTX, cubin and fatbin images, functions and globals.
//
// Every load goes through cuModuleLoadDataEx with Keel's JIT log buffers, so
// a failing PTX compile always reports its log. Images are checked before the
// driver sees them (image_check.h): the driver takes no size and would read
// past a truncated image.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/bundle.h"
#include "common/image_format.h"
#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/image_check.h"
#include "cuda/objects.h"
#include "cuda/ptx_version.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

const char* Version(char* buf, size_t size, int cuda_version) {
  std::snprintf(buf, size, "%d.%d", cuda_version / 1000, cuda_version % 1000 / 10);
  return buf;
}

// The message of a failed load. PTX newer than the driver accepts becomes
// KL_ERROR_UNSUPPORTED_IMAGE_VERSION naming both versions, whichever code
// the driver chose for it (older drivers say INVALID_PTX with a log line,
// newer ones UNSUPPORTED_PTX_VERSION).
KLresult LoadError(const char* kl_fn, CUresult r, ImageFormat format, const char* ptx, size_t size,
                   const JitOptions& jit) {
  const char* log = jit.error_log()[0] != '\0' ? jit.error_log() : jit.info_log();
  char excerpt[1400];
  LogExcerpt(excerpt, sizeof excerpt, "JIT log", log);
  char driver[16];
  Version(driver, sizeof driver, g_driver.cuda_version);
  PtxVersion module_version;
  if (format == ImageFormat::kPtx &&
      (r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION || r == CUDA_ERROR_INVALID_PTX) &&
      ParsePtxVersion(ptx, size, &module_version)) {
    PtxVersion newest;
    bool known = ParseJitLogMaxVersion(log, &newest) || MaxPtxVersionForDriver(g_driver.cuda_version, &newest);
    if (known && newest < module_version) {
      return FailCudaDetail(r, KL_ERROR_UNSUPPORTED_IMAGE_VERSION, kl_fn, "cuModuleLoadDataEx",
                            "module PTX ISA %d.%d, driver (CUDA %s) supports PTX ISA up to %d.%d; "
                            "build the PTX for an older ISA or update the NVIDIA driver%s%s",
                            module_version.major, module_version.minor, driver, newest.major, newest.minor,
                            excerpt[0] ? "; " : "", excerpt);
    }
    if (!known && r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
      return FailCudaDetail(r, KL_ERROR_UNSUPPORTED_IMAGE_VERSION, kl_fn, "cuModuleLoadDataEx",
                            "module PTX ISA %d.%d is newer than the driver (CUDA %s) accepts%s%s",
                            module_version.major, module_version.minor, driver, excerpt[0] ? "; " : "",
                            excerpt);
    }
  }
  if (excerpt[0] == '\0') return FailCuda(r, kl_fn, "cuModuleLoadDataEx");
  return FailCudaDetail(r, ToKeelResult(r), kl_fn, "cuModuleLoadDataEx", "%s", excerpt);
}

KLresult LoadImage(const char* kl_fn, KLcontext hctx, KLmodule* out, const void* image, size_t size,
                   unsigned int num_options, KLjit_option* options, void** values) {
  if (out == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: module is NULL", kl_fn);
  if (image == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: image is NULL", kl_fn);
  JitOptions jit;
  KLresult kr = jit.Init(kl_fn, num_options, options, values);
  if (kr != KL_SUCCESS) return kr;
  BundleImage chosen;  // a Keel bundle: load the entry that suits this device
  if (DetectImageFormat(image, size) == ImageFormat::kBundle) {
    const Device* dev = ToContext(hctx)->device;
    std::string why;
    KLresult br = SelectBundleImage(image, size,
        CudaBundlePreferences(dev->attrs[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR],
                              dev->attrs[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR]),
        &chosen, &why);
    if (br != KL_SUCCESS) {
      jit.CopyOut();
      return Fail(br, "%s: %s", kl_fn, why.c_str());
    }
    Log(KL_LOG_DEBUG, "%s: bundle entry %zu: %s %s", kl_fn, chosen.index,
        BundleFormatName(chosen.format).c_str(), chosen.target.c_str());
    image = chosen.data;
    size = chosen.size;
  }
  ImageFormat format = ImageFormat::kUnknown;
  char why[512];
  if (CheckCudaImage(image, size, &format, why, sizeof why) != KL_SUCCESS) {
    jit.CopyOut();  // Keel: requested logs are written (empty) on failure too
    return Fail(KL_ERROR_INVALID_IMAGE, "%s: %s", kl_fn, why);
  }
  // cuModuleLoadDataEx reads PTX up to its NUL; Keel's size may exclude it.
  std::string ptx_copy;
  const void* data = image;
  const char* text = static_cast<const char*>(image);
  if (format == ImageFormat::kPtx && text[size - 1] != '\0') {
    ptx_copy.assign(text, size);
    data = ptx_copy.c_str();
  }
  Context* ctx = ToContext(hctx);
  CUmodule m = nullptr;
  CUresult r = CallIn(ctx->cu, [&] {
    return cu.ModuleLoadDataEx(&m, data, jit.count(), jit.options(), jit.values());
  });
  jit.CopyOut();
  if (r != CUDA_SUCCESS) return LoadError(kl_fn, r, format, text, size, jit);
  if (jit.info_log()[0] != '\0') Log(KL_LOG_DEBUG, "%s: JIT info log: %s", kl_fn, jit.info_log());
  auto module = std::make_unique<Module>();
  module->ctx = ctx;
  module->cu = m;
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->modules.insert(module.get());
  }
  Log(KL_LOG_DEBUG, "%s: loaded a %s image of %zu bytes", kl_fn, ImageFormatName(format), size);
  *out = ToHandle<KLmodule>(module.release());
  return KL_SUCCESS;
}

// Reads a whole file; on failure sets the message and returns the code.
KLresult ReadFile(const char* path, std::vector<char>* data) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Fail(KL_ERROR_FILE_NOT_FOUND, "klModuleLoad: cannot open '%s': %s", path, std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(KL_ERROR_FILE_NOT_FOUND, "klModuleLoad: '%s' is not a regular file", path);
  }
  data->resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data->size()) {
    ssize_t n = ::read(fd, data->data() + done, data->size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return Fail(KL_ERROR_FILE_NOT_FOUND, "klModuleLoad: cannot read '%s': %s", path,
                  n == 0 ? "file shrank while reading" : std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return KL_SUCCESS;
}

}  // namespace

void FreeModule(Module* module) { delete module; }

KLresult klModuleLoad(KLcontext ctx, KLmodule* module, const char* fname) {
  if (module == nullptr || fname == nullptr) {
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleLoad: module or fname is NULL");
  }
  std::vector<char> data;
  KLresult r = ReadFile(fname, &data);
  if (r != KL_SUCCESS) return r;
  if (data.empty()) return Fail(KL_ERROR_INVALID_IMAGE, "klModuleLoad: '%s' is empty", fname);
  return LoadImage("klModuleLoad", ctx, module, data.data(), data.size(), 0, nullptr, nullptr);
}

KLresult klModuleLoadData(KLcontext ctx, KLmodule* module, const void* image, size_t size) {
  return LoadImage("klModuleLoadData", ctx, module, image, size, 0, nullptr, nullptr);
}

KLresult klModuleLoadDataEx(KLcontext ctx, KLmodule* module, const void* image, size_t size,
                            unsigned int numOptions, KLjit_option* options, void** optionValues) {
  return LoadImage("klModuleLoadDataEx", ctx, module, image, size, numOptions, options, optionValues);
}

KLresult klModuleUnload(KLmodule hmod) {
  Module* m = ToModule(hmod);
  Context* ctx = m->ctx;
  // Keel: work already queued that uses the module's functions completes
  // first. The driver does not promise that, so wait for the context.
  CUresult r = CallIn(ctx->cu, [] { return cu.CtxSynchronize(); });
  if (r != CUDA_SUCCESS) return FailCuda(r, "klModuleUnload", "cuCtxSynchronize");
  KEEL_CU_TRY("klModuleUnload", ModuleUnload, (m->cu));
  {
    std::lock_guard<std::mutex> lock(ctx->mutex);
    ctx->modules.erase(m);
  }
  FreeModule(m);
  return KL_SUCCESS;
}

KLresult klModuleGetFunction(KLfunction* hfunc, KLmodule hmod, const char* name) {
  if (hfunc == nullptr || name == nullptr) {
    return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetFunction: hfunc or name is NULL");
  }
  // The driver calls an empty name an invalid value; to Keel it is a name
  // that no kernel has.
  if (name[0] == '\0') return Fail(KL_ERROR_NOT_FOUND, "klModuleGetFunction: no kernel has an empty name");
  Module* m = ToModule(hmod);
  std::lock_guard<std::mutex> lock(m->mutex);
  auto it = m->functions.find(name);
  if (it != m->functions.end()) {
    *hfunc = ToHandle<KLfunction>(it->second.get());
    return KL_SUCCESS;
  }
  auto f = std::make_unique<Function>();
  f->module = m;
  f->ctx = m->ctx;
  CUresult r = CallIn(m->ctx->cu, [&] { return cu.ModuleGetFunction(&f->cu, m->cu, name); });
  if (r != CUDA_SUCCESS) {
    return FailCudaDetail(r, ToKeelResult(r), "klModuleGetFunction", "cuModuleGetFunction",
                          "no kernel named '%s' in the module (C++ kernels have mangled names; "
                          "declare them extern \"C\")",
                          name);
  }
  KLresult kr = PrepareFunction(f.get(), name);
  if (kr != KL_SUCCESS) return kr;
  *hfunc = ToHandle<KLfunction>(f.get());
  m->functions.emplace(name, std::move(f));
  return KL_SUCCESS;
}

KLresult klModuleGetGlobal(KLdeviceptr* dptr, size_t* bytes, KLmodule hmod, const char* name) {
  if (name == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetGlobal: name is NULL");
  Module* m = ToModule(hmod);
  CUdeviceptr d = 0;
  size_t b = 0;
  CUresult r = CallIn(m->ctx->cu, [&] { return cu.ModuleGetGlobal(&d, &b, m->cu, name); });
  if (r != CUDA_SUCCESS) {
    return FailCudaDetail(r, ToKeelResult(r), "klModuleGetGlobal", "cuModuleGetGlobal",
                          "no global named '%s' in the module", name);
  }
  if (dptr != nullptr) *dptr = static_cast<KLdeviceptr>(d);
  if (bytes != nullptr) *bytes = b;
  return KL_SUCCESS;
}

KLresult klModuleGetNativeHandle(void** native, KLmodule hmod) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klModuleGetNativeHandle: native is NULL");
  *native = ToModule(hmod)->cu;
  return KL_SUCCESS;
}

}  // namespace keel::cuda
