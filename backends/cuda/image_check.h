// Structural checks of module images before they reach the driver.
//
// cuModuleLoadDataEx takes no size: it trusts the headers inside the image.
// A truncated cubin or fatbin would make the driver read past the caller's
// buffer, so Keel (whose klModuleLoadData does take the size) checks that
// every structure the driver will follow lies inside it.
#ifndef KEEL_BACKENDS_CUDA_IMAGE_CHECK_H_
#define KEEL_BACKENDS_CUDA_IMAGE_CHECK_H_

#include <keel/keel.h>

#include <cstddef>

#include "common/image_format.h"

namespace keel::cuda {

// Detects the format and checks the image. Returns KL_SUCCESS for PTX, an
// intact cubin (ELF64 for EM_CUDA) or an intact fatbin; otherwise
// KL_ERROR_INVALID_IMAGE with a reason in `why` that names the detected
// format ("SPIR-V image: the CUDA backend loads PTX, cubin or fatbin").
// *format receives the detected format in every case.
KLresult CheckCudaImage(const void* image, size_t size, ImageFormat* format, char* why,
                        size_t why_size);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_IMAGE_CHECK_H_
