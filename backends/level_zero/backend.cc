// The plugin entry point, the native library, init and device enumeration.
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "level_zero.h"

namespace keel::ze {

Api api;

namespace {

constexpr const char* kLoaderLibrary = "libze_loader.so.1";

std::vector<std::unique_ptr<Driver>> g_drivers;
std::vector<std::unique_ptr<Device>> g_devices;
std::string g_driver_version;

// Resolves every symbol of symbols.h; returns the first missing required one.
const char* ResolveSymbols(void* library) {
#define KEEL_ZE_RESOLVE_REQUIRED(name)                                          \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(library, #name));       \
  if (api.name == nullptr) return #name;
#define KEEL_ZE_RESOLVE_OPTIONAL(name, type) \
  api.name = reinterpret_cast<type>(dlsym(library, #name));
  KEEL_ZE_SYMBOLS(KEEL_ZE_RESOLVE_REQUIRED, KEEL_ZE_RESOLVE_OPTIONAL)
#undef KEEL_ZE_RESOLVE_REQUIRED
#undef KEEL_ZE_RESOLVE_OPTIONAL
  return nullptr;
}

std::string LoaderVersion() {
  if (api.zelLoaderGetVersions == nullptr) return "";
  size_t count = 0;
  if (api.zelLoaderGetVersions(&count, nullptr) != ZE_RESULT_SUCCESS || count == 0) return "";
  std::vector<zel_component_version_t> versions(count);
  if (api.zelLoaderGetVersions(&count, versions.data()) != ZE_RESULT_SUCCESS) return "";
  for (const zel_component_version_t& v : versions) {
    if (std::strcmp(v.component_name, "loader") == 0) {
      char text[64];
      std::snprintf(text, sizeof text, "loader %d.%d.%d", v.component_lib_version.major,
                    v.component_lib_version.minor, v.component_lib_version.patch);
      return text;
    }
  }
  return "";
}

KLresult Init() {
  dlerror();
  void* library = dlopen(kLoaderLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return Fail(KL_ERROR_NO_DEVICE, "Level Zero loader not found (%s): %s", kLoaderLibrary,
                why ? why : "dlopen failed");
  }
  // The library stays open for the life of the process, like every plugin.
  if (const char* missing = ResolveSymbols(library)) {
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "%s lacks %s: the loader is older than Level Zero loader 1.8, the oldest this "
                "backend supports",
                kLoaderLibrary, missing);
  }
  ze_result_t r = api.zeInit(ZE_INIT_FLAG_GPU_ONLY);
  if (r != ZE_RESULT_SUCCESS) {
    return Fail(KL_ERROR_NO_DEVICE,
                "Level Zero loader found (%s) but no driver: zeInit: %s (0x%x); install a Level "
                "Zero GPU driver (intel-level-zero-gpu) or set ZE_ENABLE_NULL_DRIVER=1 for "
                "the null driver",
                kLoaderLibrary, ResultName(r), static_cast<unsigned>(r));
  }
  uint32_t driver_count = 0;
  r = api.zeDriverGet(&driver_count, nullptr);
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "init", "zeDriverGet", KL_ERROR_NO_DEVICE);
  if (driver_count == 0)
    return Fail(KL_ERROR_NO_DEVICE, "Level Zero loader found (%s) but no driver: zeDriverGet "
                "reports 0 drivers", kLoaderLibrary);
  std::vector<ze_driver_handle_t> drivers(driver_count);
  r = api.zeDriverGet(&driver_count, drivers.data());
  if (r != ZE_RESULT_SUCCESS) return ZeFail(r, "init", "zeDriverGet", KL_ERROR_NO_DEVICE);
  drivers.resize(driver_count);

  std::string notes;
  for (ze_driver_handle_t handle : drivers) {
    auto driver = std::make_unique<Driver>();
    driver->handle = handle;
    if (api.zeDriverGetApiVersion(handle, &driver->api_version) != ZE_RESULT_SUCCESS)
      driver->api_version = ZE_API_VERSION_1_0;
    ze_driver_properties_t props{};
    props.stype = ZE_STRUCTURE_TYPE_DRIVER_PROPERTIES;
    if (api.zeDriverGetProperties(handle, &props) == ZE_RESULT_SUCCESS)
      driver->driver_version = props.driverVersion;
    uint32_t device_count = 0;
    r = api.zeDeviceGet(handle, &device_count, nullptr);
    std::vector<ze_device_handle_t> devices(device_count);
    if (r == ZE_RESULT_SUCCESS && device_count > 0)
      r = api.zeDeviceGet(handle, &device_count, devices.data());
    if (r != ZE_RESULT_SUCCESS) {
      notes += std::string("; zeDeviceGet: ") + ResultName(r);
      continue;
    }
    devices.resize(device_count);
    for (ze_device_handle_t dh : devices) {
      auto device = std::make_unique<Device>();
      device->handle = dh;
      device->driver = driver.get();
      if (DescribeDevice(device.get()) != KL_SUCCESS) {
        notes += std::string("; ") + "a device could not be described";
        continue;
      }
      g_devices.push_back(std::move(device));
    }
    char text[96];
    std::snprintf(text, sizeof text, "%sze API %u.%u, driver %u",
                  g_driver_version.empty() ? "" : "; ", ZE_MAJOR_VERSION(driver->api_version),
                  ZE_MINOR_VERSION(driver->api_version), driver->driver_version);
    g_driver_version += text;
    g_drivers.push_back(std::move(driver));
  }
  std::string loader = LoaderVersion();
  if (!loader.empty()) g_driver_version += ", " + loader;
  if (g_devices.empty())
    return Fail(KL_ERROR_NO_DEVICE, "Level Zero: %u driver(s) but no GPU device%s", driver_count,
                notes.c_str());
  return KL_SUCCESS;
}

KLresult GetDevices(int* count, KLdevice* devices) {
  if (count == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "getDevices: count is NULL");
  int n = static_cast<int>(g_devices.size());
  if (devices == nullptr) {
    *count = n;
    return KL_SUCCESS;
  }
  int m = *count < n ? *count : n;
  for (int i = 0; i < m; ++i) devices[i] = ToHandle<KLdevice>(g_devices[static_cast<size_t>(i)].get());
  *count = m;
  return KL_SUCCESS;
}

const char* DriverVersion() { return g_driver_version.c_str(); }

KLdispatchTable MakeTable() {
  KLdispatchTable table{};
  table.size = sizeof table;
#define KEEL_ZE_SLOT_FN(name) table.name = &name;
#define KEEL_ZE_SLOT_H(name) KEEL_ZE_SLOT_FN(name)
#define KEEL_ZE_SLOT_HX(name) KEEL_ZE_SLOT_FN(name)
#define KEEL_ZE_SLOT_C(name) KEEL_ZE_SLOT_FN(name)
#define KEEL_ZE_SLOT_C0(name) KEEL_ZE_SLOT_FN(name)
#define KEEL_ZE_SLOT_S(name) KEEL_ZE_SLOT_FN(name)
#define KEEL_ZE_SLOT_B(name) /* Level Zero has no current context to bind */
#define KEEL_ZE_SLOT(kind, name, dispatch, params, args) KEEL_ZE_SLOT_##kind(name)
  KEEL_ENTRY_POINTS(KEEL_ZE_SLOT)
#undef KEEL_ZE_SLOT
  return table;
}

const KLdispatchTable g_table = MakeTable();

}  // namespace

const char* DriverErrorDescription() {
  if (api.zeDriverGetLastErrorDescription == nullptr || g_drivers.empty()) return nullptr;
  const char* text = nullptr;
  if (api.zeDriverGetLastErrorDescription(g_drivers[0]->handle, &text) != ZE_RESULT_SUCCESS ||
      text == nullptr || *text == '\0')
    return nullptr;
  return text;
}

}  // namespace keel::ze

extern "C" KEEL_BACKEND_EXPORT KLresult keelBackendNegotiate(const KLloaderServices* services,
                                                             KLbackendInterface* out) {
  if (services == nullptr || out == nullptr) return KL_ERROR_INVALID_VALUE;
  keel::SetServices(services, "level_zero");
  if (services->interfaceVersion < 1)
    return keel::Fail(KL_ERROR_NOT_SUPPORTED,
                      "the level_zero backend speaks plugin interface 1; the loader offers %u",
                      services->interfaceVersion);
  out->interfaceVersion = 1;
  out->name = "level_zero";
  out->version = "1.0.0";
  out->table = &keel::ze::g_table;
  out->init = keel::ze::Init;
  out->getDevices = keel::ze::GetDevices;
  out->driverVersion = keel::ze::DriverVersion;
  return KL_SUCCESS;
}
