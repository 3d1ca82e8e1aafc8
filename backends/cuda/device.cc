// Devices: enumeration at init and the device queries.
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/services.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"
#include "cuda/status.h"

namespace keel::cuda {
namespace {

std::vector<Device*> g_devices;

// Keel attribute -> CUDA attribute, for those the driver answers directly.
// 0 marks attributes computed by the backend (or answered by the loader).
constexpr CUdevice_attribute kNoCudaAttribute = static_cast<CUdevice_attribute>(0);
CUdevice_attribute CudaAttribute(int a) {
  switch (a) {
    case KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: return CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: return CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: return CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y;
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: return CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: return CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: return CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y;
    case KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: return CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: return CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
      return CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN;
    case KL_DEVICE_ATTRIBUTE_WARP_SIZE: return CU_DEVICE_ATTRIBUTE_WARP_SIZE;
    case KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: return CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: return CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
    case KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: return CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
    case KL_DEVICE_ATTRIBUTE_CLOCK_RATE: return CU_DEVICE_ATTRIBUTE_CLOCK_RATE;
    case KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: return CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE;
    case KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: return CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH;
    case KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: return CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING;
    case KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: return CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS;
    case KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: return CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT;
    case KL_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: return CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK;
    case KL_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: return CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY;
    case KL_DEVICE_ATTRIBUTE_INTEGRATED: return CU_DEVICE_ATTRIBUTE_INTEGRATED;
    case KL_DEVICE_ATTRIBUTE_PCI_BUS_ID: return CU_DEVICE_ATTRIBUTE_PCI_BUS_ID;
    case KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: return CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID;
    case KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID: return CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID;
    default: return kNoCudaAttribute;
  }
}

void ReadAttributes(Device* d) {
  for (int a = 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
    CUdevice_attribute ca = CudaAttribute(a);
    if (ca == kNoCudaAttribute) continue;
    int v = 0;
    CUresult r = cu.DeviceGetAttribute(&v, ca, d->cu);
    if (r != CUDA_SUCCESS) {
      // Keel documents 0 for "unknown" (e.g. the clock rate, which newer
      // drivers may stop reporting).
      Log(KL_LOG_WARN, "device %d: cuDeviceGetAttribute(%d): %s; reporting 0", d->ordinal,
          static_cast<int>(ca), CudaErrorName(r));
      v = 0;
    }
    d->attrs[a] = v;
  }
  // Every CUDA device Keel supports (sm_50+) has these.
  d->attrs[KL_DEVICE_ATTRIBUTE_SHADER_INT64] = 1;
  d->attrs[KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64] = 1;
  d->attrs[KL_DEVICE_ATTRIBUTE_SHADER_INT8_INT16_ARGS] = 1;
  d->attrs[KL_DEVICE_ATTRIBUTE_GLOBAL_FLOAT_ATOMIC_ADD] = 1;
  d->attrs[KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS] = 1;
  d->attrs[KL_DEVICE_ATTRIBUTE_TIMESTAMPS] = 1;
  // CUDA ends no loops early (a display watchdog, if any, ends whole kernels:
  // CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT).
  d->attrs[KL_DEVICE_ATTRIBUTE_KERNEL_LOOP_ITERATION_LIMIT] = 0;
  // CUDA 12.1 raised the kernel parameter limit from 4 KiB to 32764 bytes on
  // Volta (sm_70) and newer; there is no device attribute for it.
  bool big_params = g_driver.cuda_version >= 12010 && d->attrs[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR] >= 7;
  d->attrs[KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES] = big_params ? 32764 : 4096;
}

// Copies src into dst[len], truncated and NUL-terminated (as cuDeviceGetName).
void CopyTruncated(char* dst, int len, const char* src) {
  size_t n = std::strlen(src);
  if (n > static_cast<size_t>(len - 1)) n = static_cast<size_t>(len - 1);
  std::memcpy(dst, src, n);
  dst[n] = '\0';
}

}  // namespace

KLresult CreateDevices() {
  int count = 0;
  KEEL_CU_TRY("init", DeviceGetCount, (&count));
  if (count == 0) {
    return Fail(KL_ERROR_NO_DEVICE, "the NVIDIA driver (CUDA %d.%d) reports 0 CUDA devices",
                g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10);
  }
  for (int i = 0; i < count; ++i) {
    auto* d = new Device();
    d->ordinal = i;
    KEEL_CU_TRY("init", DeviceGet, (&d->cu, i));
    KEEL_CU_TRY("init", DeviceGetName, (d->name, sizeof d->name, d->cu));
    KEEL_CU_TRY("init", DeviceGetUuid, (&d->uuid, d->cu));
    KEEL_CU_TRY("init", DeviceTotalMem, (&d->total_mem, d->cu));
    if (cu.DeviceGetPCIBusId(d->pci_bus_id, sizeof d->pci_bus_id, d->cu) != CUDA_SUCCESS) d->pci_bus_id[0] = '\0';
    ReadAttributes(d);
    d->primary = new Context();
    d->primary->device = d;
    d->primary->is_primary = true;
    g_devices.push_back(d);
    Log(KL_LOG_INFO, "device %d: %s, sm_%d%d, %zu MiB, PCI %s", i, d->name,
        d->attrs[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR],
        d->attrs[KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR], d->total_mem >> 20, d->pci_bus_id);
  }
  return KL_SUCCESS;
}

int DeviceCount() { return static_cast<int>(g_devices.size()); }
Device* DeviceAt(int index) { return g_devices[static_cast<size_t>(index)]; }

KLresult klDeviceGetName(char* name, int len, KLdevice dev) {
  if (name == nullptr || len <= 0) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetName: name is NULL or len <= 0");
  CopyTruncated(name, len, ToDevice(dev)->name);
  return KL_SUCCESS;
}

KLresult klDeviceGetUuid(KLuuid* uuid, KLdevice dev) {
  if (uuid == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetUuid: uuid is NULL");
  static_assert(sizeof uuid->bytes == sizeof ToDevice(dev)->uuid.bytes, "KLuuid and CUuuid differ");
  std::memcpy(uuid->bytes, ToDevice(dev)->uuid.bytes, sizeof uuid->bytes);
  return KL_SUCCESS;
}

KLresult klDeviceGetPCIBusId(char* pciBusId, int len, KLdevice dev) {
  if (pciBusId == nullptr || len <= 0) {
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetPCIBusId: pciBusId is NULL or len <= 0");
  }
  Device* d = ToDevice(dev);
  if (d->pci_bus_id[0] == '\0') {
    return Fail(KL_ERROR_NOT_SUPPORTED, "klDeviceGetPCIBusId: the driver reports no PCI address for device %d",
                d->ordinal);
  }
  CopyTruncated(pciBusId, len, d->pci_bus_id);
  return KL_SUCCESS;
}

KLresult klDeviceTotalMem(size_t* bytes, KLdevice dev) {
  if (bytes == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceTotalMem: bytes is NULL");
  *bytes = ToDevice(dev)->total_mem;
  return KL_SUCCESS;
}

KLresult klDeviceGetAttribute(int* pi, KLdevice_attribute attrib, KLdevice dev) {
  if (pi == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: pi is NULL");
  int a = static_cast<int>(attrib);
  if (a <= KL_DEVICE_ATTRIBUTE_INVALID || a >= KL_DEVICE_ATTRIBUTE_COUNT_) {
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: %d is not a KLdevice_attribute", a);
  }
  if (a == KL_DEVICE_ATTRIBUTE_BACKEND) {
    // The loader answers it before dispatching; reaching here is a loader bug.
    return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetAttribute: KL_DEVICE_ATTRIBUTE_BACKEND is answered by the loader");
  }
  *pi = ToDevice(dev)->attrs[a];
  return KL_SUCCESS;
}

KLresult klDeviceGetNativeHandle(void** native, KLdevice dev) {
  if (native == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "klDeviceGetNativeHandle: native is NULL");
  // CUdevice is an ordinal, so it travels through intptr_t as keel.h says.
  *native = reinterpret_cast<void*>(static_cast<intptr_t>(ToDevice(dev)->cu));
  return KL_SUCCESS;
}

}  // namespace keel::cuda
