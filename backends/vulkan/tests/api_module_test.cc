// Module loading and function reflection on the Vulkan backend: valid SPIR-V
// loads, anything else fails with KL_ERROR_INVALID_IMAGE and a message before
// the driver sees it.
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <keel/keel_vulkan.h>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using ModuleTest = VulkanTest;

std::vector<char> FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(ModuleTest, LoadsFromFileAndMemory) {
  std::vector<char> image = FileBytes(KernelPath("basic"));
  ASSERT_FALSE(image.empty());
  KLmodule m = nullptr;
  KL_ASSERT(klModuleLoadData(&m, image.data(), image.size()));
  KLfunction f = nullptr;
  KL_EXPECT(klModuleGetFunction(&f, m, "vec_add"));
  EXPECT_EQ(klModuleGetFunction(&f, m, "VecAdd"), KL_ERROR_NOT_FOUND);
  EXPECT_NE(LastError().find("VecAdd"), std::string::npos);
  void* native = nullptr;
  KL_EXPECT(klModuleGetNativeHandle(&native, m));
  EXPECT_NE(native, nullptr);
  KL_EXPECT(klModuleUnload(m));
  // An unaligned copy of the image loads too.
  std::vector<char> shifted(image.size() + 1);
  std::memcpy(shifted.data() + 1, image.data(), image.size());
  KL_ASSERT(klModuleLoadData(&m, shifted.data() + 1, image.size()));
  KL_EXPECT(klModuleUnload(m));
  EXPECT_EQ(klModuleLoad(&m, "/nonexistent/keel.spv"), KL_ERROR_FILE_NOT_FOUND);
  EXPECT_NE(LastError().find("/nonexistent/keel.spv"), std::string::npos);
}

