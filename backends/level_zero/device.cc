// Devices: properties gathered once at init, attributes, identity, and the
// driver's shared ze_context.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "level_zero.h"

namespace keel::ze {

KLresult DescribeDevice(Device* d) {
  // API 1.2 reports the timer in ticks per second (exact); older in ns per tick.
  bool ticks_per_second = d->driver->api_version >= ZE_API_VERSION_1_2;
  d->props.stype = ticks_per_second ? ZE_STRUCTURE_TYPE_DEVICE_PROPERTIES_1_2
                                    : ZE_STRUCTURE_TYPE_DEVICE_PROPERTIES;
  KEEL_ZE_CALL("init", zeDeviceGetProperties, (d->handle, &d->props));
  if (d->props.type != ZE_DEVICE_TYPE_GPU) return KL_ERROR_NO_DEVICE;
  if (d->props.timerResolution != 0) {
    d->ns_per_tick = ticks_per_second ? 1e9 / static_cast<double>(d->props.timerResolution)
                                      : static_cast<double>(d->props.timerResolution);
  }
  uint32_t bits = d->props.timestampValidBits;
  d->timestamp_mask = bits == 0 || bits >= 64 ? ~0ull : (1ull << bits) - 1;

  d->compute.stype = ZE_STRUCTURE_TYPE_DEVICE_COMPUTE_PROPERTIES;
  KEEL_ZE_CALL("init", zeDeviceGetComputeProperties, (d->handle, &d->compute));

  ze_float_atomic_ext_properties_t atomics{};
  atomics.stype = ZE_STRUCTURE_TYPE_FLOAT_ATOMIC_EXT_PROPERTIES;
  d->module.stype = ZE_STRUCTURE_TYPE_DEVICE_MODULE_PROPERTIES;
  d->module.pNext = &atomics;
  KEEL_ZE_CALL("init", zeDeviceGetModuleProperties, (d->handle, &d->module));
  d->module.pNext = nullptr;
  d->float_atomic_add = (atomics.fp32Flags & ZE_DEVICE_FP_ATOMIC_EXT_FLAG_GLOBAL_ADD) != 0;

  uint32_t count = 0;
  KEEL_ZE_CALL("init", zeDeviceGetMemoryProperties, (d->handle, &count, nullptr));
  d->memories.assign(count, ze_device_memory_properties_t{});
  for (auto& m : d->memories) m.stype = ZE_STRUCTURE_TYPE_DEVICE_MEMORY_PROPERTIES;
  if (count > 0)
    KEEL_ZE_CALL("init", zeDeviceGetMemoryProperties, (d->handle, &count, d->memories.data()));
  d->memories.resize(count);

  count = 0;
  KEEL_ZE_CALL("init", zeDeviceGetCommandQueueGroupProperties, (d->handle, &count, nullptr));
  std::vector<ze_command_queue_group_properties_t> groups(count);
  for (auto& g : groups) g.stype = ZE_STRUCTURE_TYPE_COMMAND_QUEUE_GROUP_PROPERTIES;
  if (count > 0)
    KEEL_ZE_CALL("init", zeDeviceGetCommandQueueGroupProperties,
                 (d->handle, &count, groups.data()));
  bool found_compute = false;
  for (uint32_t i = 0; i < count; ++i) {
    bool compute = (groups[i].flags & ZE_COMMAND_QUEUE_GROUP_PROPERTY_FLAG_COMPUTE) != 0;
    if (compute && !found_compute) {
      d->compute_ordinal = i;
      found_compute = true;
    } else if (!compute && (groups[i].flags & ZE_COMMAND_QUEUE_GROUP_PROPERTY_FLAG_COPY)) {
      d->copy_engines += groups[i].numQueues;
    }
  }
  if (!found_compute) return KL_ERROR_NO_DEVICE;

  d->pci.stype = ZE_STRUCTURE_TYPE_PCI_EXT_PROPERTIES;
  // The PCI extension is optional for drivers: UNSUPPORTED_FEATURE means no address.
  d->has_pci = api.zeDevicePciGetPropertiesExt(d->handle, &d->pci) == ZE_RESULT_SUCCESS;
  return KL_SUCCESS;
}

uint64_t TotalMemory(const Device* d) {
  uint64_t total = 0;
  for (const auto& m : d->memories) total += m.totalSize;
  return total;
}

KLresult AcquireZeContext(Driver* driver, const char* function, ze_context_handle_t* out) {
  std::lock_guard<std::mutex> lock(driver->mu);
  if (driver->context == nullptr) {
    ze_context_desc_t desc{};
    desc.stype = ZE_STRUCTURE_TYPE_CONTEXT_DESC;
    ze_result_t r = api.zeContextCreate(driver->handle, &desc, &driver->context);
    if (r != ZE_RESULT_SUCCESS) {
      driver->context = nullptr;
      return ZeFail(r, function, "zeContextCreate");
    }
  }
  ++driver->context_refs;
  *out = driver->context;
  return KL_SUCCESS;
}

void ReleaseZeContext(Driver* driver) {
  std::lock_guard<std::mutex> lock(driver->mu);
  if (--driver->context_refs > 0) return;
  ze_result_t r = api.zeContextDestroy(driver->context);
  if (r != ZE_RESULT_SUCCESS) Log(KL_LOG_WARN, "zeContextDestroy: %s", ResultName(r));
  driver->context = nullptr;
}

// ---- entry points -----------------------------------------------------------

KLresult klDeviceGetName(char* name, int len, KLdevice dev) {
  if (name == nullptr || len <= 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetName: name is NULL or len (%d) <= 0", len);
  std::snprintf(name, static_cast<size_t>(len), "%s", FromHandle<Device>(dev)->props.name);
  return KL_SUCCESS;
}

KLresult klDeviceGetUuid(KLuuid* uuid, KLdevice dev) {
  if (uuid == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetUuid: uuid is NULL");
  static_assert(sizeof uuid->bytes <= ZE_MAX_DEVICE_UUID_SIZE, "UUID sizes");
  std::memcpy(uuid->bytes, FromHandle<Device>(dev)->props.uuid.id, sizeof uuid->bytes);
  return KL_SUCCESS;
}

KLresult klDeviceGetPCIBusId(char* pciBusId, int len, KLdevice dev) {
  if (pciBusId == nullptr || len <= 0)
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetPCIBusId: pciBusId is NULL or len (%d) <= 0",
                len);
  const Device* d = FromHandle<Device>(dev);
  if (!d->has_pci)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "klDeviceGetPCIBusId: the driver reports no PCI address for '%s' "
                "(zeDevicePciGetPropertiesExt unsupported)",
                d->props.name);
  std::snprintf(pciBusId, static_cast<size_t>(len), "%04x:%02x:%02x.%x", d->pci.address.domain,
                d->pci.address.bus, d->pci.address.device, d->pci.address.function);
  return KL_SUCCESS;
}

KLresult klDeviceTotalMem(size_t* bytes, KLdevice dev) {
  if (bytes == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceTotalMem: bytes is NULL");
  *bytes = static_cast<size_t>(TotalMemory(FromHandle<Device>(dev)));
  return KL_SUCCESS;
}

namespace {

int Clamp(uint64_t v) { return v > 0x7fffffffu ? 0x7fffffff : static_cast<int>(v); }

}  // namespace

KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
  const Device* d = FromHandle<Device>(dev);
  const auto& c = d->compute;
  const auto& p = d->props;
  const ze_device_memory_properties_t* mem = d->memories.empty() ? nullptr : &d->memories[0];
  int v = 0;
  switch (attrib) {
    case KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: v = Clamp(c.maxTotalGroupSize); break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: v = Clamp(c.maxGroupSizeX); break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: v = Clamp(c.maxGroupSizeY); break;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: v = Clamp(c.maxGroupSizeZ); break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: v = Clamp(c.maxGroupCountX); break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: v = Clamp(c.maxGroupCountY); break;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: v = Clamp(c.maxGroupCountZ); break;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK:
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: v = Clamp(c.maxSharedLocalMemory); break;
    case KL_DEVICE_ATTRIBUTE_WARP_SIZE: {
      // The largest subgroup size: kernels compiled without a required size
      // may get any of the supported ones.
      uint32_t n = std::min<uint32_t>(c.numSubGroupSizes, ZE_SUBGROUPSIZE_COUNT);
      for (uint32_t i = 0; i < n; ++i) v = std::max(v, Clamp(c.subGroupSizes[i]));
      break;
    }
    case KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT:
      v = Clamp(static_cast<uint64_t>(p.numSlices) * p.numSubslicesPerSlice);
      break;
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: v = 0; break;
    case KL_DEVICE_ATTRIBUTE_CLOCK_RATE: v = Clamp(static_cast<uint64_t>(p.coreClockRate) * 1000); break;
    case KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE:
      v = mem ? Clamp(static_cast<uint64_t>(mem->maxClockRate) * 1000) : 0;
      break;
    case KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: v = mem ? Clamp(mem->maxBusWidth) : 0; break;
    case KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: v = 1; break;
    case KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: v = 1; break;
    case KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: v = Clamp(d->copy_engines); break;
    case KL_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: v = 0; break;
    case KL_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: v = 0; break;
    case KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES: v = Clamp(d->module.maxArgumentsSize); break;
    case KL_DEVICE_ATTRIBUTE_INTEGRATED: v = (p.flags & ZE_DEVICE_PROPERTY_FLAG_INTEGRATED) ? 1 : 0; break;
    case KL_DEVICE_ATTRIBUTE_PCI_BUS_ID: v = d->has_pci ? Clamp(d->pci.address.bus) : -1; break;
    case KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: v = d->has_pci ? Clamp(d->pci.address.device) : -1; break;
    case KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: v = d->has_pci ? Clamp(d->pci.address.domain) : -1; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_INT64: v = 1; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64: v = (d->module.flags & ZE_DEVICE_MODULE_FLAG_FP64) ? 1 : 0; break;
    case KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS: v = 1; break;
    case KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD: v = d->float_atomic_add ? 1 : 0; break;
    case KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS: v = 1; break;
    case KL_DEVICE_ATTRIBUTE_TIMESTAMPS: v = d->ns_per_tick > 0.0 ? 1 : 0; break;
    // No Level Zero driver Keel knows of ends kernel loops early.
    case KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT: v = 0; break;
    default:
      return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: unknown attribute %d",
                  static_cast<int>(attrib));
  }
  *pi = v;
  return KL_SUCCESS;
}

KLresult klDeviceGetNativeHandle(void** native, KLdevice dev) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetNativeHandle: native is NULL");
  *native = FromHandle<Device>(dev)->handle;
  return KL_SUCCESS;
}

}  // namespace keel::ze
