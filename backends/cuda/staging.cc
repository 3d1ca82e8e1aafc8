// Pageable copies through per-context pinned staging buffers (staging.h).
#include "cuda/staging.h"

#include <algorithm>

#include "common/services.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {

// One context's staging resources. Buffers are used round robin; `pending`
// says an event was recorded after the buffer's last DMA and not yet waited
// for, so the buffer must not be written (HtoD) or overwritten by a new DMA
// (DtoH) before that event completes. Guarded by Context::staging_mutex.
struct StagingSet {
  struct Buffer {
    char* ptr = nullptr;
    CUevent done = nullptr;
    bool pending = false;
  };
  Buffer buffers[kMaxStagingBuffers];
  int count = 0;
  size_t chunk = 0;     // bytes per buffer
  int next = 0;         // buffer the next chunk uses
  CopyPool* pool = nullptr;
};

namespace {

// Frees what Create managed to make (native_alive: through the driver).
void Destroy(StagingSet* s, bool native_alive) {
  if (native_alive) {
    for (int i = 0; i < s->count; ++i) {
      StagingSet::Buffer& b = s->buffers[i];
      // A pending DMA may still read or write the buffer; freeing pinned
      // memory under it is undefined, so wait first (the context is being
      // synchronized or destroyed anyway).
      if (b.pending && b.done != nullptr) cu.EventSynchronize(b.done);
      if (b.done != nullptr) cu.EventDestroy(b.done);
      if (b.ptr != nullptr) cu.MemFreeHost(b.ptr);
    }
  }
  if (s->pool != nullptr) ReleaseCopyPool();
  delete s;
}

// Allocates the buffers and events in the bound context. Pinned memory is
// PORTABLE so a copy to memory of another device (unified addressing) can
// use it from this context too.
StagingSet* Create() {
  const StagingConfig& c = GetStagingConfig();
  auto* s = new StagingSet;
  s->chunk = c.chunk;
  for (int i = 0; i < c.buffers; ++i) {
    StagingSet::Buffer& b = s->buffers[i];
    void* p = nullptr;
    CUresult r = cu.MemHostAlloc(&p, c.chunk, CU_MEMHOSTALLOC_PORTABLE);
    if (r == CUDA_SUCCESS) {
      b.ptr = static_cast<char*>(p);
      r = cu.EventCreate(&b.done, CU_EVENT_DISABLE_TIMING);
    }
    if (r != CUDA_SUCCESS) {
      Log(KL_LOG_WARN, "pageable copies: %d staging buffers of %zu bytes could not be set up (%s); this context copies "
          "pageable memory directly",
          c.buffers, c.chunk, CudaErrorName(r));
      s->count = i + 1;
      Destroy(s, true);
      return nullptr;
    }
  }
  s->count = c.buffers;
  s->pool = AcquireCopyPool(c.threads);
  return s;
}

bool HostIsPageable(const void* p) {
  // cuPointerGetAttributes (unlike cuPointerGetAttribute, which fails with
  // CUDA_ERROR_INVALID_VALUE) succeeds for memory CUDA does not know and
  // leaves the type 0 (measured on CUDA 13: gpu_staging_test.cc). Pinned
  // and registered memory read CU_MEMORYTYPE_HOST; whatever has a type
  // keeps the direct path.
  unsigned int type = 0;
  CUpointer_attribute attr = CU_POINTER_ATTRIBUTE_MEMORY_TYPE;
  void* data[] = {&type};
  CUresult r = cu.PointerGetAttributes(1, &attr, data, reinterpret_cast<CUdeviceptr>(p));
  return r == CUDA_SUCCESS && type == 0;
}

bool DeviceRangeInOneAllocation(CUdeviceptr p, size_t bytes) {
  CUdeviceptr base = 0;
  size_t size = 0;
  if (cu.MemGetAddressRange(&base, &size, p) != CUDA_SUCCESS) return false;
  return p >= base && bytes <= size - (p - base);
}

// Waits until buffer b may be reused.
CUresult Reclaim(StagingSet::Buffer& b) {
  if (!b.pending) return CUDA_SUCCESS;
  CUresult r = cu.EventSynchronize(b.done);
  if (r == CUDA_SUCCESS) b.pending = false;
  return r;
}

// After a failed driver call in the middle of a copy: an earlier chunk's DMA
// may still use a buffer, so wait for the stream before anyone reuses them.
// (A broken context answers at once with its error.) Returns the Keel error.
KLresult FailMidway(StagingSet* s, CUstream stream, CUresult r, const char* kl_fn, const char* cu_fn) {
  KLresult out = FailCuda(r, kl_fn, cu_fn);
  if (cu.StreamSynchronize(stream) == CUDA_SUCCESS) {
    for (int i = 0; i < s->count; ++i) s->buffers[i].pending = false;
  }
  return out;
}

// Locks ctx's staging set for one copy, creating it on first use. Null when
// the context has none (its allocation failed once).
class StagingLock {
 public:
  explicit StagingLock(Context* ctx) : lock_(ctx->staging_mutex) {
    if (ctx->staging == nullptr && !ctx->staging_failed) {
      ctx->staging = Create();
      ctx->staging_failed = ctx->staging == nullptr;
    }
    set_ = ctx->staging;
  }
  StagingSet* get() const { return set_; }

