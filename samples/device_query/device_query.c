/*
 * device_query: what klDevice* tells about each device, backend by backend.
 * Exit status 0 when at least one device was queried without error.
 */
#include <stdio.h>

#include "sample_util.h"

static const struct {
  KLdevice_attribute attr;
  const char* label;
} kAttributes[] = {
    {KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "Compute capability (major)"},
    {KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "Compute capability (minor)"},
    {KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "Multiprocessors"},
    {KL_DEVICE_ATTRIBUTE_WARP_SIZE, "Warp / subgroup size"},
    {KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, "Max threads per block"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, "Max block dim x"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, "Max block dim y"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, "Max block dim z"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, "Max grid dim x"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, "Max grid dim y"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, "Max grid dim z"},
    {KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, "Shared memory per block (bytes)"},
    {KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, "Shared memory per block, opt-in"},
    {KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES, "Max kernel argument bytes"},
    {KL_DEVICE_ATTRIBUTE_CLOCK_RATE, "Clock rate (kHz)"},
    {KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, "Memory clock rate (kHz)"},
    {KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, "Memory bus width (bits)"},
    {KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, "Unified addressing"},
    {KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, "Concurrent kernels"},
    {KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, "Async copy engines"},
    {KL_DEVICE_ATTRIBUTE_INTEGRATED, "Integrated"},
    {KL_DEVICE_ATTRIBUTE_SHADER_INT64, "64-bit integers in kernels"},
    {KL_DEVICE_ATTRIBUTE_SHADER_FLOAT64, "Doubles in kernels"},
    {KL_DEVICE_ATTRIBUTE_TIMESTAMPS, "Event timing"},
};

int main(void) {
  KLresult init = klInit(0);
  int count = 0;
  if (init != KL_SUCCESS) {
    const char* message = "";
    klGetLastErrorMessage(&message);
    printf("klInit found no device: %s\n", message);
    return 77; /* "skipped" for ctest */
  }
  CHECK(klDeviceGetCount(&count));
  printf("Detected %d Keel device(s)\n", count);
  for (int d = 0; d < count; ++d) {
    KLdevice dev;
    char name[256], backend[32], pci[32];
    size_t mem = 0;
    KLuuid uuid;
    CHECK(klDeviceGet(&dev, d));
    CHECK(klDeviceGetName(name, (int)sizeof name, dev));
    CHECK(klDeviceTotalMem(&mem, dev));
    CHECK(klDeviceGetUuid(&uuid, dev));
    sample_backend_name(dev, backend, sizeof backend);
    if (klDeviceGetPCIBusId(pci, (int)sizeof pci, dev) != KL_SUCCESS) snprintf(pci, sizeof pci, "none");
    printf("\nDevice %d: \"%s\" (backend %s)\n", d, name, backend);
    printf("  %-36s %.0f MiB\n", "Total memory", (double)mem / (1024.0 * 1024.0));
    printf("  %-36s %s\n", "PCI bus id", pci);
    printf("  %-36s ", "UUID");
    for (int b = 0; b < 16; ++b) printf("%02x%s", (unsigned char)uuid.bytes[b], b == 3 || b == 5 || b == 7 || b == 9 ? "-" : "");
    printf("\n");
    for (size_t a = 0; a < sizeof kAttributes / sizeof kAttributes[0]; ++a) {
      int value = 0;
      CHECK(klDeviceGetAttribute(&value, kAttributes[a].attr, dev));
      printf("  %-36s %d\n", kAttributes[a].label, value);
    }
  }
  printf("\nResult = PASS\n");
  return 0;
}
