#include "targets.h"

#include <algorithm>

#include "options.h"

namespace kc {
namespace {

std::vector<Target> g_targets;
KLresult g_init_result = KL_ERROR_NOT_INITIALIZED;

bool Selected(const std::vector<std::string>& wanted, const std::string& name) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end();
}

std::string StatusReason(const KLbackendProperties& props) {
  std::string reason = props.reason;
  if (!reason.empty()) return reason;
  switch (props.status) {
    case KL_BACKEND_STATUS_NO_DEVICES: return "the backend reported no devices";
    case KL_BACKEND_STATUS_NOT_FOUND: return "plugin not found";
    case KL_BACKEND_STATUS_LOAD_FAILED: return "plugin failed to load";
    case KL_BACKEND_STATUS_VERSION_MISMATCH: return "plugin interface version mismatch";
    case KL_BACKEND_STATUS_INIT_FAILED: return "plugin initialization failed";
    default: return "backend unavailable";
  }
}

}  // namespace

std::string Target::Name() const {
  return available() ? backend + "_" + std::to_string(local_index) : backend + "_unavailable";
}

void PrintTo(const Target& target, std::ostream* os) {
  *os << target.Name();
  if (!target.available()) *os << " (" << target.skip_reason << ")";
}

void BuildTargets(KLresult init_result) {
  g_init_result = init_result;
  g_targets.clear();
  const Options& options = GlobalOptions();
  int backend_count = 0;
  if (klGetBackendCount(&backend_count) != KL_SUCCESS) return;

  // Device ordinals follow backend priority; record each device's backend.
  int device_count = 0;
  klDeviceGetCount(&device_count);
  std::vector<std::vector<int>> ordinals_of(static_cast<size_t>(backend_count));
  for (int ordinal = 0; ordinal < device_count; ++ordinal) {
    KLdevice dev = nullptr;
    int backend = -1;
    if (klDeviceGet(&dev, ordinal) != KL_SUCCESS) continue;
    if (klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, dev) != KL_SUCCESS) continue;
    if (backend >= 0 && backend < backend_count) ordinals_of[static_cast<size_t>(backend)].push_back(ordinal);
  }

  for (int b = 0; b < backend_count; ++b) {
    KLbackendProperties props{};
    if (klGetBackendProperties(&props, b) != KL_SUCCESS) continue;
    if (props.status == KL_BACKEND_STATUS_NOT_SELECTED) continue;
    if (!Selected(options.backends, props.name)) continue;
    const std::vector<int>& ordinals = ordinals_of[static_cast<size_t>(b)];
    if (props.status != KL_BACKEND_STATUS_LOADED || ordinals.empty()) {
      Target placeholder;
      placeholder.backend = props.name;
      placeholder.backend_index = b;
      placeholder.skip_reason = StatusReason(props);
      g_targets.push_back(placeholder);
      continue;
    }
    size_t before = g_targets.size();
    for (size_t i = 0; i < ordinals.size(); ++i) {
      int local = static_cast<int>(i);
      if (!options.devices.empty() &&
          std::find(options.devices.begin(), options.devices.end(), local) == options.devices.end())
        continue;
      Target t;
      t.backend = props.name;
      t.backend_index = b;
      t.ordinal = ordinals[i];
      t.local_index = local;
      klDeviceGet(&t.device, t.ordinal);
      g_targets.push_back(t);
    }
    if (g_targets.size() == before) {
      Target placeholder;
      placeholder.backend = props.name;
      placeholder.backend_index = b;
      placeholder.skip_reason = "--device selects none of its " + std::to_string(ordinals.size()) +
                                " device(s)";
      g_targets.push_back(placeholder);
    }
  }
  // A backend named with --backend that the loader never heard of.
  for (const std::string& name : options.backends) {
    bool known = false;
    for (int b = 0; b < backend_count && !known; ++b) {
      KLbackendProperties props{};
      known = klGetBackendProperties(&props, b) == KL_SUCCESS && name == props.name;
    }
    if (known) continue;
    Target placeholder;
    placeholder.backend = name;
    placeholder.skip_reason = "no such backend was found by the loader (see keel-info)";
    g_targets.push_back(placeholder);
  }
}

const std::vector<Target>& AllTargets() { return g_targets; }

const Target* FindTarget(const std::string& name) {
  for (const Target& t : g_targets)
    if (t.Name() == name) return &t;
  return nullptr;
}

KLresult InitResult() { return g_init_result; }

std::string DeviceName(const Target& target) {
  if (!target.available()) return "";
  char name[256] = {0};
  if (klDeviceGetName(name, sizeof name, target.device) != KL_SUCCESS) return "?";
  return name;
}

}  // namespace kc
