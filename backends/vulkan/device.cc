#include "vulkan/device.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/services.h"
#include "common/settings.h"
#include "vulkan/status.h"
#include <keel/keel_vulkan.h>

namespace keel {
namespace vk {
bool HasExtension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

namespace {

int Clamp(uint64_t v) { return v > INT_MAX ? INT_MAX : static_cast<int>(v); }

// Parses "n" (for all three) or "x,y,z", numbers from 1 (a test knob).
bool ParseWorkgroupCounts(const char* text, uint32_t out[3]) {
  uint64_t v[3] = {0, 0, 0};
  size_t n = ParseUnsignedList(text, 1, UINT32_MAX, v, 3);
  if (n == 1) v[1] = v[2] = v[0];
  else if (n != 3) return false;
  for (int i = 0; i < 3; ++i) out[i] = static_cast<uint32_t>(v[i]);
  return true;
}

}  // namespace

bool Device::Probe(VkPhysicalDevice physical, uint32_t instance_version, Device* d,
                   std::string* reason) {
  d->physical = physical;
  vkGetPhysicalDeviceProperties(physical, &d->properties);
  d->name = d->properties.deviceName;
  d->api_version = std::min(d->properties.apiVersion, instance_version);
  if (d->api_version < VK_API_VERSION_1_2) {
    char text[128];
    std::snprintf(text, sizeof text, "Vulkan %u.%u only (Keel needs 1.2)",
                  VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version));
    *reason = text;
    return false;
  }

