// A timeline semaphore shared by the objects that refer to it: a stream owns
// one, and events keep the semaphore of the stream they were recorded on
// alive after that stream is destroyed. When the last reference goes, the
// semaphore goes to its context's graveyard (Context::Bury): a driver may
// still be inside its signal operation (lavapipe unlocks the semaphore after
// waking its waiters), so it is destroyed only when the queues are idle.
#ifndef KEEL_BACKENDS_VULKAN_TIMELINE_H_
#define KEEL_BACKENDS_VULKAN_TIMELINE_H_

#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <keel/keel.h>

#include "vulkan/symbols.h"

namespace keel {
namespace vk {

class Context;
class Stream;

class Timeline {
 public:
  static VkResult Create(Context* context, std::shared_ptr<Timeline>* out);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  VkSemaphore handle() const { return semaphore_; }
  // The counter value; `*result` receives a failure (device lost).
  uint64_t Completed(VkResult* result = nullptr) const;
  // The highest value Completed or Wait has seen reached, without asking the
  // driver: a lower bound of the counter (it only grows).
  uint64_t seen() const { return seen_.load(std::memory_order_relaxed); }
  // Blocks until the counter reaches value.
  VkResult Wait(uint64_t value) const;
  // Host signal (after a host step ran).
  VkResult Signal(uint64_t value) const;

  // The stream whose batches signal this timeline: events recorded on it
  // refer to values of its open batch, submitted on demand. Cleared when the
  // stream is destroyed (everything it recorded is submitted by then).
  void SetOwner(Stream* stream);
  // Submits the owner's open batch if `value` is not submitted yet, so a
  // waiter on `value` cannot wait for a batch nobody will submit.
  KLresult EnsureSubmitted(uint64_t value, const char* api);

 private:
  Timeline(Context* context, VkDevice device, const DeviceFunctions* fn, VkSemaphore semaphore)
      : context_(context), device_(device), fn_(fn), semaphore_(semaphore) {}
  void Saw(uint64_t value) const;
  Context* context_;
  VkDevice device_;
  const DeviceFunctions* fn_;
  VkSemaphore semaphore_;
  mutable std::atomic<uint64_t> seen_{0};
  std::mutex owner_mu_;  // taken before the owner's lock, never after
  Stream* owner_ = nullptr;
};

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_TIMELINE_H_
