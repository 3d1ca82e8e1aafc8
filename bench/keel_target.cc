// The Keel side: the same operations as the raw targets, through libkeel.
#include <keel/keel.h>

#include <cstring>
#include <fstream>
#include <mutex>

#include "targets.h"
#include "timer.h"

namespace kb {
namespace {

[[noreturn]] void Fail(const char* call, KLresult r) {
  const char* name = nullptr;
  const char* message = nullptr;
  if (klGetErrorName(r, &name) != KL_SUCCESS) name = nullptr;
  if (klGetLastErrorMessage(&message) != KL_SUCCESS) message = nullptr;
  throw Error(Format("keel: %s: %s (%d)%s%s", call, name ? name : "unknown KLresult",
                     static_cast<int>(r), message && *message ? ": " : "",
                     message ? message : ""));
}

#define KL(call)                                            \
  do {                                                      \
    KLresult kl_result_ = (call);                           \
    if (kl_result_ != KL_SUCCESS) Fail(#call, kl_result_);  \
  } while (0)

// klInit once per process; its result is kept (klInit returns it again anyway).
KLresult InitOnce() {
  static KLresult result = klInit(0);
  return result;
}

// Finds the first device of the named backend. Throws Skip when the backend
// loaded without devices, Error when it is missing or broken.
KLdevice FindDevice(const char* backend) {
  KLresult init = InitOnce();
  int count = 0;
  if (klGetBackendCount(&count) != KL_SUCCESS) Fail("klInit(0)", init);
  for (int i = 0; i < count; ++i) {
    KLbackendProperties props;
    KL(klGetBackendProperties(&props, i));
    if (std::strcmp(props.name, backend) != 0) continue;
    switch (props.status) {
      case KL_BACKEND_STATUS_LOADED: break;
      case KL_BACKEND_STATUS_NO_DEVICES:
        throw Skip(Format("Keel's %s backend has no device: %s", backend, props.reason));
      case KL_BACKEND_STATUS_NOT_FOUND:  // not built, or not installed beside libkeel
        throw Skip(Format("no Keel %s backend plugin: %s", backend, props.reason));
      default:
        throw Error(Format("Keel's %s backend did not load (status %d, %s): %s", backend,
                           static_cast<int>(props.status), props.path, props.reason));
    }
    int devices = 0;
    KL(klDeviceGetCount(&devices));
    for (int d = 0; d < devices; ++d) {
      KLdevice dev = nullptr;
      int index = -1;
      KL(klDeviceGet(&dev, d));
      KL(klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, dev));
      if (index == i) return dev;
    }
    throw Error(Format("Keel's %s backend is loaded but none of the %d devices is its own",
                       backend, devices));
  }
  throw Skip(Format("Keel found no '%s' backend plugin (is it built? KEEL_BACKENDS=%s)", backend,
                     getenv("KEEL_BACKENDS") ? getenv("KEEL_BACKENDS") : "(unset)"));
}

class Keel : public KeelTarget {
 public:
  Keel(Backend backend, const Options& opts) : backend_(backend) {
    dev_ = FindDevice(BackendName(backend));
    char name[256] = {};
    KL(klDeviceGetName(name, sizeof name, dev_));
    id_.name = name;
    if (backend == Backend::kCuda) {
      void* native = nullptr;
      KL(klDeviceGetNativeHandle(&native, dev_));
      id_.cuda_ordinal = static_cast<int>(reinterpret_cast<intptr_t>(native));
      KL(klDeviceGetAttribute(&id_.cc_major, KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev_));
      KL(klDeviceGetAttribute(&id_.cc_minor, KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev_));
    }
    KLuuid uuid;
    if (klDeviceGetUuid(&uuid, dev_) == KL_SUCCESS) {
      id_.has_uuid = true;
      std::memcpy(id_.uuid, uuid.bytes, 16);
    }
    KLbackendProperties props{};
    int index = -1;
    KL(klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, dev_));
    KL(klGetBackendProperties(&props, index));
    describe_ = Format("libkeel, %s backend %s, %s, primary context", props.name, props.version,
                       name);

