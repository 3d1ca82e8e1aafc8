// Keel module bundles: one file holding several images of the same kernels
// (PTX, cubins, fatbins, Vulkan SPIR-V, OpenCL SPIR-V), each tagged with its
// format and target. docs/bundle-format.md is the specification; this is its
// one implementation: a parser that never trusts the bytes, a writer, and the
// selection a backend runs when klModuleLoad* receives a bundle.
//
// A backend's hook is a few lines (docs/bundle-format.md, "Loading"):
//
//   if (keel::DetectImageFormat(image, size) == keel::ImageFormat::kBundle) {
//     keel::BundleImage chosen;
//     std::string why;
//     KLresult r = keel::SelectBundleImage(image, size, prefs, &chosen, &why);
//     if (r != KL_SUCCESS) return keel::Fail(r, "klModuleLoadData: %s", why.c_str());
//     image = chosen.data;
//     size = chosen.size;
//   }
//
// where `prefs` is plain data: CudaBundlePreferences(major, minor),
// VulkanBundlePreferences(api_major, api_minor) or LevelZeroBundlePreferences().
#ifndef KEEL_BACKENDS_COMMON_BUNDLE_H_
#define KEEL_BACKENDS_COMMON_BUNDLE_H_

#include <keel/keel.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel {

// ---- the format (docs/bundle-format.md) --------------------------------------------------

// Entry formats. The values are part of the file format and never change.
enum class BundleFormat : uint32_t {
  kPtx = 1,          // PTX text; target compute_<NN>[a|f]
  kCubin = 2,        // CUDA ELF; target sm_<NN>[a|f]
  kFatbin = 3,       // CUDA fatbin; target a free label ("cuda")
  kSpirvVulkan = 4,  // SPIR-V for Vulkan (GLCompute); target vulkan<M>.<m>
  kSpirvOpencl = 5,  // SPIR-V for OpenCL / Level Zero (Kernel); target opencl[<M>.<m>]
};

inline constexpr char kBundleMagic[8] = {'K', 'E', 'E', 'L', 'B', 'N', 'D', 'L'};
inline constexpr uint16_t kBundleVersionMajor = 1;
inline constexpr uint16_t kBundleVersionMinor = 0;
inline constexpr size_t kBundleHeaderSize = 32;      // header_size of a 1.0 bundle
inline constexpr size_t kBundleEntrySize = 64;       // entry_size of a 1.0 bundle
inline constexpr size_t kBundleTargetBytes = 32;     // the target field, NUL-padded
inline constexpr size_t kBundleMaxTargetLength = 31;
inline constexpr size_t kBundleMaxEntries = 256;
inline constexpr size_t kBundleMaxHeaderSize = 4096;  // header_size and entry_size limit
inline constexpr uint64_t kBundlePayloadAlignment = 16;
inline constexpr uint64_t kBundleMaxSize = uint64_t{1} << 32;  // 4 GiB

// "ptx", "cubin", "fatbin", "spirv-vulkan", "spirv-opencl"; "format <n>" for a
// value this Keel does not know (bundles of a newer minor version may hold some).
std::string BundleFormatName(BundleFormat format);
// Inverse of BundleFormatName for the five known formats.
bool ParseBundleFormatName(std::string_view name, BundleFormat* format);
// True for the five formats above.
bool IsKnownBundleFormat(BundleFormat format);

// Checks a target string for a format (charset, length, and the grammar of
// the known formats). On failure *why says what is wrong.
bool CheckBundleTarget(BundleFormat format, std::string_view target, std::string* why);

// Checks that a payload is what its format says (PTX text, ELF, fatbin
// magic, SPIR-V with a GLCompute or OpenCL memory model). Never reads past
// data[size-1].
bool CheckBundlePayload(BundleFormat format, const void* data, size_t size, std::string* why);

// ---- parsing --------------------------------------------------------------------------

struct BundleEntry {
  BundleFormat format = BundleFormat::kPtx;  // may be a value this Keel does not know
  std::string target;
  uint64_t offset = 0;                  // from the start of the bundle
  uint64_t size = 0;
  const unsigned char* data = nullptr;  // into the parsed bytes
};

struct Bundle {
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  std::vector<BundleEntry> entries;  // in table order
};

