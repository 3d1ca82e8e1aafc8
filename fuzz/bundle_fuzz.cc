// libFuzzer target for the Keel bundle code (backends/common/bundle.h) and
// DetectImageFormat: whatever the bytes, parsing, selection and format
// detection must not crash or read out of bounds (AddressSanitizer,
// UndefinedBehaviorSanitizer), and these properties must hold:
//   - a parsed bundle's entries lie inside the input and are well-formed;
//   - writing the parsed entries back and parsing the result gives the same
//     entries (for bundles whose formats this Keel knows);
//   - selection succeeds or fails exactly as the parse does, and a chosen
//     image is a byte-exact, 16-byte aligned copy or view of its entry;
//   - the same holds for the bundle at a misaligned address.
// Built by fuzz/CMakeLists.txt with clang -fsanitize=fuzzer,address,undefined;
// fuzz/replay_main.cc runs the same function over the corpus without libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/bundle.h"
#include "common/image_format.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "bundle_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

const keel::BundlePreferences& Prefs(size_t i) {
  static const keel::BundlePreferences kPrefs[] = {
      keel::CudaBundlePreferences(7, 5),  keel::CudaBundlePreferences(8, 6),
      keel::CudaBundlePreferences(9, 0),  keel::CudaBundlePreferences(12, 0),
      keel::VulkanBundlePreferences(1, 2), keel::VulkanBundlePreferences(1, 3),
      keel::LevelZeroBundlePreferences()};
  return kPrefs[i % (sizeof kPrefs / sizeof kPrefs[0])];
}
constexpr size_t kPrefCount = 7;

void SelectAll(const unsigned char* data, size_t size, const keel::Bundle* bundle) {
  for (size_t p = 0; p < kPrefCount; ++p) {
    keel::BundleImage chosen;
    std::string why;
    KLresult r = keel::SelectBundleImage(data, size, Prefs(p), &chosen, &why);
    if (bundle == nullptr) {
      Check(r == KL_ERROR_INVALID_IMAGE && why.rfind("Keel bundle: ", 0) == 0,
            "an unparsable bundle is KL_ERROR_INVALID_IMAGE with a message");
      continue;
    }
    if (r == KL_ERROR_NO_BINARY_FOR_DEVICE) {
      Check(why.find("the bundle offers ") != std::string::npos, "no-binary lists the offer");
      continue;
    }
    Check(r == KL_SUCCESS, "a parsable bundle selects or has no binary");
    Check(chosen.index < bundle->entries.size(), "chosen index in range");
    const keel::BundleEntry& e = bundle->entries[chosen.index];
    Check(chosen.format == e.format && chosen.target == e.target, "chosen entry matches");
    Check(chosen.size == e.size, "chosen size");
    Check(reinterpret_cast<uintptr_t>(chosen.data) % 16 == 0, "chosen image is 16-byte aligned");
    Check(std::memcmp(chosen.data, data + e.offset, chosen.size) == 0, "chosen bytes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keel::ImageFormat format = keel::DetectImageFormat(data, size);
  Check(keel::ImageFormatName(format) != nullptr, "format name");

  keel::Bundle bundle;
  std::string why;
  bool ok = keel::ParseBundle(data, size, &bundle, &why);
  Check(ok == why.empty(), "a failed parse says why, a good one says nothing");
  if (ok) {
    Check(format == keel::ImageFormat::kBundle, "a parsed bundle is detected as one");
    bool all_known = true;
    std::vector<keel::BundleInput> inputs;
    for (const keel::BundleEntry& e : bundle.entries) {
      Check(e.size > 0 && e.offset % 16 == 0 && e.offset <= size && e.size <= size - e.offset,
            "entry inside the bundle");
      Check(e.data == data + e.offset, "entry data points into the input");
      all_known = all_known && keel::IsKnownBundleFormat(e.format);
      keel::BundleInput in;
      in.format = e.format;
      in.target = e.target;
      in.payload.assign(e.data, e.data + e.size);
      inputs.push_back(std::move(in));
    }
    if (all_known) {
      std::vector<unsigned char> rewritten;
      Check(keel::WriteBundle(inputs, &rewritten, &why), "a parsed bundle can be rewritten");
      keel::Bundle again;
      Check(keel::ParseBundle(rewritten.data(), rewritten.size(), &again, &why), "rewritten parses");
      Check(again.entries.size() == bundle.entries.size(), "rewritten entry count");
      for (size_t i = 0; i < again.entries.size(); ++i) {
        const keel::BundleEntry& a = bundle.entries[i];
        const keel::BundleEntry& b = again.entries[i];
        Check(a.format == b.format && a.target == b.target && a.size == b.size &&
                  std::memcmp(a.data, b.data, a.size) == 0,
              "rewritten entry equals the original");
      }
    }
  }
  SelectAll(data, size, ok ? &bundle : nullptr);

  // The same bytes at an odd address: selection copies into aligned storage.
  if (ok && size > 0) {
    std::vector<unsigned char> shifted(size + 1);
    std::memcpy(shifted.data() + 1, data, size);
    keel::Bundle moved;
    Check(keel::ParseBundle(shifted.data() + 1, size, &moved, &why), "misaligned copy parses");
    SelectAll(shifted.data() + 1, size, &moved);
  }
  return 0;
}
