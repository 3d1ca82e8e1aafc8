// The raw Vulkan baseline: a minimal compute set-up written the way an
// application would write it, running the very SPIR-V Keel runs (the Keel
// kernel ABI: a 32-byte hidden header then the parameters in the push-constant
// block, block size in specialization constants 0..2).
//
// One in-order "stream": a command buffer being recorded. Every command is
// preceded by a full memory barrier (in-order semantics, across submissions
// too); launches, device copies and fills are only recorded; a synchronize
// submits the buffer with a fence and waits. Host copies (synchronous API)
// submit and wait at once: pinned memory is a mapped host-visible buffer
// copied directly, pageable memory goes through one staging buffer (memcpy,
// then the copy), not pipelined. libvulkan.so.1 is opened at run time so the
// cold-start figure counts loading it, as Keel's count loading the plugin.
//
// KEEL_BENCH_VULKAN_VALIDATION=1 runs this side under the Khronos validation
// layer (=sync adds synchronization validation), as KEEL_VULKAN_VALIDATION
// does for Keel's side; the CI smoke sets both. Every warning or error the
// layer reports fails the figure during which it arrived.
#include <dlfcn.h>

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "targets.h"
#include "timer.h"

namespace kb {
namespace {

#define KB_VK_GLOBAL(X) X(CreateInstance) X(EnumerateInstanceVersion)
#define KB_VK_INSTANCE(X)                                                                  \
  X(DestroyInstance) X(EnumeratePhysicalDevices) X(GetPhysicalDeviceProperties)            \
  X(GetPhysicalDeviceProperties2) X(GetPhysicalDeviceFeatures2)                            \
  X(GetPhysicalDeviceQueueFamilyProperties) X(GetPhysicalDeviceMemoryProperties)           \
  X(CreateDevice) X(GetDeviceProcAddr)
#define KB_VK_DEBUG(X) X(CreateDebugUtilsMessengerEXT) X(DestroyDebugUtilsMessengerEXT)
#define KB_VK_DEVICE(X)                                                                    \
  X(DestroyDevice) X(GetDeviceQueue) X(DeviceWaitIdle) X(CreateCommandPool)                \
  X(DestroyCommandPool) X(ResetCommandPool) X(AllocateCommandBuffers)                      \
  X(BeginCommandBuffer) X(EndCommandBuffer) X(QueueSubmit) X(CreateFence) X(DestroyFence)  \
  X(WaitForFences) X(ResetFences) X(CreateSemaphore) X(DestroySemaphore) X(CreateBuffer)   \
  X(DestroyBuffer) X(GetBufferMemoryRequirements) X(AllocateMemory) X(FreeMemory)          \
  X(BindBufferMemory) X(MapMemory) X(GetBufferDeviceAddress) X(CreateShaderModule)         \
  X(DestroyShaderModule) X(CreatePipelineLayout) X(DestroyPipelineLayout)                  \
  X(CreateComputePipelines) X(DestroyPipeline) X(CmdBindPipeline) X(CmdPushConstants)      \
  X(CmdDispatch) X(CmdPipelineBarrier) X(CmdCopyBuffer) X(CmdFillBuffer)                   \
  X(CreateQueryPool) X(DestroyQueryPool) X(CmdResetQueryPool) X(CmdWriteTimestamp)         \
  X(GetQueryPoolResults)

struct Vk {
  PFN_vkGetInstanceProcAddr GetInstanceProcAddr = nullptr;
#define KB_VK_FIELD(name) PFN_vk##name name = nullptr;
  KB_VK_GLOBAL(KB_VK_FIELD)
  KB_VK_INSTANCE(KB_VK_FIELD)
  KB_VK_DEBUG(KB_VK_FIELD)
  KB_VK_DEVICE(KB_VK_FIELD)
#undef KB_VK_FIELD
};

// A zeroed Vulkan struct with its sType and pNext set.
template <typename T>
T Vs(VkStructureType type, void* next = nullptr) {
  T t{};
  t.sType = type;
  t.pNext = next;
  return t;
}

const char* ResultName(VkResult r) {
  switch (r) {
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_INVALID_SHADER_NV: return "VK_ERROR_INVALID_SHADER_NV";
    default: return "VkResult";
  }
}

#define VK(call)                                                                            \
  do {                                                                                      \
    VkResult vk_result_ = vk.call;                                                          \
    if (vk_result_ != VK_SUCCESS)                                                           \
      throw Error(Format("raw Vulkan: vk%s: %s (%d)", #call, ResultName(vk_result_),        \
                         static_cast<int>(vk_result_)));                                    \
  } while (0)

// Instance, device and queue: what both the target and the cold-start child open.
struct Core {
  Vk vk;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice phys = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t family = 0;
  uint32_t timestamp_bits = 0;
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties mem{};
  std::string driver;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
};

// Validation messages of the raw side (KEEL_BENCH_VULKAN_VALIDATION=1).
std::atomic<uint64_t> g_validation_messages{0};
std::mutex g_validation_mutex;
std::string g_last_validation_message;

VKAPI_ATTR VkBool32 VKAPI_CALL OnValidationMessage(
    VkDebugUtilsMessageSeverityFlagBitsEXT, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  const char* text = data && data->pMessage ? data->pMessage : "(no text)";
  std::fprintf(stderr, "keel-bench raw Vulkan validation: %s\n", text);
  std::lock_guard<std::mutex> lock(g_validation_mutex);
  g_last_validation_message = text;
  g_validation_messages.fetch_add(1);
  return VK_FALSE;
}

// Throws when the layer reported anything since the last check.
void CheckValidation() {
  static uint64_t seen = 0;
  uint64_t now = g_validation_messages.load();
  if (now == seen) return;
  uint64_t count = now - seen;
  seen = now;
  std::lock_guard<std::mutex> lock(g_validation_mutex);
  throw Error(Format("raw Vulkan: the validation layer reported %llu message(s); last: %s",
                     static_cast<unsigned long long>(count), g_last_validation_message.c_str()));
}

// 0: off, 1: the validation layer, 2: also synchronization validation.
int ValidationWanted() {
  const char* v = std::getenv("KEEL_BENCH_VULKAN_VALIDATION");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "0") == 0) return 0;
  return std::strcmp(v, "sync") == 0 ? 2 : 1;
}