// Parses and checks a whole bundle: header, table, every payload's bounds,
// alignment, overlap and content. On failure returns false with *why set to
// one sentence ("entry 2 (cubin sm_90): payload [4096, 9000) ends past the
// bundle's 8192 bytes"). Never reads outside data[0, size).
bool ParseBundle(const void* data, size_t size, Bundle* bundle, std::string* why);

// "cubin sm_90" for messages.
std::string DescribeBundleEntry(const BundleEntry& entry);

// ---- writing --------------------------------------------------------------------------

struct BundleInput {
  BundleFormat format = BundleFormat::kPtx;
  std::string target;
  std::vector<unsigned char> payload;
};

// Lays out a version 1.0 bundle: header, table in input order, payloads in
// input order at 16-byte aligned offsets (zero padding). Rejects what the
// parser would reject (unknown formats included), with the input's index in
// the message.
bool WriteBundle(const std::vector<BundleInput>& inputs, std::vector<unsigned char>* out,
                 std::string* why);

// ---- selection ------------------------------------------------------------------------

// How a preference rule matches an entry's target.
enum class BundleMatch : uint32_t {
  kAny = 0,         // any target of the format; the first in table order wins
  kExact = 1,       // the target equals the rule's target
  kAtMost = 2,      // "<name><M>.<m>" targets of the same name with version <= the rule's
                    // (vulkan1.1 SPIR-V runs on a vulkan1.3 device); highest wins
  kCudaBinary = 3,  // cubins that run on the rule's sm_<NN>: same major, minor <= (sm_80 on
                    // sm_86), "a" targets only on their exact architecture; highest wins
  kCudaJit = 4,     // PTX the driver can JIT for the rule's compute_<NN>: version <=, "a"
                    // only exact, "f" only within the major; highest wins
};

struct BundleRule {
  BundleFormat format;
  BundleMatch match;
  char target[kBundleTargetBytes];  // the device's target in the format's terms; "" for kAny
};

// A backend's wishes, best first. Plain data: copy it, keep it in a static.
struct BundlePreferences {
  static constexpr size_t kMaxRules = 8;
  BundleRule rules[kMaxRules];
  size_t count;
};

// CUDA device of compute capability major.minor: a cubin that runs on
// sm_<major><minor>, else PTX compute_<NN> <= the device's, else a fatbin.
BundlePreferences CudaBundlePreferences(int major, int minor);
// Vulkan device of API version major.minor: SPIR-V for vulkan<M>.<m> <= it.
BundlePreferences VulkanBundlePreferences(int api_major, int api_minor);
// Level Zero: OpenCL-flavoured SPIR-V of any target.
BundlePreferences LevelZeroBundlePreferences();

// "cubin sm_90 (or an older sm_9x), ptx compute_90 or older, or fatbin".
std::string DescribeBundlePreferences(const BundlePreferences& prefs);

// The chosen image. `data` is 16-byte aligned: it points into the bundle when
// the bundle's own bytes are (payload offsets are multiples of 16), else into
// `storage`, an aligned copy. Move-only, since `data` may point into storage.
struct BundleImage {
  BundleFormat format = BundleFormat::kPtx;
  std::string target;
  size_t index = 0;  // the entry's position in the table
  const void* data = nullptr;
  size_t size = 0;
  std::vector<uint64_t> storage;

  BundleImage() = default;
  BundleImage(BundleImage&&) = default;
  BundleImage& operator=(BundleImage&&) = default;
  BundleImage(const BundleImage&) = delete;
  BundleImage& operator=(const BundleImage&) = delete;
};

// Parses the bundle and picks the entry the first matching rule prefers.
// Returns KL_SUCCESS with *chosen filled; KL_ERROR_INVALID_IMAGE when the
// bundle is malformed (*why says how); KL_ERROR_NO_BINARY_FOR_DEVICE when no
// entry fits (*why lists what the bundle offers and what the device takes:
// "the bundle offers cubin sm_80, ptx compute_90; the device takes cubin sm_75,
// ptx compute_75 or older, or fatbin"). *why starts with "Keel bundle: ".
KLresult SelectBundleImage(const void* data, size_t size, const BundlePreferences& prefs,
                           BundleImage* chosen, std::string* why);

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_BUNDLE_H_
