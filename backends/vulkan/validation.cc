#include "vulkan/validation.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/services.h"

namespace keel {
namespace vk {
namespace {

std::atomic<uint64_t> g_count{0};
// Messages up to this count have failed some call already.
std::atomic<uint64_t> g_reported{0};
std::mutex g_message_mu;
std::string* g_last_message = new std::string();  // never freed: callbacks may run at exit

const KLdispatchTable* g_plain = nullptr;
KLdispatchTable g_checked;

// Fails a call that returned KL_SUCCESS if messages arrived that no call has
// reported; calls that failed anyway keep their own error.
KLresult Check(KLresult result, const char* api) {
  uint64_t count = g_count.load(std::memory_order_acquire);
  uint64_t reported = g_reported.load(std::memory_order_acquire);
  if (count == reported) return result;
  if (!g_reported.compare_exchange_strong(reported, count)) return result;
  if (result != KL_SUCCESS) return result;
  return Fail(KL_ERROR_UNKNOWN, "%s: Vulkan validation layer reported %llu message(s); last: %s",
              api, static_cast<unsigned long long>(count - reported),
              LastValidationMessage().c_str());
}

// One wrapper per slot: calls the plain table's slot through the member
// pointer M, then Check. Generated for every slot by the entry-point list.
template <typename Slot, Slot KLdispatchTable::*M>
struct Checked;
template <typename... Args, KLresult (*KLdispatchTable::*M)(Args...)>
struct Checked<KLresult (*)(Args...), M> {
  static const char* name;
  static KLresult Call(Args... args) { return Check((g_plain->*M)(args...), name); }
};
template <typename... Args, KLresult (*KLdispatchTable::*M)(Args...)>
const char* Checked<KLresult (*)(Args...), M>::name = nullptr;

}  // namespace

ValidationMode GetValidationMode() {
  static const ValidationMode mode = [] {
    const char* env = std::getenv("KEEL_VULKAN_VALIDATION");
    if (env == nullptr || env[0] == '\0' || std::strcmp(env, "0") == 0) return ValidationMode::kOff;
    if (std::strcmp(env, "log") == 0) return ValidationMode::kLog;
    return ValidationMode::kFail;
  }();
  return mode;
}

uint64_t ValidationMessageCount() { return g_count.load(); }

std::string LastValidationMessage() {
  std::lock_guard<std::mutex> lock(g_message_mu);
  return *g_last_message;
}

VKAPI_ATTR VkBool32 VKAPI_CALL ValidationCallback(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  const char* text = data != nullptr && data->pMessage != nullptr ? data->pMessage : "(no text)";
  const char* level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  {
    std::lock_guard<std::mutex> lock(g_message_mu);
    *g_last_message = std::string(level) + ": " + text;
  }
  g_count.fetch_add(1, std::memory_order_release);
  std::fprintf(stderr, "keel-vulkan-validation: %s: %s\n", level, text);
  Log(KL_LOG_ERROR, "validation %s: %s", level, text);
  return VK_FALSE;  // never abort the Vulkan call itself
}

KLresult TakeUnreportedValidationMessages(const char* api) { return Check(KL_SUCCESS, api); }

const KLdispatchTable* MakeCheckedTable(const KLdispatchTable* plain) {
  g_plain = plain;
  g_checked = *plain;
#define KEEL_VK_CHECKED_SLOT(kind, slot, dispatch, params, args)                       \
  if (plain->slot != nullptr) {                                                        \
    using W = Checked<decltype(KLdispatchTable::slot), &KLdispatchTable::slot>;        \
    W::name = #slot;                                                                   \
    g_checked.slot = &W::Call;                                                         \
  }
  KEEL_ENTRY_POINTS(KEEL_VK_CHECKED_SLOT)
#undef KEEL_VK_CHECKED_SLOT
  return &g_checked;
}

}  // namespace vk
}  // namespace keel
