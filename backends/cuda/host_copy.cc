// Settings of the pinned-staging path (host_copy.h).
#include "cuda/host_copy.h"

#include <cstdlib>
#include <cstring>

namespace keel::cuda {

StagingConfig ParseStagingConfig(GetenvFn get, int cpus, WarnSettingFn warn) {
  StagingConfig c;
  c.threads = DefaultCopyThreads(cpus);
  auto bad = [&](const char* name, const char* value) {
    if (warn != nullptr) warn(name, value);
  };
  if (const char* v = get("KEEL_CUDA_PAGEABLE_STAGING")) {
    if (std::strcmp(v, "0") == 0) c.enabled = false;
    else if (std::strcmp(v, "1") != 0) bad("KEEL_CUDA_PAGEABLE_STAGING", v);
  }
  ParseHostCopySettings("KEEL_CUDA", get, warn, &c);
  if (const char* v = get("KEEL_CUDA_STAGING_BUFFERS")) {
    int n = std::atoi(v);
    if (n >= 2 && n <= kMaxStagingBuffers) c.buffers = n;
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