bool Matches(const Vk& vk, VkPhysicalDevice p, const DeviceId& want, bool by_uuid) {
  auto id = Vs<VkPhysicalDeviceIDProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES);
  auto props = Vs<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &id);
  vk.GetPhysicalDeviceProperties2(p, &props);
  if (by_uuid) return want.has_uuid && std::memcmp(id.deviceUUID, want.uuid, VK_UUID_SIZE) == 0;
  return want.name == props.properties.deviceName;
}

// Opens libvulkan.so.1 and a device: the one matching `want` (by UUID, then
// by name), or the first device when want is null.
void OpenCore(Core* c, const DeviceId* want) {
  Vk& vk = c->vk;
  dlerror();
  void* lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    throw Error(Format("raw Vulkan: cannot open libvulkan.so.1: %s", why ? why : "unknown"));
  }
  vk.GetInstanceProcAddr =
      reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
  if (vk.GetInstanceProcAddr == nullptr) throw Error("raw Vulkan: no vkGetInstanceProcAddr");
#define KB_VK_LOAD(name)                                                                 \
  vk.name = reinterpret_cast<PFN_vk##name>(vk.GetInstanceProcAddr(scope, "vk" #name));   \
  if (vk.name == nullptr) throw Error("raw Vulkan: vk" #name " not found");
  {
    VkInstance scope = VK_NULL_HANDLE;
    KB_VK_GLOBAL(KB_VK_LOAD)
  }
  uint32_t version = 0;
  VK(EnumerateInstanceVersion(&version));
  if (version < VK_API_VERSION_1_2)
    throw Error("raw Vulkan: the Vulkan loader is older than 1.2 (buffer device address)");
  auto app = Vs<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "keel-bench (raw Vulkan)";
  app.apiVersion = VK_API_VERSION_1_2;
  auto ici = Vs<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  ici.pApplicationInfo = &app;
  const int validate = ValidationWanted();
  const char* layer = "VK_LAYER_KHRONOS_validation";
  const char* extension = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  VkValidationFeatureEnableEXT sync = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  auto features = Vs<VkValidationFeaturesEXT>(VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT);
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync;
  if (validate == 2) ici.pNext = &features;
  if (validate) {
    ici.enabledLayerCount = 1;
    ici.ppEnabledLayerNames = &layer;
    ici.enabledExtensionCount = 1;
    ici.ppEnabledExtensionNames = &extension;
  }
  VK(CreateInstance(&ici, nullptr, &c->instance));
  {
    VkInstance scope = c->instance;
    KB_VK_INSTANCE(KB_VK_LOAD)
    if (validate) {
      KB_VK_DEBUG(KB_VK_LOAD)
      auto mci = Vs<VkDebugUtilsMessengerCreateInfoEXT>(
          VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
      mci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                            VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
      mci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                        VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
      mci.pfnUserCallback = OnValidationMessage;
      VK(CreateDebugUtilsMessengerEXT(c->instance, &mci, nullptr, &c->messenger));
    }
  }
  uint32_t count = 0;
  VK(EnumeratePhysicalDevices(c->instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devs(count);
  VK(EnumeratePhysicalDevices(c->instance, &count, devs.data()));
  if (devs.empty()) throw Error("raw Vulkan: no physical device");
  c->phys = devs[0];
  if (want != nullptr && (want->has_uuid || !want->name.empty())) {
    auto it = std::find_if(devs.begin(), devs.end(),
                           [&](VkPhysicalDevice p) { return Matches(vk, p, *want, true); });
    if (it == devs.end())
      it = std::find_if(devs.begin(), devs.end(),
                        [&](VkPhysicalDevice p) { return Matches(vk, p, *want, false); });
    if (it == devs.end())
      throw Error("raw Vulkan: no physical device matches Keel's '" + want->name + "'");
    c->phys = *it;
  }
  auto drv =
      Vs<VkPhysicalDeviceDriverProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES);
  auto props2 =
      Vs<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &drv);
  vk.GetPhysicalDeviceProperties2(c->phys, &props2);
  c->props = props2.properties;
  c->driver = Format("%s %s", drv.driverName, drv.driverInfo);
  vk.GetPhysicalDeviceMemoryProperties(c->phys, &c->mem);
  if (c->props.apiVersion < VK_API_VERSION_1_2)
    throw Error("raw Vulkan: the device supports Vulkan < 1.2");

  uint32_t nfam = 0;
  vk.GetPhysicalDeviceQueueFamilyProperties(c->phys, &nfam, nullptr);
  std::vector<VkQueueFamilyProperties> fams(nfam);
  vk.GetPhysicalDeviceQueueFamilyProperties(c->phys, &nfam, fams.data());
  bool found = false;
  for (uint32_t i = 0; i < nfam && !found; ++i)
    if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) c->family = i, found = true;
  if (!found) throw Error("raw Vulkan: the device has no compute queue");
  c->timestamp_bits = fams[c->family].timestampValidBits;

  // Features the Keel kernel ABI relies on: buffer device address (required),
  // and what the kernels may use when the device has it.
  auto have12 =
      Vs<VkPhysicalDeviceVulkan12Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  auto have = Vs<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &have12);
  vk.GetPhysicalDeviceFeatures2(c->phys, &have);
  if (!have12.bufferDeviceAddress) throw Error("raw Vulkan: no bufferDeviceAddress");
  auto en12 =
      Vs<VkPhysicalDeviceVulkan12Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
  en12.bufferDeviceAddress = VK_TRUE;
  en12.timelineSemaphore = have12.timelineSemaphore;
  auto en = Vs<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &en12);
  en.features.shaderInt64 = have.features.shaderInt64;
  float priority = 1.0f;
  auto qci = Vs<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
  qci.queueFamilyIndex = c->family;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  auto dci = Vs<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &en);
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  VK(CreateDevice(c->phys, &dci, nullptr, &c->device));
  {
#define KB_VK_LOAD_DEVICE(name)                                                              \
  vk.name = reinterpret_cast<PFN_vk##name>(vk.GetDeviceProcAddr(c->device, "vk" #name));    \
  if (vk.name == nullptr) throw Error("raw Vulkan: vk" #name " not found");
    KB_VK_DEVICE(KB_VK_LOAD_DEVICE)
#undef KB_VK_LOAD_DEVICE
  }
#undef KB_VK_LOAD
  vk.GetDeviceQueue(c->device, c->family, 0, &c->queue);
}

