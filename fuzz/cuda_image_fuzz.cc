// libFuzzer target for the CUDA backend's host-side image checks
// (backends/cuda/image_check.cc: PTX, cubin and fatbin structure before the
// driver follows their headers) and PTX version parsing
// (backends/cuda/ptx_version.cc). Pure host code: no libcuda. Whatever the
// bytes:
//   - CheckCudaImage never reads past the image; it accepts only PTX, cubin
//     and fatbin, and every refusal is KL_ERROR_INVALID_IMAGE with a reason;
//   - ParsePtxVersion never reads past the text, and a version it reads is
//     the one written after ".version" (major and minor in range);
//   - ParseJitLogMaxVersion and MaxPtxVersionForDriver never crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/image_check.h"
#include "cuda/ptx_version.h"

namespace {

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "cuda_image_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keel::ImageFormat format = keel::ImageFormat::kUnknown;
  char why[512];
  why[0] = '\0';
  KLresult r = keel::cuda::CheckCudaImage(data, size, &format, why, sizeof why);
  Check(format == keel::DetectImageFormat(data, size), "the detected format is reported");
  if (r == KL_SUCCESS) {
    Check(format == keel::ImageFormat::kPtx || format == keel::ImageFormat::kElf ||
              format == keel::ImageFormat::kFatbin,
          "only PTX, cubin and fatbin are accepted");
  } else {
    Check(r == KL_ERROR_INVALID_IMAGE, "a refusal is INVALID_IMAGE");
    Check(why[0] != '\0' && std::memchr(why, '\0', sizeof why) != nullptr, "a refusal says why");
  }

  keel::cuda::PtxVersion v;
  if (keel::cuda::ParsePtxVersion(reinterpret_cast<const char*>(data), size, &v)) {
    Check(v.major >= 0 && v.minor >= 0, "a version read is not negative");
    const void* found = memmem(data, size, ".version", 8);
    Check(found != nullptr, "a version read follows .version");
  }
  // The JIT log reader takes a C string.
  std::string log(reinterpret_cast<const char*>(data), size);
  keel::cuda::PtxVersion from_log;
  (void)keel::cuda::ParseJitLogMaxVersion(log.c_str(), &from_log);
  if (size >= 4) {
    int32_t driver;
    std::memcpy(&driver, data, sizeof driver);
    keel::cuda::PtxVersion max;
    (void)keel::cuda::MaxPtxVersionForDriver(driver, &max);
  }
  return 0;
}
