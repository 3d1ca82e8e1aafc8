// Modules (PTX, cubin, fatbin, errors), linking, functions and globals.
#include <cstdint>
#include <regex>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

using CudaModule = CudaGpuTest;
using CudaLink = CudaGpuTest;
using CudaFunction = CudaGpuTest;

// Loads, then runs fill_u32 to prove the module works.
void ExpectRuns(CudaGpuTest* t, KLmodule m) {
  KLfunction f = nullptr;
  ASSERT_EQ(klModuleGetFunction(&f, m, "fill_u32"), KL_SUCCESS) << LastError();
  KLdeviceptr out = 0;
  KL_ASSERT_OK(klMemAlloc(&out, 64 * 4));
  unsigned int value = 0x1234, n = 64;
  void* params[] = {&out, &value, &n};
  KL_ASSERT_OK(klLaunchKernel(f, 1, 1, 1, 64, 1, 1, 0, nullptr, params, nullptr));
  std::vector<unsigned int> host(64);
  KL_ASSERT_OK(klMemcpyDtoH(host.data(), out, 256));
  for (unsigned int v : host) ASSERT_EQ(v, 0x1234u);
  KL_EXPECT_OK(klMemFree(out));
  (void)t;
}

TEST_F(CudaModule, LoadsPtxFromFileAndMemoryWithOrWithoutTheNul) {
  KLmodule m = Load("smoke.ptx");
  ASSERT_NE(m, nullptr);
  ExpectRuns(this, m);
  KL_EXPECT_OK(klModuleUnload(m));
  std::vector<char> ptx = ReadKernel("smoke.ptx");
  ASSERT_FALSE(ptx.empty());
  KL_ASSERT_OK(klModuleLoadData(&m, ptx.data(), ptx.size()));  // no NUL in size
  ExpectRuns(this, m);
  KL_EXPECT_OK(klModuleUnload(m));
  ptx.push_back('\0');
  KL_ASSERT_OK(klModuleLoadData(&m, ptx.data(), ptx.size()));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaModule, LoadsCubinAndFatbin) {
  std::vector<char> fatbin = ReadKernel("smoke.fatbin");
  KLmodule m = nullptr;
  KL_ASSERT_OK(klModuleLoadData(&m, fatbin.data(), fatbin.size()));
  ExpectRuns(this, m);
  KL_EXPECT_OK(klModuleUnload(m));
  if (Arch() != KEEL_CUDA_TEST_SM) GTEST_SKIP() << "smoke.cubin is sm_" KEEL_CUDA_TEST_SM ", the device sm_" << Arch();
  m = Load("smoke.cubin");
  ExpectRuns(this, m);
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaModule, CubinForAnotherArchitectureHasNoBinaryForDevice) {
  if (Arch() == "75") GTEST_SKIP() << "the device is sm_75";
  KLmodule m = nullptr;
  KL_EXPECT_ERROR(klModuleLoad(&m, KernelPath("smoke_sm75.cubin").c_str()), KL_ERROR_NO_BINARY_FOR_DEVICE,
                  "CUDA_ERROR_NO_BINARY_FOR_GPU (209)");
  EXPECT_EQ(m, nullptr);
}

TEST_F(CudaModule, PtxNewerThanTheDriverNamesBothVersions) {
  std::vector<char> file = ReadKernel("smoke.ptx");
  std::string ptx(file.begin(), file.end());
  std::smatch match;
  ASSERT_TRUE(std::regex_search(ptx, match, std::regex(R"(\.version \d+\.\d+)")));
  ptx.replace(static_cast<size_t>(match.position(0)), static_cast<size_t>(match.length(0)), ".version 99.9");
  KLmodule m = nullptr;
  KLresult r = klModuleLoadData(&m, ptx.data(), ptx.size());
  std::string message = LastError();
  EXPECT_EQ(r, KL_ERROR_UNSUPPORTED_IMAGE_VERSION) << message;
  EXPECT_NE(message.find("module PTX ISA 99.9"), std::string::npos) << message;
  EXPECT_TRUE(std::regex_search(message, std::regex(R"(supports PTX ISA up to \d+\.\d+)"))) << message;
  EXPECT_NE(message.find("klModuleLoadData: cuModuleLoadDataEx: CUDA_ERROR_"), std::string::npos) << message;
  std::printf("[ message  ] %s\n", message.c_str());
}

TEST_F(CudaModule, JitErrorCarriesTheLogInTheMessageAndTheCallersBuffer) {
  const char bad[] =
      ".version 7.5\n.target sm_75\n.address_size 64\n"
      ".visible .entry broken(.param .u64 p)\n{\n  .reg .b32 %r<2>;\n  mov.u32 %r1, %undefined_register;\n  ret;\n}\n";
  char error_log[4096] = "";
  char info_log[4096] = "";
  KLjit_option keys[] = {KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, KL_JIT_INFO_LOG_BUFFER,
                         KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {error_log, reinterpret_cast<void*>(uintptr_t{sizeof error_log}), info_log,
                    reinterpret_cast<void*>(uintptr_t{sizeof info_log})};
  KLmodule m = nullptr;
  KLresult r = klModuleLoadDataEx(&m, bad, sizeof bad - 1, 4, keys, values);
  std::string message = LastError();
  EXPECT_EQ(r, KL_ERROR_COMPILE_FAILED) << message;
  EXPECT_NE(message.find("CUDA_ERROR_INVALID_PTX (218)"), std::string::npos) << message;
  EXPECT_NE(message.find("JIT log: "), std::string::npos) << message;
  EXPECT_NE(message.find("error"), std::string::npos) << message;
  EXPECT_NE(std::string(error_log).find("error"), std::string::npos) << error_log;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(values[1]), std::strlen(error_log) + 1);
  std::printf("[ message  ] %s\n", message.c_str());
}

