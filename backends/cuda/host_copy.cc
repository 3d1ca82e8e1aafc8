// Settings of the pinned-staging path (host_copy.h).
#include "cuda/host_copy.h"

#include <cstdint>
#include <cstdlib>

#include "common/settings.h"

namespace keel::cuda {

StagingConfig ParseStagingConfig(GetenvFn get, int cpus, WarnSettingFn warn) {
  StagingConfig c;
  c.threads = DefaultCopyThreads(cpus);
  auto bad = [&](const char* name, const char* value) {
    if (warn != nullptr) warn(name, value);
  };
  // The shared parsers (common/settings.h): "0"/"1", decimal digits only.
  if (const char* v = get("KEEL_CUDA_PAGEABLE_STAGING")) {
    if (!ParseSwitch(v, &c.enabled)) bad("KEEL_CUDA_PAGEABLE_STAGING", v);
  }
  ParseHostCopySettings("KEEL_CUDA", get, warn, &c);
  if (const char* v = get("KEEL_CUDA_STAGING_BUFFERS")) {
    uint64_t n = 0;
    if (ParseUnsigned(v, 2, kMaxStagingBuffers, &n)) c.buffers = static_cast<int>(n);
    else bad("KEEL_CUDA_STAGING_BUFFERS", v);
  }
  return c;
}

const StagingConfig& GetStagingConfig() {
  static const StagingConfig config = ParseStagingConfig(
      [](const char* name) -> const char* { return std::getenv(name); }, UsableCpus(), WarnInvalidSetting);
  return config;
}

}  // namespace keel::cuda