// The push-constant block of VecAdd under the Keel ABI: hidden header, then
// (a, b, c, n) at their C offsets. 60 bytes are pushed.
struct VecAddBlock {
  uint32_t grid[3];
  uint32_t reserved0;
  uint32_t block_base[3];
  uint32_t reserved1;
  uint64_t a, b, c;
  int32_t n;
};
constexpr uint32_t kVecAddBlockBytes = 60;
constexpr uint32_t kPushRangeBytes = 64;

struct Buffer {
  VkBuffer buf = VK_NULL_HANDLE;
  VkDeviceMemory mem = VK_NULL_HANDLE;
  VkDeviceAddress addr = 0;
  void* map = nullptr;
  size_t bytes = 0;
};

class VulkanRaw : public Target {
 public:
  VulkanRaw(const Options& opts, const DeviceId& id) {
    OpenCore(&c_, &id);
    Vk& vk = c_.vk;
    describe_ = Format("Vulkan %u.%u.%u direct (%s), %s", VK_API_VERSION_MAJOR(c_.props.apiVersion),
                       VK_API_VERSION_MINOR(c_.props.apiVersion),
                       VK_API_VERSION_PATCH(c_.props.apiVersion), c_.driver.c_str(),
                       c_.props.deviceName);
    max_groups_x_ = c_.props.limits.maxComputeWorkGroupCount[0];
    auto pci = Vs<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
    pci.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    pci.queueFamilyIndex = c_.family;
    VK(CreateCommandPool(c_.device, &pci, nullptr, &pool_));
    auto cai = Vs<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    cai.commandPool = pool_;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    VK(AllocateCommandBuffers(c_.device, &cai, &cmd_));
    auto fci = Vs<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    VK(CreateFence(c_.device, &fci, nullptr, &fence_));
    if (c_.timestamp_bits > 0) {
      auto qpci = Vs<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
      qpci.queryType = VK_QUERY_TYPE_TIMESTAMP;
      qpci.queryCount = 2;
      VK(CreateQueryPool(c_.device, &qpci, nullptr, &queries_));
    }
    Image image = LoadImage(opts, ImageKind::kSpirv);
    module_ = CreateModule(image);
    layout_ = CreateLayout();
    empty_ = CreatePipeline(module_, layout_, "Empty", 32);
    vecadd_ = CreatePipeline(module_, layout_, "VecAdd", 256);
    vecadd_block_ = 256;
  }

