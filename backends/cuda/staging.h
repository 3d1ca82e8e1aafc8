// Pageable host<->device copies through pinned staging buffers (issue 8).
//
// The driver copies pageable memory through its own pinned buffers with one
// CPU thread. Keel instead keeps a few pinned buffers per context and, for
// each chunk of the copy, splits the host memcpy over a pool of threads
// (common/parallel_copy.h) while the DMA of the chunk before runs. Only copies that
// qualify take this path; everything else goes to the driver as before:
//   - staging is on (KEEL_CUDA_PAGEABLE_STAGING, not 0);
//   - the copy has at least the threshold's bytes (KEEL_CUDA_STAGING_THRESHOLD);
//   - the host memory is unknown to CUDA (cuPointerGetAttributes reports no
//     memory type: plain malloc/stack/mmap memory; klMemHostAlloc'd and
//     registered memory report CU_MEMORYTYPE_HOST and keep the direct path);
//   - the device range lies in one allocation (cuMemGetAddressRange), so a
//     bad pointer or size fails in the driver exactly as before, with nothing
//     copied, instead of partway through the chunks.
//
// Semantics are those of the driver's pageable copies:
//   - klMemcpyHtoD first waits for the legacy NULL stream (the driver's
//     "stream sync before the copy"), then pipelines on it and returns when
//     the data is on the device;
//   - klMemcpyHtoDAsync reads the source before returning (the caller may
//     overwrite it at once) and queues the chunks' DMAs on the caller's
//     stream, in order with the stream's other work;
//   - klMemcpyDtoH and klMemcpyDtoHAsync queue the DMAs on the legacy /
//     caller's stream and return when the data is in the destination.
//
// Each context has its own buffers and events, and a mutex held for the
// whole of one staged copy: threads copying in one context take turns (the
// copies share the host's memory bandwidth anyway); contexts do not wait for
// each other except for the memcpy pool, which serves one chunk at a time.
#ifndef KEEL_BACKENDS_CUDA_STAGING_H_
#define KEEL_BACKENDS_CUDA_STAGING_H_

#include <cuda.h>
#include <keel/keel.h>

#include <cstddef>

#include "cuda/host_copy.h"

namespace keel::cuda {

struct Context;

// True when a copy of `bytes` is big enough to be considered for staging
// (one compare on the path of every copy; the settings are read once).
inline bool StagingCandidate(size_t bytes) {
  const StagingConfig& c = GetStagingConfig();
  return c.enabled && bytes >= c.threshold;
}

// Copies through ctx's staging buffers if the copy qualifies (see above) and
// returns true with the copy's result in *result; returns false, having done
// nothing, when the caller should take the direct path. `stream` is the
// caller's CUstream (NULL: the legacy NULL stream); `sync` selects the
// synchronous entry point's semantics. The caller has bound ctx.
bool StagedHtoD(Context* ctx, CUstream stream, bool sync, CUdeviceptr dst, const void* src, size_t bytes,
                const char* kl_fn, KLresult* result);
bool StagedDtoH(Context* ctx, CUstream stream, bool sync, void* dst, CUdeviceptr src, size_t bytes,
                const char* kl_fn, KLresult* result);

// Frees ctx's staging buffers and events (native_alive: the CUcontext still
// exists, so free them through the driver; else only forget them, the
// driver freed them with the context) and releases the copy pool. Safe to
// call when ctx has none.
void ReleaseStaging(Context* ctx, bool native_alive);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_STAGING_H_