TEST_F(CudaModule, RejectsForeignTruncatedAndMissingImages) {
  KLmodule m = nullptr;
  const uint32_t spirv[8] = {0x07230203u, 0x00010300u, 0, 16, 0, 0, 0, 0};
  KL_EXPECT_ERROR(klModuleLoadData(&m, spirv, sizeof spirv), KL_ERROR_INVALID_IMAGE, "SPIR-V");
  const char garbage[] = "\x13\x37garbage that is no image";
  KL_EXPECT_ERROR(klModuleLoadData(&m, garbage, sizeof garbage), KL_ERROR_INVALID_IMAGE, "unknown image format");
  std::vector<char> fatbin = ReadKernel("smoke.fatbin");
  KL_EXPECT_ERROR(klModuleLoadData(&m, fatbin.data(), fatbin.size() / 2), KL_ERROR_INVALID_IMAGE, "truncated");
  std::vector<char> cubin = ReadKernel("smoke_sm75.cubin");
  KL_EXPECT_ERROR(klModuleLoadData(&m, cubin.data(), cubin.size() - 1), KL_ERROR_INVALID_IMAGE, "cubin");
  KL_EXPECT_ERROR(klModuleLoadData(&m, fatbin.data(), 0), KL_ERROR_INVALID_IMAGE, "empty");
  KL_EXPECT_ERROR(klModuleLoadData(&m, nullptr, 10), KL_ERROR_INVALID_VALUE, "image is NULL");
  KL_EXPECT_ERROR(klModuleLoad(&m, "/nonexistent/kernel.ptx"), KL_ERROR_FILE_NOT_FOUND, "/nonexistent/kernel.ptx");
  KL_EXPECT_ERROR(klModuleLoad(&m, "/"), KL_ERROR_FILE_NOT_FOUND, "not a regular file");
  EXPECT_EQ(m, nullptr);
}

