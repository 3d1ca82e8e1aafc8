// Fixture of the CUDA backend's GPU tests. They run through libkeel (the real
// loader, KEEL_BACKENDS=cuda) like an application would, and skip with the
// backend's reason when there is no usable NVIDIA driver or device.
#ifndef KEEL_BACKENDS_CUDA_TESTS_GPU_FIXTURE_H_
#define KEEL_BACKENDS_CUDA_TESTS_GPU_FIXTURE_H_

#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace keel::cuda::test {

inline std::string LastError() {
  const char* s = nullptr;
  klGetLastErrorMessage(&s);
  return s != nullptr ? s : "";
}

#define KL_ASSERT_OK(expr) ASSERT_EQ((expr), KL_SUCCESS) << #expr << ": " << ::keel::cuda::test::LastError()
#define KL_EXPECT_OK(expr) EXPECT_EQ((expr), KL_SUCCESS) << #expr << ": " << ::keel::cuda::test::LastError()
// Expects `code` and a last-error message containing `text`.
#define KL_EXPECT_ERROR(expr, code, text)                                                       \
  do {                                                                                          \
    KLresult keel_r_ = (expr);                                                                  \
    std::string keel_m_ = ::keel::cuda::test::LastError();                                      \
    EXPECT_EQ(keel_r_, code) << #expr << ": " << keel_m_;                                       \
    EXPECT_NE(keel_m_.find(text), std::string::npos) << #expr << ": message lacks '" << (text) \
                                                     << "': " << keel_m_;                      \
  } while (0)

inline std::string KernelPath(const std::string& file) { return std::string(KEEL_CUDA_TEST_KERNEL_DIR) + "/" + file; }

inline std::vector<char> ReadKernel(const std::string& file) {
  std::ifstream in(KernelPath(file), std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

class CudaGpuTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static bool done = false;
    if (done) return;
    done = true;
    setenv("KEEL_BACKENDS", "cuda", 0);
    KLresult r = klInit(0);
    int count = 0;
    if (r == KL_SUCCESS) klDeviceGetCount(&count);
    for (int i = 0; i < count && device_ == nullptr; ++i) {
      KLdevice d = nullptr;
      int backend = -1;
      KLbackendProperties props{};
      if (klDeviceGet(&d, i) == KL_SUCCESS && klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, d) == KL_SUCCESS &&
          klGetBackendProperties(&props, backend) == KL_SUCCESS && std::strcmp(props.name, "cuda") == 0) {
        device_ = d;
      }
    }
    if (device_ == nullptr) {
      skip_reason_ = "no CUDA device: " + LastError();
      int backends = 0;
      klGetBackendCount(&backends);
      for (int i = 0; i < backends; ++i) {
        KLbackendProperties props{};
        if (klGetBackendProperties(&props, i) == KL_SUCCESS && std::strcmp(props.name, "cuda") == 0) {
          skip_reason_ = std::string("CUDA backend: ") + props.reason;
        }
      }
    }
  }

  void SetUp() override {
    if (device_ == nullptr) GTEST_SKIP() << skip_reason_;
    KL_ASSERT_OK(klCtxCreate(&ctx_, 0, device_));
  }

  void TearDown() override {
    if (ctx_ != nullptr) {
      KL_EXPECT_OK(klCtxDestroy(ctx_));
    }
  }

  int Attr(KLdevice_attribute a) {
    int v = -1;
    EXPECT_EQ(klDeviceGetAttribute(&v, a, device_), KL_SUCCESS) << LastError();
    return v;
  }

  // sm_XY of the device, as nvcc names it ("90").
  std::string Arch() {
    return std::to_string(Attr(KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)) +
           std::to_string(Attr(KL_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
  }

  KLmodule Load(const std::string& file) {
    KLmodule m = nullptr;
    EXPECT_EQ(klModuleLoad(&m, KernelPath(file).c_str()), KL_SUCCESS) << file << ": " << LastError();
    return m;
  }

  KLfunction Fn(KLmodule m, const char* name) {
    KLfunction f = nullptr;
    EXPECT_EQ(klModuleGetFunction(&f, m, name), KL_SUCCESS) << name << ": " << LastError();
    return f;
  }

  // Allocates n u32 on the device, filled with `poison`.
  KLdeviceptr AllocU32(size_t n, unsigned int poison = 0xDEADBEEFu) {
    KLdeviceptr p = 0;
    EXPECT_EQ(klMemAlloc(&p, n * 4), KL_SUCCESS) << LastError();
    EXPECT_EQ(klMemsetD32(p, poison, n), KL_SUCCESS) << LastError();
    return p;
  }

  std::vector<unsigned int> ReadU32(KLdeviceptr p, size_t n) {
    std::vector<unsigned int> v(n);
    EXPECT_EQ(klMemcpyDtoH(v.data(), p, n * 4), KL_SUCCESS) << LastError();
    return v;
  }

  static inline KLdevice device_ = nullptr;
  static inline std::string skip_reason_;
  KLcontext ctx_ = nullptr;
};

}  // namespace keel::cuda::test

#endif  // KEEL_BACKENDS_CUDA_TESTS_GPU_FIXTURE_H_
