// Host-side unit tests of the Level Zero backend: SPIR-V parameter reflection
// on the kernels this build compiled, the ze_result_t -> KLresult table, and
// argument packing from kernelParams and extra. No driver is needed.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "common/kernel_args.h"
#include "common/spirv_kernel_params.h"
#include "common/spirv_module.h"
#include "level_zero.h"

namespace {

std::string g_message;

KLresult TestSetError(KLresult code, const char* format, ...) {
  char text[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  g_message = text;
  return code;
}
void TestLog(KLlogLevel, const char*, const char*, ...) {}
int TestLogEnabled(KLlogLevel) { return 0; }

KLdispatchTable g_table{};
KLloaderServices g_services{sizeof(KLloaderServices), 1, &g_table, TestSetError, TestLog,
                            TestLogEnabled};

class Env : public ::testing::Environment {
 public:
  void SetUp() override { keel::SetServices(&g_services, "level_zero"); }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new Env);

using keel::spirv::KernelSignature;
using keel::spirv::ParamKind;

std::map<std::string, KernelSignature> Reflect(const std::string& module) {
  std::string path = std::string(KEEL_ZE_KERNEL_DIR) + "/" + module + ".ze.spv";
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << "missing " << path;
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<uint32_t> words;
  std::string error;
  keel::spirv::Module spv;
  EXPECT_TRUE(keel::spirv::NormalizeByteOrder(bytes.data(), bytes.size(), &words, &error)) << error;
  EXPECT_TRUE(spv.Parse(std::move(words), &error)) << error;
  std::vector<KernelSignature> kernels;
  EXPECT_TRUE(keel::spirv::ReflectKernels(spv, &kernels, &error)) << error;
  std::map<std::string, KernelSignature> by_name;
  for (auto& k : kernels) by_name.emplace(k.name, std::move(k));
  return by_name;
}

struct Expected {
  ParamKind kind;
  size_t size;
  size_t alignment;
};

void ExpectParams(const KernelSignature& k, const std::vector<Expected>& expected) {
  ASSERT_EQ(k.params.size(), expected.size()) << k.name;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(k.params[i].kind, expected[i].kind) << k.name << " param " << i << " (" << k.params[i].type << ")";
    EXPECT_EQ(k.params[i].size, expected[i].size) << k.name << " param " << i;
    EXPECT_EQ(k.params[i].alignment, expected[i].alignment) << k.name << " param " << i;
  }
}

constexpr Expected kPtr{ParamKind::kGlobalPointer, 8, 8};
constexpr Expected kU32{ParamKind::kScalar, 4, 4};
constexpr Expected kLocal{ParamKind::kLocalPointer, 0, 1};

// ---- reflection -------------------------------------------------------------

TEST(Reflection, BasicModuleHasEveryKernelWithItsParameters) {
  auto k = Reflect("basic");
  ASSERT_EQ(k.size(), 8u);
  ExpectParams(k.at("empty"), {});
  ExpectParams(k.at("vec_add"), {kPtr, kPtr, kPtr, kU32});
  ExpectParams(k.at("add_scalar_f32"), {kPtr, kU32, kU32});
  ExpectParams(k.at("fill_u32"), {kPtr, kU32, kU32});
  ExpectParams(k.at("write_index"), {kPtr, kU32});
  ExpectParams(k.at("busy_loop"), {kPtr, kU32});
  ExpectParams(k.at("coverage"), {kPtr, kU32, kU32, kU32});
  ExpectParams(k.at("grid_dims"), {kPtr});
}

TEST(Reflection, ScalarsOfEveryWidth) {
  auto k = Reflect("args");
  ExpectParams(k.at("args_i8"), {{ParamKind::kScalar, 1, 1}, {ParamKind::kScalar, 1, 1}, kPtr});
  ExpectParams(k.at("args_i16"), {{ParamKind::kScalar, 2, 2}, {ParamKind::kScalar, 2, 2}, kPtr});
  ExpectParams(k.at("args_i32_f32"), {kU32, kU32, kU32, kPtr});
  ExpectParams(k.at("args_i64"), {{ParamKind::kScalar, 8, 8}, {ParamKind::kScalar, 8, 8}, kPtr});
  ExpectParams(k.at("args_f64"), {{ParamKind::kScalar, 8, 8}, kPtr});
  EXPECT_EQ(k.at("args_f64").params[0].type, "f64");
  EXPECT_EQ(k.at("args_i32_f32").params[2].type, "f32");
}

TEST(Reflection, ManyArguments) {
  auto k = Reflect("args");
  std::vector<Expected> p16{kPtr}, p64{kPtr};
  for (int i = 0; i < 15; ++i) p16.push_back(kU32);
  for (int i = 0; i < 63; ++i) p64.push_back(kU32);
  ExpectParams(k.at("many_args_16"), p16);
  ExpectParams(k.at("many_args_64"), p64);
}

TEST(Reflection, StructsByValue) {
  auto k = Reflect("args");
  ExpectParams(k.at("struct_arg_16"), {{ParamKind::kStruct, 16, 4}, kPtr});
  ExpectParams(k.at("struct_arg_256"), {{ParamKind::kStruct, 256, 4}, kPtr});
}

TEST(Reflection, TrailingLocalPointerIsDynamicSharedMemory) {
  auto k = Reflect("shared");
  ExpectParams(k.at("reverse_dynamic"), {kPtr, kPtr, kU32, kLocal});
  ExpectParams(k.at("dynamic_shared_fill"), {kPtr, kU32, kLocal});
  ExpectParams(k.at("static_plus_dynamic"), {kPtr, kU32, kLocal});
  ExpectParams(k.at("reduce_sum_u32"), {kPtr, kPtr, kU32});  // static shared only
}

TEST(Reflection, AtomicsMatmulGlobals) {
  auto a = Reflect("atomics");
  ExpectParams(a.at("atomic_cas_u64"), {kPtr, kU32});
  ExpectParams(a.at("atomic_minmax"), {kPtr, kPtr, kU32});
  auto m = Reflect("matmul");
  ExpectParams(m.at("matmul_tiled"), {kPtr, kPtr, kPtr, kU32, kU32, kU32});
  auto g = Reflect("globals");
  ExpectParams(g.at("read_globals"), {kPtr});
  ExpectParams(g.at("write_globals"), {kU32});
}

// A hand-assembled module: vectors (3-vectors take 4 slots), a packed struct,
// an image parameter (unsupported) and a Physical32 pointer.
TEST(Reflection, HandBuiltModuleCoversVectorsPackedStructsAndOpaqueTypes) {
  std::vector<uint32_t> w = {0x07230203u, 0x00010000u, 0, 40, 0};
  auto op = [&](uint16_t code, std::vector<uint32_t> operands) {
    w.push_back(static_cast<uint32_t>(operands.size() + 1) << 16 | code);
    w.insert(w.end(), operands.begin(), operands.end());
  };
  op(17, {6});            // OpCapability Kernel
  op(14, {1, 2});         // OpMemoryModel Physical32 OpenCL
  op(15, {6, 20, 0x006b}); // OpEntryPoint Kernel %20 "k"
  op(71, {10, 10});       // OpDecorate %10 CPacked
  op(21, {1, 32, 0});     // %1 = OpTypeInt 32 0
  op(21, {2, 8, 0});      // %2 = OpTypeInt 8 0
  op(22, {3, 32});        // %3 = OpTypeFloat 32
  op(23, {4, 3, 3});      // %4 = float3
  op(19, {5});            // %5 = void
  op(10 + 15, {6, 5, 1, 0, 0, 0, 0, 0, 0});  // %6 = OpTypeImage (opcode 25)
  op(30, {10, 2, 1});     // %10 = packed struct { u8, u32 }
  op(32, {11, 5, 1});     // %11 = ptr CrossWorkgroup u32
  op(32, {12, 7, 10});    // %12 = ptr Function %10
  op(33, {13, 5, 4, 11, 12, 6});  // fn type
  op(54, {5, 20, 0, 13}); // %20 = OpFunction
  op(55, {4, 21});
  op(55, {11, 22});
  op(55, {12, 23});
  op(55, {6, 24});
  op(71, {23, 38, 2});    // %23 FuncParamAttr ByVal
  op(56, {});             // OpFunctionEnd
  std::string error;
  keel::spirv::Module spv;
  ASSERT_TRUE(spv.Parse(w, &error)) << error;
  std::vector<KernelSignature> kernels;
  ASSERT_TRUE(keel::spirv::ReflectKernels(spv, &kernels, &error)) << error;
  ASSERT_EQ(kernels.size(), 1u);
  ExpectParams(kernels[0], {{ParamKind::kScalar, 16, 16},
                            {ParamKind::kGlobalPointer, 4, 4},
                            {ParamKind::kStruct, 5, 1},
                            {ParamKind::kUnsupported, 0, 1}});
}

// ---- ze_result_t -> KLresult -------------------------------------------------

TEST(Status, EveryResultOfTheHeadersMaps) {
  const std::vector<std::pair<ze_result_t, KLresult>> table = {
      {ZE_RESULT_SUCCESS, KL_SUCCESS},
      {ZE_RESULT_NOT_READY, KL_ERROR_NOT_READY},
      {ZE_RESULT_ERROR_DEVICE_LOST, KL_ERROR_DEVICE_LOST},
      {ZE_RESULT_ERROR_OUT_OF_HOST_MEMORY, KL_ERROR_OUT_OF_MEMORY},
      {ZE_RESULT_ERROR_OUT_OF_DEVICE_MEMORY, KL_ERROR_OUT_OF_MEMORY},
      {ZE_RESULT_ERROR_MODULE_BUILD_FAILURE, KL_ERROR_COMPILE_FAILED},
      {ZE_RESULT_ERROR_MODULE_LINK_FAILURE, KL_ERROR_COMPILE_FAILED},
      {ZE_RESULT_ERROR_DEVICE_REQUIRES_RESET, KL_ERROR_DEVICE_LOST},
      {ZE_RESULT_ERROR_DEVICE_IN_LOW_POWER_STATE, KL_ERROR_NOT_PERMITTED},
      {ZE_RESULT_EXP_ERROR_DEVICE_IS_NOT_VERTEX, KL_ERROR_INVALID_DEVICE},
      {ZE_RESULT_EXP_ERROR_VERTEX_IS_NOT_DEVICE, KL_ERROR_INVALID_DEVICE},
      {ZE_RESULT_EXP_ERROR_REMOTE_DEVICE, KL_ERROR_INVALID_DEVICE},
      {ZE_RESULT_ERROR_INSUFFICIENT_PERMISSIONS, KL_ERROR_NOT_PERMITTED},
      {ZE_RESULT_ERROR_NOT_AVAILABLE, KL_ERROR_NOT_PERMITTED},
      {ZE_RESULT_ERROR_DEPENDENCY_UNAVAILABLE, KL_ERROR_NOT_SUPPORTED},
      {ZE_RESULT_WARNING_DROPPED_DATA, KL_ERROR_UNKNOWN},
      {ZE_RESULT_ERROR_UNINITIALIZED, KL_ERROR_NOT_INITIALIZED},
      {ZE_RESULT_ERROR_UNSUPPORTED_VERSION, KL_ERROR_NOT_SUPPORTED},
      {ZE_RESULT_ERROR_UNSUPPORTED_FEATURE, KL_ERROR_NOT_SUPPORTED},
      {ZE_RESULT_ERROR_INVALID_ARGUMENT, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_NULL_HANDLE, KL_ERROR_INVALID_HANDLE},
      {ZE_RESULT_ERROR_HANDLE_OBJECT_IN_USE, KL_ERROR_NOT_PERMITTED},
      {ZE_RESULT_ERROR_INVALID_NULL_POINTER, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_SIZE, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_UNSUPPORTED_SIZE, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_UNSUPPORTED_ALIGNMENT, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_SYNCHRONIZATION_OBJECT, KL_ERROR_INVALID_HANDLE},
      {ZE_RESULT_ERROR_INVALID_ENUMERATION, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_UNSUPPORTED_ENUMERATION, KL_ERROR_NOT_SUPPORTED},
      {ZE_RESULT_ERROR_UNSUPPORTED_IMAGE_FORMAT, KL_ERROR_NOT_SUPPORTED},
      {ZE_RESULT_ERROR_INVALID_NATIVE_BINARY, KL_ERROR_INVALID_IMAGE},
      {ZE_RESULT_ERROR_INVALID_GLOBAL_NAME, KL_ERROR_NOT_FOUND},
      {ZE_RESULT_ERROR_INVALID_KERNEL_NAME, KL_ERROR_NOT_FOUND},
      {ZE_RESULT_ERROR_INVALID_FUNCTION_NAME, KL_ERROR_NOT_FOUND},
      {ZE_RESULT_ERROR_INVALID_GROUP_SIZE_DIMENSION, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_GLOBAL_WIDTH_DIMENSION, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_KERNEL_ARGUMENT_INDEX, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_KERNEL_ARGUMENT_SIZE, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_KERNEL_ATTRIBUTE_VALUE, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_INVALID_MODULE_UNLINKED, KL_ERROR_INVALID_IMAGE},
      {ZE_RESULT_ERROR_INVALID_COMMAND_LIST_TYPE, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_ERROR_OVERLAPPING_REGIONS, KL_ERROR_INVALID_VALUE},
      {ZE_RESULT_WARNING_ACTION_REQUIRED, KL_ERROR_UNKNOWN},
      {ZE_RESULT_ERROR_UNKNOWN, KL_ERROR_UNKNOWN},
  };
  for (const auto& [native, keel_code] : table) {
    EXPECT_EQ(keel::ze::MapResult(native), keel_code) << keel::ze::ResultName(native);
    EXPECT_EQ(std::strncmp(keel::ze::ResultName(native), "ZE_RESULT_", 10), 0)
        << "no name for 0x" << std::hex << native;
  }
  EXPECT_EQ(table.size(), 44u);  // every value of ze_result_t in the API 1.4 headers
}

TEST(Status, UnknownValuesAreUnknownWithTheirNumber) {
  auto odd = static_cast<ze_result_t>(0x70ab0001);
  EXPECT_EQ(keel::ze::MapResult(odd), KL_ERROR_UNKNOWN);
  EXPECT_STREQ(keel::ze::ResultName(odd), "ze_result_t 0x70ab0001");
}

TEST(Status, ZeFailNamesTheCallTheResultAndTheDetail) {
  KLresult r = keel::ze::ZeFail(ZE_RESULT_ERROR_MODULE_BUILD_FAILURE, "klModuleLoadData",
                                "zeModuleCreate", KL_SUCCESS, "build log:\nline 3: error");
  EXPECT_EQ(r, KL_ERROR_COMPILE_FAILED);
  EXPECT_EQ(g_message,
            "klModuleLoadData: zeModuleCreate: ZE_RESULT_ERROR_MODULE_BUILD_FAILURE (0x70000004): "
            "build log:\nline 3: error");
  EXPECT_EQ(keel::ze::ZeFail(ZE_RESULT_ERROR_UNSUPPORTED_SIZE, "klMemAlloc", "zeMemAllocDevice",
                             KL_ERROR_OUT_OF_MEMORY),
            KL_ERROR_OUT_OF_MEMORY);
  // A success passed as a failure must not read as success.
  EXPECT_EQ(keel::ze::ZeFail(ZE_RESULT_SUCCESS, "f", "g"), KL_ERROR_UNKNOWN);
}

// ---- argument packing --------------------------------------------------------

keel::ParamLayout LayoutOf(const KernelSignature& k) {
  keel::ParamLayout layout;
  for (const auto& p : k.params)
    if (p.kind != ParamKind::kLocalPointer) layout.Append(p.size, p.alignment);
  return layout;
}

TEST(ArgPacking, LayoutFollowsTheCRules) {
  auto k = Reflect("args");
  keel::ParamLayout i8 = LayoutOf(k.at("args_i8"));
  EXPECT_EQ(i8.offsets, (std::vector<size_t>{0, 1, 8}));
  EXPECT_EQ(i8.end, 16u);
  keel::ParamLayout f64 = LayoutOf(k.at("args_f64"));
  EXPECT_EQ(f64.offsets, (std::vector<size_t>{0, 8}));
  keel::ParamLayout many = LayoutOf(k.at("many_args_64"));
  EXPECT_EQ(many.end, 260u);  // KERNELS.md: 64 params, 260 bytes
  keel::ParamLayout s256 = LayoutOf(k.at("struct_arg_256"));
  EXPECT_EQ(s256.offsets, (std::vector<size_t>{0, 256}));
  EXPECT_EQ(s256.end, 264u);
  keel::ParamLayout i16 = LayoutOf(k.at("args_i16"));
  EXPECT_EQ(i16.offsets, (std::vector<size_t>{0, 2, 8}));
}

TEST(ArgPacking, KernelParamsPointAtTheCallersValues) {
  keel::ParamLayout layout = LayoutOf(Reflect("args").at("args_i8"));
  int8_t a = -3;
  uint8_t b = 200;
  uint64_t out = 0x1000;
  void* params[] = {&a, &b, &out};
  std::vector<const void*> values;
  ASSERT_EQ(keel::GatherArgs(layout, params, nullptr, "klLaunchKernel", "args_i8", &values), KL_SUCCESS);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], &a);
  EXPECT_EQ(values[1], &b);
  EXPECT_EQ(values[2], &out);
}

