// The raw libcuda baseline. libcuda.so.1 is opened at run time (never
// linked), and every symbol is resolved through cuGetProcAddress at an
// explicit ABI version, so the toolkit's version macros (CUDA 13 renames
// cuCtxCreate and friends) cannot change what is called.
#include <dlfcn.h>

#include <cuda.h>
#include <cudaTypedefs.h>

#include <cstring>

#include "figures.h"
#include "targets.h"
#include "timer.h"

namespace kb {
namespace {

// X(name without "cu", ABI version): the symbol and its PFN_cu<name>_v<version>.
#define KB_CUDA_SYMBOLS(X)                                                                   \
  X(Init, 2000) X(DriverGetVersion, 2020) X(GetErrorName, 6000) X(DeviceGet, 2000)           \
  X(DeviceGetName, 2000) X(DevicePrimaryCtxRetain, 7000) X(DevicePrimaryCtxRelease, 11000)   \
  X(CtxSetCurrent, 4000) X(CtxSynchronize, 2000) X(ModuleLoadData, 2000)                     \
  X(ModuleUnload, 2000) X(ModuleGetFunction, 2000) X(LaunchKernel, 4000)                     \
  X(StreamCreate, 2000) X(StreamDestroy, 4000) X(StreamSynchronize, 2000)                    \
  X(EventCreate, 2000) X(EventRecord, 2000) X(EventSynchronize, 2000)                        \
  X(EventElapsedTime, 2000) X(EventDestroy, 4000) X(MemAlloc, 3020) X(MemFree, 3020)         \
  X(MemHostAlloc, 2020) X(MemFreeHost, 2000) X(MemcpyHtoD, 3020) X(MemcpyDtoH, 3020)         \
  X(MemcpyDtoD, 3020) X(MemsetD32, 3020)

struct Cuda {
#define KB_CUDA_FIELD(name, version) PFN_cu##name##_v##version name = nullptr;
  KB_CUDA_SYMBOLS(KB_CUDA_FIELD)
#undef KB_CUDA_FIELD
};

// Opens libcuda.so.1 and resolves the list. Throws Error with the reason.
Cuda OpenCuda() {
  dlerror();
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    throw Error(Format("raw CUDA: cannot open libcuda.so.1 (no NVIDIA driver on this machine?): %s",
                       why ? why : "unknown dlopen error"));
  }
  auto get_proc = reinterpret_cast<PFN_cuGetProcAddress_v12000>(dlsym(lib, "cuGetProcAddress_v2"));
  if (get_proc == nullptr)
    throw Error("raw CUDA: libcuda.so.1 has no cuGetProcAddress_v2 (driver older than CUDA 12.0)");
  Cuda cu;
#define KB_CUDA_RESOLVE(name, version)                                                         \
  {                                                                                            \
    void* fn = nullptr;                                                                        \
    CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;               \
    CUresult r = get_proc("cu" #name, &fn, version, CU_GET_PROC_ADDRESS_LEGACY_STREAM, &found); \
    if (r == CUDA_ERROR_STUB_LIBRARY)                                                          \
      throw Error("raw CUDA: libcuda.so.1 is the CUDA toolkit's stub library, not a driver "   \
                  "(CUDA_ERROR_STUB_LIBRARY): no NVIDIA driver here");                         \
    if (r != CUDA_SUCCESS || fn == nullptr)                                                    \
      throw Error(Format("raw CUDA: cuGetProcAddress(\"cu%s\", %d) failed: error %d, status %d", \
                         #name, version, static_cast<int>(r), static_cast<int>(found)));       \
    cu.name = reinterpret_cast<PFN_cu##name##_v##version>(fn);                                 \
  }
  KB_CUDA_SYMBOLS(KB_CUDA_RESOLVE)
#undef KB_CUDA_RESOLVE
  return cu;
}

const Cuda& Driver() {
  static const Cuda cu = OpenCuda();
  return cu;
}

[[noreturn]] void Fail(const Cuda& cu, const char* call, CUresult r) {
  const char* name = nullptr;
  if (cu.GetErrorName == nullptr || cu.GetErrorName(r, &name) != CUDA_SUCCESS) name = nullptr;
  if (r == CUDA_ERROR_STUB_LIBRARY)
    throw Error(Format("raw CUDA: %s: CUDA_ERROR_STUB_LIBRARY (34): libcuda.so.1 is the "
                       "toolkit's stub, no NVIDIA driver",
                       call));
  throw Error(Format("raw CUDA: %s: %s (%d)", call, name ? name : "unknown CUresult",
                     static_cast<int>(r)));
}

#define CU(call)                                          \
  do {                                                    \
    CUresult cu_result_ = cu_.call;                       \
    if (cu_result_ != CUDA_SUCCESS) Fail(cu_, #call, cu_result_); \
  } while (0)

class CudaRaw : public Target {
 public:
  CudaRaw(const Options& opts, const DeviceId& id) : cu_(Driver()) {
    CU(Init(0));
    CU(DeviceGet(&dev_, id.cuda_ordinal < 0 ? 0 : id.cuda_ordinal));
    CU(DevicePrimaryCtxRetain(&ctx_, dev_));
    retained_ = true;
    CU(CtxSetCurrent(ctx_));
    char name[256] = {};
    CU(DeviceGetName(name, sizeof name, dev_));
    int version = 0;
    CU(DriverGetVersion(&version));
    describe_ = Format("libcuda (driver API %d.%d), %s, device %d, primary context", version / 1000,
                       version % 1000 / 10, name, static_cast<int>(dev_));
    Image image = LoadImage(opts, ImageKind::kFatbin);
    CU(ModuleLoadData(&module_, image.bytes.data()));
    CU(ModuleGetFunction(&empty_, module_, "Empty"));
    CU(ModuleGetFunction(&vecadd_, module_, "VecAdd"));
    CU(StreamCreate(&stream_, CU_STREAM_NON_BLOCKING));
    CU(EventCreate(&ev_a_, CU_EVENT_DEFAULT));
    CU(EventCreate(&ev_b_, CU_EVENT_DEFAULT));
  }

  ~CudaRaw() override {
    // Best effort: errors at teardown are not figures.
    cu_.CtxSetCurrent(ctx_);
    if (stream_) cu_.StreamSynchronize(stream_), cu_.StreamDestroy(stream_);
    if (ev_a_) cu_.EventDestroy(ev_a_);
    if (ev_b_) cu_.EventDestroy(ev_b_);
    if (module_) cu_.ModuleUnload(module_);
    if (retained_) cu_.DevicePrimaryCtxRelease(dev_);
  }

  std::string Describe() const override { return describe_; }
  void Bind() override { CU(CtxSetCurrent(ctx_)); }

  void LaunchEmpty(int n) override {
    for (int i = 0; i < n; ++i)
      CU(LaunchKernel(empty_, 1, 1, 1, 32, 1, 1, 0, stream_, nullptr, nullptr));
  }

  void LaunchVecAdd(int n, ArgMode mode, const VecAddArgs& a) override {
    CUdeviceptr pa = a.a.addr, pb = a.b.addr, pc = a.c.addr;
    int count = a.n;
    unsigned grid = static_cast<unsigned>((static_cast<size_t>(a.n) + a.block - 1) / a.block);
    if (mode == ArgMode::kParams) {
      void* params[] = {&pa, &pb, &pc, &count};
      for (int i = 0; i < n; ++i)
        CU(LaunchKernel(vecadd_, grid, 1, 1, a.block, 1, 1, 0, stream_, params, nullptr));
    } else {
      // The C layout of (ptr, ptr, ptr, int): offsets 0, 8, 16, 24; 28 bytes.
      alignas(8) char buf[32] = {};
      std::memcpy(buf + 0, &pa, 8);
      std::memcpy(buf + 8, &pb, 8);
      std::memcpy(buf + 16, &pc, 8);
      std::memcpy(buf + 24, &count, 4);
      size_t size = 28;
      void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
                       CU_LAUNCH_PARAM_END};
      for (int i = 0; i < n; ++i)
        CU(LaunchKernel(vecadd_, grid, 1, 1, a.block, 1, 1, 0, stream_, nullptr, extra));
    }
  }

  void StreamSync() override { CU(StreamSynchronize(stream_)); }
  void CtxSync() override { CU(CtxSynchronize()); }

  void EventRecord(int n) override {
    for (int i = 0; i < n; ++i) CU(EventRecord(ev_a_, stream_));
  }
  void EventPrepareElapsed() override {
    CU(EventRecord(ev_a_, stream_));
    LaunchEmpty(1);
    CU(EventRecord(ev_b_, stream_));
    CU(EventSynchronize(ev_b_));
  }
  float EventElapsed(int n) override {
    float ms = -1;
    for (int i = 0; i < n; ++i) CU(EventElapsedTime(&ms, ev_a_, ev_b_));
    return ms;
  }
  void StreamCreateDestroy(int n) override {
    for (int i = 0; i < n; ++i) {
      CUstream s = nullptr;
      CU(StreamCreate(&s, CU_STREAM_NON_BLOCKING));
      CU(StreamDestroy(s));
    }
  }

  DevBuf Alloc(size_t bytes) override {
    CUdeviceptr p = 0;
    CU(MemAlloc(&p, bytes));
    return DevBuf{p, bytes, 0};
  }
  void Free(const DevBuf& b) override { CU(MemFree(b.addr)); }
  HostBuf HostAlloc(size_t bytes, bool pinned) override {
    HostBuf h;
    h.bytes = bytes;
    h.pinned = pinned;
    if (pinned) {
      CU(MemHostAlloc(&h.ptr, bytes, 0));
      std::memset(h.ptr, 0, bytes);
    } else {
      h.ptr = PageableAlloc(bytes);
    }
    return h;
  }
  void HostFree(const HostBuf& h) override {
    if (h.pinned) CU(MemFreeHost(h.ptr));
    else PageableFree(h.ptr);
  }
  void HtoD(const DevBuf& d, const HostBuf& h, size_t bytes) override {
    CU(MemcpyHtoD(d.addr, h.ptr, bytes));
  }
  void DtoH(const HostBuf& h, const DevBuf& d, size_t bytes) override {
    CU(MemcpyDtoH(h.ptr, d.addr, bytes));
  }
  void DtoD(const DevBuf& dst, const DevBuf& src, size_t bytes) override {
    CU(MemcpyDtoD(dst.addr, src.addr, bytes));
  }
  void MemsetD32(const DevBuf& d, uint32_t v, size_t count) override {
    CU(MemsetD32(d.addr, v, count));
  }

  void ModuleLoadRun(const Image& image, int n) override {
    if (image.kind == ImageKind::kSpirv) throw Skip("libcuda does not load SPIR-V");
    for (int i = 0; i < n; ++i) {
      CUmodule m = nullptr;
      CUfunction f = nullptr;
      CU(ModuleLoadData(&m, image.bytes.data()));
      CU(ModuleGetFunction(&f, m, "Empty"));
      CU(LaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, stream_, nullptr, nullptr));
      CU(StreamSynchronize(stream_));
      CU(ModuleUnload(m));
    }
  }

 private:
  const Cuda& cu_;
  std::string describe_;
  CUdevice dev_ = 0;
  CUcontext ctx_ = nullptr;
  bool retained_ = false;
  CUmodule module_ = nullptr;
  CUfunction empty_ = nullptr, vecadd_ = nullptr;
  CUstream stream_ = nullptr;
  CUevent ev_a_ = nullptr, ev_b_ = nullptr;
};

}  // namespace

std::unique_ptr<Target> MakeCudaRawTarget(const Options& opts, const DeviceId& device) {
  return std::make_unique<CudaRaw>(opts, device);
}

double ColdStartCudaRaw(int ordinal) {
  double t0 = NowNs();
  const Cuda& cu_ = Driver();  // dlopen + every symbol of the list
  CU(Init(0));
  CUdevice dev = 0;
  CU(DeviceGet(&dev, ordinal < 0 ? 0 : ordinal));
  CUcontext ctx = nullptr;
  CU(DevicePrimaryCtxRetain(&ctx, dev));
  CU(CtxSetCurrent(ctx));
  return NowNs() - t0;
}

}  // namespace kb
