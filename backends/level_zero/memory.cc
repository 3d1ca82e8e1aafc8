// Memory: USM device and host allocations, a backend-wide range map that
// turns any device-visible address back into its allocation (for range
// checks, klMemGetAddressRange and frees), and copies and fills in stream
// order.
#include <cinttypes>
#include <cstring>

#include "level_zero.h"

namespace keel::ze {

AllocationMap& Allocations() {
  static AllocationMap* map = new AllocationMap();  // never destroyed: no teardown order
  return *map;
}

namespace {

constexpr unsigned kHostFlagsMask =
    KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP | KL_MEMHOSTALLOC_WRITECOMBINED;
constexpr size_t kDeviceAlignment = 256;
constexpr size_t kHostAlignment = 64;

// Checks that [ptr, ptr + n) lies in one allocation of ctx's driver.
KLresult CheckRange(Context* ctx, uint64_t ptr, size_t n, const char* function, const char* what) {
  AllocationMap& a = Allocations();
  std::lock_guard<std::mutex> lock(a.mu);
  const auto* e = a.map.FindSpan(ptr, n);
  if (e == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: %s [0x%" PRIx64 ", +%zu bytes) is not inside one live allocation of the "
                "level_zero backend",
                function, what, ptr, n);
  if (e->value.ctx->device->driver != ctx->device->driver)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: %s 0x%" PRIx64 " belongs to another Level Zero driver", function, what, ptr);
  return KL_SUCCESS;
}

bool IsHostAllocation(const void* p, size_t n) {
  AllocationMap& a = Allocations();
  std::lock_guard<std::mutex> lock(a.mu);
  const auto* e = a.map.FindSpan(reinterpret_cast<uint64_t>(p), n);
  return e != nullptr && e->value.kind == AllocKind::kHost;
}

// Appends one command to a stream (NULL: ctx's NULL stream) in stream order;
// `sync` then waits for the stream. `append` returns KL_SUCCESS or an error.
template <typename Append>
KLresult Submit(KLcontext ctx, KLstream hStream, bool sync, const char* function, Append append) {
  Context* c = hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
  Stream* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(c->mu);
    KLresult r = ResolveStream(c, hStream, function, &s);
    if (r == KL_SUCCESS) r = BeginCommand(s, function);
    if (r == KL_SUCCESS) r = append(c, s);
    if (r != KL_SUCCESS) return r;
    EndCommand(s);
  }
  return sync ? SynchronizeStream(s, function) : KL_SUCCESS;
}

Context* ContextOf(KLcontext ctx, KLstream hStream) {
  return hStream ? FromHandle<Stream>(hStream)->ctx : FromHandle<Context>(ctx);
}

KLresult CopyHtoD(KLcontext ctx, KLstream hStream, bool sync, KLdeviceptr dst, const void* src,
                  size_t n, const char* function) {
  if (n == 0) return KL_SUCCESS;
  if (src == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: srcHost is NULL", function);
  KLresult r = CheckRange(ContextOf(ctx, hStream), dst, n, function, "dstDevice");
  if (r != KL_SUCCESS) return r;
  // Asynchronous copies from pageable memory go through a staging copy, so
  // the caller may reuse src at once (keel.h); pinned (klMemHostAlloc)
  // sources are read by the device directly.
  bool stage = !sync && !IsHostAllocation(src, n);
  return Submit(ctx, hStream, sync, function, [&](Context* c, Stream* s) -> KLresult {
    const void* from = src;
    if (stage) {
      ze_host_mem_alloc_desc_t desc{};
      desc.stype = ZE_STRUCTURE_TYPE_HOST_MEM_ALLOC_DESC;
      void* staging = nullptr;
      KEEL_ZE_CALL(function, zeMemAllocHost, (c->ze, &desc, n, kHostAlignment, &staging));
      std::memcpy(staging, src, n);
      s->keepalive.push_back(Stream::Keepalive{s->ops + 1, staging, nullptr});
      from = staging;
    }
    KEEL_ZE_CALL(function, zeCommandListAppendMemoryCopy,
                 (s->list, reinterpret_cast<void*>(dst), from, n, nullptr, 0, nullptr));
    return KL_SUCCESS;
  });
}

KLresult CopyDtoH(KLcontext ctx, KLstream hStream, bool sync, void* dst, KLdeviceptr src, size_t n,
                  const char* function) {
  if (n == 0) return KL_SUCCESS;
  if (dst == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: dstHost is NULL", function);
  KLresult r = CheckRange(ContextOf(ctx, hStream), src, n, function, "srcDevice");
  if (r != KL_SUCCESS) return r;
  return Submit(ctx, hStream, sync, function, [&](Context*, Stream* s) -> KLresult {
    KEEL_ZE_CALL(function, zeCommandListAppendMemoryCopy,
                 (s->list, dst, reinterpret_cast<const void*>(src), n, nullptr, 0, nullptr));
    return KL_SUCCESS;
  });
}

KLresult CopyDtoD(KLcontext ctx, KLstream hStream, bool sync, KLdeviceptr dst, KLdeviceptr src,
                  size_t n, const char* function) {
  if (n == 0) return KL_SUCCESS;
  Context* c = ContextOf(ctx, hStream);
  KLresult r = CheckRange(c, dst, n, function, "dstDevice");
  if (r == KL_SUCCESS) r = CheckRange(c, src, n, function, "srcDevice");
  if (r != KL_SUCCESS) return r;
  return Submit(ctx, hStream, sync, function, [&](Context*, Stream* s) -> KLresult {
    KEEL_ZE_CALL(function, zeCommandListAppendMemoryCopy,
                 (s->list, reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n,
                  nullptr, 0, nullptr));
    return KL_SUCCESS;
  });
}

KLresult Fill(KLcontext ctx, KLstream hStream, bool sync, KLdeviceptr dst, uint32_t value,
              size_t width, size_t count, const char* function) {
  if (dst % width != 0)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: dstDevice 0x%" PRIx64 " is not %zu-byte aligned",
                function, dst, width);
  if (count == 0) return KL_SUCCESS;
  size_t bytes = count * width;
  if (bytes / width != count)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: %zu values of %zu bytes overflow", function, count, width);
  KLresult r = CheckRange(ContextOf(ctx, hStream), dst, bytes, function, "dstDevice");
  if (r != KL_SUCCESS) return r;
  return Submit(ctx, hStream, sync, function, [&](Context*, Stream* s) -> KLresult {
    // The pattern lives until the device has consumed the fill.
    std::unique_ptr<uint64_t[]> pattern(new uint64_t[1]());
    std::memcpy(pattern.get(), &value, width);
    KEEL_ZE_CALL(function, zeCommandListAppendMemoryFill,
                 (s->list, reinterpret_cast<void*>(dst), pattern.get(), width, bytes, nullptr, 0,
                  nullptr));
    s->keepalive.push_back(Stream::Keepalive{s->ops + 1, nullptr, std::move(pattern)});
    return KL_SUCCESS;
  });
}

}  // namespace

void FreeContextMemory(Context* ctx) {
  AllocationMap& a = Allocations();
  std::lock_guard<std::mutex> lock(a.mu);
  std::vector<std::pair<uint64_t, uint64_t>> doomed;
  a.map.ForEach([&](const RangeMap<Allocation>::Entry& e) {
    if (e.value.ctx == ctx && e.value.kind != AllocKind::kGlobal) doomed.emplace_back(e.base, e.size);
  });
  for (const auto& [base, size] : doomed) {
    const auto* e = a.map.FindBase(base);
    if (e->value.kind == AllocKind::kDevice) {
      std::lock_guard<std::mutex> alloc_lock(ctx->device->alloc_mu);
      ctx->device->allocated_bytes -= size;
    }
    ze_result_t r = api.zeMemFree(ctx->ze, reinterpret_cast<void*>(base));
    if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_WARN, "zeMemFree: %s", ResultName(r));
    a.map.Erase(base);
  }
}

