// A Keel event on Vulkan: the (timeline semaphore, value) pair that marks the
// end of a stream's work when it was recorded, plus a timestamp query written
// at that point for klEventElapsedTime (unless KL_EVENT_DISABLE_TIMING).
//
// Each record takes the next of kQuerySlots query slots, so re-recording an
// event while an earlier record is still pending does not overwrite the
// earlier record's timestamp under it.
#ifndef KEEL_BACKENDS_VULKAN_EVENT_H_
#define KEEL_BACKENDS_VULKAN_EVENT_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "common/object.h"
#include "vulkan/timeline.h"

namespace keel {
namespace vk {

class Context;
class Stream;

class Event : public keel::Object {
 public:
  static constexpr uint32_t kQuerySlots = 4;

  Event(Context* context, unsigned flags) : context_(context), flags_(flags) {}
  KLresult Init(const char* api);
  // Destroys the event; its query pool goes when the queues are idle.
  void Destroy();

  Context* context() const { return context_; }
  bool timing() const { return pool_ != VK_NULL_HANDLE; }
  // The semaphore and value of the last record; (null, 0) if never recorded.
  void Target(std::shared_ptr<Timeline>* timeline, uint64_t* value) const;

  KLresult Record(Stream* stream, const char* api);
  KLresult Query(const char* api) const;
  KLresult Synchronize(const char* api) const;
  // The timestamp of the last record, in device ticks.
  KLresult Timestamp(const char* api, uint64_t* ticks) const;

 private:
  Context* context_;
  unsigned flags_;
  VkQueryPool pool_ = VK_NULL_HANDLE;
  mutable std::mutex mu_;
  std::shared_ptr<Timeline> timeline_;
  uint64_t value_ = 0;
  uint32_t records_ = 0;
  int slot_ = -1;
};

KLresult klEventCreate(KLcontext ctx, KLevent* phEvent, unsigned int Flags);
KLresult klEventRecord(KLevent hEvent, KLstream hStream);
KLresult klEventQuery(KLevent hEvent);
KLresult klEventSynchronize(KLevent hEvent);
KLresult klEventElapsedTime(float* pMilliseconds, KLevent hStart, KLevent hEnd);
KLresult klEventDestroy(KLevent hEvent);
KLresult klEventGetNativeHandle(void** native, KLevent hEvent);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_EVENT_H_