    KL(klDevicePrimaryCtxRetain(&ctx_, dev_));
    retained_ = true;
    KL(klCtxPushCurrent(ctx_));
    pushed_ = true;
    Image image =
        LoadImage(opts, backend == Backend::kCuda ? ImageKind::kFatbin : ImageKind::kSpirv);
    KL(klModuleLoadData(&module_, image.bytes.data(), image.bytes.size()));
    KL(klModuleGetFunction(&empty_, module_, "Empty"));
    KL(klModuleGetFunction(&vecadd_, module_, "VecAdd"));
    KL(klStreamCreate(&stream_, KL_STREAM_NON_BLOCKING));
    KL(klEventCreate(&ev_a_, KL_EVENT_DEFAULT));
    KL(klEventCreate(&ev_b_, KL_EVENT_DEFAULT));
    ComputeExtraLayout();
  }

  ~Keel() override {
    if (stream_) klStreamSynchronize(stream_), klStreamDestroy(stream_);
    if (ev_a_) klEventDestroy(ev_a_);
    if (ev_b_) klEventDestroy(ev_b_);
    if (module_) klModuleUnload(module_);
    if (pushed_) klCtxPopCurrent(nullptr);
    if (retained_) klDevicePrimaryCtxRelease(dev_);
  }

  std::string Describe() const override { return describe_; }
  DeviceId Device() const override { return id_; }

  void LaunchEmpty(int n) override {
    for (int i = 0; i < n; ++i)
      KL(klLaunchKernel(empty_, 1, 1, 1, 32, 1, 1, 0, stream_, nullptr, nullptr));
  }

  void LaunchVecAdd(int n, ArgMode mode, const VecAddArgs& a) override {
    KLdeviceptr pa = a.a.addr, pb = a.b.addr, pc = a.c.addr;
    int count = a.n;
    unsigned grid = static_cast<unsigned>((static_cast<size_t>(a.n) + a.block - 1) / a.block);
    if (mode == ArgMode::kParams) {
      void* params[] = {&pa, &pb, &pc, &count};
      for (int i = 0; i < n; ++i)
        KL(klLaunchKernel(vecadd_, grid, 1, 1, a.block, 1, 1, 0, stream_, params, nullptr));
    } else {
      alignas(8) char buf[64] = {};
      std::memcpy(buf + offset_[0], &pa, 8);
      std::memcpy(buf + offset_[1], &pb, 8);
      std::memcpy(buf + offset_[2], &pc, 8);
      std::memcpy(buf + offset_[3], &count, 4);
      size_t size = extra_size_;
      void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buf, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                       KL_LAUNCH_PARAM_END};
      for (int i = 0; i < n; ++i)
        KL(klLaunchKernel(vecadd_, grid, 1, 1, a.block, 1, 1, 0, stream_, nullptr, extra));
    }
  }

  void StreamSync() override { KL(klStreamSynchronize(stream_)); }
  void CtxSync() override { KL(klCtxSynchronize()); }

