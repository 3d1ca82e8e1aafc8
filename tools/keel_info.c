/*
 * keel-info: what Keel found on this machine, like `vulkaninfo --summary`.
 * Every backend candidate with its status and reason, every device with its
 * key attributes. --json for machines. Exit status 1 when no device is found.
 * Written in C on purpose: it is also a test that the API is usable from C.
 */
#include <keel/keel.h>

#include <stdio.h>
#include <string.h>

static const char* status_name(KLbackendStatus s) {
  switch (s) {
    case KL_BACKEND_STATUS_LOADED: return "loaded";
    case KL_BACKEND_STATUS_NO_DEVICES: return "no devices";
    case KL_BACKEND_STATUS_NOT_FOUND: return "not found";
    case KL_BACKEND_STATUS_LOAD_FAILED: return "failed to load";
    case KL_BACKEND_STATUS_VERSION_MISMATCH: return "version mismatch";
    case KL_BACKEND_STATUS_INIT_FAILED: return "init failed";
    case KL_BACKEND_STATUS_NOT_SELECTED: return "not selected";
    default: return "invalid";
  }
}

/* Prints s as a JSON string literal. */
static void json_string(const char* s) {
  putchar('"');
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static const struct {
  KLdevice_attribute attr;
  const char* name;
} kAttributes[] = {
    {KL_DEVICE_ATTRIBUTE_BACKEND, "backend_index"},
    {KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute_capability_major"},
    {KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute_capability_minor"},
    {KL_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "multiprocessor_count"},
    {KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, "max_threads_per_block"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X, "max_block_dim_x"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y, "max_block_dim_y"},
    {KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z, "max_block_dim_z"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X, "max_grid_dim_x"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y, "max_grid_dim_y"},
    {KL_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z, "max_grid_dim_z"},
    {KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, "max_shared_memory_per_block"},
    {KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, "max_shared_memory_per_block_optin"},
    {KL_DEVICE_ATTRIBUTE_WARP_SIZE, "warp_size"},
    {KL_DEVICE_ATTRIBUTE_CLOCK_RATE, "clock_rate_khz"},
    {KL_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, "memory_clock_rate_khz"},
    {KL_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, "memory_bus_width"},
    {KL_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING, "unified_addressing"},
    {KL_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS, "concurrent_kernels"},
    {KL_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT, "async_engine_count"},
    {KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES, "max_param_bytes"},
};

int main(int argc, char** argv) {
  int json = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: keel-info [--json]\n"
             "Lists Keel backend candidates (status and reason) and devices.\n"
             "Environment: KEEL_BACKENDS, KEEL_BACKEND_PATH, KEEL_LOG, KEEL_LOG_FILE.\n"
             "Exit status: 0 if at least one device was found, 1 otherwise.\n");
      return 0;
    } else {
      fprintf(stderr, "keel-info: unknown option '%s' (try --help)\n", argv[i]);
      return 2;
    }
  }

  KLresult init = klInit(0);
  const char* init_name = "?";
  klGetErrorName(init, &init_name);
  const char* init_message = "";
  if (init != KL_SUCCESS) klGetLastErrorMessage(&init_message);
  int api = 0;
  klDriverGetVersion(&api);

  int nbackends = 0, ndevices = 0;
  klGetBackendCount(&nbackends);
  klDeviceGetCount(&ndevices);

  if (json) {
    printf("{\n  \"keel_api_version\": %d,\n  \"init_result\": ", api);
    json_string(init_name);
    printf(",\n  \"backends\": [");
  } else {
    printf("Keel %d.%d.%d\n", api / 1000000, api / 1000 % 1000, api % 1000);
    printf("klInit: %s%s%s\n\nBackends:\n", init_name, init == KL_SUCCESS ? "" : ": ",
           init == KL_SUCCESS ? "" : init_message);
  }
  for (int i = 0; i < nbackends; ++i) {
    KLbackendProperties p;
    if (klGetBackendProperties(&p, i) != KL_SUCCESS) continue;
    if (json) {
      printf("%s\n    {\"name\": ", i ? "," : "");
      json_string(p.name);
      printf(", \"status\": ");
      json_string(status_name(p.status));
      printf(", \"devices\": %d, \"interface_version\": %d, \"version\": ", p.deviceCount,
             p.interfaceVersion);
      json_string(p.version);
      printf(", \"path\": ");
      json_string(p.path);
      printf(", \"reason\": ");
      json_string(p.reason);
      printf("}");
    } else {
      printf("  %-11s %-16s devices=%d  %s\n", p.name, status_name(p.status), p.deviceCount,
             p.path[0] ? p.path : "(no plugin file)");
      if (p.version[0]) printf("  %-11s version: %s\n", "", p.version);
      if (p.reason[0]) printf("  %-11s reason: %s\n", "", p.reason);
    }
  }
  if (json) printf("\n  ],\n  \"devices\": [");
  else printf("\nDevices: %d\n", ndevices);

  for (int d = 0; d < ndevices; ++d) {
    KLdevice dev;
    if (klDeviceGet(&dev, d) != KL_SUCCESS) continue;
    char name[256] = "", pci[32] = "";
    KLuuid uuid;
    size_t mem = 0;
    int backend = -1;
    KLbackendProperties bp;
    memset(&uuid, 0, sizeof uuid);
    klDeviceGetName(name, (int)sizeof name, dev);
    klDeviceTotalMem(&mem, dev);
    klDeviceGetUuid(&uuid, dev);
    if (klDeviceGetPCIBusId(pci, (int)sizeof pci, dev) != KL_SUCCESS) strcpy(pci, "n/a");
    klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, dev);
    memset(&bp, 0, sizeof bp);
    klGetBackendProperties(&bp, backend);
    char uuid_text[40];
    for (int b = 0; b < 16; ++b) sprintf(uuid_text + 2 * b, "%02x", (unsigned char)uuid.bytes[b]);
    if (json) {
      printf("%s\n    {\"ordinal\": %d, \"name\": ", d ? "," : "", d);
      json_string(name);
      printf(", \"backend\": ");
      json_string(bp.name);
      printf(", \"uuid\": \"%s\", \"pci_bus_id\": ", uuid_text);
      json_string(pci);
      printf(", \"total_memory\": %zu", mem);
    } else {
      printf("  [%d] %s\n      backend: %s   uuid: %s   pci: %s   memory: %.1f MiB\n", d, name,
             bp.name, uuid_text, pci, (double)mem / (1024.0 * 1024.0));
    }
    for (size_t a = 1; a < sizeof kAttributes / sizeof kAttributes[0]; ++a) {
      int value = 0;
      KLresult r = klDeviceGetAttribute(&value, kAttributes[a].attr, dev);
      if (json) {
        printf(", \"%s\": ", kAttributes[a].name);
        if (r == KL_SUCCESS) printf("%d", value);
        else printf("null");
      } else if (r == KL_SUCCESS) {
        printf("      %-34s %d\n", kAttributes[a].name, value);
      }
    }
    if (json) printf("}");
  }
  if (json) printf("\n  ]\n}\n");
  return ndevices > 0 ? 0 : 1;
}