TEST(ArgPacking, ExtraBufferIsSplitAtTheReflectedOffsets) {
  keel::ParamLayout layout = LayoutOf(Reflect("args").at("args_i8"));
  struct {
    int8_t a;
    uint8_t b;
    uint64_t out;
  } packed{-3, 200, 0x1000};
  size_t size = sizeof packed;  // 16: the C struct, trailing padding included
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &packed, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  std::vector<const void*> values;
  ASSERT_EQ(keel::GatherArgs(layout, nullptr, extra, "klLaunchKernel", "args_i8", &values), KL_SUCCESS);
  EXPECT_EQ(*static_cast<const int8_t*>(values[0]), -3);
  EXPECT_EQ(*static_cast<const uint8_t*>(values[1]), 200);
  EXPECT_EQ(*static_cast<const uint64_t*>(values[2]), 0x1000u);
  // The pairs in the other order, and the exact (unpadded) size, work too.
  size = 16;
  void* swapped[] = {KL_LAUNCH_PARAM_BUFFER_SIZE, &size, KL_LAUNCH_PARAM_BUFFER_POINTER, &packed,
                     KL_LAUNCH_PARAM_END};
  EXPECT_EQ(keel::GatherArgs(layout, nullptr, swapped, "klLaunchKernel", "args_i8", &values), KL_SUCCESS);
}

