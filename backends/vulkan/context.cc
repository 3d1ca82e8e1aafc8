#include "vulkan/context.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include <keel/keel_vulkan.h>

#include "common/parallel_copy.h"
#include "common/services.h"
#include "vulkan/builtin_kernels.h"
#include "vulkan/event.h"
#include "vulkan/host_wait.h"
#include "vulkan/host_worker.h"
#include "vulkan/memory.h"
#include "vulkan/module.h"
#include "vulkan/status.h"
#include "vulkan/stream.h"
#include "vulkan/upload.h"

namespace keel {
namespace vk {

Context::Context(Device* device, unsigned flags, bool primary)
    : device_(device), flags_(flags), primary_(primary) {}

Context::~Context() = default;

KLresult Context::Init(const char* api) {
  const Device* d = device_;
  const DeviceFeatures& f = d->features;

  std::vector<float> priorities(d->queue_count, 1.0f);
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = d->queue_family;
  queue_info.queueCount = d->queue_count;
  queue_info.pQueuePriorities = priorities.data();

  std::vector<const char*> extensions;
  if (f.push_descriptor) extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (f.external_memory_host) extensions.push_back(VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
  if (f.shader_atomic_float) extensions.push_back(VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
  if (f.portability_subset) extensions.push_back("VK_KHR_portability_subset");

  // Only the features Keel reports (device.cc); robustness and the like
  // stay off because they cost speed.
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomic_float{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
  atomic_float.shaderBufferFloat32AtomicAdd = f.float32_atomic_add;
  atomic_float.shaderSharedFloat32AtomicAdd = f.float32_shared_atomic_add;
  atomic_float.shaderBufferFloat64AtomicAdd = f.float64_atomic_add;
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  f12.bufferDeviceAddress = VK_TRUE;
  f12.timelineSemaphore = VK_TRUE;
  f12.shaderInt8 = f.int8;
  f12.shaderFloat16 = f.float16;
  f12.shaderBufferInt64Atomics = f.int64_atomics;
  f12.shaderSharedInt64Atomics = f.shared_int64_atomics;
  f12.storageBuffer8BitAccess = f.storage_buffer_8bit;
  f12.uniformAndStorageBuffer8BitAccess = f.uniform_storage_8bit;
  f12.storagePushConstant8 = f.push_constant_8bit;
  f12.vulkanMemoryModel = f.vulkan_memory_model;
  f12.vulkanMemoryModelDeviceScope = f.vulkan_memory_model_device_scope;
  f12.scalarBlockLayout = f.scalar_block_layout;
  if (f.shader_atomic_float) f12.pNext = &atomic_float;
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  f11.storageBuffer16BitAccess = f.storage_buffer_16bit;
  f11.uniformAndStorageBuffer16BitAccess = f.uniform_storage_16bit;
  f11.storagePushConstant16 = f.push_constant_16bit;
  f11.pNext = &f12;
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.features.shaderInt64 = f.int64;
  features.features.shaderFloat64 = f.float64;
  features.features.shaderInt16 = f.int16;
  features.pNext = &f11;

  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.pNext = &features;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  Log(KL_LOG_DEBUG, "%s: creating the Vulkan device of %s", api, d->name.c_str());
  VkResult r = vkCreateDevice(d->physical, &info, nullptr, &vk_device_);
  if (r != VK_SUCCESS) {
    vk_device_ = VK_NULL_HANDLE;
    return VkFail(r, api, "vkCreateDevice");
  }
  Log(KL_LOG_DEBUG, "%s: Vulkan device created", api);
  if (const char* missing = fn.Load(vk_device_)) {
    Teardown();
    return Fail(KL_ERROR_UNKNOWN, "%s: the Vulkan driver of %s does not provide %s", api,
                d->name.c_str(), missing);
  }
  for (uint32_t i = 0; i < d->queue_count; ++i) {
    queues_.emplace_back(new Queue());
    fn.vkGetDeviceQueue(vk_device_, d->queue_family, i, &queues_.back()->queue);
  }

  VkPipelineCacheCreateInfo cache{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  r = fn.vkCreatePipelineCache(vk_device_, &cache, nullptr, &pipeline_cache_);
  if (r != VK_SUCCESS) {
    pipeline_cache_ = VK_NULL_HANDLE;
    Teardown();
    return VkFail(r, api, "vkCreatePipelineCache");
  }
  // Push constants: the device's whole range, so one layout fits every kernel.
  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0,
                            d->properties.limits.maxPushConstantsSize};
  VkPipelineLayoutCreateInfo layout{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout.pushConstantRangeCount = 1;
  layout.pPushConstantRanges = &range;
  r = fn.vkCreatePipelineLayout(vk_device_, &layout, nullptr, &push_constant_layout_);
  if (r != VK_SUCCESS) {
    push_constant_layout_ = VK_NULL_HANDLE;
    Teardown();
    return VkFail(r, api, "vkCreatePipelineLayout");
  }
  if (f.push_descriptor) {
    VkDescriptorSetLayoutBinding binding{};
    binding.binding = 0;
    binding.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    binding.descriptorCount = 1;
    binding.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    VkDescriptorSetLayoutCreateInfo set{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    set.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
    set.bindingCount = 1;
    set.pBindings = &binding;
    r = fn.vkCreateDescriptorSetLayout(vk_device_, &set, nullptr, &buffer_args_set_layout_);
    if (r == VK_SUCCESS) {
      VkPipelineLayoutCreateInfo args{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
      args.setLayoutCount = 1;
      args.pSetLayouts = &buffer_args_set_layout_;
      r = fn.vkCreatePipelineLayout(vk_device_, &args, nullptr, &buffer_args_layout_);
    }
    if (r != VK_SUCCESS) {
      Teardown();
      return VkFail(r, api, "vkCreatePipelineLayout (arguments in a buffer)");
    }
  }
  uploads_.reset(new UploadPool(this));
  worker_.reset(new HostWorker(this));
  null_stream_ = new Stream(this, 0, 0, queue(0), true);
  KLresult kr = null_stream_->Init(api);
  if (kr != KL_SUCCESS) {
    delete null_stream_;
    null_stream_ = nullptr;
    Teardown();
    return kr;
  }
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    has_async_error_ = false;
    async_result_ = VK_SUCCESS;
  }
  active_.store(true, std::memory_order_release);
  Log(KL_LOG_INFO, "%s: context on %s (%u queue(s) of family %u)", api, d->name.c_str(),
      d->queue_count, d->queue_family);
  return KL_SUCCESS;
}

void Context::Teardown() {
  active_.store(false, std::memory_order_release);
  if (vk_device_ == VK_NULL_HANDLE) return;
  if (null_stream_ != nullptr) Synchronize("teardown");
  if (worker_) worker_->Stop();
  DestroyObjects();
  if (worker_) worker_->Stop();  // tasks queued by the teardown itself ran inline
  worker_.reset();
  if (null_stream_ != nullptr) {
    null_stream_->Release();
    delete null_stream_;
    null_stream_ = nullptr;
  }
  ReleaseAllMemory(this);
  if (uploads_) uploads_->Destroy();
  uploads_.reset();
  // Nothing was submitted since Synchronize idled the queues.
  DestroyBuried(TakeBuried());
  if (buffer_args_layout_ != VK_NULL_HANDLE)
    fn.vkDestroyPipelineLayout(vk_device_, buffer_args_layout_, nullptr);
  if (buffer_args_set_layout_ != VK_NULL_HANDLE)
    fn.vkDestroyDescriptorSetLayout(vk_device_, buffer_args_set_layout_, nullptr);
  if (push_constant_layout_ != VK_NULL_HANDLE)
    fn.vkDestroyPipelineLayout(vk_device_, push_constant_layout_, nullptr);
  if (pipeline_cache_ != VK_NULL_HANDLE)
    fn.vkDestroyPipelineCache(vk_device_, pipeline_cache_, nullptr);
  buffer_args_layout_ = push_constant_layout_ = VK_NULL_HANDLE;
  buffer_args_set_layout_ = VK_NULL_HANDLE;
  pipeline_cache_ = VK_NULL_HANDLE;
  queues_.clear();
  if (fn.vkDestroyDevice != nullptr)
    fn.vkDestroyDevice(vk_device_, nullptr);
  else
    vkDestroyDevice(vk_device_, nullptr);
  vk_device_ = VK_NULL_HANDLE;
}

void Context::DestroyObjects() {
  std::vector<Module*> modules;
  std::vector<Event*> events;
  std::vector<Stream*> streams;
  {
    std::lock_guard<std::mutex> lock(objects_mu_);
    modules.assign(modules_.begin(), modules_.end());
    events.assign(events_.begin(), events_.end());
    streams.swap(streams_);
    modules_.clear();
    events_.clear();
    blocking_streams_ = 0;
  }
  {
    std::lock_guard<std::mutex> lock(builtin_mu_);
    builtin_ = nullptr;
  }
  for (Module* m : modules) m->Destroy();
  for (Event* e : events) e->Destroy();
  for (Stream* s : streams) {
    s->Release();
    delete s;
  }
}

namespace {

// KEEL_VULKAN_AUTO_POLL_US, read once (host_wait.h).
std::optional<std::chrono::microseconds> AutoPollSetting() {
  static const std::optional<std::chrono::microseconds> setting = [] {
    const char* env = std::getenv("KEEL_VULKAN_AUTO_POLL_US");
    bool invalid = false;
    std::optional<std::chrono::microseconds> us = ParseAutoPollSetting(env, &invalid);
    if (invalid)
      Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_AUTO_POLL_US=\"%s\" (want 0 to 10000000)", env);
    return us;
  }();
  return setting;
}

// Threads of the process polling in Context::Wait right now.
std::atomic<int> g_polling_threads{0};

// Counts the calling thread among the pollers while it polls.
struct PollingThread {
  PollingThread() { g_polling_threads.fetch_add(1, std::memory_order_relaxed); }
  ~PollingThread() { g_polling_threads.fetch_sub(1, std::memory_order_relaxed); }
};

}  // namespace

VkResult Context::Wait(const Timeline& timeline, uint64_t value, bool blocking) const {
  static const int cpus = UsableCpus();
  const bool cpu_device = device_->properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const int pollers = g_polling_threads.load(std::memory_order_relaxed) + 1;  // with this one
  const HostWaitPlan plan =
      PlanHostWait(flags_, cpu_device, blocking, AutoPollSetting(), pollers, cpus);
  if (plan.poll) {
    PollingThread polling;
    const bool bounded = plan.poll_limit != kPollUntilDone;
    const auto deadline = std::chrono::steady_clock::now() +
                          (bounded ? plan.poll_limit : std::chrono::microseconds{0});
    for (uint32_t i = 0;; ++i) {
      VkResult r = VK_SUCCESS;
      uint64_t done = timeline.Completed(&r);
      if (r != VK_SUCCESS) return r;
      if (done >= value) return VK_SUCCESS;
      if (plan.yield) std::this_thread::yield();
      if (bounded && (i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
    }
  }
  return timeline.Wait(value);
}

KLresult Context::CheckActive(const char* api) const {
  if (active()) return KL_SUCCESS;
  return Fail(KL_ERROR_CONTEXT_IS_DESTROYED,
              "%s: the context is destroyed (its device's primary context was released or is "
              "being reset)",
              api);
}

bool Context::FindMemoryType(uint32_t type_bits, MemoryKind kind, uint32_t* index) const {
  const VkPhysicalDeviceMemoryProperties& props = device_->memory;
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                     VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  // Types that need features Keel does not enable.
  const VkMemoryPropertyFlags excluded = VK_MEMORY_PROPERTY_PROTECTED_BIT |
                                         VK_MEMORY_PROPERTY_LAZILY_ALLOCATED_BIT |
                                         VK_MEMORY_PROPERTY_DEVICE_COHERENT_BIT_AMD |
                                         VK_MEMORY_PROPERTY_DEVICE_UNCACHED_BIT_AMD;
  int best = -1, best_score = -1;
  for (uint32_t i = 0; i < props.memoryTypeCount; ++i) {
    if (!(type_bits & (1u << i))) continue;
    VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
    if (flags & excluded) continue;
    int score = 0;
    switch (kind) {
      case MemoryKind::kDevice:
        score = (flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) ? 2 : 1;
        // Prefer device memory the host cannot see (the real VRAM).
        if ((flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && !(flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
          score = 3;
        break;
      case MemoryKind::kStaging:
      case MemoryKind::kHostCached:
        if ((flags & host) != host) continue;
        score = (flags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) ? 2 : 1;
        break;
      case MemoryKind::kHostUncached:
        if ((flags & host) != host) continue;
        score = (flags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT) ? 1 : 2;
        break;
    }
    if (score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  if (best < 0) return false;
  *index = static_cast<uint32_t>(best);
  return true;
}

void Context::SetAsyncError(VkResult result, const char* vk_call) {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (has_async_error_) return;
  async_result_ = result;
  async_call_ = vk_call;
  has_async_error_ = true;
  const char* name = VkResultName(result);
  Log(KL_LOG_ERROR, "asynchronous work failed: %s: %s (%d)", vk_call, name ? name : "?",
      static_cast<int>(result));
}

KLresult Context::AsyncError(const char* api) const {
  if (!has_async_error_.load(std::memory_order_acquire)) return KL_SUCCESS;
  std::lock_guard<std::mutex> lock(error_mu_);
  const char* name = VkResultName(async_result_);
  return Fail(ToKLresult(async_result_), "%s: earlier asynchronous work failed: %s: %s (%d)", api,
              async_call_.c_str(), name ? name : "?", static_cast<int>(async_result_));
}

KLresult Context::CreateStream(unsigned flags, int priority, const char* api, Stream** out) {
  Queue* q;
  {
    std::lock_guard<std::mutex> lock(objects_mu_);
    // Queue 0 carries the NULL stream; created streams take the others in
    // turn (all of them share queue 0 on single-queue devices).
    size_t n = queues_.size();
    q = n > 1 ? queue(1 + next_queue_++ % (n - 1)) : queue(0);
  }
  auto* s = new Stream(this, flags, priority, q, false);
  KLresult r = s->Init(api);
  if (r != KL_SUCCESS) {
    delete s;
    return r;
  }
  std::lock_guard<std::mutex> lock(objects_mu_);
  streams_.push_back(s);
  if (s->blocking()) ++blocking_streams_;
  *out = s;
  return KL_SUCCESS;
}

void Context::DestroyStream(Stream* s) {
  {
    std::lock_guard<std::mutex> lock(objects_mu_);
    auto it = std::find(streams_.begin(), streams_.end(), s);
    if (it != streams_.end()) streams_.erase(it);
    if (s->blocking()) --blocking_streams_;
  }
  uint64_t end = 0;
  s->FlushEnd("klStreamDestroy", &end);
  if (s->timeline()->Completed() >= end) {
    s->Release();
    delete s;
    return;
  }
  // Work already queued completes; the stream goes away after it.
  HostWorker::Task task;
  task.wait = s->timeline();
  task.wait_value = end;
  task.run = [s](bool) {
    s->Release();
    delete s;
  };
  worker_->Enqueue(std::move(task));
}

void Context::LegacyDependencies(Stream* s, const char* api,
                                 std::vector<std::pair<std::shared_ptr<Timeline>, uint64_t>>* deps) {
  auto add = [&](Stream* other) {
    uint64_t end = 0;
    if (other->FlushEnd(api, &end) != KL_SUCCESS || end == 0) return;
    // Seen reached already (after a synchronize, say): no driver call.
    if (other->timeline()->seen() >= end || other->timeline()->Completed() >= end) return;
    deps->emplace_back(other->timeline(), end);
  };
  if (s->is_null()) {
    if (blocking_streams_.load(std::memory_order_relaxed) == 0) return;
    std::lock_guard<std::mutex> lock(objects_mu_);
    for (Stream* other : streams_)
      if (other->blocking()) add(other);
  } else if (s->blocking()) {
    add(null_stream_);
  }
}

KLresult Context::Synchronize(const char* api) {
  std::vector<std::pair<std::shared_ptr<Timeline>, uint64_t>> ends;
  KLresult result = KL_SUCCESS;
  auto flush = [&](Stream* s) {
    uint64_t end = 0;
    KLresult r = s->FlushEnd(api, &end);
    if (r != KL_SUCCESS && result == KL_SUCCESS) result = r;
    ends.emplace_back(s->timeline(), end);
  };
  {
    std::lock_guard<std::mutex> lock(objects_mu_);
    flush(null_stream_);
    for (Stream* s : streams_) flush(s);
  }
  for (auto& end : ends) {
    VkResult r = Wait(*end.first, end.second);
    if (r != VK_SUCCESS) {
      SetAsyncError(r, "vkWaitSemaphores");
      if (result == KL_SUCCESS) result = VkFail(r, api, "vkWaitSemaphores");
    }
  }
  // Everything is done: recycle every stream's batches, and let the backend
  // thread finish releasing destroyed streams and events, so no command
  // buffer still refers to a pipeline after this returns (klModuleUnload
  // destroys pipelines next).
  {
    std::lock_guard<std::mutex> lock(objects_mu_);
    null_stream_->Retire();
    for (Stream* s : streams_) s->Retire();
  }
  worker_->Drain();
  // The queues going idle also covers the driver's own bookkeeping of the
  // finished work, which must be over before anything it used is destroyed:
  // what was buried before the wait can go after it.
  Buried buried = TakeBuried();
  KLresult idle = WaitQueuesIdle(api);
  if (result == KL_SUCCESS) result = idle;
  DestroyBuried(buried);
  if (uploads_) uploads_->Trim();
  if (result != KL_SUCCESS) return result;
  return AsyncError(api);
}

void Context::Bury(VkSemaphore semaphore) {
  std::lock_guard<std::mutex> lock(graveyard_mu_);
  buried_semaphores_.push_back(semaphore);
}

void Context::Bury(VkCommandPool pool) {
  std::lock_guard<std::mutex> lock(graveyard_mu_);
  buried_command_pools_.push_back(pool);
}

void Context::Bury(VkQueryPool pool) {
  std::lock_guard<std::mutex> lock(graveyard_mu_);
  buried_query_pools_.push_back(pool);
}

Context::Buried Context::TakeBuried() {
  Buried b;
  std::lock_guard<std::mutex> lock(graveyard_mu_);
  b.semaphores.swap(buried_semaphores_);
  b.command_pools.swap(buried_command_pools_);
  b.query_pools.swap(buried_query_pools_);
  return b;
}

void Context::DestroyBuried(const Buried& b) {
  for (VkCommandPool p : b.command_pools) fn.vkDestroyCommandPool(vk_device_, p, nullptr);
  for (VkQueryPool p : b.query_pools) fn.vkDestroyQueryPool(vk_device_, p, nullptr);
  for (VkSemaphore s : b.semaphores) fn.vkDestroySemaphore(vk_device_, s, nullptr);
}

KLresult Context::WaitQueuesIdle(const char* api) {
  KLresult result = KL_SUCCESS;
  for (auto& q : queues_) {
    std::lock_guard<std::mutex> lock(q->mu);
    if (!q->busy) continue;
    VkResult w = fn.vkQueueWaitIdle(q->queue);
    if (w != VK_SUCCESS) {
      SetAsyncError(w, "vkQueueWaitIdle");
      if (result == KL_SUCCESS) result = VkFail(w, api, "vkQueueWaitIdle");
    } else {
      q->busy = false;
    }
  }
  return result;
}

void Context::LimitGraveyard(const char* api) {
  {
    std::lock_guard<std::mutex> lock(graveyard_mu_);
    if (buried_semaphores_.size() + buried_command_pools_.size() + buried_query_pools_.size() <=
        kMaxBuried)
      return;
  }
  Buried buried = TakeBuried();
  if (WaitQueuesIdle(api) == KL_SUCCESS) DestroyBuried(buried);
}

void Context::AddModule(Module* m) {
  std::lock_guard<std::mutex> lock(objects_mu_);
  modules_.insert(m);
}

void Context::RemoveModule(Module* m) {
  std::lock_guard<std::mutex> lock(objects_mu_);
  modules_.erase(m);
}

void Context::AddEvent(Event* e) {
  std::lock_guard<std::mutex> lock(objects_mu_);
  events_.insert(e);
}

void Context::RemoveEvent(Event* e) {
  std::lock_guard<std::mutex> lock(objects_mu_);
  events_.erase(e);
}

KLresult Context::BuiltinModule(const char* api, Module** out) {
  std::lock_guard<std::mutex> lock(builtin_mu_);
  if (builtin_ == nullptr) {
    size_t bytes = 0;
    const uint32_t* code = BuiltinKernelsSpirv(&bytes);
    KLresult r = Module::Load(this, code, bytes, api, &builtin_, nullptr);
    if (r != KL_SUCCESS) return r;
  }
  *out = builtin_;
  return KL_SUCCESS;
}

KLresult Context::ResolveDevice(KLdeviceptr address, size_t size, const char* api,
                                const char* what, BufferRange* out) {
  std::shared_lock<std::shared_mutex> lock(memory_mu);
  const auto* e = device_memory.FindSpan(address, size);
  if (e == nullptr) {
    const auto* inside = device_memory.Find(address);
    if (inside == nullptr)
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: %s address 0x%llx is not inside any allocation of this context", api, what,
                  static_cast<unsigned long long>(address));
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: %s range [0x%llx, +%zu) runs past the end of its allocation [0x%llx, +%llu)",
                api, what, static_cast<unsigned long long>(address), size,
                static_cast<unsigned long long>(inside->base),
                static_cast<unsigned long long>(inside->size));
  }
  out->buffer = e->value.buffer;
  out->offset = e->value.offset + (address - e->base);
  return KL_SUCCESS;
}

bool Context::ResolveHost(const void* p, size_t size, BufferRange* out) {
  std::shared_lock<std::shared_mutex> lock(memory_mu);
  if (host_memory.empty()) return false;
  const auto* e = host_memory.FindSpan(reinterpret_cast<uintptr_t>(p), size);
  if (e == nullptr) return false;
  out->buffer = e->value->buffer;
  out->offset = e->value->offset + (reinterpret_cast<uintptr_t>(p) - e->base);
  return true;
}

KLresult ResolveStream(KLcontext ctx, KLstream hStream, const char* api, Stream** out) {
  if (hStream != nullptr) {
    Stream* s = FromHandle<Stream>(hStream);
    KLresult r = s->context()->CheckActive(api);
    if (r != KL_SUCCESS) return r;
    *out = s;
    return KL_SUCCESS;
  }
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  *out = c->null_stream();
  return KL_SUCCESS;
}

// ---------------------------------------------------------------------------
// Entry points.

KLresult klCtxCreate(KLcontext* pctx, unsigned int flags, KLdevice dev) {
  const char* api = "klCtxCreate";
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: pctx is NULL", api);
  if (flags & ~static_cast<unsigned>(KL_CTX_SCHED_MASK))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: unknown flags 0x%x", api, flags);
  auto* c = new Context(FromHandle<Device>(dev), flags, false);
  KLresult r = c->Init(api);
  if (r != KL_SUCCESS) {
    delete c;
    return r;
  }
  *pctx = ToHandle<KLcontext>(c);
  return KL_SUCCESS;
}

KLresult klCtxDestroy(KLcontext ctx) {
  Context* c = FromHandle<Context>(ctx);
  if (c->primary())
    return Fail(KL_ERROR_INVALID_CONTEXT,
                "klCtxDestroy: this is a primary context; release it with "
                "klDevicePrimaryCtxRelease");
  c->Teardown();
  delete c;
  return KL_SUCCESS;
}

KLresult klCtxGetDevice(KLcontext ctx, KLdevice* device) {
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive("klCtxGetDevice");
  if (r != KL_SUCCESS) return r;
  if (device == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetDevice: device is NULL");
  *device = ToHandle<KLdevice>(c->device());
  return KL_SUCCESS;
}

KLresult klCtxSynchronize(KLcontext ctx) {
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive("klCtxSynchronize");
  if (r != KL_SUCCESS) return r;
  return c->Synchronize("klCtxSynchronize");
}

KLresult klCtxGetStreamPriorityRange(KLcontext ctx, int* leastPriority, int* greatestPriority) {
  KLresult r = FromHandle<Context>(ctx)->CheckActive("klCtxGetStreamPriorityRange");
  if (r != KL_SUCCESS) return r;
  // No stream priorities on Vulkan compute queues.
  if (leastPriority != nullptr) *leastPriority = 0;
  if (greatestPriority != nullptr) *greatestPriority = 0;
  return KL_SUCCESS;
}

KLresult klCtxGetNativeHandle(void** native, KLcontext ctx) {
  Context* c = FromHandle<Context>(ctx);
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klCtxGetNativeHandle: native is NULL");
  KLresult r = c->CheckActive("klCtxGetNativeHandle");
  if (r != KL_SUCCESS) return r;
  *native = reinterpret_cast<void*>(c->device_handle());
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxRetain(KLcontext* pctx, KLdevice dev) {
  const char* api = "klDevicePrimaryCtxRetain";
  if (pctx == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: pctx is NULL", api);
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  // One object per device for the life of the process: the loader's
  // context stacks may still name it after the last release.
  if (d->primary == nullptr) d->primary = new Context(d, d->primary_flags, true);
  if (d->primary_refs == 0) {
    d->primary->set_flags(d->primary_flags);
    KLresult r = d->primary->Init(api);
    if (r != KL_SUCCESS) return r;
  }
  ++d->primary_refs;
  *pctx = ToHandle<KLcontext>(d->primary);
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxRelease(KLdevice dev) {
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  if (d->primary_refs == 0)
    return Fail(KL_ERROR_INVALID_CONTEXT,
                "klDevicePrimaryCtxRelease: the primary context of %s is not retained",
                d->name.c_str());
  if (--d->primary_refs == 0) d->primary->Teardown();
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxReset(KLdevice dev) {
  const char* api = "klDevicePrimaryCtxReset";
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  if (d->primary == nullptr || d->primary_refs == 0) return KL_SUCCESS;
  // Retains stay counted: the context comes back empty, same handle.
  d->primary->Teardown();
  d->primary->set_flags(d->primary_flags);
  return d->primary->Init(api);
}

KLresult klDevicePrimaryCtxGetState(KLdevice dev, unsigned int* flags, int* active) {
  if (flags == nullptr || active == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxGetState: flags or active is NULL");
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  *flags = d->primary_flags;
  *active = d->primary_refs > 0 ? 1 : 0;
  return KL_SUCCESS;
}

KLresult klDevicePrimaryCtxSetFlags(KLdevice dev, unsigned int flags) {
  if (flags & ~static_cast<unsigned>(KL_CTX_SCHED_MASK))
    return Fail(KL_ERROR_INVALID_VALUE, "klDevicePrimaryCtxSetFlags: unknown flags 0x%x", flags);
  Device* d = FromHandle<Device>(dev);
  std::lock_guard<std::mutex> lock(d->primary_mu);
  // Scheduling flags choose how the host waits (Context::Wait); they take
  // effect at once.
  d->primary_flags = flags;
  if (d->primary != nullptr) d->primary->set_flags(flags);
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