  ~VulkanRaw() override {
    Vk& vk = c_.vk;
    if (c_.device == VK_NULL_HANDLE) return;
    vk.DeviceWaitIdle(c_.device);
    for (auto& b : buffers_)
      if (b.buf != VK_NULL_HANDLE) DestroyBuffer(b);
    if (staging_.buf != VK_NULL_HANDLE) DestroyBuffer(staging_);
    for (auto& [block, p] : extra_vecadd_) vk.DestroyPipeline(c_.device, p, nullptr);
    vk.DestroyPipeline(c_.device, empty_, nullptr);
    vk.DestroyPipeline(c_.device, vecadd_, nullptr);
    vk.DestroyPipelineLayout(c_.device, layout_, nullptr);
    vk.DestroyShaderModule(c_.device, module_, nullptr);
    if (queries_ != VK_NULL_HANDLE) vk.DestroyQueryPool(c_.device, queries_, nullptr);
    vk.DestroyFence(c_.device, fence_, nullptr);
    vk.DestroyCommandPool(c_.device, pool_, nullptr);
    vk.DestroyDevice(c_.device, nullptr);
    if (c_.messenger != VK_NULL_HANDLE)
      vk.DestroyDebugUtilsMessengerEXT(c_.instance, c_.messenger, nullptr);
    vk.DestroyInstance(c_.instance, nullptr);
  }

