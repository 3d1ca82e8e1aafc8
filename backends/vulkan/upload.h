// Host-visible staging memory for the data a stream sends to or reads back
// from the device: pageable host copies, and argument blocks too large for
// push constants.
//
// UploadPool (per context) owns chunks of HOST_VISIBLE | HOST_COHERENT
// memory, mapped once. UploadArena (per stream, under the stream's lock)
// bump-allocates slices from its current chunk; a chunk goes back to the pool
// when the stream's timeline passes the last value that used it.
#ifndef KEEL_BACKENDS_VULKAN_UPLOAD_H_
#define KEEL_BACKENDS_VULKAN_UPLOAD_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace keel {

class CopyPool;

namespace vk {

class Context;

struct UploadChunk {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint8_t* host = nullptr;
  VkDeviceSize size = 0;
};

struct UploadSlice {
  UploadChunk* chunk = nullptr;
  VkDeviceSize offset = 0;
  uint8_t* host = nullptr;
};

class UploadPool {
 public:
  // Chunks are at least this big; larger requests get a chunk of their own.
  static constexpr VkDeviceSize kChunkBytes = 4u << 20;
  // Trim keeps this many bytes of free chunks.
  static constexpr VkDeviceSize kMaxFreeBytes = 64u << 20;

  explicit UploadPool(Context* context) : context_(context) {}
  KLresult Acquire(VkDeviceSize min_size, const char* api, UploadChunk** out);
  // Returns a chunk whose work has completed to the free list.
  void Release(UploadChunk* chunk);
  // Destroys free chunks beyond kMaxFreeBytes. Only when the queues are idle
  // (a driver may still touch a buffer of just-completed work: lavapipe).
  void Trim();
  // Also releases the memcpy pool, if copier() acquired it.
  void Destroy();

  // The plugin's memcpy pool for staged pageable copies
  // (common/parallel_copy.h, threads from KEEL_VULKAN_STAGING_THREADS),
  // acquired on this context's first use and released by Destroy, after the
  // context's host worker stopped.
  CopyPool* copier();

 private:
  void DestroyChunk(UploadChunk* chunk);
  Context* context_;
  std::mutex mu_;
  std::vector<UploadChunk*> free_;
  VkDeviceSize free_bytes_ = 0;
  CopyPool* copier_ = nullptr;  // under mu_
};

class UploadArena {
 public:
  // A slice of `size` bytes aligned to `align`, released when the stream's
  // timeline reaches release_value.
  KLresult Alloc(UploadPool* pool, VkDeviceSize size, VkDeviceSize align, uint64_t release_value,
                 const char* api, UploadSlice* out);
  // Returns chunks whose last use completed (timeline value `completed`).
  void Retire(UploadPool* pool, uint64_t completed);
  void ReleaseAll(UploadPool* pool);
  // Bytes held by chunks waiting for the GPU, and the value that frees the oldest.
  VkDeviceSize pending_bytes() const { return pending_bytes_; }
  uint64_t oldest_pending_value() const;

 private:
  struct Held {
    UploadChunk* chunk;
    uint64_t release_value;
  };
  UploadChunk* current_ = nullptr;
  VkDeviceSize used_ = 0;
  uint64_t current_release_ = 0;
  std::deque<Held> retiring_;
  VkDeviceSize pending_bytes_ = 0;
};

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_UPLOAD_H_
