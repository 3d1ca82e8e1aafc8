// PTX ISA versions: of a module (its `.version` directive) and the newest a
// driver accepts, so that "PTX newer than the driver" errors name both.
#ifndef KEEL_BACKENDS_CUDA_PTX_VERSION_H_
#define KEEL_BACKENDS_CUDA_PTX_VERSION_H_

#include <cstddef>

namespace keel::cuda {

struct PtxVersion {
  int major = 0;
  int minor = 0;
};

inline bool operator<(PtxVersion a, PtxVersion b) {
  return a.major != b.major ? a.major < b.major : a.minor < b.minor;
}

// Reads `.version X.Y` from PTX text: the first directive after whitespace and
// comments, as the PTX ISA requires. Never reads past text[size-1]. False if
// the text does not start with a well-formed `.version`.
bool ParsePtxVersion(const char* text, size_t size, PtxVersion* out);

// The newest PTX ISA that a driver implementing `cuda_version`
// (cuDriverGetVersion: 12040 for 12.4) accepts, from NVIDIA's PTX release
// history. False for drivers newer than the table.
bool MaxPtxVersionForDriver(int cuda_version, PtxVersion* out);

// Finds the driver's own statement of its newest version in a JIT log
// ("... Unsupported .version 9.9; current version is '9.0'"). False if absent.
bool ParseJitLogMaxVersion(const char* log, PtxVersion* out);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_PTX_VERSION_H_
