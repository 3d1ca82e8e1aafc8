// Memory: device and pinned host allocations, copies, fills.
//
// Device pointers are CUDA's own (unified addressing), so copies need no
// translation: each call checks what Keel requires beyond CUDA (NULL host
// pointers, zero sizes, alignment), binds the context and calls the driver.
// Large copies from or to pageable host memory go through pinned staging
// buffers instead (staging.h): one compare on the size decides whether a
// copy is even looked at, so small copies cost what they did.
#include <cstdint>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/staging.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

constexpr unsigned int kHostAllocFlags =
    KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP | KL_MEMHOSTALLOC_WRITECOMBINED;

// Runs a driver call in `ctx` and turns a failure into the Keel error.
template <typename Call>
inline KLresult Run(CUcontext ctx, const char* kl_fn, const char* cu_fn, Call call) {
  CUresult r = CallIn(ctx, call);
  if (KEEL_UNLIKELY(r != CUDA_SUCCESS)) return FailCuda(r, kl_fn, cu_fn);
  return KL_SUCCESS;
}

KLresult NullHost(const char* kl_fn, const char* param, size_t bytes) {
  return Fail(KL_ERROR_INVALID_VALUE, "%s: %s is NULL with a size of %zu bytes", kl_fn, param, bytes);
}

KLresult Misaligned(const char* kl_fn, KLdeviceptr dst, int alignment) {
  return Fail(KL_ERROR_INVALID_VALUE, "%s: dstDevice 0x%llx is not %d-byte aligned", kl_fn,
              static_cast<unsigned long long>(dst), alignment);
}

// The Keel context whose staging buffers a copy on `stream` uses: the
// stream's own, else the one the loader passed (NULL stream).
Context* StagingContext(KLcontext ctx, KLstream stream) {
  return stream != nullptr ? ToStream(stream)->ctx : ToContext(ctx);
}

// Whether a copy of `bytes` may take the staged path with c's staging
// buffers: large enough, and c bound to this thread (a failed bind is left
// to the direct call, which reports it).
bool MayStage(Context* c, size_t bytes) {
  return StagingCandidate(bytes) && Bind(c->cu) == CUDA_SUCCESS;
}

}  // namespace

// ---- allocation -----------------------------------------------------------------

