// The plugin's entry point: negotiation, initialization, device enumeration.
#include <cstdio>
#include <mutex>

#include "common/services.h"
#include "cuda/driver.h"
#include "cuda/entry_points.h"
#include "cuda/objects.h"

namespace keel::cuda {
namespace {

constexpr const char* kBackendVersion = "1.0.0";

// The table, filled from the entry-point list: every slot points at the
// function of the same name in keel::cuda.
KLdispatchTable MakeTable() {
  KLdispatchTable t{};
  t.size = sizeof t;
#define KEEL_CUDA_FILL(kind, name, dispatch, params, args) t.name = &keel::cuda::name;
  KEEL_ENTRY_POINTS(KEEL_CUDA_FILL)
#undef KEEL_CUDA_FILL
  return t;
}

const KLdispatchTable g_table = MakeTable();

KLresult g_init_result = KL_ERROR_NOT_INITIALIZED;
char g_driver_version[128] = "";

KLresult Init() {
  // The loader serializes init, but the backend must never do the work twice
  // (devices are created once); a second call returns the first result.
  static std::once_flag once;
  std::call_once(once, [] {
    g_init_result = LoadDriver();
    if (g_init_result != KL_SUCCESS) return;
    g_init_result = CreateDevices();
    if (g_driver.kernel_driver[0] != '\0') {
      std::snprintf(g_driver_version, sizeof g_driver_version, "CUDA %d.%d driver %s",
                    g_driver.cuda_version / 1000, g_driver.cuda_version % 1000 / 10, g_driver.kernel_driver);
    } else {
      std::snprintf(g_driver_version, sizeof g_driver_version, "CUDA %d.%d", g_driver.cuda_version / 1000,
                    g_driver.cuda_version % 1000 / 10);
    }
  });
  return g_init_result;
}

KLresult GetDevices(int* count, KLdevice* devices) {
  if (count == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "getDevices: count is NULL");
  int n = g_init_result == KL_SUCCESS ? DeviceCount() : 0;
  if (devices == nullptr) {
    *count = n;
    return KL_SUCCESS;
  }
  int filled = *count < n ? *count : n;
  for (int i = 0; i < filled; ++i) devices[i] = ToHandle<KLdevice>(DeviceAt(i));
  *count = filled;
  return KL_SUCCESS;
}

const char* DriverVersion() { return g_driver_version[0] != '\0' ? g_driver_version : nullptr; }

}  // namespace
}  // namespace keel::cuda

extern "C" KEEL_BACKEND_EXPORT KLresult keelBackendNegotiate(const KLloaderServices* services,
                                                             KLbackendInterface* out) {
  if (services == nullptr || out == nullptr) return KL_ERROR_INVALID_VALUE;
  keel::SetServices(services, "cuda");
  if (services->interfaceVersion < 1) {
    return keel::Fail(KL_ERROR_NOT_SUPPORTED,
                      "the CUDA backend speaks plugin interface version 1; the loader offers %u",
                      services->interfaceVersion);
  }
  out->interfaceVersion = 1;
  out->name = "cuda";
  out->version = keel::cuda::kBackendVersion;
  out->table = &keel::cuda::g_table;
  out->init = &keel::cuda::Init;
  out->getDevices = &keel::cuda::GetDevices;
  out->driverVersion = &keel::cuda::DriverVersion;
  return KL_SUCCESS;
}
