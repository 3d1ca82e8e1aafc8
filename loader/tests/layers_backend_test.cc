// The validation layer over the real backends (Vulkan on lavapipe or a GPU,
// CUDA on an NVIDIA GPU): planted misuse is reported by name, and correct
// work still runs and computes through the layer.
//
// Each test runs once per real backend built into this tree, or, when
// KEEL_BACKENDS is set in the environment of this program, once per real
// backend it names (KEEL_BACKENDS=cuda on a GPU machine). An instance skips,
// with the reason, only when its backend is not built or finds no device.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::ContainsRegex;

// A real backend: its plugin (empty when not built) and a module image
// holding the conformance kernel vec_add in its format.
struct RealBackend {
  const char* name;
  const char* plugin;
  const char* basic_image;
};

const RealBackend kRealBackends[] = {
    {"vulkan", KEEL_TEST_VULKAN_PLUGIN, KEEL_TEST_KERNELS_DIR "/vulkan/basic.spv"},
    {"cuda", KEEL_TEST_CUDA_PLUGIN, KEEL_TEST_KERNELS_DIR "/cuda/basic.fatbin"},
};

// The backends this run covers: every real one, or those KEEL_BACKENDS names.
std::vector<std::string> SelectedBackends() {
  const char* env = std::getenv("KEEL_BACKENDS");
  std::vector<std::string> out;
  for (const RealBackend& b : kRealBackends) {
    if (env == nullptr || *env == '\0') {
      out.push_back(b.name);
      continue;
    }
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ',');) {
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (item == b.name) {
        out.push_back(b.name);
        break;
      }
    }
  }
  return out;
}

const RealBackend& Find(const std::string& name) {
  for (const RealBackend& b : kRealBackends)
    if (name == b.name) return b;
  std::abort();  // SelectedBackends only yields names of kRealBackends
}

class ValidationOnBackend : public LoaderTest, public ::testing::WithParamInterface<std::string> {
 protected:
  const RealBackend& backend() const { return Find(GetParam()); }
  Env On() const {
    return Env()
        .Path({backend().plugin})
        .Backends(backend().name)
        .Var("KEEL_LAYERS", "validation")
        .Var("KEEL_VALIDATION_REPORT", "@TMP@/report");
  }
  // In the child: klInit and a context on device 0, or a skip.
  void Start() {
    KLresult r = Init();
    if (r == KL_ERROR_NO_DEVICE || r == KL_ERROR_NO_BACKEND) {
      Backend props = Props(backend().name);
      GTEST_SKIP() << "the " << backend().name << " backend has no device here: "
                   << (props.reason.empty() ? LastError() : props.reason);
    }
    ASSERT_EQ(r, KL_SUCCESS) << LastError();
    ASSERT_EQ(klCtxCreate(&ctx_, 0, Device(0)), KL_SUCCESS) << LastError();
  }
  // The child tears its context down: driver objects left to the process
  // exit are reported by LeakSanitizer in the sanitizer builds.
  void TearDown() override {
    if (ctx_ != nullptr) {
      KLcontext current = nullptr;
      klCtxGetCurrent(&current);
      if (current == ctx_) EXPECT_EQ(klCtxDestroy(ctx_), KL_SUCCESS) << LastError();
    }
    LoaderTest::TearDown();
  }
  static KLdeviceptr Alloc(size_t bytes) {
    KLdeviceptr p = 0;
    EXPECT_EQ(klMemAlloc(&p, bytes), KL_SUCCESS) << LastError();
    return p;
  }
  KLcontext ctx_ = nullptr;
};

#define SKIP_UNLESS_BUILT()                                                                  \
  if (std::strlen(backend().plugin) == 0)                                                    \
  GTEST_SKIP() << "the " << backend().name << " backend is not built (see the backend options " \
                  "of the top-level CMakeLists.txt)"

TEST_P(ValidationOnBackend, UseAfterDestroyIsReported) {
  SKIP_UNLESS_BUILT();
  KEEL_CHILD(On());
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  KLstream s = nullptr;
  ASSERT_EQ(klStreamCreate(&s, 0), KL_SUCCESS) << LastError();
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS) << LastError();
  EXPECT_EQ(klStreamSynchronize(s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), ContainsRegex("^klStreamSynchronize: validation: use after destroy: hStream "
                                         "0x[0-9a-f]+ \\(stream #[0-9]+, created by klStreamCreate\\) "
                                         "was destroyed by klStreamDestroy$"));
}

TEST_P(ValidationOnBackend, DoubleFreeIsReported) {
  SKIP_UNLESS_BUILT();
  KEEL_CHILD(On());
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  KLdeviceptr p = Alloc(1024);
  ASSERT_EQ(klMemFree(p), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemFree(p), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), ContainsRegex("^klMemFree: validation: double free: dptr 0x[0-9a-f]+ is device "
                                         "memory 0x[0-9a-f]+ \\(1024 bytes, #[0-9]+, made by klMemAlloc\\) "
                                         "that was freed by klMemFree$"));
}