 private:
  std::lock_guard<std::mutex> lock_;
  StagingSet* set_ = nullptr;
};

}  // namespace

bool StagedHtoD(Context* ctx, CUstream stream, bool sync, CUdeviceptr dst, const void* src, size_t bytes,
                const char* kl_fn, KLresult* result) {
  if (!HostIsPageable(src) || !DeviceRangeInOneAllocation(dst, bytes)) return false;
  StagingLock lock(ctx);
  StagingSet* s = lock.get();
  if (s == nullptr) return false;
  // The synchronous copy reads the source after the work queued before it
  // (a host function on the NULL stream may still be writing it), as the
  // driver's pageable cuMemcpyHtoD does.
  if (sync) {
    CUresult r = cu.StreamSynchronize(nullptr);
    if (r != CUDA_SUCCESS) return *result = FailCuda(r, kl_fn, "cuStreamSynchronize"), true;
  }
  const char* from = static_cast<const char*>(src);
  size_t chunk = ChunkFor(bytes, s->chunk);
  StagingSet::Buffer* last = nullptr;
  for (size_t off = 0; off < bytes; off += chunk) {
    size_t n = std::min(chunk, bytes - off);
    StagingSet::Buffer& b = s->buffers[s->next];
    CUresult r = Reclaim(b);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, "cuEventSynchronize"), true;
    s->pool->Copy(b.ptr, from + off, n, GetStagingConfig().StreamIn());
    r = cu.MemcpyHtoDAsync(dst + off, b.ptr, n, stream);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, "cuMemcpyHtoDAsync"), true;
    r = cu.EventRecord(b.done, stream);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, "cuEventRecord"), true;
    b.pending = true;
    last = &b;
    s->next = (s->next + 1) % s->count;
  }
  // The asynchronous copy returns now: the source is consumed, the staging
  // buffers hold the rest until their DMAs (in stream order) are done. The
  // synchronous one returns when the data is on the device: the last
  // chunk's event completes after every earlier chunk on the same stream.
  if (sync) {
    CUresult r = Reclaim(*last);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, "cuEventSynchronize"), true;
  }
  *result = KL_SUCCESS;
  return true;
}

bool StagedDtoH(Context* ctx, CUstream stream, bool /*sync*/, void* dst, CUdeviceptr src, size_t bytes,
                const char* kl_fn, KLresult* result) {
  // Both entry points return with the data in place (for pageable memory
  // the driver makes cuMemcpyDtoHAsync synchronous too); `sync` only chose
  // the stream, the legacy NULL stream, which the caller passes.
  if (!HostIsPageable(dst) || !DeviceRangeInOneAllocation(src, bytes)) return false;
  StagingLock lock(ctx);
  StagingSet* s = lock.get();
  if (s == nullptr) return false;
  char* to = static_cast<char*>(dst);
  size_t chunk = ChunkFor(bytes, s->chunk);
  size_t chunks = (bytes + chunk - 1) / chunk;
  int first = s->next;
  auto buffer_of = [&](size_t i) -> StagingSet::Buffer& { return s->buffers[(first + i) % s->count]; };
  // Queues chunk i's DMA into its buffer, once the buffer is free.
  auto enqueue = [&](size_t i, const char** failed) -> CUresult {
    StagingSet::Buffer& b = buffer_of(i);
    size_t off = i * chunk;
    CUresult r = Reclaim(b);
    if (r != CUDA_SUCCESS) return *failed = "cuEventSynchronize", r;
    r = cu.MemcpyDtoHAsync(b.ptr, src + off, std::min(chunk, bytes - off), stream);
    if (r != CUDA_SUCCESS) return *failed = "cuMemcpyDtoHAsync", r;
    r = cu.EventRecord(b.done, stream);
    if (r != CUDA_SUCCESS) return *failed = "cuEventRecord", r;
    b.pending = true;
    return CUDA_SUCCESS;
  };
  // Keep every buffer's DMA in flight: the DMAs run ahead while the threads
  // copy the finished chunks out.
  size_t ahead = std::min(chunks, static_cast<size_t>(s->count));
  const char* failed = nullptr;
  for (size_t i = 0; i < ahead; ++i) {
    CUresult r = enqueue(i, &failed);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, failed), true;
  }
  for (size_t i = 0; i < chunks; ++i) {
    StagingSet::Buffer& b = buffer_of(i);
    CUresult r = Reclaim(b);
    if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, "cuEventSynchronize"), true;
    size_t off = i * chunk;
    s->pool->Copy(to + off, b.ptr, std::min(chunk, bytes - off), GetStagingConfig().StreamOut());
    if (i + ahead < chunks) {
      r = enqueue(i + ahead, &failed);
      if (r != CUDA_SUCCESS) return *result = FailMidway(s, stream, r, kl_fn, failed), true;
    }
  }
  s->next = static_cast<int>((first + chunks) % static_cast<size_t>(s->count));
  *result = KL_SUCCESS;
  return true;
}

void ReleaseStaging(Context* ctx, bool native_alive) {
  StagingSet* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(ctx->staging_mutex);
    s = ctx->staging;
    ctx->staging = nullptr;
    ctx->staging_failed = false;
  }
  if (s != nullptr) Destroy(s, native_alive);
}

}  // namespace keel::cuda
