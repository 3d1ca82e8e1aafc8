// Detects the format of a module image from its first bytes. Used by the
// backends to route images and reject foreign ones with a clear message, and
// by the loader to recognise Keel bundles.
#ifndef KEEL_BACKENDS_COMMON_IMAGE_FORMAT_H_
#define KEEL_BACKENDS_COMMON_IMAGE_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace keel {

enum class ImageFormat {
  kUnknown = 0,
  kPtx,     // text starting (after comments/whitespace) with a PTX directive
  kElf,     // ELF object: a cubin
  kFatbin,  // CUDA fatbin (magic 0xBA55ED50) or fatbin wrapper (0x466243B1)
  kSpirv,   // SPIR-V module (magic 0x07230203, either byte order)
  kBundle,  // Keel bundle ("KEELBNDL")
};

// Never reads past image[size-1]. size == 0 or image == nullptr -> kUnknown.
ImageFormat DetectImageFormat(const void* image, size_t size);

// "PTX", "cubin (ELF)", "fatbin", "SPIR-V", "Keel bundle", "unknown".
const char* ImageFormatName(ImageFormat format);

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_IMAGE_FORMAT_H_