TEST_P(ValidationOnBackend, OutOfRangeCopyIsReported) {
  SKIP_UNLESS_BUILT();
  KEEL_CHILD(On());
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  KLdeviceptr p = Alloc(4096);
  std::vector<char> host(8192);
  EXPECT_EQ(klMemcpyHtoD(p + 1024, host.data(), 4096), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), ContainsRegex("^klMemcpyHtoD: validation: out of range: dstDevice 0x[0-9a-f]+ "
                                         "\\+ 4096 bytes runs 1024 bytes past the end of device memory "
                                         "0x[0-9a-f]+ \\(4096 bytes, #[0-9]+, made by klMemAlloc\\)$"));
  EXPECT_EQ(klMemcpyHtoD(p, host.data(), 4096), KL_SUCCESS) << LastError();
}

TEST_P(ValidationOnBackend, WrongArgumentSizeIsReportedAndRightLaunchesCompute) {
  SKIP_UNLESS_BUILT();
  KEEL_CHILD(On());
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  std::ifstream in(backend().basic_image, std::ios::binary);
  std::stringstream image;
  image << in.rdbuf();
  const std::string bytes = image.str();
  ASSERT_FALSE(bytes.empty()) << "cannot read " << backend().basic_image;
  KLmodule m = nullptr;
  KLfunction f = nullptr;
  ASSERT_EQ(klModuleLoadData(&m, bytes.data(), bytes.size()), KL_SUCCESS) << LastError();
  ASSERT_EQ(klModuleGetFunction(&f, m, "vec_add"), KL_SUCCESS) << LastError();
  // The layer checks argument sizes against klFuncGetParamInfo; a backend
  // (or driver: CUDA before 12.4) without it gets no such check.
  size_t offset = 0, psize = 0;
  if (klFuncGetParamInfo(f, 0, &offset, &psize) == KL_ERROR_NOT_SUPPORTED) {
    EXPECT_EQ(klModuleUnload(m), KL_SUCCESS) << LastError();
    GTEST_SKIP() << "klFuncGetParamInfo is not supported here: " << LastError();
  }

  // vec_add(const float* a, const float* b, float* c, int n): 28 bytes (32 padded).
  constexpr int n = 64;
  KLdeviceptr a = Alloc(n * 4), b = Alloc(n * 4), c = Alloc(n * 4);
  std::vector<float> ha(n), hb(n), hc(n, -1.0f);
  for (int i = 0; i < n; ++i) ha[i] = float(i), hb[i] = float(2 * i);
  ASSERT_EQ(klMemcpyHtoD(a, ha.data(), n * 4), KL_SUCCESS) << LastError();
  ASSERT_EQ(klMemcpyHtoD(b, hb.data(), n * 4), KL_SUCCESS) << LastError();
  struct {
    KLdeviceptr a, b, c;
    int n;
  } args = {a, b, c, n};
  size_t size = 12;  // planted: three pointers' worth of a four-parameter kernel
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &args, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  EXPECT_EQ(klLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nullptr, nullptr, extra), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), ContainsRegex("^klLaunchKernel: validation: wrong argument size: the extra buffer "
                                         "holds 12 bytes, but f 0x[0-9a-f]+ \\(function #[0-9]+, created by "
                                         "klModuleGetFunction for 'vec_add'\\) takes 4 parameter\\(s\\) in "
                                         "28 to 32 bytes \\(klFuncGetParamInfo\\)$"));
  // The right size is where the last parameter ends (CUDA refuses a buffer
  // larger than the kernel's parameters: LAUNCH_OUT_OF_RESOURCES).
  size_t last_offset = 0, last_size = 0;
  ASSERT_EQ(klFuncGetParamInfo(f, 3, &last_offset, &last_size), KL_SUCCESS) << LastError();
  size = last_offset + last_size;
  ASSERT_EQ(size, size_t{28});
  ASSERT_EQ(klLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nullptr, nullptr, extra), KL_SUCCESS) << LastError();
  ASSERT_EQ(klMemcpyDtoH(hc.data(), c, n * 4), KL_SUCCESS) << LastError();
  for (int i = 0; i < n; ++i) ASSERT_EQ(hc[i], float(3 * i)) << i;
  for (KLdeviceptr p : {a, b, c}) EXPECT_EQ(klMemFree(p), KL_SUCCESS) << LastError();
  ASSERT_EQ(klModuleUnload(m), KL_SUCCESS) << LastError();
  EXPECT_EQ(klLaunchKernel(f, 1, 1, 1, n, 1, 1, 0, nullptr, nullptr, extra), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("use after destroy: f"));
}

TEST_P(ValidationOnBackend, LeakedStreamIsReportedAtContextDestroy) {
  SKIP_UNLESS_BUILT();
  KEEL_CHILD(On());
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  KLstream s = nullptr;
  ASSERT_EQ(klStreamCreate(&s, 0), KL_SUCCESS) << LastError();
  ASSERT_EQ(klCtxDestroy(ctx_), KL_SUCCESS) << LastError();
  ctx_ = nullptr;
  EXPECT_THAT(ReadFile(Tmp("report")),
              ContainsRegex("validation: leak at klCtxDestroy of context 0x[0-9a-f]+: stream 0x[0-9a-f]+ "
                            "\\(stream #[0-9]+, created by klStreamCreate\\) was never destroyed\n    #0 "));
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ValidationOnBackend);
INSTANTIATE_TEST_SUITE_P(Real, ValidationOnBackend, ::testing::ValuesIn(SelectedBackends()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace keel::test