  void EventRecord(int n) override {
    for (int i = 0; i < n; ++i) KL(klEventRecord(ev_a_, stream_));
  }
  void EventPrepareElapsed() override {
    KL(klEventRecord(ev_a_, stream_));
    LaunchEmpty(1);
    KL(klEventRecord(ev_b_, stream_));
    KL(klEventSynchronize(ev_b_));
  }
  float EventElapsed(int n) override {
    float ms = -1;
    for (int i = 0; i < n; ++i) KL(klEventElapsedTime(&ms, ev_a_, ev_b_));
    return ms;
  }
  void StreamCreateDestroy(int n) override {
    for (int i = 0; i < n; ++i) {
      KLstream s = nullptr;
      KL(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
      KL(klStreamDestroy(s));
    }
  }

  DevBuf Alloc(size_t bytes) override {
    KLdeviceptr p = 0;
    KL(klMemAlloc(&p, bytes));
    return DevBuf{p, bytes, 0};
  }
  void Free(const DevBuf& b) override { KL(klMemFree(b.addr)); }
  HostBuf HostAlloc(size_t bytes, bool pinned) override {
    HostBuf h;
    h.bytes = bytes;
    h.pinned = pinned;
    if (pinned) {
      KL(klMemHostAlloc(&h.ptr, bytes, 0));
      std::memset(h.ptr, 0, bytes);
    } else {
      h.ptr = PageableAlloc(bytes);
    }
    return h;
  }
  void HostFree(const HostBuf& h) override {
    if (h.pinned) KL(klMemFreeHost(h.ptr));
    else PageableFree(h.ptr);
  }
  void HtoD(const DevBuf& d, const HostBuf& h, size_t bytes) override {
    KL(klMemcpyHtoD(d.addr, h.ptr, bytes));
  }
  void DtoH(const HostBuf& h, const DevBuf& d, size_t bytes) override {
    KL(klMemcpyDtoH(h.ptr, d.addr, bytes));
  }
  void DtoD(const DevBuf& dst, const DevBuf& src, size_t bytes) override {
    KL(klMemcpyDtoD(dst.addr, src.addr, bytes));
  }
  void MemsetD32(const DevBuf& d, uint32_t v, size_t count) override {
    KL(klMemsetD32(d.addr, v, count));
  }

  void ModuleLoadRun(const Image& image, int n) override {
    for (int i = 0; i < n; ++i) {
      KLmodule m = nullptr;
      KLfunction f = nullptr;
      KL(klModuleLoadData(&m, image.bytes.data(), image.bytes.size()));
      KL(klModuleGetFunction(&f, m, "Empty"));
      KL(klLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, stream_, nullptr, nullptr));
      KL(klStreamSynchronize(stream_));
      KL(klModuleUnload(m));
    }
  }

 private:
  // The packed layout for `extra`: the offsets the function reports, else
  // the C layout of (ptr, ptr, ptr, int) that keel.h prescribes.
  void ComputeExtraLayout() {
    size_t c_offsets[4] = {0, 8, 16, 24}, c_sizes[4] = {8, 8, 8, 4};
    std::memcpy(offset_, c_offsets, sizeof offset_);
    extra_size_ = 28;
    size_t off = 0, size = 0;
    KLresult r = klFuncGetParamInfo(vecadd_, 0, &off, &size);
    if (r == KL_ERROR_NOT_SUPPORTED) return;
    if (r != KL_SUCCESS) Fail("klFuncGetParamInfo(VecAdd, 0)", r);
    for (size_t i = 0; i < 4; ++i) {
      KL(klFuncGetParamInfo(vecadd_, i, &off, &size));
      if (size != c_sizes[i] || off + size > 64)
        throw Error(Format("klFuncGetParamInfo(VecAdd, %zu): offset %zu size %zu, expected "
                           "size %zu",
                           i, off, size, c_sizes[i]));
      offset_[i] = off;
      extra_size_ = off + size;
    }
  }

  Backend backend_;
  DeviceId id_;
  std::string describe_;
  KLdevice dev_ = nullptr;
  KLcontext ctx_ = nullptr;
  bool retained_ = false, pushed_ = false;
  KLmodule module_ = nullptr;
  KLfunction empty_ = nullptr, vecadd_ = nullptr;
  KLstream stream_ = nullptr;
  KLevent ev_a_ = nullptr, ev_b_ = nullptr;
  size_t offset_[4] = {};
  size_t extra_size_ = 0;
};

}  // namespace

std::unique_ptr<KeelTarget> MakeKeelTarget(Backend backend, const Options& opts) {
  return std::make_unique<Keel>(backend, opts);
}

double ColdStartKeel(Backend backend) {
  double t0 = NowNs();
  KLdevice dev = FindDevice(BackendName(backend));
  KLcontext ctx = nullptr;
  KL(klDevicePrimaryCtxRetain(&ctx, dev));
  KL(klCtxPushCurrent(ctx));
  double ns = NowNs() - t0;
  // "Backends not selected are never loaded": no other plugin is mapped.
  std::ifstream maps("/proc/self/maps");
  std::string line, own = std::string("libkeel_") + BackendName(backend) + ".so";
  while (std::getline(maps, line)) {
    size_t at = line.find("libkeel_");
    if (at != std::string::npos && line.compare(at, own.size(), own) != 0)
      throw Error("a backend that KEEL_BACKENDS did not select was loaded: " + line.substr(at));
  }
  return ns;
}

}  // namespace kb