  std::vector<VkExtensionProperties> exts;
  EnumerateAll(256, &exts, [physical](uint32_t* count, VkExtensionProperties* items) {
    return vkEnumerateDeviceExtensionProperties(physical, nullptr, count, items);
  });
  DeviceFeatures& f = d->features;
  f.push_descriptor = HasExtension(exts, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  f.external_memory_host = HasExtension(exts, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME);
  f.memory_budget = HasExtension(exts, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  f.pci_bus_info = HasExtension(exts, VK_EXT_PCI_BUS_INFO_EXTENSION_NAME);
  f.shader_atomic_float = HasExtension(exts, VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
  f.portability_subset = HasExtension(exts, "VK_KHR_portability_subset");
  f.sm_builtins = HasExtension(exts, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
  const bool maintenance4 = HasExtension(exts, VK_KHR_MAINTENANCE_4_EXTENSION_NAME);

  // Properties.
  VkPhysicalDeviceVulkan11Properties p11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES};
  VkPhysicalDeviceVulkan12Properties p12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES};
  VkPhysicalDevicePCIBusInfoPropertiesEXT pci{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT};
  VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
  VkPhysicalDeviceExternalMemoryHostPropertiesEXT host{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT};
  VkPhysicalDeviceMaintenance4Properties m4{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &p11;
  p11.pNext = &p12;
  void** tail = &p12.pNext;
  if (maintenance4) {
    *tail = &m4;
    tail = &m4.pNext;
  }
  if (f.pci_bus_info) {
    *tail = &pci;
    tail = &pci.pNext;
  }
  if (f.sm_builtins) {
    *tail = &sm;
    tail = &sm.pNext;
  }
  if (f.external_memory_host) {
    *tail = &host;
    tail = &host.pNext;
  }
  vkGetPhysicalDeviceProperties2(physical, &props2);
  d->max_allocation_size = p11.maxMemoryAllocationSize;
  d->max_buffer_size = maintenance4 ? std::max<VkDeviceSize>(m4.maxBufferSize, d->max_allocation_size)
                                    : d->max_allocation_size;
  d->host_import_alignment = f.external_memory_host ? host.minImportedHostPointerAlignment : 0;
  d->subgroup_size = p11.subgroupSize;
  std::memcpy(d->uuid, p11.deviceUUID, VK_UUID_SIZE);
  d->driver_name = p12.driverName;
  d->driver_info = p12.driverInfo;
  d->driver_id = p12.driverID;
  if (f.pci_bus_info) {
    d->has_pci = true;
    d->pci_domain = pci.pciDomain;
    d->pci_bus = pci.pciBus;
    d->pci_device = pci.pciDevice;
    d->pci_function = pci.pciFunction;
  }
  d->sm_count = f.sm_builtins ? sm.shaderSMCount : 0;

  // Features.
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT fa{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
  VkPhysicalDeviceFeatures2 feats2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  feats2.pNext = &f11;
  f11.pNext = &f12;
  if (f.shader_atomic_float) f12.pNext = &fa;
  vkGetPhysicalDeviceFeatures2(physical, &feats2);
  if (!f12.bufferDeviceAddress) {
    *reason = "no bufferDeviceAddress (Keel device pointers are buffer device addresses)";
    return false;
  }
  if (!f12.timelineSemaphore) {
    *reason = "no timelineSemaphore (Keel streams and events are timeline semaphores)";
    return false;
  }
  f.int64 = feats2.features.shaderInt64;
  f.float64 = feats2.features.shaderFloat64;
  f.int16 = feats2.features.shaderInt16;
  f.int8 = f12.shaderInt8;
  f.float16 = f12.shaderFloat16;
  f.int64_atomics = f12.shaderBufferInt64Atomics;
  f.shared_int64_atomics = f12.shaderSharedInt64Atomics;
  f.storage_buffer_8bit = f12.storageBuffer8BitAccess;
  f.uniform_storage_8bit = f12.uniformAndStorageBuffer8BitAccess;
  f.push_constant_8bit = f12.storagePushConstant8;
  f.storage_buffer_16bit = f11.storageBuffer16BitAccess;
  f.uniform_storage_16bit = f11.uniformAndStorageBuffer16BitAccess;
  f.push_constant_16bit = f11.storagePushConstant16;
  f.vulkan_memory_model = f12.vulkanMemoryModel;
  f.vulkan_memory_model_device_scope = f12.vulkanMemoryModelDeviceScope;
  f.scalar_block_layout = f12.scalarBlockLayout;
  f.float32_atomic_add = f.shader_atomic_float && fa.shaderBufferFloat32AtomicAdd;
  f.float32_shared_atomic_add = f.shader_atomic_float && fa.shaderSharedFloat32AtomicAdd;
  f.float64_atomic_add = f.shader_atomic_float && fa.shaderBufferFloat64AtomicAdd;

  // A compute queue family, preferring one with timestamps.
  uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &family_count, families.data());
  int chosen = -1;
  for (uint32_t i = 0; i < family_count; ++i) {
    if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || families[i].queueCount == 0) continue;
    if (chosen < 0 || (families[chosen].timestampValidBits == 0 &&
                       families[i].timestampValidBits != 0))
      chosen = static_cast<int>(i);
  }
  if (chosen < 0) {
    *reason = "no queue family supports compute";
    return false;
  }
  d->queue_family = static_cast<uint32_t>(chosen);
  // A few queues let streams run side by side; more buys little, and each
  // costs the driver a channel. KEEL_VULKAN_QUEUES=n (1..4) takes fewer.
  d->queue_count = std::min(families[chosen].queueCount, 4u);
  if (const char* env = std::getenv("KEEL_VULKAN_QUEUES")) {
    uint64_t v = 0;
    if (ParseUnsigned(env, 1, 4, &v))
      d->queue_count = std::min(d->queue_count, static_cast<uint32_t>(v));
    else
      Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_QUEUES=\"%s\" (want 1 to 4)", env);
  }
  d->timestamp_valid_bits = families[chosen].timestampValidBits;
  d->spirv_version = d->api_version >= VK_API_VERSION_1_3 ? 0x00010600u : 0x00010500u;

  vkGetPhysicalDeviceMemoryProperties(physical, &d->memory);
  VkDeviceSize best = 0;
  for (uint32_t h = 0; h < d->memory.memoryHeapCount; ++h) {
    const VkMemoryHeap& heap = d->memory.memoryHeaps[h];
    if ((heap.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && heap.size > best) {
      best = heap.size;
      d->device_heap = h;
    }
  }

  d->ApplyTestLimits();
  d->ComputeAttributes();
  return true;
}

void Device::ApplyTestLimits() {
  const VkPhysicalDeviceLimits& limits = properties.limits;
  for (int i = 0; i < 3; ++i) max_workgroup_count[i] = limits.maxComputeWorkGroupCount[i];
  max_push_constants = limits.maxPushConstantsSize;
  // Test knobs: lower the per-dispatch grid limit (to exercise dispatch
  // splitting with small grids) and the push-constant limit (to exercise the
  // argument-buffer path with small kernels). They can only lower.
  if (const char* env = std::getenv("KEEL_VULKAN_MAX_WORKGROUP_COUNT")) {
    uint32_t v[3] = {0, 0, 0};
    if (ParseWorkgroupCounts(env, v)) {
      for (int i = 0; i < 3; ++i) max_workgroup_count[i] = std::min(max_workgroup_count[i], v[i]);
      Log(KL_LOG_INFO, "%s: KEEL_VULKAN_MAX_WORKGROUP_COUNT lowers the dispatch limit to %u,%u,%u",
          name.c_str(), max_workgroup_count[0], max_workgroup_count[1], max_workgroup_count[2]);
    } else {
      Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_MAX_WORKGROUP_COUNT=\"%s\" (want n or x,y,z)", env);
    }
  }
  if (const char* env = std::getenv("KEEL_VULKAN_MAX_PUSH_CONSTANTS")) {
    uint64_t v = 0;
    if (ParseUnsigned(env, KEEL_VULKAN_HIDDEN_BYTES, UINT32_MAX, &v)) {
      max_push_constants = std::min(max_push_constants, static_cast<uint32_t>(v) & ~3u);
      Log(KL_LOG_INFO, "%s: KEEL_VULKAN_MAX_PUSH_CONSTANTS lowers the push-constant limit to %u",
          name.c_str(), max_push_constants);
    } else {
      Log(KL_LOG_WARN, "ignoring KEEL_VULKAN_MAX_PUSH_CONSTANTS=\"%s\" (want a number >= %u)",
          env, KEEL_VULKAN_HIDDEN_BYTES);
    }
  }
  // Blocks larger than the push-constant limit travel in a storage buffer
  // bound with a push descriptor; without VK_KHR_push_descriptor the
  // push-constant block is the limit.
  max_param_bytes = features.push_descriptor ? KEEL_VULKAN_MAX_PARAM_BYTES
                                             : max_push_constants - KEEL_VULKAN_HIDDEN_BYTES;
}

// Loop iterations a shader invocation may run in all before the driver ends
// its loops (KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT); Vulkan has no
// query for it, so the backend knows the drivers that have one. llvmpipe's
// gallivm sets a counter of 65535 (LP_MAX_TGSI_LOOP_ITERATIONS) once at a
// shader's entry and leaves every loop when it runs out; measured on Mesa
// 22.3.6 (docs/backends/vulkan.md): one loop of 70000 runs 65535, nested and
// consecutive loops share the budget.
namespace {
int KernelLoopIterationLimit(VkDriverId driver) {
  return driver == VK_DRIVER_ID_MESA_LLVMPIPE ? 65535 : 0;
}
}  // namespace

void Device::ComputeAttributes() {
  const VkPhysicalDeviceLimits& l = properties.limits;
  int* a = attributes;
  a[KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK] = Clamp(l.maxComputeWorkGroupInvocations);
  a[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X] = Clamp(l.maxComputeWorkGroupSize[0]);
  a[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y] = Clamp(l.maxComputeWorkGroupSize[1]);
  a[KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z] = Clamp(l.maxComputeWorkGroupSize[2]);
  // Grids larger than maxComputeWorkGroupCount are split into several
  // dispatches (launch.cc), so any grid an int can describe is accepted.
  a[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X] = INT_MAX;
  a[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y] = INT_MAX;
  a[KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z] = INT_MAX;
  a[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK] = Clamp(l.maxComputeSharedMemorySize);
  a[KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN] = Clamp(l.maxComputeSharedMemorySize);
  a[KL_DEVICE_ATTRIBUTE_WARP_SIZE] = Clamp(subgroup_size);
  // Vulkan has no portable core count: NVIDIA reports SMs through
  // VK_NV_shader_sm_builtins; a CPU device (lavapipe) runs on the host's
  // cores; elsewhere 1 stands for "unknown".
  unsigned cores = properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU
                       ? std::thread::hardware_concurrency()
                       : 0;
  a[KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT] =
      sm_count > 0 ? Clamp(sm_count) : cores > 0 ? Clamp(cores) : 1;
  // The backend's equivalent of a compute capability: the Vulkan version.
  a[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR] = static_cast<int>(VK_API_VERSION_MAJOR(api_version));
  a[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR] = static_cast<int>(VK_API_VERSION_MINOR(api_version));
  a[KL_DEVICE_ATTRIBUTE_CLOCK_RATE] = 0;
  a[KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE] = 0;
  a[KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH] = 0;
  // Device addresses are not host addresses.
  a[KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING] = 0;
  a[KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS] = 1;
  // Copies run on the streams' compute queues, not on separate engines.
  a[KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT] = 0;
  a[KL_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK] = 0;
  a[KL_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY] = 0;
  a[KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES] = Clamp(max_param_bytes);
  a[KL_DEVICE_ATTRIBUTE_INTEGRATED] =
      (properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU ||
       properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU)
          ? 1
          : 0;
  a[KL_DEVICE_ATTRIBUTE_PCI_BUS_ID] = has_pci ? Clamp(pci_bus) : -1;
  a[KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID] = has_pci ? Clamp(pci_device) : -1;
  a[KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID] = has_pci ? Clamp(pci_domain) : -1;
  // The conformance suite's 64-bit kernels use 64-bit atomics on global
  // memory, so "int64" means both.
  a[KL_DEVICE_ATTRIBUTE_SHADER_INT64] = features.int64 && features.int64_atomics ? 1 : 0;
  a[KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64] = features.float64 ? 1 : 0;
  // 8/16-bit parameters need the types and their push-constant storage, and
  // their storage-buffer storage for blocks over the push-constant limit.
  a[KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS] =
      features.int8 && features.int16 && features.push_constant_8bit &&
              features.push_constant_16bit && features.storage_buffer_8bit &&
              features.storage_buffer_16bit
          ? 1
          : 0;
  a[KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD] = features.float32_atomic_add ? 1 : 0;
  // Module globals are the KEEL_GLOBALS block of the kernel ABI (version 2).
  a[KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS] = 1;
  a[KL_DEVICE_ATTRIBUTE_TIMESTAMPS] =
      timestamp_valid_bits > 0 && l.timestampPeriod > 0.0f ? 1 : 0;
  a[KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT] = KernelLoopIterationLimit(driver_id);
}

// ---------------------------------------------------------------------------
// Entry points.

KLresult klDeviceGetName(char* name, int len, KLdevice dev) {
  if (name == nullptr || len <= 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetName: name is NULL or len <= 0");
  const Device* d = FromHandle<Device>(dev);
  std::snprintf(name, static_cast<size_t>(len), "%s", d->name.c_str());
  return KL_SUCCESS;
}

KLresult klDeviceGetUuid(KLuuid* uuid, KLdevice dev) {
  if (uuid == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetUuid: uuid is NULL");
  std::memcpy(uuid->bytes, FromHandle<Device>(dev)->uuid, sizeof uuid->bytes);
  return KL_SUCCESS;
}

KLresult klDeviceGetPCIBusId(char* pciBusId, int len, KLdevice dev) {
  if (pciBusId == nullptr || len <= 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetPCIBusId: pciBusId is NULL or len <= 0");
  const Device* d = FromHandle<Device>(dev);
  if (!d->has_pci)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "klDeviceGetPCIBusId: %s has no PCI address (%s)", d->name.c_str(),
                d->features.pci_bus_info ? "not a PCI device"
                                         : "the driver lacks VK_EXT_pci_bus_info");
  std::snprintf(pciBusId, static_cast<size_t>(len), "%04x:%02x:%02x.%x", d->pci_domain,
                d->pci_bus, d->pci_device, d->pci_function);
  return KL_SUCCESS;
}

KLresult klDeviceTotalMem(size_t* bytes, KLdevice dev) {
  if (bytes == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceTotalMem: bytes is NULL");
  const Device* d = FromHandle<Device>(dev);
  *bytes = static_cast<size_t>(d->memory.memoryHeaps[d->device_heap].size);
  return KL_SUCCESS;
}

KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
  if (attrib <= KL_DEVICE_ATTRIBUTE_INVALID || attrib >= KL_DEVICE_ATTRIBUTE_COUNT_ ||
      attrib == KL_DEVICE_ATTRIBUTE_BACKEND)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: unknown attribute %d",
                static_cast<int>(attrib));
  *pi = FromHandle<Device>(dev)->attributes[attrib];
  return KL_SUCCESS;
}

KLresult klDeviceGetNativeHandle(void** native, KLdevice dev) {
  if (native == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetNativeHandle: native is NULL");
  *native = reinterpret_cast<void*>(FromHandle<Device>(dev)->physical);
  return KL_SUCCESS;
}

}  // namespace vk
}  // namespace keel