KLresult klMemAlloc(KLcontext ctx, KLdeviceptr* dptr, size_t bytesize) {
  if (dptr == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: dptr is NULL");
  if (bytesize == 0) return Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: bytesize is 0");
  CUdeviceptr p = 0;
  CUresult r = CallIn(ToContext(ctx)->cu, [&] { return cu.MemAlloc(&p, bytesize); });
  if (r != CUDA_SUCCESS) {
    return FailCudaDetail(r, ToKeelResult(r), "klMemAlloc", "cuMemAlloc", "requested %zu bytes", bytesize);
  }
  *dptr = static_cast<KLdeviceptr>(p);
  return KL_SUCCESS;
}

KLresult klMemFree(KLcontext ctx, KLdeviceptr dptr) {
  if (dptr == 0) return KL_SUCCESS;
  // cuMemFree waits for work of the context that may still use the memory.
  return Run(ToContext(ctx)->cu, "klMemFree", "cuMemFree", [&] { return cu.MemFree(dptr); });
}

KLresult klMemGetInfo(KLcontext ctx, size_t* free, size_t* total) {
  size_t f = 0, t = 0;
  KLresult r = Run(ToContext(ctx)->cu, "klMemGetInfo", "cuMemGetInfo", [&] { return cu.MemGetInfo(&f, &t); });
  if (r != KL_SUCCESS) return r;
  if (free != nullptr) *free = f;
  if (total != nullptr) *total = t;
  return KL_SUCCESS;
}

KLresult klMemGetAddressRange(KLcontext ctx, KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr) {
  CUdeviceptr base = 0;
  size_t size = 0;
  CUresult r = CallIn(ToContext(ctx)->cu, [&] { return cu.MemGetAddressRange(&base, &size, dptr); });
  if (r == CUDA_ERROR_INVALID_VALUE || r == CUDA_ERROR_NOT_FOUND) {
    // Drivers answer either for an address in no allocation; Keel says NOT_FOUND.
    return FailCudaDetail(r, KL_ERROR_NOT_FOUND, "klMemGetAddressRange", "cuMemGetAddressRange",
                          "0x%llx lies in no allocation", static_cast<unsigned long long>(dptr));
  }
  if (r != CUDA_SUCCESS) return FailCuda(r, "klMemGetAddressRange", "cuMemGetAddressRange");
  if (pbase != nullptr) *pbase = base;
  if (psize != nullptr) *psize = size;
  return KL_SUCCESS;
}

KLresult klMemHostAlloc(KLcontext ctx, void** pp, size_t bytesize, unsigned int flags) {
  if (pp == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: pp is NULL");
  if (bytesize == 0) return Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: bytesize is 0");
  if ((flags & ~kHostAllocFlags) != 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "klMemHostAlloc: flags 0x%x has unknown bits", flags);
  }
  // KL_MEMHOSTALLOC_* equal CU_MEMHOSTALLOC_*.
  void* p = nullptr;
  CUresult r = CallIn(ToContext(ctx)->cu, [&] { return cu.MemHostAlloc(&p, bytesize, flags); });
  if (r != CUDA_SUCCESS) {
    return FailCudaDetail(r, ToKeelResult(r), "klMemHostAlloc", "cuMemHostAlloc", "requested %zu bytes", bytesize);
  }
  *pp = p;
  return KL_SUCCESS;
}

KLresult klMemFreeHost(KLcontext ctx, void* p) {
  if (p == nullptr) return KL_SUCCESS;
  return Run(ToContext(ctx)->cu, "klMemFreeHost", "cuMemFreeHost", [&] { return cu.MemFreeHost(p); });
}

KLresult klMemHostRegister(KLcontext ctx, void* p, size_t bytesize, unsigned int flags) {
  if (p == nullptr || bytesize == 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "klMemHostRegister: p is NULL or bytesize is 0");
  }
  // PORTABLE and DEVICEMAP have the same values in CU_MEMHOSTREGISTER_*; the
  // third Keel flag, WRITECOMBINED, means nothing for existing memory (and
  // its value is CU_MEMHOSTREGISTER_IOMEMORY there).
  if ((flags & ~static_cast<unsigned int>(KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP)) != 0) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "klMemHostRegister: flags 0x%x: only KL_MEMHOSTALLOC_PORTABLE and KL_MEMHOSTALLOC_DEVICEMAP "
                "apply to registered memory",
                flags);
  }
  return Run(ToContext(ctx)->cu, "klMemHostRegister", "cuMemHostRegister",
             [&] { return cu.MemHostRegister(p, bytesize, flags); });
}

KLresult klMemHostUnregister(KLcontext ctx, void* p) {
  if (p == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klMemHostUnregister: p is NULL");
  return Run(ToContext(ctx)->cu, "klMemHostUnregister", "cuMemHostUnregister",
             [&] { return cu.MemHostUnregister(p); });
}

// ---- copies -----------------------------------------------------------------------

KLresult klMemcpyHtoD(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
  if (ByteCount == 0) return KL_SUCCESS;
  if (KEEL_UNLIKELY(srcHost == nullptr)) return NullHost("klMemcpyHtoD", "srcHost", ByteCount);
  KLresult staged = KL_SUCCESS;
  if (MayStage(ToContext(ctx), ByteCount) &&
      StagedHtoD(ToContext(ctx), nullptr, true, dstDevice, srcHost, ByteCount, "klMemcpyHtoD", &staged))
    return staged;
  return Run(ToContext(ctx)->cu, "klMemcpyHtoD", "cuMemcpyHtoD",
             [&] { return cu.MemcpyHtoD(dstDevice, srcHost, ByteCount); });
}

KLresult klMemcpyDtoH(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount) {
  if (ByteCount == 0) return KL_SUCCESS;
  if (KEEL_UNLIKELY(dstHost == nullptr)) return NullHost("klMemcpyDtoH", "dstHost", ByteCount);
  KLresult staged = KL_SUCCESS;
  if (MayStage(ToContext(ctx), ByteCount) &&
      StagedDtoH(ToContext(ctx), nullptr, true, dstHost, srcDevice, ByteCount, "klMemcpyDtoH", &staged))
    return staged;
  return Run(ToContext(ctx)->cu, "klMemcpyDtoH", "cuMemcpyDtoH",
             [&] { return cu.MemcpyDtoH(dstHost, srcDevice, ByteCount); });
}

KLresult klMemcpyDtoD(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount) {
  if (ByteCount == 0) return KL_SUCCESS;
  return Run(ToContext(ctx)->cu, "klMemcpyDtoD", "cuMemcpyDtoD",
             [&] { return cu.MemcpyDtoD(dstDevice, srcDevice, ByteCount); });
}

KLresult klMemcpyHtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount,
                           KLstream hStream) {
  if (ByteCount == 0) return KL_SUCCESS;
  if (KEEL_UNLIKELY(srcHost == nullptr)) return NullHost("klMemcpyHtoDAsync", "srcHost", ByteCount);
  StreamTarget t = TargetOf(ctx, hStream);
  KLresult staged = KL_SUCCESS;
  if (MayStage(StagingContext(ctx, hStream), ByteCount) &&
      StagedHtoD(StagingContext(ctx, hStream), t.stream, false, dstDevice, srcHost, ByteCount,
                 "klMemcpyHtoDAsync", &staged))
    return staged;
  return Run(t.ctx, "klMemcpyHtoDAsync", "cuMemcpyHtoDAsync",
             [&] { return cu.MemcpyHtoDAsync(dstDevice, srcHost, ByteCount, t.stream); });
}

