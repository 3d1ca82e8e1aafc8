// A Keel context on Vulkan: one VkDevice with its queues, and every object
// created in it (memory, modules, streams, events). Memory of one context is
// not visible to another, as in CUDA without peer access.
#ifndef KEEL_BACKENDS_VULKAN_CONTEXT_H_
#define KEEL_BACKENDS_VULKAN_CONTEXT_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/object.h"
#include "common/range_map.h"
#include "vulkan/device.h"
#include "vulkan/symbols.h"
#include "vulkan/timeline.h"

namespace keel {
namespace vk {

class Event;
class HostWorker;
class Module;
class Stream;
class UploadPool;

struct Queue {
  VkQueue queue = VK_NULL_HANDLE;
  std::mutex mu;  // vkQueueSubmit needs external synchronization
  // Something was submitted since the queue was last waited idle (under mu):
  // idle waits skip queues that have nothing to wait for.
  bool busy = false;
};

enum class MemoryKind {
  kDevice,         // klMemAlloc: device-local
  kStaging,        // upload chunks: host-visible, coherent, cached if possible
  kHostCached,     // klMemHostAlloc: host-visible, coherent, cached if possible
  kHostUncached,   // klMemHostAlloc(WRITECOMBINED): host-visible, coherent
};

// A klMemAlloc allocation: the user's range [address, address + size) lies
// at `offset` in `buffer` (offset > 0 when the buffer's own address was not
// 256-byte aligned).
struct Allocation {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  VkDeviceSize heap_bytes = 0;  // charged to Device::heap_bytes_in_use
};

// Pinned (klMemHostAlloc) or registered (klMemHostRegister) host memory that
// copies can use directly: the user's range starts at `offset` in `buffer`.
struct HostBlock {
  void* ptr = nullptr;
  size_t size = 0;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  bool registered = false;
};

// A device range resolved to (buffer, offset).
struct BufferRange {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
};

class Context : public keel::Object {
 public:
  Context(Device* device, unsigned flags, bool primary);
  ~Context();
  // Creates the VkDevice and the context's fixed objects. On failure the
  // context is left torn down and the error message is set.
  KLresult Init(const char* api);
  // Waits for all work, destroys every object created in the context and
  // the VkDevice. The Context object itself stays (primary contexts reuse it).
  void Teardown();

  Device* device() const { return device_; }
  unsigned flags() const { return flags_; }
  void set_flags(unsigned flags) { flags_ = flags; }
  bool primary() const { return primary_; }
  VkDevice device_handle() const { return vk_device_; }
  bool active() const { return active_.load(std::memory_order_acquire); }
  // KL_ERROR_CONTEXT_IS_DESTROYED (with a message) for an inactive primary
  // context, else KL_SUCCESS.
  KLresult CheckActive(const char* api) const;

  DeviceFunctions fn;

  // Fixed objects.
  Queue* queue(size_t i) { return queues_[i % queues_.size()].get(); }
  Stream* null_stream() const { return null_stream_; }
  UploadPool* uploads() const { return uploads_.get(); }
  HostWorker* worker() const { return worker_.get(); }
  VkPipelineCache pipeline_cache() const { return pipeline_cache_; }
  // Layouts shared by all kernels: push constants over the device's whole
  // push-constant range, or the argument block in a storage buffer bound
  // with a push descriptor (set 0, binding 0).
  VkPipelineLayout push_constant_layout() const { return push_constant_layout_; }
  VkPipelineLayout buffer_args_layout() const { return buffer_args_layout_; }
  bool FindMemoryType(uint32_t type_bits, MemoryKind kind, uint32_t* index) const;

  // Blocks the calling thread until `timeline` reaches `value`, as the
  // context's scheduling flags say: KL_CTX_SCHED_SPIN polls, _YIELD polls
  // yielding the thread, _BLOCKING_SYNC (or `blocking`) sleeps in
  // vkWaitSemaphores, _AUTO polls yielding on GPUs for up to 100 ms (2 ms
  // when more threads poll than there are CPUs; drivers are slow to wake a
  // sleeping waiter) and then sleeps, and sleeps at once on CPU devices,
  // leaving the cores to the driver's threads (host_wait.h has the policy).
  VkResult Wait(const Timeline& timeline, uint64_t value, bool blocking = false) const;

  // Errors of asynchronous work (device lost in a wait or submit) stick to
  // the context and are returned by later synchronizing calls.
  void SetAsyncError(VkResult result, const char* vk_call);
  KLresult AsyncError(const char* api) const;

  // Streams: the NULL stream is created with the context.
  KLresult CreateStream(unsigned flags, int priority, const char* api, Stream** out);
  // Flushes the stream and releases it once its work is done (asynchronously).
  void DestroyStream(Stream* stream);
  // Legacy default-stream dependencies of work about to be recorded on `s`:
  // flushes the streams it must wait for and returns their end values.
  void LegacyDependencies(Stream* s, const char* api,
                          std::vector<std::pair<std::shared_ptr<Timeline>, uint64_t>>* deps);
  // Waits for all work of all streams, then for the queues to go idle, and
  // destroys what was buried meanwhile. After it returns, objects that
  // finished work used may be destroyed (klMemFree, klModuleUnload).
  KLresult Synchronize(const char* api);

