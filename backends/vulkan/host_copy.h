// Host<->device copies of pageable host memory (neither klMemHostAlloc'd nor
// registered): they go through host-visible staging memory (upload.h).
//
// Copies below the threshold (KEEL_VULKAN_STAGING_THRESHOLD, 1 MiB) take the
// plain path: the calling thread (HtoD, synchronous DtoH) or the context's
// host worker (asynchronous DtoH) memcpy's each piece of at most 4 MiB.
//
// From the threshold on, a copy is cut into chunks (ChunkFor: a quarter of
// the copy, 64 KiB .. KEEL_VULKAN_STAGING_CHUNK, 8 MiB), each chunk's host
// memcpy is split over the plugin's memcpy pool (common/parallel_copy.h,
// KEEL_VULKAN_STAGING_THREADS threads), and chunks are pipelined with the
// device's transfers:
//   - HtoD: chunk k + 1 is copied into staging while the device transfers
//     chunk k (each chunk is submitted as it is recorded); the source is
//     consumed when the call returns;
//   - synchronous DtoH (klMemcpyDtoH): kStagingRing chunks are in flight;
//     the caller copies each one out as it arrives and resubmits its buffer;
//   - asynchronous DtoH (klMemcpyDtoHAsync): the same ring, but the host
//     worker copies the chunks out as they arrive, without holding up the
//     stream's later transfers; the last chunk's copy-out is the stream's
//     host step, so later work of the stream, its synchronization and events
//     recorded after it come after every byte is in place. The call returns
//     once the last chunk is queued (it waits, as the stream's staging limit
//     does, when the ring is full).
#ifndef KEEL_BACKENDS_VULKAN_HOST_COPY_H_
#define KEEL_BACKENDS_VULKAN_HOST_COPY_H_

#include <keel/keel.h>

#include <cstddef>

#include "common/parallel_copy.h"
#include "vulkan/context.h"
#include "vulkan/stream.h"

namespace keel {
namespace vk {

// Staging buffers a pooled device-to-host copy keeps in flight.
constexpr int kStagingRing = 4;

// The settings, from KEEL_VULKAN_STAGING_THRESHOLD, _CHUNK and _THREADS
// (HostCopySettings; threads default to DefaultCopyThreads), read once.
const HostCopySettings& StagingSettings();

// Records vkCmdCopyBuffer of one region (between device buffers, or a
// device buffer and staging or pinned memory) into cmd.
void RecordCopy(const DeviceFunctions& fn, VkCommandBuffer cmd, VkBuffer src, VkDeviceSize src_off,
                VkBuffer dst, VkDeviceSize dst_off, VkDeviceSize size);

// Queues a copy from pageable `src` into `dst` on the recording's stream.
KLresult StageHtoD(Stream::Recording& rec, Context* c, const BufferRange& dst, const void* src,
                   size_t n);
// Queues a copy from `src` into pageable `dst` on stream s (being recorded
// by rec): dst is written by host steps, in stream order.
KLresult StageDtoH(Stream::Recording& rec, Stream* s, void* dst, const BufferRange& src, size_t n,
                   const char* api);
// Copies `src` into pageable `dst` on the NULL stream and returns when the
// data is in place.
KLresult ReadbackSync(Context* c, void* dst, const BufferRange& src, size_t n, const char* api);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_HOST_COPY_H_
