// The parameter lists in cuda_symbols.h match the toolkit's own typedefs
// (cudaTypedefs.h, PFN_cu<name>_v<version>) for the ABI version each names.
// Checked at compile time; the test body only reports that it compiled.
#include <cudaTypedefs.h>
#include <gtest/gtest.h>

#include <type_traits>

#include "cuda/driver.h"

namespace keel::cuda {
namespace {

// Every symbol at or below the floor exists in every toolkit that can build
// the backend (12.0+); newer ones only in newer toolkits.
#define KEEL_CHECK_SIGNATURE(name, version) \
  static_assert(std::is_same_v<fn::PFN_##name, PFN_cu##name##_v##version>, "cu" #name " signature differs");
// Split by need: REQUIRED symbols are at or below the floor by definition.
#define REQUIRED_KEEL_CHECK(name, version) KEEL_CHECK_SIGNATURE(name, version)
#define OPTIONAL_KEEL_CHECK(name, version)
#define KEEL_CHECK_ENTRY(name, version, need, params) need##_KEEL_CHECK(name, version)
KEEL_CUDA_SYMBOLS(KEEL_CHECK_ENTRY)

#if CUDA_VERSION >= 12040
KEEL_CHECK_SIGNATURE(FuncGetParamInfo, 12040)
KEEL_CHECK_SIGNATURE(FuncLoad, 12040)
#endif

TEST(CudaSymbols, SignaturesMatchTheToolkitTypedefs) { SUCCEED() << "checked by static_assert"; }

}  // namespace
}  // namespace keel::cuda