  std::string Describe() const override { return describe_; }

  void LaunchEmpty(int n) override {
    for (int i = 0; i < n; ++i) {
      Begin();
      Barrier();
      Bind(empty_);
      c_.vk.CmdDispatch(cmd_, 1, 1, 1);
    }
  }

  void LaunchVecAdd(int n, ArgMode, const VecAddArgs& a) override {
    // One path for both modes: raw Vulkan has only the push-constant block.
    VkPipeline pipeline = VecAddPipeline(a.block);
    uint32_t groups = static_cast<uint32_t>((static_cast<size_t>(a.n) + a.block - 1) / a.block);
    VecAddBlock block{};
    block.grid[0] = groups;
    block.grid[1] = block.grid[2] = 1;
    block.a = a.a.addr;
    block.b = a.b.addr;
    block.c = a.c.addr;
    block.n = a.n;
    for (int i = 0; i < n; ++i) {
      Begin();
      Barrier();
      Bind(pipeline);
      // Grids over the device's x limit run as several dispatches, each
      // told its first block through the hidden block_base.
      for (uint32_t base = 0; base < groups; base += max_groups_x_) {
        block.block_base[0] = base;
        c_.vk.CmdPushConstants(cmd_, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, kVecAddBlockBytes,
                               &block);
        c_.vk.CmdDispatch(cmd_, std::min(max_groups_x_, groups - base), 1, 1);
      }
    }
  }

  void StreamSync() override { Flush(); }
  void CtxSync() override { Flush(); }

