// The CUresult table covers every code of the toolkit's cuda.h, and the
// messages name the driver call, the CUDA name and number.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/services.h"
#include "cuda/status.h"
#include "fake_services.h"

namespace keel::cuda {
namespace {

// Every (name, value) of the CUresult enum in the cuda.h the backend is built with.
std::vector<std::pair<std::string, int>> CudaHeaderResults() {
  std::ifstream in(KEEL_CUDA_H_PATH);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  size_t begin = all.find("typedef enum cudaError_enum");
  size_t end = all.find("} CUresult;", begin);
  std::vector<std::pair<std::string, int>> out;
  if (begin == std::string::npos || end == std::string::npos) return out;
  std::string body = all.substr(begin, end - begin);
  std::regex entry(R"((CUDA_(?:SUCCESS|ERROR_[A-Z0-9_]+))\s*=\s*(\d+))");
  for (std::sregex_iterator it(body.begin(), body.end(), entry), stop; it != stop; ++it) {
    out.emplace_back((*it)[1].str(), std::stoi((*it)[2].str()));
  }
  return out;
}

TEST(CudaStatus, TableCoversEveryCUresultOfTheToolkit) {
  auto results = CudaHeaderResults();
  ASSERT_GT(results.size(), 90u) << "could not parse the CUresult enum of " << KEEL_CUDA_H_PATH;
  for (const auto& [name, value] : results) {
    EXPECT_TRUE(IsKnownCudaResult(value)) << name << " (" << value << ") is missing from KEEL_CUDA_RESULTS";
    EXPECT_STREQ(CudaErrorName(static_cast<CUresult>(value)), name.c_str());
    if (value != 0) {
      EXPECT_NE(ToKeelResult(static_cast<CUresult>(value)), KL_SUCCESS) << name;
    }
  }
}

TEST(CudaStatus, MapsToTheDocumentedKeelCodes) {
  EXPECT_EQ(ToKeelResult(CUDA_SUCCESS), KL_SUCCESS);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_INVALID_VALUE), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_OUT_OF_MEMORY), KL_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_NO_BINARY_FOR_GPU), KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_INVALID_PTX), KL_ERROR_COMPILE_FAILED);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_UNSUPPORTED_PTX_VERSION), KL_ERROR_UNSUPPORTED_IMAGE_VERSION);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_NOT_FOUND), KL_ERROR_NOT_FOUND);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_NOT_READY), KL_ERROR_NOT_READY);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_ILLEGAL_ADDRESS), KL_ERROR_ILLEGAL_ADDRESS);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES), KL_ERROR_LAUNCH_OUT_OF_RESOURCES);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_LAUNCH_FAILED), KL_ERROR_LAUNCH_FAILED);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED), KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_STUB_LIBRARY), KL_ERROR_NO_DEVICE);
  EXPECT_EQ(ToKeelResult(CUDA_ERROR_NOT_SUPPORTED), KL_ERROR_NOT_SUPPORTED);
  // A code newer than the table: UNKNOWN, never success.
  EXPECT_EQ(ToKeelResult(static_cast<CUresult>(4242)), KL_ERROR_UNKNOWN);
  EXPECT_STREQ(CudaErrorName(static_cast<CUresult>(4242)), "CUDA_ERROR_<unknown>");
}

TEST(CudaStatus, MessageNamesKeelFunctionDriverCallNameAndNumber) {
  SetServices(test::FakeServices(), "cuda");
  EXPECT_EQ(FailCuda(CUDA_ERROR_INVALID_PTX, "klModuleLoadData", "cuModuleLoadDataEx"), KL_ERROR_COMPILE_FAILED);
  // Without a driver there is no cuGetErrorString text; the rest is there.
  EXPECT_EQ(test::t_last_message, "klModuleLoadData: cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX (218)");
  EXPECT_EQ(FailCudaDetail(CUDA_ERROR_NOT_FOUND, KL_ERROR_NOT_FOUND, "klModuleGetFunction", "cuModuleGetFunction",
                           "no kernel named '%s'", "foo"),
            KL_ERROR_NOT_FOUND);
  EXPECT_EQ(test::t_last_message,
            "klModuleGetFunction: cuModuleGetFunction: CUDA_ERROR_NOT_FOUND (500); no kernel named 'foo'");
}

}  // namespace
}  // namespace keel::cuda
