#include "cuda/image_check.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace keel::cuda {
namespace {

template <typename T>
T Read(const unsigned char* p, size_t offset) {
  T v;
  std::memcpy(&v, p + offset, sizeof v);
  return v;
}

// off + len <= size, without overflow.
bool InBounds(uint64_t off, uint64_t len, size_t size) { return off <= size && len <= size - off; }

constexpr uint16_t kEmCuda = 190;  // e_machine of NVIDIA cubins

KLresult Invalid(char* why, size_t why_size, const char* format_name, const char* detail) {
  std::snprintf(why, why_size, "%s image is malformed or truncated: %s", format_name, detail);
  return KL_ERROR_INVALID_IMAGE;
}

// A cubin is an ELF64 little-endian object for EM_CUDA. The driver follows
// the section and program header tables and every section's offset/size.
KLresult CheckElf(const unsigned char* p, size_t size, char* why, size_t why_size) {
  const char* kName = "cubin (ELF)";
  char detail[160];
  if (size < 64) {
    std::snprintf(detail, sizeof detail, "%zu bytes, shorter than the 64-byte ELF64 header", size);
    return Invalid(why, why_size, kName, detail);
  }
  if (p[4] != 2 || p[5] != 1) {
    std::snprintf(why, why_size,
                  "ELF image of class %u, data encoding %u: not a CUDA cubin (ELF64 little-endian)",
                  p[4], p[5]);
    return KL_ERROR_INVALID_IMAGE;
  }
  uint16_t machine = Read<uint16_t>(p, 18);
  if (machine != kEmCuda) {
    std::snprintf(why, why_size,
                  "ELF image for machine %u: not a CUDA cubin (EM_CUDA is 190; a host object or "
                  "shared library cannot be loaded as a module)",
                  machine);
    return KL_ERROR_INVALID_IMAGE;
  }
  uint64_t phoff = Read<uint64_t>(p, 32), shoff = Read<uint64_t>(p, 40);
  uint16_t phentsize = Read<uint16_t>(p, 54), phnum = Read<uint16_t>(p, 56);
  uint16_t shentsize = Read<uint16_t>(p, 58);
  uint64_t shnum = Read<uint16_t>(p, 60);
  if (shoff != 0) {
    if (shentsize < 64) return Invalid(why, why_size, kName, "section header entries are too small");
    if (!InBounds(shoff, 64, size)) return Invalid(why, why_size, kName, "section header table lies past the end");
    // Extended numbering: a count of 0 means the count is in section 0.
    if (shnum == 0) shnum = Read<uint64_t>(p, shoff + 32);
    if (shnum > size / shentsize || !InBounds(shoff, shnum * shentsize, size)) {
      std::snprintf(detail, sizeof detail, "%llu section headers at offset %llu exceed the %zu-byte image",
                    static_cast<unsigned long long>(shnum), static_cast<unsigned long long>(shoff), size);
      return Invalid(why, why_size, kName, detail);
    }
    for (uint64_t i = 0; i < shnum; ++i) {
      const uint64_t sh = shoff + i * shentsize;
      uint32_t type = Read<uint32_t>(p, sh + 4);
      uint64_t off = Read<uint64_t>(p, sh + 24), len = Read<uint64_t>(p, sh + 32);
      constexpr uint32_t kShtNobits = 8;  // occupies no file space
      if (type != kShtNobits && !InBounds(off, len, size)) {
        std::snprintf(detail, sizeof detail, "section %llu (offset %llu, %llu bytes) exceeds the %zu-byte image",
                      static_cast<unsigned long long>(i), static_cast<unsigned long long>(off),
                      static_cast<unsigned long long>(len), size);
        return Invalid(why, why_size, kName, detail);
      }
    }
  }
  if (phoff != 0 && phnum != 0) {
    if (phentsize < 56 || static_cast<uint64_t>(phnum) * phentsize > size ||
        !InBounds(phoff, static_cast<uint64_t>(phnum) * phentsize, size)) {
      return Invalid(why, why_size, kName, "program header table lies past the end");
    }
    for (uint16_t i = 0; i < phnum; ++i) {
      const uint64_t ph = phoff + static_cast<uint64_t>(i) * phentsize;
      uint64_t off = Read<uint64_t>(p, ph + 8), len = Read<uint64_t>(p, ph + 32);
      if (!InBounds(off, len, size)) {
        std::snprintf(detail, sizeof detail, "segment %u (offset %llu, %llu bytes) exceeds the %zu-byte image", i,
                      static_cast<unsigned long long>(off), static_cast<unsigned long long>(len), size);
        return Invalid(why, why_size, kName, detail);
      }
    }
  }
  if (shoff == 0 && phoff == 0) return Invalid(why, why_size, kName, "no section or program headers");
  return KL_SUCCESS;
}

// A fatbin: a 16-byte header (magic, version, header size, size of the
// entries that follow), then entries, each a header (kind, version, header
// size, payload size, ...) followed by its payload (a cubin or PTX).
KLresult CheckFatbin(const unsigned char* p, size_t size, char* why, size_t why_size) {
  const char* kName = "fatbin";
  char detail[160];
  if (Read<uint32_t>(p, 0) == 0x466243B1u) {
    std::snprintf(why, why_size,
                  "fatbin wrapper image (magic 0x466243B1): it holds a host pointer to the fatbin, "
                  "not the fatbin itself; pass the fatbin (nvcc -fatbin) instead");
    return KL_ERROR_INVALID_IMAGE;
  }
  if (size < 16) return Invalid(why, why_size, kName, "shorter than the 16-byte fatbin header");
  uint16_t header_size = Read<uint16_t>(p, 6);
  uint64_t fat_size = Read<uint64_t>(p, 8);
  if (header_size < 16 || !InBounds(header_size, fat_size, size)) {
    std::snprintf(detail, sizeof detail, "header declares %llu bytes of entries after %u header bytes, image has %zu",
                  static_cast<unsigned long long>(fat_size), header_size, size);
    return Invalid(why, why_size, kName, detail);
  }
  const uint64_t end = header_size + fat_size;
  uint64_t off = header_size;
  int entries = 0;
  while (off < end) {
    if (!InBounds(off, 16, end)) return Invalid(why, why_size, kName, "entry header cut off");
    uint32_t entry_header = Read<uint32_t>(p, off + 4);
    uint64_t payload = Read<uint64_t>(p, off + 8);
    if (entry_header < 16 || !InBounds(off, entry_header, end) || !InBounds(off + entry_header, payload, end)) {
      std::snprintf(detail, sizeof detail, "entry %d at offset %llu (header %u, payload %llu bytes) exceeds the fatbin",
                    entries, static_cast<unsigned long long>(off), entry_header,
                    static_cast<unsigned long long>(payload));
      return Invalid(why, why_size, kName, detail);
    }
    off += entry_header + payload;
    ++entries;
  }
  if (entries == 0) return Invalid(why, why_size, kName, "no entries");
  return KL_SUCCESS;
}

}  // namespace