// ---- entry points -----------------------------------------------------------

KLresult klMemAlloc(KLcontext ctx, KLdeviceptr* dptr, size_t bytesize) {
  if (dptr == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: dptr is NULL");
  if (bytesize == 0) return Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: bytesize is 0");
  Context* c = FromHandle<Context>(ctx);
  ze_device_mem_alloc_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_DEVICE_MEM_ALLOC_DESC;
  void* p = nullptr;
  ze_result_t r = api.zeMemAllocDevice(c->ze, &desc, bytesize, kDeviceAlignment, c->device->handle, &p);
  if (r == ZE_RESULT_ERROR_UNSUPPORTED_SIZE)  // over maxMemAllocSize: as CUDA, out of memory
    return ZeFail(r, "klMemAlloc", "zeMemAllocDevice", KL_ERROR_OUT_OF_MEMORY);
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "klMemAlloc", "zeMemAllocDevice");
  {
    AllocationMap& a = Allocations();
    std::lock_guard<std::mutex> lock(a.mu);
    if (!a.map.Insert(reinterpret_cast<uint64_t>(p), bytesize, Allocation{AllocKind::kDevice, c, nullptr})) {
      api.zeMemFree(c->ze, p);
      return Fail(KL_ERROR_UNKNOWN, "klMemAlloc: the driver returned %p, which overlaps a live allocation", p);
    }
  }
  {
    std::lock_guard<std::mutex> lock(c->device->alloc_mu);
    c->device->allocated_bytes += bytesize;
  }
  *dptr = reinterpret_cast<KLdeviceptr>(p);
  return KL_SUCCESS;
}

