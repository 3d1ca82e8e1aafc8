#include "vulkan/upload.h"

#include <algorithm>

#include "common/parallel_copy.h"
#include "common/services.h"
#include "vulkan/host_copy.h"
#include "vulkan/context.h"
#include "vulkan/status.h"

namespace keel {
namespace vk {

KLresult UploadPool::Acquire(VkDeviceSize min_size, const char* api, UploadChunk** out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if ((*it)->size >= min_size && (best == free_.end() || (*it)->size < (*best)->size))
        best = it;
    }
    if (best != free_.end()) {
      *out = *best;
      free_bytes_ -= (*best)->size;
      free_.erase(best);
      return KL_SUCCESS;
    }
  }
  const DeviceFunctions& fn = context_->fn;
  VkDevice device = context_->device_handle();
  auto chunk = new UploadChunk();
  chunk->size = std::max(kChunkBytes, (min_size + 0xffffu) & ~VkDeviceSize{0xffff});
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = chunk->size;
  info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
               VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = fn.vkCreateBuffer(device, &info, nullptr, &chunk->buffer);
  if (r != VK_SUCCESS) {
    delete chunk;
    return VkFail(r, api, "vkCreateBuffer (staging)");
  }
  VkMemoryRequirements req;
  fn.vkGetBufferMemoryRequirements(device, chunk->buffer, &req);
  uint32_t type = 0;
  if (!context_->FindMemoryType(req.memoryTypeBits, MemoryKind::kStaging, &type)) {
    DestroyChunk(chunk);
    return Fail(KL_ERROR_OUT_OF_MEMORY, "%s: no host-visible coherent memory type for staging",
                api);
  }
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  r = fn.vkAllocateMemory(device, &alloc, nullptr, &chunk->memory);
  if (r == VK_SUCCESS) r = fn.vkBindBufferMemory(device, chunk->buffer, chunk->memory, 0);
  void* host = nullptr;
  if (r == VK_SUCCESS) r = fn.vkMapMemory(device, chunk->memory, 0, VK_WHOLE_SIZE, 0, &host);
  if (r != VK_SUCCESS) {
    DestroyChunk(chunk);
    return VkFail(r, api, "vkAllocateMemory (staging)");
  }
  chunk->host = static_cast<uint8_t*>(host);
  *out = chunk;
  return KL_SUCCESS;
}

void UploadPool::Release(UploadChunk* chunk) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(chunk);
  free_bytes_ += chunk->size;
}

void UploadPool::Trim() {
  std::lock_guard<std::mutex> lock(mu_);
  while (free_bytes_ > kMaxFreeBytes && !free_.empty()) {
    // The largest first: they are the rarely needed ones.
    auto largest = std::max_element(free_.begin(), free_.end(),
                                    [](const UploadChunk* a, const UploadChunk* b) {
                                      return a->size < b->size;
                                    });
    free_bytes_ -= (*largest)->size;
    DestroyChunk(*largest);
    free_.erase(largest);
  }
}

void UploadPool::DestroyChunk(UploadChunk* chunk) {
  const DeviceFunctions& fn = context_->fn;
  VkDevice device = context_->device_handle();
  if (chunk->buffer != VK_NULL_HANDLE) fn.vkDestroyBuffer(device, chunk->buffer, nullptr);
  if (chunk->memory != VK_NULL_HANDLE) fn.vkFreeMemory(device, chunk->memory, nullptr);
  delete chunk;
}

void UploadPool::Destroy() {
  bool release = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (UploadChunk* chunk : free_) DestroyChunk(chunk);
    free_.clear();
    free_bytes_ = 0;
    release = copier_ != nullptr;
    copier_ = nullptr;
  }
  if (release) ReleaseCopyPool();  // may join the workers: outside the lock
}

CopyPool* UploadPool::copier() {
  std::lock_guard<std::mutex> lock(mu_);
  if (copier_ == nullptr) copier_ = AcquireCopyPool(StagingSettings().threads);
  return copier_;
}

KLresult UploadArena::Alloc(UploadPool* pool, VkDeviceSize size, VkDeviceSize align,
                            uint64_t release_value, const char* api, UploadSlice* out) {
  VkDeviceSize offset = (used_ + align - 1) / align * align;
  if (current_ == nullptr || offset + size > current_->size) {
    UploadChunk* chunk = nullptr;
    KLresult r = pool->Acquire(size, api, &chunk);
    if (r != KL_SUCCESS) return r;
    if (current_ != nullptr) retiring_.push_back(Held{current_, current_release_});
    current_ = chunk;
    used_ = 0;
    offset = 0;
    current_release_ = 0;
    pending_bytes_ += chunk->size;
  }
  used_ = offset + size;
  current_release_ = std::max(current_release_, release_value);
  out->chunk = current_;
  out->offset = offset;
  out->host = current_->host + offset;
  return KL_SUCCESS;
}

void UploadArena::Retire(UploadPool* pool, uint64_t completed) {
  while (!retiring_.empty() && retiring_.front().release_value <= completed) {
    pending_bytes_ -= retiring_.front().chunk->size;
    pool->Release(retiring_.front().chunk);
    retiring_.pop_front();
  }
  // Everything in the current chunk is done: start over at its beginning.
  if (current_ != nullptr && current_release_ <= completed) used_ = 0;
}

void UploadArena::ReleaseAll(UploadPool* pool) {
  for (const Held& held : retiring_) pool->Release(held.chunk);
  retiring_.clear();
  if (current_ != nullptr) pool->Release(current_);
  current_ = nullptr;
  used_ = 0;
  pending_bytes_ = 0;
}

uint64_t UploadArena::oldest_pending_value() const {
  return retiring_.empty() ? current_release_ : retiring_.front().release_value;
}

}  // namespace vk
}  // namespace keel
