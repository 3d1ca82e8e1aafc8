// A Vulkan physical device that meets Keel's floor (Vulkan 1.2, buffer
// device address, timeline semaphores, a compute queue), with everything the
// backend needs to know about it probed once at init: limits, the features
// it will enable on every VkDevice, the Keel attributes they map to, and the
// primary context's state.
#ifndef KEEL_BACKENDS_VULKAN_DEVICE_H_
#define KEEL_BACKENDS_VULKAN_DEVICE_H_

#include <keel/keel.h>
#include <vulkan/vulkan.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "common/object.h"

namespace keel {
namespace vk {

class Context;

// Vulkan's two-call enumeration (count, then items) done in one call when
// `guess` items are room enough: every call costs the loader a walk through
// its layers (Mesa's device-select layer enumerates the devices' extensions
// again on each vkEnumeratePhysicalDevices). `call(&count, items)` is the
// vkEnumerate* call; `out` gets the items.
template <typename T, typename Call>
VkResult EnumerateAll(uint32_t guess, std::vector<T>* out, Call&& call) {
  uint32_t count = guess;
  out->assign(count, T{});
  VkResult r = call(&count, out->data());
  while (r == VK_INCOMPLETE) {
    count = 0;
    r = call(&count, nullptr);
    if (r != VK_SUCCESS) break;
    out->assign(count, T{});
    r = call(&count, out->data());
  }
  out->resize(r == VK_SUCCESS ? count : 0);
  return r;
}

// Whether `exts` (from vkEnumerate*ExtensionProperties) lists `name`.
bool HasExtension(const std::vector<VkExtensionProperties>& exts, const char* name);

// Optional capabilities: each is true only if the device supports it and the
// backend enables it on the VkDevices it creates.
struct DeviceFeatures {
  bool int64 = false;              // shaderInt64
  bool int64_atomics = false;      // shaderBufferInt64Atomics
  bool shared_int64_atomics = false;  // shaderSharedInt64Atomics
  bool float64 = false;            // shaderFloat64
  bool int16 = false;              // shaderInt16
  bool int8 = false;               // shaderInt8
  bool float16 = false;            // shaderFloat16
  bool storage_buffer_8bit = false;
  bool uniform_storage_8bit = false;
  bool push_constant_8bit = false;
  bool storage_buffer_16bit = false;
  bool uniform_storage_16bit = false;
  bool push_constant_16bit = false;
  bool float32_atomic_add = false;  // VK_EXT_shader_atomic_float: buffer add
  bool float32_shared_atomic_add = false;
  bool float64_atomic_add = false;
  bool vulkan_memory_model = false;
  bool vulkan_memory_model_device_scope = false;
  bool scalar_block_layout = false;
  bool subgroup_size_control = false;
  // Extensions.
  bool push_descriptor = false;        // VK_KHR_push_descriptor
  bool external_memory_host = false;   // VK_EXT_external_memory_host
  bool memory_budget = false;          // VK_EXT_memory_budget
  bool pci_bus_info = false;           // VK_EXT_pci_bus_info
  bool shader_atomic_float = false;    // VK_EXT_shader_atomic_float
  bool portability_subset = false;     // VK_KHR_portability_subset (must be enabled if present)
  bool sm_builtins = false;            // VK_NV_shader_sm_builtins (SM count)
};

class Device : public keel::Object {
 public:
  // Probes `physical`. Returns false with *reason ("Vulkan 1.1 only",
  // "no bufferDeviceAddress") when it cannot be a Keel device.
  static bool Probe(VkPhysicalDevice physical, uint32_t instance_version, Device* out,
                    std::string* reason);

  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  uint32_t api_version = 0;  // min(device, instance)
  std::string name;
  std::string driver_name;  // "llvmpipe", "NVIDIA", from VkPhysicalDeviceDriverProperties
  std::string driver_info;  // "Mesa 22.3.6 (LLVM 15.0.6)", "580.65.06"
  VkDriverId driver_id = VK_DRIVER_ID_MAX_ENUM;
  uint8_t uuid[VK_UUID_SIZE] = {};
  bool has_pci = false;
  uint32_t pci_domain = 0, pci_bus = 0, pci_device = 0, pci_function = 0;
  DeviceFeatures features;
  uint32_t subgroup_size = 0;
  uint32_t sm_count = 0;  // 0 when unknown
  VkPhysicalDeviceMemoryProperties memory{};
  uint32_t device_heap = 0;  // the largest DEVICE_LOCAL heap
  // Bytes of klMemAlloc allocations of every context on this device. Keel
  // refuses an allocation that would take it past device_heap's size: some
  // drivers never refuse (lavapipe hands out lazily committed host memory
  // with no check against the heap it reports), and an application should
  // get KL_ERROR_OUT_OF_MEMORY there as it does on a GPU, not the OOM killer.
  mutable std::atomic<uint64_t> heap_bytes_in_use{0};
  uint32_t queue_family = 0;
  uint32_t queue_count = 0;  // queues Keel creates per context
  uint32_t timestamp_valid_bits = 0;
  uint32_t spirv_version = 0;  // highest SPIR-V version word the device accepts
  VkDeviceSize max_allocation_size = 0;     // maxMemoryAllocationSize (advisory)
  VkDeviceSize max_buffer_size = 0;         // maxBufferSize (maintenance4), else the above
  VkDeviceSize host_import_alignment = 0;   // minImportedHostPointerAlignment

  // Effective launch limits: the device's, lowered by the test knobs
  // KEEL_VULKAN_MAX_WORKGROUP_COUNT and KEEL_VULKAN_MAX_PUSH_CONSTANTS.
  uint32_t max_workgroup_count[3] = {};
  uint32_t max_push_constants = 0;
  uint32_t max_param_bytes = 0;  // largest parameter block a launch accepts

  int attributes[KL_DEVICE_ATTRIBUTE_COUNT_] = {};

  // Primary context: one object per device for the life of the process (the
  // loader's context stacks may name it after the last release); active
  // while retained.
  std::mutex primary_mu;
  Context* primary = nullptr;
  unsigned primary_flags = 0;
  int primary_refs = 0;

 private:
  void ComputeAttributes();
  void ApplyTestLimits();
};

// Device entry points (dispatched on the KLdevice).
KLresult klDeviceGetName(char* name, int len, KLdevice dev);
KLresult klDeviceGetUuid(KLuuid* uuid, KLdevice dev);
KLresult klDeviceGetPCIBusId(char* pciBusId, int len, KLdevice dev);
KLresult klDeviceTotalMem(size_t* bytes, KLdevice dev);
KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev);
KLresult klDeviceGetNativeHandle(void** native, KLdevice dev);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_DEVICE_H_