namespace {

// Frees a device (kDevice) or host (kHost) allocation that starts at base.
KLresult FreeAllocation(uint64_t base, AllocKind kind, const char* function) {
  AllocationMap& a = Allocations();
  Context* owner = nullptr;
  {
    std::lock_guard<std::mutex> lock(a.mu);
    const auto* e = a.map.FindBase(base);
    if (e == nullptr || e->value.kind != kind)
      return Fail(KL_ERROR_INVALID_VALUE, "%s: 0x%" PRIx64 " is not the start of a live %s allocation",
                  function, base, kind == AllocKind::kDevice ? "klMemAlloc" : "klMemHostAlloc");
    owner = e->value.ctx;
  }
  // As cuMemFree: queued work of the context may still use it.
  KLresult result = SynchronizeContext(owner, function);
  std::lock_guard<std::mutex> lock(a.mu);
  const auto* e = a.map.FindBase(base);
  if (e == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: 0x%" PRIx64 " was freed concurrently", function, base);
  if (kind == AllocKind::kDevice) {
    std::lock_guard<std::mutex> alloc_lock(owner->device->alloc_mu);
    owner->device->allocated_bytes -= e->size;
  }
  a.map.Erase(base);
  ze_result_t r = api.zeMemFree(owner->ze, reinterpret_cast<void*>(base));
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, function, "zeMemFree");
  return result;
}

}  // namespace

KLresult klMemFree(KLcontext ctx, KLdeviceptr dptr) {
  if (dptr == 0) return KL_SUCCESS;
  return FreeAllocation(dptr, AllocKind::kDevice, "klMemFree");
}

// Level Zero core has no free-memory query: free is total minus what Keel holds.
KLresult klMemGetInfo(KLcontext ctx, size_t* free, size_t* total) {
  Device* d = FromHandle<Context>(ctx)->device;
  uint64_t t = TotalMemory(d);
  uint64_t used;
  {
    std::lock_guard<std::mutex> lock(d->alloc_mu);
    used = d->allocated_bytes;
  }
  if (total != nullptr) *total = static_cast<size_t>(t);
  if (free != nullptr) *free = static_cast<size_t>(used < t ? t - used : 0);
  return KL_SUCCESS;
}

KLresult klMemGetAddressRange(KLcontext ctx, KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr) {
  AllocationMap& a = Allocations();
  std::lock_guard<std::mutex> lock(a.mu);
  const auto* e = a.map.Find(dptr);
  if (e == nullptr)
    return Fail(KL_ERROR_NOT_FOUND, "klMemGetAddressRange: 0x%" PRIx64 " lies in no allocation", dptr);
  if (pbase != nullptr) *pbase = e->base;
  if (psize != nullptr) *psize = static_cast<size_t>(e->size);
  return KL_SUCCESS;
}

