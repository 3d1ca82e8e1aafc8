#include "common/image_format.h"

#include <cstring>

namespace keel {
namespace {

uint32_t ReadU32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// PTX is text whose first non-blank, non-comment token is a directive such as
// ".version" or ".target". Only the first 4 KiB are examined.
bool LooksLikePtx(const unsigned char* p, size_t size) {
  size_t limit = size < 4096 ? size : 4096;
  size_t i = 0;
  while (i < limit) {
    unsigned char c = p[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '/' && i + 1 < limit && p[i + 1] == '/') {
      while (i < limit && p[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < limit && p[i + 1] == '*') {
      i += 2;
      while (i + 1 < limit && !(p[i] == '*' && p[i + 1] == '/')) ++i;
      i += 2;
    } else {
      static const char* const kDirectives[] = {".version", ".target", ".address_size"};
      for (const char* d : kDirectives) {
        size_t n = std::strlen(d);
        if (size - i >= n && std::memcmp(p + i, d, n) == 0) return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

ImageFormat DetectImageFormat(const void* image, size_t size) {
  if (image == nullptr || size == 0) return ImageFormat::kUnknown;
  const auto* p = static_cast<const unsigned char*>(image);
  if (size >= 8 && std::memcmp(p, "KEELBNDL", 8) == 0) return ImageFormat::kBundle;
  if (size >= 4) {
    uint32_t magic = ReadU32(p);
    if (magic == 0x07230203u || magic == 0x03022307u) return ImageFormat::kSpirv;
    if (magic == 0xBA55ED50u || magic == 0x466243B1u) return ImageFormat::kFatbin;
    if (std::memcmp(p, "\x7f" "ELF", 4) == 0) return ImageFormat::kElf;
  }
  if (LooksLikePtx(p, size)) return ImageFormat::kPtx;
  return ImageFormat::kUnknown;
}

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPtx: return "PTX";
    case ImageFormat::kElf: return "cubin (ELF)";
    case ImageFormat::kFatbin: return "fatbin";
    case ImageFormat::kSpirv: return "SPIR-V";
    case ImageFormat::kBundle: return "Keel bundle";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

}  // namespace keel
