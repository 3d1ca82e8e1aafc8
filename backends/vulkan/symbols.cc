#include "vulkan/symbols.h"

namespace keel {
namespace vk {

const char* DeviceFunctions::Load(VkDevice device) {
#define KEEL_VK_LOAD_REQUIRED(name)                                                  \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name)); \
  if (name == nullptr) return #name;
  KEEL_VK_DEVICE_FUNCTIONS(KEEL_VK_LOAD_REQUIRED)
#undef KEEL_VK_LOAD_REQUIRED
#define KEEL_VK_LOAD_OPTIONAL(name) \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name));
  KEEL_VK_DEVICE_OPTIONAL_FUNCTIONS(KEEL_VK_LOAD_OPTIONAL)
#undef KEEL_VK_LOAD_OPTIONAL
  return nullptr;
}

}  // namespace vk
}  // namespace keel