KLresult klMemHostAlloc(KLcontext ctx, void** pp, size_t bytesize, unsigned int flags) {
  if (pp == nullptr || bytesize == 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: pp is NULL or bytesize is 0");
  if (flags & ~kHostFlagsMask)
    return Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: unknown flags 0x%x", flags & ~kHostFlagsMask);
  Context* c = FromHandle<Context>(ctx);
  ze_host_mem_alloc_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_HOST_MEM_ALLOC_DESC;
  if (flags & KL_MEMHOSTALLOC_WRITECOMBINED) desc.flags = ZE_HOST_MEM_ALLOC_FLAG_BIAS_WRITE_COMBINED;
  void* p = nullptr;
  KEEL_ZE_CALL("klMemHostAlloc", zeMemAllocHost, (c->ze, &desc, bytesize, kHostAlignment, &p));
  AllocationMap& a = Allocations();
  std::lock_guard<std::mutex> lock(a.mu);
  if (!a.map.Insert(reinterpret_cast<uint64_t>(p), bytesize, Allocation{AllocKind::kHost, c, nullptr})) {
    api.zeMemFree(c->ze, p);
    return Fail(KL_ERROR_UNKNOWN, "klMemHostAlloc: the driver returned %p, which overlaps a live allocation", p);
  }
  *pp = p;
  return KL_SUCCESS;
}

KLresult klMemFreeHost(KLcontext ctx, void* p) {
  if (p == nullptr) return KL_SUCCESS;
  return FreeAllocation(reinterpret_cast<uint64_t>(p), AllocKind::kHost, "klMemFreeHost");
}

KLresult klMemHostRegister(KLcontext ctx, void* p, size_t bytesize, unsigned int flags) {
  if (p == nullptr || bytesize == 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klMemHostRegister: p is NULL or bytesize is 0");
  return Fail(KL_ERROR_NOT_SUPPORTED,
              "klMemHostRegister: Level Zero core cannot pin existing host memory; copies from "
              "pageable memory work without it, or allocate with klMemHostAlloc");
}

KLresult klMemHostUnregister(KLcontext ctx, void* p) {
  if (p == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klMemHostUnregister: p is NULL");
  return Fail(KL_ERROR_HOST_MEMORY_NOT_REGISTERED,
              "klMemHostUnregister: %p was not registered (the level_zero backend cannot register "
              "host memory)", p);
}

KLresult klMemcpyHtoD(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
  return CopyHtoD(ctx, nullptr, true, dstDevice, srcHost, ByteCount, "klMemcpyHtoD");
}
KLresult klMemcpyDtoH(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount) {
  return CopyDtoH(ctx, nullptr, true, dstHost, srcDevice, ByteCount, "klMemcpyDtoH");
}
KLresult klMemcpyDtoD(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount) {
  return CopyDtoD(ctx, nullptr, true, dstDevice, srcDevice, ByteCount, "klMemcpyDtoD");
}
KLresult klMemcpyHtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost,
                           size_t ByteCount, KLstream hStream) {
  return CopyHtoD(ctx, hStream, false, dstDevice, srcHost, ByteCount, "klMemcpyHtoDAsync");
}
KLresult klMemcpyDtoHAsync(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount,
                           KLstream hStream) {
  return CopyDtoH(ctx, hStream, false, dstHost, srcDevice, ByteCount, "klMemcpyDtoHAsync");
}
KLresult klMemcpyDtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice,
                           size_t ByteCount, KLstream hStream) {
  return CopyDtoD(ctx, hStream, false, dstDevice, srcDevice, ByteCount, "klMemcpyDtoDAsync");
}
KLresult klMemsetD8(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N) {
  return Fill(ctx, nullptr, true, dstDevice, uc, 1, N, "klMemsetD8");
}
KLresult klMemsetD16(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N) {
  return Fill(ctx, nullptr, true, dstDevice, us, 2, N, "klMemsetD16");
}
KLresult klMemsetD32(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N) {
  return Fill(ctx, nullptr, true, dstDevice, ui, 4, N, "klMemsetD32");
}
KLresult klMemsetD8Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N,
                         KLstream hStream) {
  return Fill(ctx, hStream, false, dstDevice, uc, 1, N, "klMemsetD8Async");
}
KLresult klMemsetD16Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N,
                          KLstream hStream) {
  return Fill(ctx, hStream, false, dstDevice, us, 2, N, "klMemsetD16Async");
}
KLresult klMemsetD32Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N,
                          KLstream hStream) {
  return Fill(ctx, hStream, false, dstDevice, ui, 4, N, "klMemsetD32Async");
}

}  // namespace keel::ze