TEST_F(CudaModule, FunctionsAndGlobals) {
  KLmodule m = Load("smoke.ptx");
  KLfunction f1 = Fn(m, "vec_add"), f2 = Fn(m, "vec_add");
  EXPECT_EQ(f1, f2);  // one handle per name
  KLfunction missing = nullptr;
  KL_EXPECT_ERROR(klModuleGetFunction(&missing, m, "no_such_kernel"), KL_ERROR_NOT_FOUND, "no_such_kernel");
  KLdeviceptr g = 0;
  size_t bytes = 0;
  KL_ASSERT_OK(klModuleGetGlobal(&g, &bytes, m, "g_values"));
  EXPECT_EQ(bytes, 64u);
  KL_EXPECT_OK(klModuleGetGlobal(nullptr, nullptr, m, "g_values"));
  KL_EXPECT_ERROR(klModuleGetGlobal(&g, &bytes, m, "no_such_global"), KL_ERROR_NOT_FOUND, "no_such_global");
  ASSERT_NE(g, 0u);
  std::vector<unsigned int> values(16);
  KL_ASSERT_OK(klMemcpyDtoH(values.data(), g, 64));
  for (unsigned int i = 0; i < 16; ++i) EXPECT_EQ(values[i], i);
  for (auto& v : values) v += 100;
  KL_ASSERT_OK(klMemcpyHtoD(g, values.data(), 64));
  KLdeviceptr out = AllocU32(16);
  void* params[] = {&out};
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "read_globals"), 1, 1, 1, 16, 1, 1, 0, nullptr, params, nullptr));
  auto read = ReadU32(out, 16);
  for (unsigned int i = 0; i < 16; ++i) EXPECT_EQ(read[i], (i + 100) * 2);
  void* native = nullptr;
  KL_EXPECT_OK(klModuleGetNativeHandle(&native, m));
  EXPECT_NE(native, nullptr);
  KL_EXPECT_OK(klFuncGetNativeHandle(&native, f1));
  EXPECT_NE(native, nullptr);
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLink, LinksTwoPtxImagesIntoOneModule) {
  std::vector<char> a = ReadKernel("link_a.ptx"), b = ReadKernel("link_b.ptx");
  char info[2048] = "", error[2048] = "";
  KLjit_option keys[] = {KL_JIT_INFO_LOG_BUFFER, KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES, KL_JIT_ERROR_LOG_BUFFER,
                         KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {info, reinterpret_cast<void*>(uintptr_t{sizeof info}), error,
                    reinterpret_cast<void*>(uintptr_t{sizeof error})};
  KLlinkState link = nullptr;
  KL_ASSERT_OK(klLinkCreate(4, keys, values, &link));
  KL_ASSERT_OK(klLinkAddData(link, KL_JIT_INPUT_PTX, a.data(), a.size(), "link_a.ptx", 0, nullptr, nullptr));
  KL_ASSERT_OK(klLinkAddData(link, KL_JIT_INPUT_PTX, b.data(), b.size(), "link_b.ptx", 0, nullptr, nullptr));
  void* image = nullptr;
  size_t size = 0;
  KL_ASSERT_OK(klLinkComplete(link, &image, &size));
  ASSERT_GT(size, 0u);
  KLmodule m = nullptr;
  KL_ASSERT_OK(klModuleLoadData(&m, image, size));
  KL_EXPECT_OK(klLinkDestroy(link));
  KLdeviceptr out = AllocU32(1);
  void* params[] = {&out};
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "use_helper"), 1, 1, 1, 1, 1, 1, 0, nullptr, params, nullptr));
  EXPECT_EQ(ReadU32(out, 1)[0], 42u);
  KL_EXPECT_OK(klMemFree(out));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaLink, UndefinedSymbolFailsWithTheLinkerLog) {
  std::vector<char> a = ReadKernel("link_a.ptx");
  KLlinkState link = nullptr;
  KL_ASSERT_OK(klLinkCreate(0, nullptr, nullptr, &link));
  KL_ASSERT_OK(klLinkAddData(link, KL_JIT_INPUT_PTX, a.data(), a.size(), "link_a.ptx", 0, nullptr, nullptr));
  void* image = nullptr;
  size_t size = 0;
  KLresult r = klLinkComplete(link, &image, &size);
  std::string message = LastError();
  EXPECT_EQ(r, KL_ERROR_COMPILE_FAILED) << message;
  EXPECT_NE(message.find("klLinkComplete: cuLinkComplete: CUDA_ERROR_"), std::string::npos) << message;
  EXPECT_NE(message.find("helper"), std::string::npos) << message;
  std::printf("[ message  ] %s (%d)\n", message.c_str(), static_cast<int>(r));
  KL_EXPECT_ERROR(klLinkAddData(link, static_cast<KLjitInputType>(42), a.data(), a.size(), nullptr, 0, nullptr,
                                nullptr),
                  KL_ERROR_INVALID_VALUE, "KLjitInputType");
  KL_EXPECT_OK(klLinkDestroy(link));
  KL_EXPECT_ERROR(klLinkCreate(0, nullptr, nullptr, nullptr), KL_ERROR_INVALID_VALUE, "stateOut");
}

TEST_F(CudaFunction, AttributesAndParameterInfo) {
  KLmodule m = Load("smoke.ptx");
  int v = 0;
  KL_ASSERT_OK(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, Fn(m, "bounded")));
  EXPECT_EQ(v, 128);
  KL_ASSERT_OK(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_PTX_VERSION, Fn(m, "vec_add")));
  EXPECT_GE(v, 75);
  KL_ASSERT_OK(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, Fn(m, "dynamic_shared")));
  EXPECT_EQ(v, 48 * 1024);
  KL_EXPECT_ERROR(klFuncGetAttribute(&v, static_cast<KLfunction_attribute>(77), Fn(m, "vec_add")),
                  KL_ERROR_INVALID_VALUE, "not a KLfunction_attribute");
  KL_EXPECT_ERROR(klFuncSetAttribute(Fn(m, "vec_add"), KL_FUNC_ATTRIBUTE_NUM_REGS, 3), KL_ERROR_INVALID_VALUE,
                  "not settable");
  KL_EXPECT_ERROR(klFuncSetAttribute(Fn(m, "vec_add"), KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1 << 30),
                  KL_ERROR_INVALID_VALUE, "outside");
  size_t count = 0, offset = 0, size = 0;
  KLresult r = klFuncGetParamCount(Fn(m, "args_mixed"), &count);
  if (r == KL_ERROR_NOT_SUPPORTED) GTEST_SKIP() << LastError();
  ASSERT_EQ(r, KL_SUCCESS) << LastError();
  EXPECT_EQ(count, 3u);
  const size_t offsets[] = {0, 8, 16}, sizes[] = {1, 8, 8};
  for (size_t i = 0; i < 3; ++i) {
    KL_ASSERT_OK(klFuncGetParamInfo(Fn(m, "args_mixed"), i, &offset, &size));
    EXPECT_EQ(offset, offsets[i]) << i;
    EXPECT_EQ(size, sizes[i]) << i;
  }
  KL_EXPECT_ERROR(klFuncGetParamInfo(Fn(m, "args_mixed"), 3, &offset, &size), KL_ERROR_INVALID_VALUE, "out of range");
  KL_ASSERT_OK(klFuncGetParamCount(Fn(m, "empty"), &count));
  EXPECT_EQ(count, 0u);
  KL_EXPECT_OK(klModuleUnload(m));
}

}  // namespace
}  // namespace keel::cuda::test
