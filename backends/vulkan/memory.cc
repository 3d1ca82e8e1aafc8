#include "vulkan/memory.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/range_map.h"
#include "common/services.h"
#include "vulkan/builtin_kernels.h"
#include "vulkan/context.h"
#include "vulkan/copy_kernels.h"
#include "vulkan/function.h"
#include "vulkan/host_copy.h"
#include "vulkan/launch.h"
#include "vulkan/module.h"
#include "vulkan/status.h"
#include "vulkan/stream.h"
#include "vulkan/upload.h"

namespace keel {
namespace vk {
namespace {

// klMemAlloc promises 256-byte alignment.
constexpr VkDeviceSize kAllocationAlignment = 256;

VkDeviceSize AlignUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// Pinned and registered host ranges of every context: CUDA's registrations
// are process-wide, so an overlap with any context's range is "already
// registered", and klMemFreeHost works from any context.
std::mutex g_host_mu;
RangeMap<Context*>* g_host_ranges = new RangeMap<Context*>();  // never freed (exit order)

void DestroyAllocation(Context* c, const Allocation& a) {
  if (a.heap_bytes != 0) c->device()->heap_bytes_in_use -= a.heap_bytes;
  if (a.buffer != VK_NULL_HANDLE) c->fn.vkDestroyBuffer(c->device_handle(), a.buffer, nullptr);
  if (a.memory != VK_NULL_HANDLE) c->fn.vkFreeMemory(c->device_handle(), a.memory, nullptr);
}

void DestroyHostBlock(Context* c, HostBlock* b) {
  if (b->buffer != VK_NULL_HANDLE) c->fn.vkDestroyBuffer(c->device_handle(), b->buffer, nullptr);
  if (b->memory != VK_NULL_HANDLE) c->fn.vkFreeMemory(c->device_handle(), b->memory, nullptr);
  delete b;
}

// Creates a buffer bound to fresh memory. `pnext_memory` chains import info.
KLresult CreateBoundBuffer(Context* c, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                           uint32_t allowed_types, const void* pnext_buffer,
                           const void* pnext_memory, bool device_address, const char* api,
                           VkBuffer* buffer, VkDeviceMemory* memory,
                           VkMemoryRequirements* requirements) {
  const DeviceFunctions& fn = c->fn;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.pNext = pnext_buffer;
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = fn.vkCreateBuffer(c->device_handle(), &info, nullptr, buffer);
  if (r != VK_SUCCESS) {
    *buffer = VK_NULL_HANDLE;
    return VkFail(r, api, "vkCreateBuffer");
  }
  fn.vkGetBufferMemoryRequirements(c->device_handle(), *buffer, requirements);
  uint32_t type = 0;
  if (!c->FindMemoryType(requirements->memoryTypeBits & allowed_types, kind, &type)) {
    fn.vkDestroyBuffer(c->device_handle(), *buffer, nullptr);
    *buffer = VK_NULL_HANDLE;
    return Fail(KL_ERROR_OUT_OF_MEMORY, "%s: no suitable Vulkan memory type for this buffer", api);
  }
  VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
  flags.pNext = pnext_memory;
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.pNext = device_address ? static_cast<const void*>(&flags) : pnext_memory;
  alloc.allocationSize = requirements->size;
  alloc.memoryTypeIndex = type;
  r = fn.vkAllocateMemory(c->device_handle(), &alloc, nullptr, memory);
  if (r == VK_SUCCESS) {
    r = fn.vkBindBufferMemory(c->device_handle(), *buffer, *memory, 0);
    if (r != VK_SUCCESS) fn.vkFreeMemory(c->device_handle(), *memory, nullptr);
  }
  if (r != VK_SUCCESS) {
    fn.vkDestroyBuffer(c->device_handle(), *buffer, nullptr);
    *buffer = VK_NULL_HANDLE;
    *memory = VK_NULL_HANDLE;
    return VkFail(r, api, "vkAllocateMemory");
  }
  return KL_SUCCESS;
}

// ---------------------------------------------------------------------------
// Copies, queued on a stream.

// Host to device: pinned sources are copied directly; pageable ones are
// staged (host_copy.h), so the caller may reuse the source as soon as this
// returns.
KLresult EnqueueHtoD(Stream* s, const BufferRange& dst, const void* src, size_t n, const char* api) {
  Context* c = s->context();
  BufferRange host;
  Stream::Recording rec(s, api);
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  KLresult r = KL_SUCCESS;
  if (c->ResolveHost(src, n, &host)) {
    r = rec.Begin(true, &cmd);
    if (r == KL_SUCCESS) RecordCopy(c->fn, cmd, host.buffer, host.offset, dst.buffer, dst.offset, n);
  } else {
    r = StageHtoD(rec, c, dst, src, n);  // host_copy.h
  }
  KLresult f = rec.Finish();
  return r != KL_SUCCESS ? r : f;
}

// Device to host, asynchronous: pinned destinations directly; pageable ones
// through staging and host steps that copy out once the data is there
// (host_copy.h).
KLresult EnqueueDtoH(Stream* s, void* dst, const BufferRange& src, size_t n, const char* api) {
  Context* c = s->context();
  BufferRange host;
  Stream::Recording rec(s, api);
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  KLresult r = KL_SUCCESS;
  if (c->ResolveHost(dst, n, &host)) {
    r = rec.Begin(true, &cmd);
    if (r == KL_SUCCESS) RecordCopy(c->fn, cmd, src.buffer, src.offset, host.buffer, host.offset, n);
  } else {
    r = StageDtoH(rec, s, dst, src, n, api);  // host_copy.h
  }
  KLresult f = rec.Finish();
  return r != KL_SUCCESS ? r : f;
}

// Device to device: a built-in kernel where the transfer command is slow
// (copy_kernels.h), else vkCmdCopyBuffer. dst_addr and src_addr are the
// device addresses of the two ranges.
KLresult EnqueueDtoD(Stream* s, KLdeviceptr dst_addr, const BufferRange& dst, KLdeviceptr src_addr,
                     const BufferRange& src, size_t n, const char* api) {
  Context* c = s->context();
  Stream::Recording rec(s, api);
  KLresult r = KL_SUCCESS;
  if (UseCopyKernels(*c) && (dst_addr | src_addr | n) % 4 == 0) {
    r = RecordCopyKernel(rec, c, dst_addr, src_addr, n, api);
  } else {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    r = rec.Begin(true, &cmd);
    if (r == KL_SUCCESS) RecordCopy(c->fn, cmd, src.buffer, src.offset, dst.buffer, dst.offset, n);
  }
  KLresult f = rec.Finish();
  return r != KL_SUCCESS ? r : f;
}

// memset: the 4-byte-aligned middle with vkCmdFillBuffer (or the fill
// kernel, copy_kernels.h), the partial words at either end with the built-in
// kernel keel_fill_edges. `pattern` is the value of one aligned 32-bit word
// (it is the same for every word: 8- and 16-bit values are replicated, and a
// 16-bit fill starts 2-byte aligned).
KLresult EnqueueMemset(Stream* s, KLdeviceptr dst, uint32_t pattern, size_t bytes,
                       const char* api) {
  Context* c = s->context();
  BufferRange range;
  KLresult r = c->ResolveDevice(dst, bytes, api, "destination", &range);
  if (r != KL_SUCCESS) return r;
  const VkDeviceSize a = range.offset, b = range.offset + bytes;
  const VkDeviceSize a4 = AlignUp(a, 4), b4 = b & ~VkDeviceSize{3};
  FillEdgesArgs edges{};
  auto add_edge = [&](VkDeviceSize word, VkDeviceSize lo, VkDeviceSize hi) {
    uint32_t write = 0;
    for (VkDeviceSize byte = lo; byte < hi; ++byte) write |= 0xffu << (8 * (byte - word));
    uint32_t i = edges.count++;
    // The word's device address: dst lies at buffer offset a.
    edges.word[i] = dst - a + word;
    edges.keep[i] = ~write;
    edges.value[i] = pattern & write;
  };
  if (a4 > b4) {
    add_edge(a & ~VkDeviceSize{3}, a, b);  // inside one word
  } else {
    if (a % 4 != 0) add_edge(a & ~VkDeviceSize{3}, a, a4);
    if (b % 4 != 0) add_edge(b4, b4, b);
  }
  Function* fill = nullptr;
  if (edges.count > 0) {
    Module* builtin = nullptr;
    r = c->BuiltinModule(api, &builtin);
    if (r != KL_SUCCESS) return r;
    fill = builtin->FindFunction(kFillEdgesKernel);
    if (fill == nullptr)
      return Fail(KL_ERROR_UNKNOWN, "%s: the built-in kernel %s is missing", api, kFillEdgesKernel);
  }
  Stream::Recording rec(s, api);
  if (a4 < b4) {
    if (UseFillKernels(*c)) {
      r = RecordFillKernel(rec, c, dst - a + a4, pattern, b4 - a4, api);
    } else {
      VkCommandBuffer cmd = VK_NULL_HANDLE;
      r = rec.Begin(true, &cmd);
      if (r == KL_SUCCESS) c->fn.vkCmdFillBuffer(cmd, range.buffer, a4, b4 - a4, pattern);
    }
  }
  if (r == KL_SUCCESS && fill != nullptr) {
    const uint32_t grid[3] = {1, 1, 1};
    const uint32_t block[3] = {2, 1, 1};
    alignas(16) uint8_t args[64] = {};
    void* params[] = {&edges.word[0], &edges.word[1], &edges.keep[0], &edges.keep[1],
                      &edges.value[0], &edges.value[1], &edges.count};
    r = PackArguments(fill->info(), params, nullptr, args, api);
    if (r == KL_SUCCESS) r = RecordLaunch(rec, *fill, grid, block, 0, args, api);
  }
  KLresult f = rec.Finish();
  return r != KL_SUCCESS ? r : f;
}

// Shared front ends of the memset entry points. klMemsetD8/16/32 queue on the
// NULL stream and return, as cuMemsetD* do for device memory (asynchronous
// with respect to the host; stream order makes later copies see the values).
KLresult Memset(KLcontext ctx, KLstream hStream, KLdeviceptr dst, uint32_t pattern, size_t count,
                size_t unit, const char* api) {
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS) return r;
  if (count == 0) return KL_SUCCESS;
  if (dst % unit != 0)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: dstDevice 0x%llx is not %zu-byte aligned", api,
                static_cast<unsigned long long>(dst), unit);
  if (count > SIZE_MAX / unit)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: N = %zu values overflow the address space", api, count);
  return EnqueueMemset(s, dst, pattern, count * unit, api);
}

}  // namespace