  // Objects the queues may still touch right after their work completed (a
  // driver's queue thread can still be inside a semaphore's signal: lavapipe
  // unlocks it after waking the waiters). Destroyed by the next Synchronize,
  // once the queues are idle, or at teardown.
  void Bury(VkSemaphore semaphore);
  void Bury(VkCommandPool pool);
  void Bury(VkQueryPool pool);
  // Called after a stream or event is destroyed: a graveyard over
  // kMaxBuried objects (programs that create and destroy streams without
  // ever synchronizing the context) is emptied, waiting for idle queues.
  void LimitGraveyard(const char* api);
  static constexpr size_t kMaxBuried = 256;

  // Objects whose lifetime ends with the context.
  void AddModule(Module* m);
  void RemoveModule(Module* m);
  void AddEvent(Event* e);
  void RemoveEvent(Event* e);

  // Device memory: the allocation containing [address, address + size).
  // Fails with KL_ERROR_INVALID_VALUE naming `what` ("destination") when the
  // range is not inside one allocation.
  KLresult ResolveDevice(KLdeviceptr address, size_t size, const char* api, const char* what,
                         BufferRange* out);
  // Pinned/registered host memory containing [p, p + size), if any.
  bool ResolveHost(const void* p, size_t size, BufferRange* out);

  // Memory bookkeeping (memory.cc).
  std::shared_mutex memory_mu;
  RangeMap<Allocation> device_memory;
  RangeMap<HostBlock*> host_memory;
  std::atomic<uint64_t> allocated_bytes{0};

  // The built-in kernels (memset of partial words), loaded on first use.
  KLresult BuiltinModule(const char* api, Module** out);

 private:
  void DestroyObjects();

  Device* device_;
  unsigned flags_;
  bool primary_;
  std::atomic<bool> active_{false};
  VkDevice vk_device_ = VK_NULL_HANDLE;
  std::vector<std::unique_ptr<Queue>> queues_;
  VkPipelineCache pipeline_cache_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout buffer_args_set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout push_constant_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout buffer_args_layout_ = VK_NULL_HANDLE;
  std::unique_ptr<UploadPool> uploads_;
  std::unique_ptr<HostWorker> worker_;
  Stream* null_stream_ = nullptr;

  std::mutex objects_mu_;
  std::vector<Stream*> streams_;  // all but the NULL stream
  std::atomic<int> blocking_streams_{0};
  std::unordered_set<Module*> modules_;
  std::unordered_set<Event*> events_;
  uint32_t next_queue_ = 0;

  std::mutex builtin_mu_;
  Module* builtin_ = nullptr;

  // Buried objects (see Bury).
  std::mutex graveyard_mu_;
  std::vector<VkSemaphore> buried_semaphores_;
  std::vector<VkCommandPool> buried_command_pools_;
  std::vector<VkQueryPool> buried_query_pools_;
  struct Buried {
    std::vector<VkSemaphore> semaphores;
    std::vector<VkCommandPool> command_pools;
    std::vector<VkQueryPool> query_pools;
  };
  // Takes what is buried now; destroy it after the queues went idle.
  Buried TakeBuried();
  void DestroyBuried(const Buried& buried);
  // Waits for every queue to go idle (never from the backend thread: a
  // submit may wait for one of its host steps).
  KLresult WaitQueuesIdle(const char* api);

  mutable std::mutex error_mu_;
  std::atomic<bool> has_async_error_{false};
  VkResult async_result_ = VK_SUCCESS;
  std::string async_call_;
};

// Resolves the stream of an S-kind or H-kind call: hStream, or the NULL
// stream of ctx. Checks the stream is ours and its context is active.
KLresult ResolveStream(KLcontext ctx, KLstream hStream, const char* api, Stream** out);

// Context entry points.
KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev);
KLresult klCtxDestroy(KLcontext ctx);
KLresult klCtxGetDevice(KLcontext ctx, KLdevice* device);
KLresult klCtxSynchronize(KLcontext ctx);
KLresult klCtxGetStreamPriorityRange(KLcontext ctx, int* leastPriority, int* greatestPriority);
KLresult klCtxGetNativeHandle(void** native, KLcontext ctx);
KLresult klDevicePrimaryCtxRetain(KLcontext* pctx, KLdevice dev);
KLresult klDevicePrimaryCtxRelease(KLdevice dev);
KLresult klDevicePrimaryCtxReset(KLdevice dev);
KLresult klDevicePrimaryCtxGetState(KLdevice dev, unsigned int* flags, int* active);
KLresult klDevicePrimaryCtxSetFlags(KLdevice dev, unsigned int flags);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_CONTEXT_H_
