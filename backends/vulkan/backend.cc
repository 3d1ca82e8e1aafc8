// The plugin's entry point: negotiation, the dispatch table, the Vulkan
// instance and device enumeration.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <keel/keel_backend.h>

#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/device.h"
#include "vulkan/event.h"
#include "vulkan/function.h"
#include "vulkan/launch.h"
#include "vulkan/memory.h"
#include "vulkan/module.h"
#include "vulkan/status.h"
#include "vulkan/stream.h"
#include "vulkan/validation.h"

namespace keel {
namespace vk {

// Entry points Vulkan does not have: their slots stay NULL and the loader
// answers KL_ERROR_NOT_SUPPORTED. Linking PTX/cubin images has no Vulkan
// counterpart (link SPIR-V at build time with spirv-link), and Vulkan has no
// per-thread current context to bind.
constexpr std::nullptr_t klLinkCreate = nullptr;
constexpr std::nullptr_t klLinkAddData = nullptr;
constexpr std::nullptr_t klLinkComplete = nullptr;
constexpr std::nullptr_t klLinkDestroy = nullptr;
constexpr std::nullptr_t keelBackendCtxMadeCurrent = nullptr;

namespace {

constexpr const char* kBackendVersion = "1.0.0";

// Every slot names the function of the same name in keel::vk (or one of the
// nullptr constants above): a missing definition fails the link.
KLdispatchTable MakeTable() {
  KLdispatchTable t{};
  t.size = sizeof t;
#define KEEL_VK_FILL(kind, name, dispatch, params, args) t.name = keel::vk::name;
  KEEL_ENTRY_POINTS(KEEL_VK_FILL)
#undef KEEL_VK_FILL
  return t;
}

const KLdispatchTable g_table = MakeTable();

struct Backend {
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  std::vector<Device*> devices;  // never freed: handles live as long as the process
  std::string driver_version;
};
Backend g_backend;
KLresult g_init_result = KL_ERROR_NOT_INITIALIZED;

bool HasLayer(const char* name) {
  std::vector<VkLayerProperties> layers;
  EnumerateAll(32, &layers, [](uint32_t* count, VkLayerProperties* items) {
    return vkEnumerateInstanceLayerProperties(count, items);
  });
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

// The instance extensions of the loader and its drivers (layer null) or of a
// layer. Costly without a layer: the loader opens every installed driver to
// ask it, and vkCreateInstance opens them all again.
std::vector<VkExtensionProperties> InstanceExtensions(const char* layer) {
  std::vector<VkExtensionProperties> exts;
  EnumerateAll(64, &exts, [layer](uint32_t* count, VkExtensionProperties* items) {
    return vkEnumerateInstanceExtensionProperties(layer, count, items);
  });
  return exts;
}

constexpr const char* kPortabilityEnumeration = "VK_KHR_portability_enumeration";

// Discrete GPUs first, lavapipe (CPU) last.
int TypeRank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 4;
    default: return 3;
  }
}

KLresult CreateInstance(uint32_t api_version) {
  const ValidationMode mode = GetValidationMode();
  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
  VkDebugUtilsMessengerCreateInfoEXT messenger{
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  std::vector<VkExtensionProperties> available;  // looked up under validation only
  if (mode != ValidationMode::kOff) {
    if (!HasLayer(kValidationLayer))
      return Fail(KL_ERROR_NOT_SUPPORTED,
                  "KEEL_VULKAN_VALIDATION is set but %s is not installed (Debian: "
                  "vulkan-validationlayers)",
                  kValidationLayer);
    available = InstanceExtensions(nullptr);
    if (!HasExtension(available, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) &&
        !HasExtension(InstanceExtensions(kValidationLayer), VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
      return Fail(KL_ERROR_NOT_SUPPORTED,
                  "KEEL_VULKAN_VALIDATION is set but %s is not available",
                  VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                                VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    messenger.pfnUserCallback = &ValidationCallback;
  }
  // VK_KHR_portability_enumeration (portability drivers such as MoltenVK are
  // listed only with it) is asked for without looking it up: the lookup costs
  // about as much as vkCreateInstance (InstanceExtensions). Loaders before
  // 1.3.216 lack it and fail with VK_ERROR_EXTENSION_NOT_PRESENT; the create
  // is then made again without it. Under validation the list is at hand, and
  // decides: a failed create would reach the messenger as a loader error.
  const bool portability =
      mode == ValidationMode::kOff || HasExtension(available, kPortabilityEnumeration);
  if (portability) extensions.push_back(kPortabilityEnumeration);  // last

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "keel";
  app.pEngineName = "keel";
  app.engineVersion = VK_MAKE_API_VERSION(0, 1, 0, 0);
  app.apiVersion = api_version;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  // Chained, the messenger also reports problems of vkCreateInstance itself.
  info.pNext = mode != ValidationMode::kOff ? &messenger : nullptr;
  info.flags = portability ? VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR : 0;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  VkResult r = vkCreateInstance(&info, nullptr, &g_backend.instance);
  if (r == VK_ERROR_EXTENSION_NOT_PRESENT && portability) {
    Log(KL_LOG_INFO, "the Vulkan loader lacks %s: creating the instance without it",
        kPortabilityEnumeration);
    info.flags = 0;
    --info.enabledExtensionCount;
    r = vkCreateInstance(&info, nullptr, &g_backend.instance);
  }
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return Fail(KL_ERROR_NO_DEVICE,
                "no Vulkan driver: the Vulkan loader found no ICD (install mesa-vulkan-drivers "
                "for lavapipe, or a GPU driver)");
  if (r != VK_SUCCESS) return VkFail(r, "vulkan init", "vkCreateInstance");
  if (mode != ValidationMode::kOff) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(g_backend.instance, "vkCreateDebugUtilsMessengerEXT"));
    if (create == nullptr ||
        create(g_backend.instance, &messenger, nullptr, &g_backend.messenger) != VK_SUCCESS)
      return Fail(KL_ERROR_NOT_SUPPORTED, "vulkan init: cannot create the validation messenger");
    Log(KL_LOG_INFO, "Khronos validation layer on (KEEL_VULKAN_VALIDATION=%s)",
        mode == ValidationMode::kLog ? "log" : "1");
  }
  return KL_SUCCESS;
}

KLresult InitOnce() {
  uint32_t loader_version = VK_API_VERSION_1_0;
  if (vkEnumerateInstanceVersion(&loader_version) != VK_SUCCESS ||
      loader_version < VK_API_VERSION_1_2)
    return Fail(KL_ERROR_NO_DEVICE, "the Vulkan loader speaks Vulkan %u.%u; Keel needs 1.2",
                VK_API_VERSION_MAJOR(loader_version), VK_API_VERSION_MINOR(loader_version));
  // Ask for up to 1.3: a 1.3 device then accepts SPIR-V 1.6.
  const uint32_t api_version = std::min<uint32_t>(loader_version, VK_API_VERSION_1_3);
  KLresult r = CreateInstance(api_version);
  if (r != KL_SUCCESS) return r;
  // The debug lines of start-up mark its steps (KEEL_LOG_TIME=1 times them).
  Log(KL_LOG_DEBUG, "instance created (Vulkan %u.%u)", VK_API_VERSION_MAJOR(api_version),
      VK_API_VERSION_MINOR(api_version));

  std::vector<VkPhysicalDevice> physical;
  VkResult vr = EnumerateAll(16, &physical, [](uint32_t* count, VkPhysicalDevice* items) {
    return vkEnumeratePhysicalDevices(g_backend.instance, count, items);
  });
  if (vr != VK_SUCCESS) return VkFail(vr, "vulkan init", "vkEnumeratePhysicalDevices");
  Log(KL_LOG_DEBUG, "%zu physical device(s) listed", physical.size());
  if (physical.empty())
    return Fail(KL_ERROR_NO_DEVICE,
                "no Vulkan devices: the Vulkan loader found no driver with a device (install "
                "mesa-vulkan-drivers for lavapipe, or a GPU driver)");
  std::string rejected;
  for (VkPhysicalDevice p : physical) {
    auto* d = new Device();
    std::string reason;
    if (!Device::Probe(p, api_version, d, &reason)) {
      Log(KL_LOG_INFO, "skipping %s: %s", d->name.c_str(), reason.c_str());
      rejected += (rejected.empty() ? "" : "; ") + d->name + ": " + reason;
      delete d;
      continue;
    }
    Log(KL_LOG_DEBUG, "probed %s", d->name.c_str());
    g_backend.devices.push_back(d);
  }
  if (g_backend.devices.empty())
    return Fail(KL_ERROR_NO_DEVICE, "no usable Vulkan device (%s)", rejected.c_str());
  std::stable_sort(g_backend.devices.begin(), g_backend.devices.end(),
                   [](const Device* a, const Device* b) {
                     return TypeRank(a->properties.deviceType) < TypeRank(b->properties.deviceType);
                   });
  for (const Device* d : g_backend.devices) {
    Log(KL_LOG_INFO, "device %s: Vulkan %u.%u, %s %s, push constants %u B, workgroups %u,%u,%u",
        d->name.c_str(), VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version),
        d->driver_name.c_str(), d->driver_info.c_str(), d->max_push_constants,
        d->max_workgroup_count[0], d->max_workgroup_count[1], d->max_workgroup_count[2]);
  }
  const Device* first = g_backend.devices.front();
  char text[256];
  std::snprintf(text, sizeof text, "Vulkan %u.%u.%u (%s %s)", VK_API_VERSION_MAJOR(api_version),
                VK_API_VERSION_MINOR(api_version), VK_API_VERSION_PATCH(loader_version),
                first->driver_name.c_str(), first->driver_info.c_str());
  g_backend.driver_version = text;
  return KL_SUCCESS;
}

KLresult Init() {
  // The loader serializes init; the work must never happen twice.
  static std::once_flag once;
  std::call_once(once, [] {
    g_init_result = InitOnce();
    if (g_init_result == KL_SUCCESS && GetValidationMode() == ValidationMode::kFail)
      g_init_result = TakeUnreportedValidationMessages("vulkan init");
  });
  return g_init_result;
}

KLresult GetDevices(int* count, KLdevice* devices) {
  if (count == nullptr) return Fail(KL_ERROR_INVALID_VALUE, "getDevices: count is NULL");
  int n = g_init_result == KL_SUCCESS ? static_cast<int>(g_backend.devices.size()) : 0;
  if (devices == nullptr) {
    *count = n;
    return KL_SUCCESS;
  }
  int filled = std::min(*count, n);
  for (int i = 0; i < filled; ++i) devices[i] = ToHandle<KLdevice>(g_backend.devices[i]);
  *count = filled;
  return KL_SUCCESS;
}

const char* DriverVersion() {
  return g_backend.driver_version.empty() ? nullptr : g_backend.driver_version.c_str();
}

}  // namespace
}  // namespace vk
}  // namespace keel

extern "C" KEEL_BACKEND_EXPORT KLresult keelBackendNegotiate(const KLloaderServices* services,
                                                             KLbackendInterface* out) {
  if (services == nullptr || out == nullptr) return KL_ERROR_INVALID_VALUE;
  keel::SetServices(services, "vulkan");
  if (services->interfaceVersion < 1)
    return keel::Fail(KL_ERROR_NOT_SUPPORTED,
                      "the Vulkan backend speaks plugin interface version 1; the loader offers %u",
                      services->interfaceVersion);
  out->interfaceVersion = 1;
  out->name = "vulkan";
  out->version = keel::vk::kBackendVersion;
  // With KEEL_VULKAN_VALIDATION=1 every call is checked for validation
  // messages (validation.h).
  out->table = keel::vk::GetValidationMode() == keel::vk::ValidationMode::kFail
                   ? keel::vk::MakeCheckedTable(&keel::vk::g_table)
                   : &keel::vk::g_table;
  out->init = &keel::vk::Init;
  out->getDevices = &keel::vk::GetDevices;
  out->driverVersion = &keel::vk::DriverVersion;
  return KL_SUCCESS;
}
