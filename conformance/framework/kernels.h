// The conformance kernels (conformance/kernels/KERNELS.md) as data, and where
// each backend's compiled images are found at run time.
//
// Kernel directory layout: <dir>/<format>/<module>.<ext>, the same in the
// build tree (freshly compiled), in conformance/kernels/prebuilt (checked in)
// and in <prefix>/share/keel/conformance/kernels (installed). The directory
// is KEEL_CONFORMANCE_KERNEL_DIR when set; otherwise each image is taken from
// the first of build tree, prebuilt, installed that has it.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_KERNELS_H_
#define KEEL_CONFORMANCE_FRAMEWORK_KERNELS_H_

#include <keel/keel.h>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "targets.h"

namespace kc {

struct ParamLayout {
  size_t offset;
  size_t size;
};

// A module of KERNELS.md. Each module needs at most one optional device
// feature, so that a device without it loses only the tests of that feature
// (a driver refuses a whole module when one of its kernels uses a feature it
// lacks).
struct ModuleInfo {
  const char* name;
  // A device attribute that must be nonzero for the module to load
  // (KL_DEVICE_ATTRIBUTE_INVALID when none).
  KLdevice_attribute requires;
};

// Modules in KERNELS.md order.
const std::vector<ModuleInfo>& AllModules();
const ModuleInfo* FindModule(const std::string& name);

struct KernelInfo {
  const char* module;
  const char* name;
  std::vector<ParamLayout> params;  // as KERNELS.md defines them (C layout rules)
  // Its module's requirement (ModuleInfo::requires).
  KLdevice_attribute requires;
};

const std::vector<KernelInfo>& AllKernels();
const KernelInfo* FindKernel(const std::string& name);

// The generated modules many_kernels_<count> (KERNELS.md): kernel_0 ...
// kernel_<count-1>, each (u32* out, u32 n): out[gid] = gid * 3 + index for
// gid < n. Vulkan and Level Zero load built images (ImagePath); CUDA loads
// PTX made here, since cubins of 1000 kernels for five architectures would
// add megabytes of prebuilt files.
inline constexpr unsigned int kManyKernelCounts[] = {1, 10, 100, 1000};
std::string ManyKernelsModule(unsigned int count);
// The module as PTX text for a CUDA target; "" for other formats.
std::string ManyKernelsPtx(const Target& target, unsigned int count);

// One loadable form of a module for a backend: CUDA has "fatbin" (the
// default), "ptx" (IL, JIT-compiled at load) and "cubin" (the device's own
// architecture); Vulkan and Level Zero have "spv".
struct ImageVariant {
  std::string name;  // used in test names
  std::string ext;   // ".fatbin", ".ptx", ".sm_86.cubin", ".spv", ".ze.spv"
  bool il = false;   // an intermediate language the backend compiles at load
};

// Variants the target's backend loads; the first is the default. Empty for a
// backend whose kernel format the suite does not know.
std::vector<ImageVariant> ImageVariants(const Target& target);
// Name of the target's format directory ("cuda", "vulkan", "level_zero"), or "".
std::string FormatDir(const Target& target);

// Full path of a module image, or "" when no directory has it (*searched then
// lists the paths tried). variant "" means the default variant.
std::string ImagePath(const Target& target, const std::string& module,
                      const std::string& variant = "", std::string* searched = nullptr);

// Directories searched, in order (for the report header and messages).
std::vector<std::string> KernelSearchDirs();

// The Link input type of an IL variant (PTX for CUDA); false if the format has none.
bool LinkInputType(const Target& target, KLjitInputType* type);

// An IL image that fails to compile ("" when the format has no compiled IL);
// the load must fail with KL_ERROR_COMPILE_FAILED and a log.
std::string BrokenIL(const Target& target);

// An image in a format this backend does not load (another backend's format).
std::vector<char> ForeignImage(const Target& target);

bool ReadFile(const std::string& path, std::vector<char>* data);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_KERNELS_H_
