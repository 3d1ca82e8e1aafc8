// libFuzzer target for module image detection (backends/common/image_format):
// whatever the bytes, DetectImageFormat must not read past the image
// (AddressSanitizer) and must be a function of the bytes it is given:
//   - it always returns one of the known formats, each with a name;
//   - the same bytes at a misaligned address give the same answer;
//   - a format decided by a magic number does not depend on what follows it
//     past the bytes that matter (cut prefixes keep or lose it, never change it
//     to another binary format).
// Built by fuzz/CMakeLists.txt; fuzz/replay_main.cc replays the corpus.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/image_format.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "image_format_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

bool IsBinary(keel::ImageFormat f) {
  return f == keel::ImageFormat::kElf || f == keel::ImageFormat::kFatbin ||
         f == keel::ImageFormat::kSpirv || f == keel::ImageFormat::kBundle;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const keel::ImageFormat f = keel::DetectImageFormat(data, size);
  Check(f == keel::ImageFormat::kUnknown || f == keel::ImageFormat::kPtx || IsBinary(f),
        "a known format");
  const char* name = keel::ImageFormatName(f);
  Check(name != nullptr && *name != '\0', "every format has a name");

  // Misaligned copy (exact size, so reads past the end are caught).
  std::vector<uint8_t> shifted(size + 1);
  if (size) std::memcpy(shifted.data() + 1, data, size);
  Check(keel::DetectImageFormat(size ? shifted.data() + 1 : nullptr, size) == f,
        "alignment does not matter");

  // Prefixes: a binary format of a prefix is the whole image's format.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{7}, size_t{8}, size / 2}) {
    if (cut > size) continue;
    std::vector<uint8_t> prefix(data, data + cut);
    keel::ImageFormat p = keel::DetectImageFormat(cut ? prefix.data() : nullptr, cut);
    if (IsBinary(p)) Check(p == f, "a prefix's binary format is the image's");
  }
  Check(keel::DetectImageFormat(nullptr, size) == keel::ImageFormat::kUnknown, "NULL is unknown");
  return 0;
}
