// The (backend, device) pairs the suite runs on. Built once after klInit from
// what the loader reports, before gtest generates the parameterized tests.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_TARGETS_H_
#define KEEL_CONFORMANCE_FRAMEWORK_TARGETS_H_

#include <keel/keel.h>

#include <ostream>
#include <string>
#include <vector>

namespace kc {

struct Target {
  std::string backend;     // "cuda", "vulkan", ...
  int backend_index = -1;  // index for klGetBackendProperties
  int ordinal = -1;        // global device ordinal (klDeviceGet); -1 for a placeholder
  int local_index = -1;    // index among the backend's own devices
  KLdevice device = nullptr;
  // Placeholders stand for a backend that is selected but has no device (or
  // failed to load): every test instantiated on one skips with this reason.
  std::string skip_reason;

  bool available() const { return device != nullptr; }
  // Test-name suffix: "vulkan_0", or "cuda_unavailable" for a placeholder.
  std::string Name() const;
};

void PrintTo(const Target& target, std::ostream* os);

// Reads the loader's backends and devices (klInit must have been called,
// successfully or not) and keeps those the options select.
void BuildTargets(KLresult init_result);

const std::vector<Target>& AllTargets();
// The target whose Name() is `name`, or nullptr.
const Target* FindTarget(const std::string& name);
// The result klInit returned in main().
KLresult InitResult();

// Human-readable description of a device target: "llvmpipe (LLVM 15.0.6, 256 bits)".
std::string DeviceName(const Target& target);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_TARGETS_H_