TEST_F(ModuleTest, RejectsGarbageTruncatedAndForeignImages) {
  std::vector<char> image = FileBytes(KernelPath("args"));
  KLmodule m = nullptr;
  const char garbage[] = "this is not a module at all....";
  EXPECT_EQ(klModuleLoadData(&m, garbage, 32), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(LastError().find("not SPIR-V"), std::string::npos) << LastError();
  EXPECT_EQ(klModuleLoadData(&m, image.data(), 0), KL_ERROR_INVALID_IMAGE);
  for (size_t n : {size_t{3}, size_t{19}, image.size() / 2, image.size() - 4, image.size() - 1}) {
    EXPECT_EQ(klModuleLoadData(&m, image.data(), n), KL_ERROR_INVALID_IMAGE) << n;
    EXPECT_FALSE(LastError().empty());
  }
  const char ptx[] = "// generated\n.version 8.0\n.target sm_80\n.address_size 64\n";
  EXPECT_EQ(klModuleLoadData(&m, ptx, sizeof ptx), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(LastError().find("PTX"), std::string::npos) << LastError();
  const char elf[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
  EXPECT_EQ(klModuleLoadData(&m, elf, sizeof elf), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(LastError().find("cubin"), std::string::npos) << LastError();
  // Random bit flips in the header are caught.
  std::vector<char> bad = image;
  bad[12] = bad[13] = bad[14] = bad[15] = 0;  // id bound 0
  EXPECT_EQ(klModuleLoadData(&m, bad.data(), bad.size()), KL_ERROR_INVALID_IMAGE);
}

// OpenCL-flavoured SPIR-V (Level Zero's format) is named as such.
TEST_F(ModuleTest, RejectsOpenClSpirv) {
  // OpCapability Addresses, Kernel; OpMemoryModel Physical64 OpenCL;
  // OpEntryPoint Kernel %3 "k"; void function %3.
  const uint32_t words[] = {
      0x07230203u, 0x00010000u, 0u, 5u, 0u,
      (2u << 16) | 17u, 4u,          // OpCapability Addresses
      (2u << 16) | 17u, 6u,          // OpCapability Kernel
      (3u << 16) | 14u, 2u, 2u,      // OpMemoryModel Physical64 OpenCL
      (4u << 16) | 15u, 6u, 3u, 0x6bu,  // OpEntryPoint Kernel %3 "k"
      (2u << 16) | 19u, 1u,          // %1 = OpTypeVoid
      (3u << 16) | 33u, 2u, 1u,      // %2 = OpTypeFunction %1
      (5u << 16) | 54u, 1u, 3u, 0u, 2u,  // %3 = OpFunction %1 None %2
      (2u << 16) | 248u, 4u,         // %4 = OpLabel
      (1u << 16) | 253u,             // OpReturn
      (1u << 16) | 56u,              // OpFunctionEnd
  };
  KLmodule m = nullptr;
  EXPECT_EQ(klModuleLoadData(&m, words, sizeof words), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(LastError().find("OpenCL"), std::string::npos) << LastError();
}

#ifdef KEEL_TEST_BUNDLES
TEST_F(ModuleTest, TakesTheVulkanImageOfABundle) {
  KLmodule m = nullptr;
  KL_ASSERT(klModuleLoad(&m, (std::string(KEEL_TEST_KERNEL_DIR) + "/basic.keelbundle").c_str()));
  KLfunction f = nullptr;
  KL_EXPECT(klModuleGetFunction(&f, m, "write_index"));
  KLdeviceptr out = Alloc(64 * 4);
  uint32_t n = 64;
  void* args[] = {&out, &n};
  KL_ASSERT(klLaunchKernel(f, 2, 1, 1, 32, 1, 1, 0, nullptr, args, nullptr));
  std::vector<uint32_t> h = Read<uint32_t>(out, 64);
  for (uint32_t i = 0; i < 64; ++i) ASSERT_EQ(h[i], i);
  KL_EXPECT(klModuleUnload(m));
  EXPECT_EQ(klModuleLoad(&m, (std::string(KEEL_TEST_KERNEL_DIR) + "/ptx_only.keelbundle").c_str()),
            KL_ERROR_NO_BINARY_FOR_DEVICE);
  EXPECT_NE(LastError().find("ptx"), std::string::npos) << LastError();
}
#endif

TEST_F(ModuleTest, LoadDataExFillsLogsAndChecksOptions) {
  std::vector<char> image = FileBytes(KernelPath("basic"));
  KLmodule m = nullptr;
  char error_log[512];
  char info_log[64];
  KLjit_option options[] = {KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            KL_JIT_INFO_LOG_BUFFER, KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            KL_JIT_WALL_TIME};
  void* values[] = {error_log, reinterpret_cast<void*>(sizeof error_log), info_log,
                    reinterpret_cast<void*>(sizeof info_log), nullptr};
  EXPECT_EQ(klModuleLoadDataEx(&m, image.data(), image.size() - 8, 5, options, values),
            KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(std::string(error_log).find("SPIR-V"), std::string::npos) << error_log;
  EXPECT_GT(reinterpret_cast<size_t>(values[1]), 1u);
  values[1] = reinterpret_cast<void*>(sizeof error_log);
  values[3] = reinterpret_cast<void*>(sizeof info_log);
  KL_ASSERT(klModuleLoadDataEx(&m, image.data(), image.size(), 5, options, values));
  EXPECT_STREQ(error_log, "");
  KL_EXPECT(klModuleUnload(m));
  KLjit_option unknown[] = {static_cast<KLjit_option>(99)};
  void* unknown_values[] = {nullptr};
  EXPECT_EQ(klModuleLoadDataEx(&m, image.data(), image.size(), 1, unknown, unknown_values),
            KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klModuleLoadDataEx(&m, image.data(), image.size(), 1, nullptr, nullptr),
            KL_ERROR_INVALID_VALUE);
}

TEST_F(ModuleTest, ParameterInfoIsReflected) {
  KLfunction f = Function("args", "many_args_64");
  size_t count = 0;
  KL_ASSERT(klFuncGetParamCount(f, &count));
  EXPECT_EQ(count, 64u);
  size_t offset = 0, size = 0;
  KL_EXPECT(klFuncGetParamInfo(f, 0, &offset, &size));
  EXPECT_EQ(offset, 0u);
  EXPECT_EQ(size, 8u);
  KL_EXPECT(klFuncGetParamInfo(f, 63, &offset, &size));
  EXPECT_EQ(offset, 256u);
  EXPECT_EQ(size, 4u);
  EXPECT_EQ(klFuncGetParamInfo(f, 64, &offset, &size), KL_ERROR_INVALID_VALUE);
  KLfunction s16 = Function("args", "struct_arg_16");
  KL_EXPECT(klFuncGetParamInfo(s16, 1, &offset, &size));
  EXPECT_EQ(offset, 16u);
  void* native = nullptr;
  KL_ASSERT(klFuncGetNativeHandle(&native, f));
  const auto* info = static_cast<const KLvulkanFunctionInfo*>(native);
  EXPECT_EQ(info->structSize, sizeof(KLvulkanFunctionInfo));
  EXPECT_STREQ(info->entryPoint, "many_args_64");
  EXPECT_EQ(info->argumentBlockBytes, 292u);
  EXPECT_EQ(info->argsInBuffer, 1u);  // over the push-constant limit of every device Keel knows
  EXPECT_NE(info->shaderModule, 0u);
}

TEST_F(ModuleTest, FunctionAttributes) {
  KLfunction reduce = Function("shared", "reduce_sum_u32");
  int v = 0;
  KL_EXPECT(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, reduce));
  EXPECT_EQ(v, 1024);
  KL_EXPECT(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, reduce));
  EXPECT_EQ(v, Attribute(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK));
  const int shared = Attribute(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  KL_EXPECT(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, reduce));
  EXPECT_EQ(v, shared - 1024);
  KL_EXPECT(klFuncSetAttribute(reduce, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 100));
  KL_EXPECT(klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, reduce));
  EXPECT_EQ(v, 100);
  EXPECT_EQ(klFuncSetAttribute(reduce, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared),
            KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klFuncSetAttribute(reduce, KL_FUNC_ATTRIBUTE_NUM_REGS, 1), KL_ERROR_INVALID_VALUE);
  for (KLfunction_attribute a : {KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES, KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES,
                                 KL_FUNC_ATTRIBUTE_NUM_REGS, KL_FUNC_ATTRIBUTE_PTX_VERSION,
                                 KL_FUNC_ATTRIBUTE_BINARY_VERSION}) {
    KL_EXPECT(klFuncGetAttribute(&v, a, reduce));
    EXPECT_EQ(v, 0);
  }
  EXPECT_EQ(klFuncGetAttribute(&v, static_cast<KLfunction_attribute>(77), reduce),
            KL_ERROR_INVALID_VALUE);
}

}  // namespace
}  // namespace keel_vk_test