KLresult CheckCudaImage(const void* image, size_t size, ImageFormat* format, char* why, size_t why_size) {
  why[0] = '\0';
  if (image == nullptr || size == 0) {
    *format = ImageFormat::kUnknown;
    std::snprintf(why, why_size, "empty image (%s)", image == nullptr ? "NULL" : "0 bytes");
    return KL_ERROR_INVALID_IMAGE;
  }
  ImageFormat f = DetectImageFormat(image, size);
  *format = f;
  const auto* p = static_cast<const unsigned char*>(image);
  switch (f) {
    case ImageFormat::kPtx:
      // Text: the JIT compiler reports any error in it with a log.
      return KL_SUCCESS;
    case ImageFormat::kElf:
      return CheckElf(p, size, why, why_size);
    case ImageFormat::kFatbin:
      return CheckFatbin(p, size, why, why_size);
    case ImageFormat::kSpirv:
      std::snprintf(why, why_size,
                    "SPIR-V image: the CUDA backend loads PTX, cubin or fatbin (SPIR-V is for the "
                    "Vulkan and Level Zero backends)");
      return KL_ERROR_INVALID_IMAGE;
    case ImageFormat::kBundle:
      std::snprintf(why, why_size,
                    "Keel bundle image nested in a bundle entry: a bundle entry must be PTX, "
                    "cubin or fatbin");
      return KL_ERROR_INVALID_IMAGE;
    case ImageFormat::kUnknown:
      break;
  }
  std::snprintf(why, why_size,
                "unknown image format (%zu bytes, first bytes %02x %02x %02x %02x): the CUDA backend "
                "loads PTX, cubin or fatbin",
                size, size > 0 ? p[0] : 0, size > 1 ? p[1] : 0, size > 2 ? p[2] : 0, size > 3 ? p[3] : 0);
  return KL_ERROR_INVALID_IMAGE;
}

}  // namespace keel::cuda