KLresult klMemcpyDtoHAsync(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount,
                           KLstream hStream) {
  if (ByteCount == 0) return KL_SUCCESS;
  if (KEEL_UNLIKELY(dstHost == nullptr)) return NullHost("klMemcpyDtoHAsync", "dstHost", ByteCount);
  StreamTarget t = TargetOf(ctx, hStream);
  KLresult staged = KL_SUCCESS;
  if (MayStage(StagingContext(ctx, hStream), ByteCount) &&
      StagedDtoH(StagingContext(ctx, hStream), t.stream, false, dstHost, srcDevice, ByteCount,
                 "klMemcpyDtoHAsync", &staged))
    return staged;
  return Run(t.ctx, "klMemcpyDtoHAsync", "cuMemcpyDtoHAsync",
             [&] { return cu.MemcpyDtoHAsync(dstHost, srcDevice, ByteCount, t.stream); });
}

KLresult klMemcpyDtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount,
                           KLstream hStream) {
  if (ByteCount == 0) return KL_SUCCESS;
  StreamTarget t = TargetOf(ctx, hStream);
  return Run(t.ctx, "klMemcpyDtoDAsync", "cuMemcpyDtoDAsync",
             [&] { return cu.MemcpyDtoDAsync(dstDevice, srcDevice, ByteCount, t.stream); });
}

// ---- fills ------------------------------------------------------------------------

KLresult klMemsetD8(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N) {
  if (N == 0) return KL_SUCCESS;
  return Run(ToContext(ctx)->cu, "klMemsetD8", "cuMemsetD8", [&] { return cu.MemsetD8(dstDevice, uc, N); });
}

KLresult klMemsetD16(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N) {
  if (N == 0) return KL_SUCCESS;
  if (dstDevice % 2 != 0) return Misaligned("klMemsetD16", dstDevice, 2);
  return Run(ToContext(ctx)->cu, "klMemsetD16", "cuMemsetD16", [&] { return cu.MemsetD16(dstDevice, us, N); });
}

KLresult klMemsetD32(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N) {
  if (N == 0) return KL_SUCCESS;
  if (dstDevice % 4 != 0) return Misaligned("klMemsetD32", dstDevice, 4);
  return Run(ToContext(ctx)->cu, "klMemsetD32", "cuMemsetD32", [&] { return cu.MemsetD32(dstDevice, ui, N); });
}

KLresult klMemsetD8Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N, KLstream hStream) {
  if (N == 0) return KL_SUCCESS;
  StreamTarget t = TargetOf(ctx, hStream);
  return Run(t.ctx, "klMemsetD8Async", "cuMemsetD8Async",
             [&] { return cu.MemsetD8Async(dstDevice, uc, N, t.stream); });
}

KLresult klMemsetD16Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N, KLstream hStream) {
  if (N == 0) return KL_SUCCESS;
  if (dstDevice % 2 != 0) return Misaligned("klMemsetD16Async", dstDevice, 2);
  StreamTarget t = TargetOf(ctx, hStream);
  return Run(t.ctx, "klMemsetD16Async", "cuMemsetD16Async",
             [&] { return cu.MemsetD16Async(dstDevice, us, N, t.stream); });
}

KLresult klMemsetD32Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N, KLstream hStream) {
  if (N == 0) return KL_SUCCESS;
  if (dstDevice % 4 != 0) return Misaligned("klMemsetD32Async", dstDevice, 4);
  StreamTarget t = TargetOf(ctx, hStream);
  return Run(t.ctx, "klMemsetD32Async", "cuMemsetD32Async",
             [&] { return cu.MemsetD32Async(dstDevice, ui, N, t.stream); });
}

}  // namespace keel::cuda
