#include "cuda/driver.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include "common/services.h"
#include "cuda/status.h"

namespace keel::cuda {

DriverApi cu;
DriverFacts g_driver;

namespace {

// cuGetProcAddress at its CUDA 12.0 ABI (the _v2 export, with symbolStatus).
using GetProcAddressFn = CUresult(CUDAAPI*)(const char* symbol, void** pfn, int cudaVersion,
                                             cuuint64_t flags,
                                             CUdriverProcAddressQueryResult* symbolStatus);

enum Need { REQUIRED, OPTIONAL };

struct SymbolEntry {
  const char* name;  // with the cu prefix
  int version;
  Need need;
  void** slot;
};

const SymbolEntry* Symbols(size_t* count) {
#define KEEL_CUDA_ENTRY(name, version, need, params) \
  {"cu" #name, version, need, reinterpret_cast<void**>(&cu.name)},
  static const SymbolEntry kSymbols[] = {KEEL_CUDA_SYMBOLS(KEEL_CUDA_ENTRY)};
#undef KEEL_CUDA_ENTRY
  *count = sizeof kSymbols / sizeof kSymbols[0];
  return kSymbols;
}

// dlerror() for a missing file reads "libcuda.so.1: cannot open shared object
// file: No such file or directory"; anything else (wrong architecture, a
// broken dependency) is a different problem and is reported verbatim.
bool IsMissingFile(const char* why) {
  return why != nullptr && (std::strstr(why, "No such file") != nullptr ||
                            std::strstr(why, "cannot open shared object file") != nullptr);
}

// The NVIDIA kernel driver version, for driverVersion() ("580.65.06"). The
// driver API only reports the CUDA version it implements.
void ReadKernelDriverVersion(char* out, size_t size) {
  out[0] = '\0';
  FILE* f = std::fopen("/proc/driver/nvidia/version", "r");
  if (f == nullptr) return;
  char line[512];
  if (std::fgets(line, sizeof line, f) != nullptr) ParseKernelDriverVersion(line, out, size);
  std::fclose(f);
}

KLresult StubLibrary() {
  return Fail(KL_ERROR_NO_DEVICE,
              "stub libcuda (CUDA_ERROR_STUB_LIBRARY): no NVIDIA driver installed; libcuda.so.1 "
              "is the CUDA toolkit's stub library, found before the real driver");
}

}  // namespace

bool ParseKernelDriverVersion(const char* line, char* out, size_t size) {
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul ..."
  // or "... UNIX Open Kernel Module for x86_64  580.159.04  Release Build ...":
  // the version is the first word after "Kernel Module" that starts with a
  // digit and has a dot.
  out[0] = '\0';
  const char* p = std::strstr(line, "Kernel Module");
  while (p != nullptr && *p != '\0') {
    while (*p != '\0' && *p != ' ' && *p != '\t') ++p;  // skip the current word
    while (*p == ' ' || *p == '\t') ++p;
    size_t n = 0;
    while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n') ++n;
    if (n > 0 && p[0] >= '0' && p[0] <= '9' && std::memchr(p, '.', n) != nullptr && n < size) {
      std::memcpy(out, p, n);
      out[n] = '\0';
      return true;
    }
  }
  return false;
}

KLresult LoadDriver() {
  // RTLD_LOCAL: libcuda's symbols must not leak into the global namespace
  // where they could satisfy (or clash with) another library's lookups.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    if (IsMissingFile(why)) return Fail(KL_ERROR_NO_DEVICE, "no NVIDIA driver (libcuda.so.1 not found)");
    return Fail(KL_ERROR_NO_DEVICE, "no usable NVIDIA driver: libcuda.so.1 could not be loaded: %s",
                why ? why : "unknown dlopen error");
  }
  // Never dlclose'd: libraries stay loaded until process exit (teardown
  // ordering at exit is where other loaders crashed).
  auto get_proc = reinterpret_cast<GetProcAddressFn>(dlsym(lib, "cuGetProcAddress_v2"));
  if (get_proc == nullptr) {
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "NVIDIA driver too old: libcuda.so.1 has no cuGetProcAddress_v2 (new in CUDA 12.0); "
                "the CUDA backend needs a CUDA %d.%d or newer driver (R525+)",
                KEEL_CUDA_DRIVER_FLOOR / 1000, KEEL_CUDA_DRIVER_FLOOR % 1000 / 10);
  }

