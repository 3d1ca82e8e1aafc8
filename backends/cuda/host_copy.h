// The settings of the CUDA backend's pinned-staging path for pageable copies
// (staging.h). The mechanism they drive, the chunk plan and the pool of
// threads that splits each chunk's host memcpy, is shared with the other
// backends: common/parallel_copy.h. These live in keel_cuda_core so the unit
// tests check them without a GPU.
#ifndef KEEL_BACKENDS_CUDA_HOST_COPY_H_
#define KEEL_BACKENDS_CUDA_HOST_COPY_H_

#include <cstddef>

#include "common/parallel_copy.h"

namespace keel::cuda {

// Settings of the staging path, from the environment (read once):
//   KEEL_CUDA_PAGEABLE_STAGING=0          off: every copy goes straight to the driver
//   KEEL_CUDA_STAGING_THRESHOLD=<bytes>   smallest copy that is staged
//   KEEL_CUDA_STAGING_CHUNK=<bytes>       size of one staging buffer
//   KEEL_CUDA_STAGING_BUFFERS=<n>         staging buffers per context (2..8)
//   KEEL_CUDA_STAGING_THREADS=<n>         threads per chunk memcpy, caller included
//   KEEL_CUDA_STAGING_STREAMING=auto|0|1  non-temporal stores in the chunk memcpy
// Byte counts take a K/KiB or M/MiB suffix. Threshold, chunk and threads
// are the shared HostCopySettings (defaults 1 MiB, 8 MiB, DefaultCopyThreads).
struct StagingConfig : HostCopySettings {
  bool enabled = true;
  int buffers = 4;
};

constexpr int kMaxStagingBuffers = 8;

// Parses the settings with `get` standing for getenv (tests pass their own).
// Malformed values keep the default (and are reported through `warn` when
// it is given).
StagingConfig ParseStagingConfig(GetenvFn get, int cpus, WarnSettingFn warn = nullptr);

// The process's settings: ParseStagingConfig(getenv, CPUs in this process's
// affinity mask), computed on first use.
const StagingConfig& GetStagingConfig();

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_HOST_COPY_H_