TEST(ArgPacking, ExtraStructAndManyArgs) {
  auto k = Reflect("args");
  keel::ParamLayout layout = LayoutOf(k.at("many_args_64"));
  std::vector<uint32_t> buffer(66, 7);  // 264 bytes: 260 needed, padded to 8
  size_t size = 260;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer.data(), KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  std::vector<const void*> values;
  ASSERT_EQ(keel::GatherArgs(layout, nullptr, extra, "klLaunchKernel", "many_args_64", &values), KL_SUCCESS);
  ASSERT_EQ(values.size(), 64u);
  EXPECT_EQ(static_cast<const char*>(values[63]) - reinterpret_cast<const char*>(buffer.data()), 256);
  size = 264;
  EXPECT_EQ(keel::GatherArgs(layout, nullptr, extra, "klLaunchKernel", "many_args_64", &values), KL_SUCCESS);
}

TEST(ArgPacking, MalformedArgumentsAreInvalidValueWithAMessage) {
  keel::ParamLayout layout = LayoutOf(Reflect("args").at("args_i8"));
  std::vector<const void*> values;
  int8_t a = 0;
  void* params[] = {&a, nullptr, &a};
  char buffer[16] = {};
  size_t size = 16, small = 15, big = 24;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  auto gather = [&](void** p, void** e) {
    g_message.clear();
    return keel::GatherArgs(layout, p, e, "klLaunchKernel", "args_i8", &values);
  };
  EXPECT_EQ(gather(nullptr, nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(g_message.find("neither kernelParams nor extra"), std::string::npos) << g_message;
  EXPECT_EQ(gather(params, extra), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(g_message.find("both"), std::string::npos) << g_message;
  EXPECT_EQ(gather(params, nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(g_message.find("kernelParams[1] is NULL"), std::string::npos) << g_message;
  void* too_small[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &small,
                       KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, too_small), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(g_message.find("15 bytes"), std::string::npos) << g_message;
  void* too_big[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &big,
                     KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, too_big), KL_ERROR_INVALID_VALUE);
  void* no_size[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, no_size), KL_ERROR_INVALID_VALUE);
  void* bad_key[] = {reinterpret_cast<void*>(0x7), buffer, KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, bad_key), KL_ERROR_INVALID_VALUE);
  void* twice[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_POINTER, buffer,
                   KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, twice), KL_ERROR_INVALID_VALUE);
  void* null_buffer[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, nullptr, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                         KL_LAUNCH_PARAM_END};
  EXPECT_EQ(gather(nullptr, null_buffer), KL_ERROR_INVALID_VALUE);
}

TEST(ArgPacking, KernelWithoutParametersAcceptsNothingOrOneEmptyForm) {
  keel::ParamLayout empty;
  std::vector<const void*> values;
  EXPECT_EQ(keel::GatherArgs(empty, nullptr, nullptr, "klLaunchKernel", "empty", &values), KL_SUCCESS);
  void* params[] = {nullptr};
  EXPECT_EQ(keel::GatherArgs(empty, params, nullptr, "klLaunchKernel", "empty", &values), KL_SUCCESS);
  void* extra[] = {KL_LAUNCH_PARAM_END};
  EXPECT_EQ(keel::GatherArgs(empty, params, extra, "klLaunchKernel", "empty", &values),
            KL_ERROR_INVALID_VALUE);
}

}  // namespace