void ReleaseAllMemory(Context* c) {
  std::unique_lock<std::shared_mutex> lock(c->memory_mu);
  c->device_memory.ForEach([&](const RangeMap<Allocation>::Entry& e) { DestroyAllocation(c, e.value); });
  c->device_memory.clear();
  c->host_memory.ForEach([&](const RangeMap<HostBlock*>::Entry& e) { DestroyHostBlock(c, e.value); });
  c->host_memory.clear();
  c->allocated_bytes = 0;
  std::lock_guard<std::mutex> host_lock(g_host_mu);
  std::vector<uint64_t> mine;
  g_host_ranges->ForEach([&](const RangeMap<Context*>::Entry& e) {
    if (e.value == c) mine.push_back(e.base);
  });
  for (uint64_t base : mine) g_host_ranges->Erase(base);
}

// ---------------------------------------------------------------------------
// Allocation.

KLresult klMemAlloc(KLcontext ctx, KLdeviceptr* dptr, size_t bytesize) {
  const char* api = "klMemAlloc";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (dptr == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: dptr is NULL", api);
  if (bytesize == 0) return Fail(KL_ERROR_INVALID_VALUE, "%s: bytesize is 0", api);
  const Device* d = c->device();
  // Whole 256-byte units: the memset edge kernel may touch the last word.
  VkDeviceSize size = AlignUp(bytesize, kAllocationAlignment);
  // maxMemoryAllocationSize is advisory: allocations past it "may fail", and
  // NVIDIA reports 4 GiB - 2 MiB yet grants more, so Keel tries anything up
  // to the largest buffer the device can create and passes on a refusal.
  if (size > d->max_buffer_size)
    return Fail(KL_ERROR_OUT_OF_MEMORY,
                "%s: %zu bytes exceed the largest buffer of %s (%llu bytes)", api, bytesize,
                d->name.c_str(), static_cast<unsigned long long>(d->max_buffer_size));
  // Charge the device heap first, so that concurrent allocations cannot
  // overshoot it together (see Device::heap_bytes_in_use).
  const uint64_t heap_size = d->memory.memoryHeaps[d->device_heap].size;
  const uint64_t in_use = d->heap_bytes_in_use.fetch_add(size);
  if (in_use + size > heap_size) {
    d->heap_bytes_in_use -= size;
    return Fail(KL_ERROR_OUT_OF_MEMORY,
                "%s: %zu bytes do not fit in the %llu-byte device memory heap of %s (%llu bytes "
                "allocated through Keel)",
                api, bytesize, static_cast<unsigned long long>(heap_size), d->name.c_str(),
                static_cast<unsigned long long>(in_use));
  }
  const VkBufferUsageFlags usage =
      VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
      VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  Allocation a;
  a.heap_bytes = size;  // released by DestroyAllocation from here on
  VkMemoryRequirements req;
  r = CreateBoundBuffer(c, size, usage, MemoryKind::kDevice, ~0u, nullptr, nullptr, true, api,
                        &a.buffer, &a.memory, &req);
  if (r != KL_SUCCESS) {
    d->heap_bytes_in_use -= size;
    return r;
  }
  VkBufferDeviceAddressInfo info{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
  info.buffer = a.buffer;
  VkDeviceAddress address = c->fn.vkGetBufferDeviceAddress(c->device_handle(), &info);
  if (address % kAllocationAlignment != 0) {
    // The driver aligns buffers less than Keel promises: make room to
    // start the user's range at the next 256-byte boundary.
    a.heap_bytes = 0;  // the heap charge carries over to the new buffer
    DestroyAllocation(c, a);
    r = CreateBoundBuffer(c, size + kAllocationAlignment, usage, MemoryKind::kDevice, ~0u, nullptr,
                          nullptr, true, api, &a.buffer, &a.memory, &req);
    if (r != KL_SUCCESS) {
      d->heap_bytes_in_use -= size;
      return r;
    }
    a.heap_bytes = size;
    info.buffer = a.buffer;
    address = c->fn.vkGetBufferDeviceAddress(c->device_handle(), &info);
  }
  KLdeviceptr user = AlignUp(address, kAllocationAlignment);
  a.offset = user - address;
  a.size = bytesize;
  {
    std::unique_lock<std::shared_mutex> lock(c->memory_mu);
    if (!c->device_memory.Insert(user, bytesize, a)) {
      lock.unlock();
      DestroyAllocation(c, a);
      return Fail(KL_ERROR_UNKNOWN, "%s: the driver returned address 0x%llx, which overlaps a live "
                  "allocation", api, static_cast<unsigned long long>(user));
    }
  }
  c->allocated_bytes += bytesize;
  *dptr = user;
  return KL_SUCCESS;
}

KLresult klMemFree(KLcontext ctx, KLdeviceptr dptr) {
  const char* api = "klMemFree";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (dptr == 0) return KL_SUCCESS;
  {
    std::shared_lock<std::shared_mutex> lock(c->memory_mu);
    if (c->device_memory.FindBase(dptr) == nullptr) {
      const auto* inside = c->device_memory.Find(dptr);
      if (inside != nullptr)
        return Fail(KL_ERROR_INVALID_VALUE,
                    "%s: 0x%llx is inside the allocation at 0x%llx, not its start", api,
                    static_cast<unsigned long long>(dptr),
                    static_cast<unsigned long long>(inside->base));
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: 0x%llx is not a live allocation of this context (freed twice, or from "
                  "another context?)",
                  api, static_cast<unsigned long long>(dptr));
    }
  }
  // As cuMemFree: work still queued may use the memory, so wait for it.
  KLresult sync = c->Synchronize(api);
  Allocation a;
  {
    std::unique_lock<std::shared_mutex> lock(c->memory_mu);
    const auto* e = c->device_memory.FindBase(dptr);
    if (e == nullptr)
      return Fail(KL_ERROR_INVALID_VALUE, "%s: 0x%llx was freed concurrently", api,
                  static_cast<unsigned long long>(dptr));
    a = e->value;
    c->device_memory.Erase(dptr);
  }
  c->allocated_bytes -= a.size;
  DestroyAllocation(c, a);
  return sync;
}

KLresult klMemGetInfo(KLcontext ctx, size_t* free, size_t* total) {
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive("klMemGetInfo");
  if (r != KL_SUCCESS) return r;
  const Device* d = c->device();
  const uint32_t heap = d->device_heap;
  uint64_t heap_size = d->memory.memoryHeaps[heap].size;
  uint64_t available = 0;
  if (d->features.memory_budget) {
    // The driver's view: budget left to this process on the heap.
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
    VkPhysicalDeviceMemoryProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
    props.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(d->physical, &props);
    uint64_t b = budget.heapBudget[heap], u = budget.heapUsage[heap];
    available = b > u ? b - u : 0;
  } else {
    uint64_t used = c->allocated_bytes.load();
    available = heap_size > used ? heap_size - used : 0;
  }
  if (free != nullptr) *free = static_cast<size_t>(std::min(available, heap_size));
  if (total != nullptr) *total = static_cast<size_t>(heap_size);
  return KL_SUCCESS;
}

KLresult klMemGetAddressRange(KLcontext ctx, KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr) {
  const char* api = "klMemGetAddressRange";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  std::shared_lock<std::shared_mutex> lock(c->memory_mu);
  const auto* e = c->device_memory.Find(dptr);
  if (e == nullptr)
    return Fail(KL_ERROR_NOT_FOUND, "%s: 0x%llx is in no allocation of this context", api,
                static_cast<unsigned long long>(dptr));
  if (pbase != nullptr) *pbase = e->base;
  if (psize != nullptr) *psize = static_cast<size_t>(e->size);
  return KL_SUCCESS;
}

// ---------------------------------------------------------------------------
// Host memory.

KLresult klMemHostAlloc(KLcontext ctx, void** pp, size_t bytesize, unsigned int flags) {
  const char* api = "klMemHostAlloc";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (pp == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: pp is NULL", api);
  if (bytesize == 0) return Fail(KL_ERROR_INVALID_VALUE, "%s: bytesize is 0", api);
  const unsigned known = KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP |
                         KL_MEMHOSTALLOC_WRITECOMBINED;
  if (flags & ~known) return Fail(KL_ERROR_INVALID_VALUE, "%s: unknown flags 0x%x", api, flags);
  auto* block = new HostBlock();
  VkMemoryRequirements req;
  r = CreateBoundBuffer(c, AlignUp(bytesize, 4),
                        VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                        (flags & KL_MEMHOSTALLOC_WRITECOMBINED) ? MemoryKind::kHostUncached
                                                                : MemoryKind::kHostCached,
                        ~0u, nullptr, nullptr, false, api, &block->buffer, &block->memory, &req);
  if (r != KL_SUCCESS) {
    delete block;
    return r;
  }
  void* p = nullptr;
  VkResult vr = c->fn.vkMapMemory(c->device_handle(), block->memory, 0, VK_WHOLE_SIZE, 0, &p);
  if (vr != VK_SUCCESS) {
    DestroyHostBlock(c, block);
    return VkFail(vr, api, "vkMapMemory");
  }
  block->ptr = p;
  block->size = bytesize;
  {
    std::lock_guard<std::mutex> host_lock(g_host_mu);
    g_host_ranges->Insert(reinterpret_cast<uintptr_t>(p), bytesize, c);
  }
  {
    std::unique_lock<std::shared_mutex> lock(c->memory_mu);
    c->host_memory.Insert(reinterpret_cast<uintptr_t>(p), bytesize, block);
  }
  *pp = p;
  return KL_SUCCESS;
}

namespace {

// Removes a pinned or registered block from its context, after the
// context's work (which may still copy from it) has finished.
KLresult ForgetHostBlock(Context* owner, void* p, bool registered, const char* api) {
  KLresult sync = owner->Synchronize(api);
  HostBlock* block = nullptr;
  {
    std::unique_lock<std::shared_mutex> lock(owner->memory_mu);
    const auto* e = owner->host_memory.FindBase(reinterpret_cast<uintptr_t>(p));
    if (e == nullptr || e->value->registered != registered)
      return Fail(registered ? KL_ERROR_HOST_MEMORY_NOT_REGISTERED : KL_ERROR_INVALID_VALUE,
                  "%s: %p was released concurrently", api, p);
    block = e->value;
    owner->host_memory.Erase(reinterpret_cast<uintptr_t>(p));
  }
  {
    std::lock_guard<std::mutex> host_lock(g_host_mu);
    g_host_ranges->Erase(reinterpret_cast<uintptr_t>(p));
  }
  DestroyHostBlock(owner, block);
  return sync;
}

// The context that pinned or registered p (exactly), or nullptr.
Context* HostOwner(void* p, bool registered) {
  Context* owner = nullptr;
  {
    std::lock_guard<std::mutex> host_lock(g_host_mu);
    const auto* e = g_host_ranges->FindBase(reinterpret_cast<uintptr_t>(p));
    if (e != nullptr) owner = e->value;
  }
  if (owner == nullptr) return nullptr;
  std::shared_lock<std::shared_mutex> lock(owner->memory_mu);
  const auto* e = owner->host_memory.FindBase(reinterpret_cast<uintptr_t>(p));
  return e != nullptr && e->value->registered == registered ? owner : nullptr;
}

}  // namespace

KLresult klMemFreeHost(KLcontext ctx, void* p) {
  const char* api = "klMemFreeHost";
  KLresult r = FromHandle<Context>(ctx)->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (p == nullptr) return KL_SUCCESS;
  Context* owner = HostOwner(p, false);
  if (owner == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: %p was not returned by klMemHostAlloc (or was freed)",
                api, p);
  return ForgetHostBlock(owner, p, false, api);
}

KLresult klMemHostRegister(KLcontext ctx, void* p, size_t bytesize, unsigned int flags) {
  const char* api = "klMemHostRegister";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (p == nullptr || bytesize == 0)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: p is NULL or bytesize is 0", api);
  const unsigned known = KL_MEMHOSTALLOC_PORTABLE | KL_MEMHOSTALLOC_DEVICEMAP |
                         KL_MEMHOSTALLOC_WRITECOMBINED;
  if (flags & ~known) return Fail(KL_ERROR_INVALID_VALUE, "%s: unknown flags 0x%x", api, flags);
  const Device* d = c->device();
  if (!d->features.external_memory_host || c->fn.vkGetMemoryHostPointerPropertiesEXT == nullptr)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "%s: %s lacks VK_EXT_external_memory_host, so host memory cannot be pinned for it",
                api, d->name.c_str());
  const uintptr_t start = reinterpret_cast<uintptr_t>(p);
  {
    std::lock_guard<std::mutex> host_lock(g_host_mu);
    if (g_host_ranges->Overlaps(start, bytesize))
      return Fail(KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
                  "%s: [%p, +%zu) overlaps host memory already pinned or registered", api, p,
                  bytesize);
  }
  // The import covers whole pages (minImportedHostPointerAlignment): the
  // pages around the user's range are mapped memory of this process too.
  const VkDeviceSize align = d->host_import_alignment;
  const uintptr_t base = start / align * align;
  const VkDeviceSize size = AlignUp(start + bytesize, align) - base;
  VkMemoryHostPointerPropertiesEXT props{VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
  VkResult vr = c->fn.vkGetMemoryHostPointerPropertiesEXT(
      c->device_handle(), VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
      reinterpret_cast<void*>(base), &props);
  if (vr != VK_SUCCESS)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: the driver cannot import %p: %s (%d)", api, p,
                VkResultName(vr) ? VkResultName(vr) : "?", static_cast<int>(vr));
  VkExternalMemoryBufferCreateInfo external{VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO};
  external.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  VkImportMemoryHostPointerInfoEXT import{VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT};
  import.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
  import.pHostPointer = reinterpret_cast<void*>(base);
  auto* block = new HostBlock();
  VkMemoryRequirements req;
  r = CreateBoundBuffer(c, size, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                        MemoryKind::kHostCached, props.memoryTypeBits, &external, &import, false,
                        api, &block->buffer, &block->memory, &req);
  if (r != KL_SUCCESS) {
    delete block;
    return r;
  }
  block->ptr = p;
  block->size = bytesize;
  block->offset = start - base;
  block->registered = true;
  {
    std::lock_guard<std::mutex> host_lock(g_host_mu);
    if (!g_host_ranges->Insert(start, bytesize, c)) {
      DestroyHostBlock(c, block);
      return Fail(KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
                  "%s: [%p, +%zu) was registered concurrently", api, p, bytesize);
    }
  }
  std::unique_lock<std::shared_mutex> lock(c->memory_mu);
  c->host_memory.Insert(start, bytesize, block);
  return KL_SUCCESS;
}

KLresult klMemHostUnregister(KLcontext ctx, void* p) {
  const char* api = "klMemHostUnregister";
  KLresult r = FromHandle<Context>(ctx)->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  if (p == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: p is NULL", api);
  Context* owner = HostOwner(p, true);
  if (owner == nullptr)
    return Fail(KL_ERROR_HOST_MEMORY_NOT_REGISTERED,
                "%s: %p is not the start of a range registered with klMemHostRegister", api, p);
  return ForgetHostBlock(owner, p, true, api);
}

// ---------------------------------------------------------------------------
// Copies.

KLresult klMemcpyHtoD(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount) {
  const char* api = "klMemcpyHtoD";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  if (srcHost == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: srcHost is NULL", api);
  BufferRange dst;
  r = c->ResolveDevice(dstDevice, ByteCount, api, "destination", &dst);
  if (r != KL_SUCCESS) return r;
  r = EnqueueHtoD(c->null_stream(), dst, srcHost, ByteCount, api);
  if (r != KL_SUCCESS) return r;
  return c->null_stream()->Synchronize(api);
}

KLresult klMemcpyDtoH(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount) {
  const char* api = "klMemcpyDtoH";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  if (dstHost == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: dstHost is NULL", api);
  BufferRange src, host;
  r = c->ResolveDevice(srcDevice, ByteCount, api, "source", &src);
  if (r != KL_SUCCESS) return r;
  if (!c->ResolveHost(dstHost, ByteCount, &host)) return ReadbackSync(c, dstHost, src, ByteCount, api);
  r = EnqueueDtoH(c->null_stream(), dstHost, src, ByteCount, api);
  if (r != KL_SUCCESS) return r;
  return c->null_stream()->Synchronize(api);
}

namespace {

KLresult ResolveDtoD(Context* c, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t n,
                     const char* api, BufferRange* dst, BufferRange* src) {
  KLresult r = c->ResolveDevice(dstDevice, n, api, "destination", dst);
  if (r == KL_SUCCESS) r = c->ResolveDevice(srcDevice, n, api, "source", src);
  if (r != KL_SUCCESS) return r;
  // vkCmdCopyBuffer forbids overlapping regions of one buffer.
  if (dst->buffer == src->buffer && dst->offset < src->offset + n && src->offset < dst->offset + n)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: source [0x%llx, +%zu) and destination [0x%llx, +%zu) overlap", api,
                static_cast<unsigned long long>(srcDevice), n,
                static_cast<unsigned long long>(dstDevice), n);
  return KL_SUCCESS;
}

}  // namespace

KLresult klMemcpyDtoD(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount) {
  const char* api = "klMemcpyDtoD";
  Context* c = FromHandle<Context>(ctx);
  KLresult r = c->CheckActive(api);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  BufferRange dst, src;
  r = ResolveDtoD(c, dstDevice, srcDevice, ByteCount, api, &dst, &src);
  if (r != KL_SUCCESS) return r;
  // Queued on the NULL stream without waiting, as cuMemcpyDtoD: no host
  // memory is involved, and stream order makes later work see the copy.
  return EnqueueDtoD(c->null_stream(), dstDevice, dst, srcDevice, src, ByteCount, api);
}

KLresult klMemcpyHtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost,
                           size_t ByteCount, KLstream hStream) {
  const char* api = "klMemcpyHtoDAsync";
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  if (srcHost == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: srcHost is NULL", api);
  BufferRange dst;
  r = s->context()->ResolveDevice(dstDevice, ByteCount, api, "destination", &dst);
  if (r != KL_SUCCESS) return r;
  return EnqueueHtoD(s, dst, srcHost, ByteCount, api);
}

KLresult klMemcpyDtoHAsync(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount,
                           KLstream hStream) {
  const char* api = "klMemcpyDtoHAsync";
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  if (dstHost == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "%s: dstHost is NULL", api);
  BufferRange src;
  r = s->context()->ResolveDevice(srcDevice, ByteCount, api, "source", &src);
  if (r != KL_SUCCESS) return r;
  return EnqueueDtoH(s, dstHost, src, ByteCount, api);
}

KLresult klMemcpyDtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice,
                           size_t ByteCount, KLstream hStream) {
  const char* api = "klMemcpyDtoDAsync";
  Stream* s = nullptr;
  KLresult r = ResolveStream(ctx, hStream, api, &s);
  if (r != KL_SUCCESS || ByteCount == 0) return r;
  BufferRange dst, src;
  r = ResolveDtoD(s->context(), dstDevice, srcDevice, ByteCount, api, &dst, &src);
  if (r != KL_SUCCESS) return r;
  return EnqueueDtoD(s, dstDevice, dst, srcDevice, src, ByteCount, api);
}

// ---------------------------------------------------------------------------
// Memset.

KLresult klMemsetD8(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N) {
  return Memset(ctx, nullptr, dstDevice, uc * 0x01010101u, N, 1, "klMemsetD8");
}

KLresult klMemsetD16(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N) {
  return Memset(ctx, nullptr, dstDevice, us | (static_cast<uint32_t>(us) << 16), N, 2,
                "klMemsetD16");
}

KLresult klMemsetD32(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N) {
  return Memset(ctx, nullptr, dstDevice, ui, N, 4, "klMemsetD32");
}

KLresult klMemsetD8Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N,
                         KLstream hStream) {
  return Memset(ctx, hStream, dstDevice, uc * 0x01010101u, N, 1, "klMemsetD8Async");
}

KLresult klMemsetD16Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N,
                          KLstream hStream) {
  return Memset(ctx, hStream, dstDevice, us | (static_cast<uint32_t>(us) << 16), N, 2,
                "klMemsetD16Async");
}

KLresult klMemsetD32Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N,
                          KLstream hStream) {
  return Memset(ctx, hStream, dstDevice, ui, N, 4, "klMemsetD32Async");
}

}  // namespace vk
}  // namespace keel