  // Resolve everything first; whether a required symbol is missing is
  // reported after cuInit and the version check, which explain it better.
  size_t count = 0;
  const SymbolEntry* symbols = Symbols(&count);
  const SymbolEntry* missing = nullptr;
  CUresult missing_result = CUDA_SUCCESS;
  bool stub = false;
  auto resolve_all = [&] {
    missing = nullptr;
    for (size_t i = 0; i < count; ++i) {
      const SymbolEntry& s = symbols[i];
      void* pfn = nullptr;
      CUdriverProcAddressQueryResult status = CU_GET_PROC_ADDRESS_SUCCESS;
      // LEGACY_STREAM: the NULL stream is the legacy default stream, as Keel
      // documents, never the per-thread one.
      CUresult r = get_proc(s.name, &pfn, s.version, CU_GET_PROC_ADDRESS_LEGACY_STREAM, &status);
      if (r == CUDA_ERROR_STUB_LIBRARY) stub = true;
      if (r != CUDA_SUCCESS || status != CU_GET_PROC_ADDRESS_SUCCESS) pfn = nullptr;
      *s.slot = pfn;
      if (pfn == nullptr && s.need == REQUIRED && missing == nullptr) {
        missing = &s;
        missing_result = r;
      }
    }
  };
  resolve_all();
  if (stub) return StubLibrary();
  if (cu.Init == nullptr && missing_result == CUDA_ERROR_NOT_INITIALIZED) {
    // cuGetProcAddress works before cuInit on every driver we know; should
    // one insist on initialization first, initialize through the plain
    // export (cuInit has a single ABI) and resolve again.
    auto init = reinterpret_cast<fn::PFN_Init>(dlsym(lib, "cuInit"));
    if (init != nullptr && init(0) == CUDA_SUCCESS) resolve_all();
  }
  if (cu.Init == nullptr) {
    return Fail(KL_ERROR_NO_DEVICE, "no usable NVIDIA driver: cuGetProcAddress could not resolve cuInit (%s)",
                CudaErrorName(missing_result));
  }
  CUresult r = cu.Init(0);
  if (r == CUDA_ERROR_STUB_LIBRARY) return StubLibrary();
  if (r != CUDA_SUCCESS) {
    char native[512];
    FormatCudaError(native, sizeof native, r, "cuInit");
    return Fail(KL_ERROR_NO_DEVICE, "NVIDIA driver present but unusable: %s", native);
  }
  if (cu.DriverGetVersion == nullptr || cu.DriverGetVersion(&g_driver.cuda_version) != CUDA_SUCCESS) {
    return Fail(KL_ERROR_NOT_SUPPORTED, "libcuda.so.1: cuDriverGetVersion is unavailable");
  }
  if (g_driver.cuda_version < KEEL_CUDA_DRIVER_FLOOR) {
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "NVIDIA driver too old: it implements CUDA %d.%d, the CUDA backend needs CUDA %d.%d or newer",
                g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10,
                KEEL_CUDA_DRIVER_FLOOR / 1000, KEEL_CUDA_DRIVER_FLOOR % 1000 / 10);
  }
  if (missing != nullptr) {
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "libcuda.so.1 (CUDA %d.%d) lacks %s at ABI version %d (cuGetProcAddress: %s)",
                g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10, missing->name,
                missing->version, CudaErrorName(missing_result));
  }
  CUmoduleLoadingMode mode = CU_MODULE_EAGER_LOADING;
  if (cu.ModuleGetLoadingMode(&mode) == CUDA_SUCCESS) g_driver.lazy_loading = mode == CU_MODULE_LAZY_LOADING;
  ReadKernelDriverVersion(g_driver.kernel_driver, sizeof g_driver.kernel_driver);
  for (size_t i = 0; i < count; ++i) {
    if (symbols[i].need == OPTIONAL && *symbols[i].slot == nullptr) {
      Log(KL_LOG_INFO, "optional symbol %s (CUDA %d.%d) is absent: its features report KL_ERROR_NOT_SUPPORTED",
          symbols[i].name, symbols[i].version / 1000, symbols[i].version % 1000 / 10);
    }
  }
  Log(KL_LOG_INFO, "libcuda.so.1: CUDA %d.%d, kernel driver %s, module loading %s",
      g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10,
      g_driver.kernel_driver[0] ? g_driver.kernel_driver : "unknown",
      g_driver.lazy_loading ? "lazy" : "eager");
  return KL_SUCCESS;
}

}  // namespace keel::cuda
