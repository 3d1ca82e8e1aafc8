#include "vulkan/timeline.h"

#include "vulkan/context.h"
#include "vulkan/stream.h"

namespace keel {
namespace vk {

VkResult Timeline::Create(Context* context, std::shared_ptr<Timeline>* out) {
  VkDevice device = context->device_handle();
  const DeviceFunctions* fn = &context->fn;
  VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
  type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
  type.initialValue = 0;
  VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
  info.pNext = &type;
  VkSemaphore semaphore = VK_NULL_HANDLE;
  VkResult r = fn->vkCreateSemaphore(device, &info, nullptr, &semaphore);
  if (r != VK_SUCCESS) return r;
  out->reset(new Timeline(context, device, fn, semaphore));
  return VK_SUCCESS;
}

Timeline::~Timeline() { context_->Bury(semaphore_); }

void Timeline::Saw(uint64_t value) const {
  uint64_t seen = seen_.load(std::memory_order_relaxed);
  while (seen < value && !seen_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

uint64_t Timeline::Completed(VkResult* result) const {
  uint64_t value = 0;
  VkResult r = fn_->vkGetSemaphoreCounterValue(device_, semaphore_, &value);
  if (result != nullptr) *result = r;
  if (r != VK_SUCCESS) return 0;
  Saw(value);
  return value;
}

VkResult Timeline::Wait(uint64_t value) const {
  VkSemaphoreWaitInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
  info.semaphoreCount = 1;
  info.pSemaphores = &semaphore_;
  info.pValues = &value;
  VkResult r = fn_->vkWaitSemaphores(device_, &info, UINT64_MAX);
  if (r == VK_SUCCESS) Saw(value);
  return r;
}

VkResult Timeline::Signal(uint64_t value) const {
  VkSemaphoreSignalInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO};
  info.semaphore = semaphore_;
  info.value = value;
  return fn_->vkSignalSemaphore(device_, &info);
}

}  // namespace vk
}  // namespace keel

namespace keel {
namespace vk {

void Timeline::SetOwner(Stream* stream) {
  std::lock_guard<std::mutex> lock(owner_mu_);
  owner_ = stream;
}

KLresult Timeline::EnsureSubmitted(uint64_t value, const char* api) {
  std::lock_guard<std::mutex> lock(owner_mu_);
  if (owner_ == nullptr) return KL_SUCCESS;
  return owner_->FlushTo(value, api);
}

}  // namespace vk
}  // namespace keel