  void EventRecord(int n) override {
    NeedTimestamps();
    for (int i = 0; i < n; ++i) {
      Begin();
      c_.vk.CmdResetQueryPool(cmd_, queries_, 0, 1);
      c_.vk.CmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 0);
    }
  }
  void EventPrepareElapsed() override {
    NeedTimestamps();
    Begin();
    c_.vk.CmdResetQueryPool(cmd_, queries_, 0, 2);
    c_.vk.CmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 0);
    LaunchEmpty(1);
    c_.vk.CmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 1);
    Flush();
  }
  float EventElapsed(int n) override {
    Vk& vk = c_.vk;
    uint64_t t[2] = {};
    uint64_t mask = c_.timestamp_bits >= 64 ? ~0ull : ((1ull << c_.timestamp_bits) - 1);
    float ms = -1;
    for (int i = 0; i < n; ++i) {
      VK(GetQueryPoolResults(c_.device, queries_, 0, 2, sizeof t, t, sizeof t[0],
                             VK_QUERY_RESULT_64_BIT));
      ms = static_cast<float>(static_cast<double>((t[1] - t[0]) & mask) *
                              c_.props.limits.timestampPeriod / 1e6);
    }
    CheckValidation();
    return ms;
  }
  // What a stream is made of: a command pool and buffer, and a timeline
  // semaphore to order and wait on its submissions.
  void StreamCreateDestroy(int n) override {
    Vk& vk = c_.vk;
    for (int i = 0; i < n; ++i) {
      VkCommandPool pool;
      VkCommandBuffer cmd;
      VkSemaphore sem;
      auto pci = Vs<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
      pci.queueFamilyIndex = c_.family;
      VK(CreateCommandPool(c_.device, &pci, nullptr, &pool));
      auto cai = Vs<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
      cai.commandPool = pool;
      cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
      cai.commandBufferCount = 1;
      VK(AllocateCommandBuffers(c_.device, &cai, &cmd));
      auto type = Vs<VkSemaphoreTypeCreateInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO);
      type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
      auto sci = Vs<VkSemaphoreCreateInfo>(VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO, &type);
      VK(CreateSemaphore(c_.device, &sci, nullptr, &sem));
      vk.DestroySemaphore(c_.device, sem, nullptr);
      vk.DestroyCommandPool(c_.device, pool, nullptr);
    }
    CheckValidation();
  }

  DevBuf Alloc(size_t bytes) override {
    Buffer b = MakeBuffer(bytes, false);
    uint64_t handle = Store(b);
    return DevBuf{b.addr, bytes, handle};
  }
  void Free(const DevBuf& d) override {
    Release(d.handle);
    CheckValidation();
  }
  HostBuf HostAlloc(size_t bytes, bool pinned) override {
    HostBuf h;
    h.bytes = bytes;
    h.pinned = pinned;
    if (pinned) {
      Buffer b = MakeBuffer(bytes, true);
      std::memset(b.map, 0, bytes);
      h.ptr = b.map;
      h.handle = Store(b);
    } else {
      h.ptr = PageableAlloc(bytes);
    }
    return h;
  }
  void HostFree(const HostBuf& h) override {
    if (h.pinned) Release(h.handle);
    else PageableFree(h.ptr);
  }

  void HtoD(const DevBuf& d, const HostBuf& h, size_t bytes) override {
    VkBuffer src;
    if (h.pinned) {
      src = buffers_.at(h.handle).buf;
    } else {
      Staging(bytes);
      std::memcpy(staging_.map, h.ptr, bytes);
      src = staging_.buf;
    }
    Copy(src, buffers_.at(d.handle).buf, bytes);
    Flush();
  }
  void DtoH(const HostBuf& h, const DevBuf& d, size_t bytes) override {
    if (h.pinned) {
      Copy(buffers_.at(d.handle).buf, buffers_.at(h.handle).buf, bytes);
      Flush();
    } else {
      Staging(bytes);
      Copy(buffers_.at(d.handle).buf, staging_.buf, bytes);
      Flush();
      std::memcpy(h.ptr, staging_.map, bytes);
    }
  }
  void DtoD(const DevBuf& dst, const DevBuf& src, size_t bytes) override {
    Copy(buffers_.at(src.handle).buf, buffers_.at(dst.handle).buf, bytes);
  }
  void MemsetD32(const DevBuf& d, uint32_t v, size_t count) override {
    Begin();
    Barrier();
    c_.vk.CmdFillBuffer(cmd_, buffers_.at(d.handle).buf, 0, count * 4, v);
  }

  void ModuleLoadRun(const Image& image, int n) override {
    if (image.kind != ImageKind::kSpirv)
      throw Skip(std::string("Vulkan does not load ") + ImageKindName(image.kind));
    Vk& vk = c_.vk;
    for (int i = 0; i < n; ++i) {
      VkShaderModule m = CreateModule(image);
      VkPipelineLayout l = CreateLayout();
      VkPipeline p = CreatePipeline(m, l, "Empty", 32);
      Begin();
      Barrier();
      Bind(p);
      vk.CmdDispatch(cmd_, 1, 1, 1);
      Flush();
      vk.DestroyPipeline(c_.device, p, nullptr);
      vk.DestroyPipelineLayout(c_.device, l, nullptr);
      vk.DestroyShaderModule(c_.device, m, nullptr);
    }
  }

 private:
  void NeedTimestamps() {
    if (queries_ == VK_NULL_HANDLE)
      throw Skip("the compute queue has no timestamps (timestampValidBits 0)");
  }

  void Begin() {
    if (recording_) return;
    auto bi = Vs<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    Vk& vk = c_.vk;
    VK(BeginCommandBuffer(cmd_, &bi));
    recording_ = true;
    bound_ = VK_NULL_HANDLE;
  }

  // In-order: everything before (also in earlier submissions) happens before
  // what follows.
  void Barrier() {
    auto mb = Vs<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    mb.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
    c_.vk.CmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
                             VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &mb, 0, nullptr, 0, nullptr);
  }

  void Bind(VkPipeline p) {
    if (p == bound_) return;
    c_.vk.CmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_COMPUTE, p);
    bound_ = p;
  }

  void Copy(VkBuffer src, VkBuffer dst, size_t bytes) {
    Begin();
    Barrier();
    VkBufferCopy region{0, 0, bytes};
    c_.vk.CmdCopyBuffer(cmd_, src, dst, 1, &region);
  }

  // Submits what was recorded and waits; device writes are made visible to
  // the host (mapped memory) before the fence signals.
  void Flush() {
    if (!recording_) return;
    Vk& vk = c_.vk;
    auto mb = Vs<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
    mb.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vk.CmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                          1, &mb, 0, nullptr, 0, nullptr);
    VK(EndCommandBuffer(cmd_));
    recording_ = false;
    auto si = Vs<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd_;
    VK(QueueSubmit(c_.queue, 1, &si, fence_));
    VK(WaitForFences(c_.device, 1, &fence_, VK_TRUE, UINT64_MAX));
    VK(ResetFences(c_.device, 1, &fence_));
    VK(ResetCommandPool(c_.device, pool_, 0));
    CheckValidation();
  }

  uint32_t MemoryType(uint32_t bits, VkMemoryPropertyFlags want) const {
    for (uint32_t i = 0; i < c_.mem.memoryTypeCount; ++i)
      if ((bits & (1u << i)) && (c_.mem.memoryTypes[i].propertyFlags & want) == want) return i;
    return UINT32_MAX;
  }

  Buffer MakeBuffer(size_t bytes, bool host) {
    Vk& vk = c_.vk;
    Buffer b;
    b.bytes = bytes;
    auto bci = Vs<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    bci.size = bytes;
    bci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (!host)
      bci.usage |= VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VK(CreateBuffer(c_.device, &bci, nullptr, &b.buf));
    VkMemoryRequirements req;
    vk.GetBufferMemoryRequirements(c_.device, b.buf, &req);
    uint32_t type;
    if (host) {
      type = MemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                VK_MEMORY_PROPERTY_HOST_COHERENT_BIT |
                                                VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
      if (type == UINT32_MAX)
        type = MemoryType(req.memoryTypeBits,
                          VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                              VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    } else {
      type = MemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    }
    if (type == UINT32_MAX) {
      vk.DestroyBuffer(c_.device, b.buf, nullptr);
      throw Error("raw Vulkan: no suitable memory type");
    }
    auto flags = Vs<VkMemoryAllocateFlagsInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO);
    flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
    auto mai =
        Vs<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, host ? nullptr : &flags);
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = type;
    VkResult r = vk.AllocateMemory(c_.device, &mai, nullptr, &b.mem);
    if (r != VK_SUCCESS) {
      vk.DestroyBuffer(c_.device, b.buf, nullptr);
      throw Error(Format("raw Vulkan: vkAllocateMemory(%zu bytes): %s", bytes, ResultName(r)));
    }
    VK(BindBufferMemory(c_.device, b.buf, b.mem, 0));
    if (host) {
      VK(MapMemory(c_.device, b.mem, 0, VK_WHOLE_SIZE, 0, &b.map));
    } else {
      auto ai = Vs<VkBufferDeviceAddressInfo>(VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO);
      ai.buffer = b.buf;
      b.addr = vk.GetBufferDeviceAddress(c_.device, &ai);
    }
    return b;
  }

  void DestroyBuffer(Buffer& b) {
    c_.vk.DestroyBuffer(c_.device, b.buf, nullptr);
    c_.vk.FreeMemory(c_.device, b.mem, nullptr);  // unmaps too
    b = Buffer{};
  }

  uint64_t Store(const Buffer& b) {
    if (!free_slots_.empty()) {
      uint64_t slot = free_slots_.back();
      free_slots_.pop_back();
      buffers_[slot] = b;
      return slot;
    }
    buffers_.push_back(b);
    return buffers_.size() - 1;
  }

  void Release(uint64_t slot) {
    DestroyBuffer(buffers_.at(slot));
    free_slots_.push_back(slot);
  }

  void Staging(size_t bytes) {
    if (staging_.bytes >= bytes) return;
    if (staging_.buf != VK_NULL_HANDLE) Flush(), DestroyBuffer(staging_);
    staging_ = MakeBuffer(bytes, true);
  }

  VkShaderModule CreateModule(const Image& image) {
    Vk& vk = c_.vk;
    auto smci = Vs<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    smci.codeSize = image.bytes.size();
    smci.pCode = reinterpret_cast<const uint32_t*>(image.bytes.data());
    VkShaderModule m;
    VK(CreateShaderModule(c_.device, &smci, nullptr, &m));
    return m;
  }

  VkPipelineLayout CreateLayout() {
    Vk& vk = c_.vk;
    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushRangeBytes};
    auto plci = Vs<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    plci.pushConstantRangeCount = 1;
    plci.pPushConstantRanges = &range;
    VkPipelineLayout l;
    VK(CreatePipelineLayout(c_.device, &plci, nullptr, &l));
    return l;
  }

  // Block size (x, 1, 1) and no dynamic shared memory: specialization
  // constants 0..3 of the Keel ABI.
  VkPipeline CreatePipeline(VkShaderModule m, VkPipelineLayout l, const char* entry,
                            uint32_t block_x) {
    Vk& vk = c_.vk;
    uint32_t values[4] = {block_x, 1, 1, 0};
    VkSpecializationMapEntry entries[4];
    for (uint32_t i = 0; i < 4; ++i) entries[i] = {i, i * 4, 4};
    VkSpecializationInfo spec{4, entries, sizeof values, values};
    auto cpci = Vs<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
    cpci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    cpci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    cpci.stage.module = m;
    cpci.stage.pName = entry;
    cpci.stage.pSpecializationInfo = &spec;
    cpci.layout = l;
    VkPipeline p;
    VK(CreateComputePipelines(c_.device, VK_NULL_HANDLE, 1, &cpci, nullptr, &p));
    return p;
  }

  VkPipeline VecAddPipeline(unsigned block) {
    if (block == vecadd_block_) return vecadd_;
    for (auto& [b, p] : extra_vecadd_)
      if (b == block) return p;
    VkPipeline p = CreatePipeline(module_, layout_, "VecAdd", block);
    extra_vecadd_.emplace_back(block, p);
    return p;
  }

  Core c_;
  std::string describe_;
  uint32_t max_groups_x_ = 65535;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer cmd_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipeline empty_ = VK_NULL_HANDLE, vecadd_ = VK_NULL_HANDLE, bound_ = VK_NULL_HANDLE;
  unsigned vecadd_block_ = 0;
  std::vector<std::pair<unsigned, VkPipeline>> extra_vecadd_;
  bool recording_ = false;
  std::vector<Buffer> buffers_;
  std::vector<uint64_t> free_slots_;
  Buffer staging_;
};

}  // namespace

std::unique_ptr<Target> MakeVulkanRawTarget(const Options& opts, const DeviceId& device) {
  return std::make_unique<VulkanRaw>(opts, device);
}

double ColdStartVulkanRaw() {
  double t0 = NowNs();
  Core c;
  OpenCore(&c, nullptr);
  return NowNs() - t0;
}

}  // namespace kb
