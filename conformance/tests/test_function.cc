// Function: attributes, the settable dynamic shared memory limit, parameter
// reflection checked against the layouts of KERNELS.md, native handles.
#include "fixture.h"

namespace {

// ---- parameter layout of every kernel --------------------------------------------------

struct KernelCase {
  std::string name;
  const kc::KernelInfo* info;
};

std::vector<KernelCase> KernelCases() {
  std::vector<KernelCase> out;
  for (const kc::KernelInfo& k : kc::AllKernels()) out.push_back({k.name, &k});
  return out;
}

using FunctionParams = kc::ContextCaseTest<KernelCase>;

TEST_P(FunctionParams, MatchKernelsMd) {
  const kc::KernelInfo& k = *value().info;
  KC_KERNEL(f, k.module, k.name);
  size_t count = 0;
  KC_ASSERT_OK(klFuncGetParamCount(f, &count));
  ASSERT_EQ(k.params.size(), count);
  for (size_t i = 0; i < count; ++i) {
    size_t offset = 12345, size = 12345;
    KC_ASSERT_OK(klFuncGetParamInfo(f, i, &offset, &size)) << "parameter " << i;
    EXPECT_EQ(k.params[i].offset, offset) << "offset of parameter " << i;
    EXPECT_EQ(k.params[i].size, size) << "size of parameter " << i;
  }
  size_t offset = 777, size = 777;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klFuncGetParamInfo(f, count, &offset, &size));
  EXPECT_EQ(777u, offset) << "output written on failure";
  if (count > 0) {
    KC_EXPECT_OK(klFuncGetParamInfo(f, 0, nullptr, &size)) << "offset may be NULL";
    KC_EXPECT_OK(klFuncGetParamInfo(f, 0, &offset, nullptr)) << "size may be NULL";
  }
}

KC_INSTANTIATE_CASES(Function, FunctionParams, KernelCase, (KernelCases()));

// ---- attributes ----------------------------------------------------------------------------

struct FuncAttributeCase {
  std::string name;
  KLfunction_attribute attribute;
};

using FunctionAttribute = kc::ContextCaseTest<FuncAttributeCase>;

TEST_P(FunctionAttribute, Query) {
  KC_KERNEL(empty, "basic", "empty");
  KC_KERNEL(reduce, "shared", "reduce_sum_u32");
  int a = -1, b = -1;
  KC_ASSERT_OK(klFuncGetAttribute(&a, value().attribute, empty));
  KC_ASSERT_OK(klFuncGetAttribute(&b, value().attribute, reduce));
  EXPECT_GE(a, 0);
  EXPECT_GE(b, 0);
  switch (value().attribute) {
    case KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
      EXPECT_GE(a, 256) << "empty must launch with 256 threads";
      EXPECT_GE(b, 256) << "reduce_sum_u32 is launched with 256 threads";
      EXPECT_LE(a, Attr(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK));
      break;
    case KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
      EXPECT_EQ(0, a) << "empty uses no static shared memory";
      EXPECT_GE(b, 1024) << "reduce_sum_u32 has u32 partial[256]";
      break;
    case KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
      EXPECT_LE(a, Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
      break;
    default:
      break;
  }
}

KC_INSTANTIATE_CASES(Function, FunctionAttribute, FuncAttributeCase,
                     ({{"MAX_THREADS_PER_BLOCK", KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
                       {"SHARED_SIZE_BYTES", KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES},
                       {"CONST_SIZE_BYTES", KL_FUNC_ATTRIBUTE_CONST_SIZE_BYTES},
                       {"LOCAL_SIZE_BYTES", KL_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES},
                       {"NUM_REGS", KL_FUNC_ATTRIBUTE_NUM_REGS},
                       {"MAX_DYNAMIC_SHARED_SIZE_BYTES", KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES},
                       {"PTX_VERSION", KL_FUNC_ATTRIBUTE_PTX_VERSION},
                       {"BINARY_VERSION", KL_FUNC_ATTRIBUTE_BINARY_VERSION}}));

using Function = kc::ContextTest;

TEST_P(Function, UnknownAttributeFails) {
  KC_KERNEL(f, "basic", "empty");
  for (int a : {0, 9, 100, -1}) {
    int v = 4242;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klFuncGetAttribute(&v, static_cast<KLfunction_attribute>(a), f))
        << "attribute " << a;
    EXPECT_EQ(4242, v);
  }
}

TEST_P(Function, SetMaxDynamicSharedOptin) {
  KC_KERNEL(f, "shared", "dynamic_shared_fill");
  int optin = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  int static_bytes = 0;
  KC_ASSERT_OK(klFuncGetAttribute(&static_bytes, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f));
  int target_bytes = optin - static_bytes;
  KC_ASSERT_OK(klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, target_bytes));
  int got = -1;
  KC_ASSERT_OK(klFuncGetAttribute(&got, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  EXPECT_EQ(target_bytes, got);
  KC_ASSERT_OK(klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024));
  KC_ASSERT_OK(klFuncGetAttribute(&got, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  EXPECT_EQ(1024, got);
}

TEST_P(Function, SetAttributeOutOfRangeFails) {
  KC_KERNEL(f, "shared", "dynamic_shared_fill");
  int before = -1;
  KC_ASSERT_OK(klFuncGetAttribute(&before, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  int optin = Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, optin + 1));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, -4));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                   klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, 0)) << "read-only";
  int after = -1;
  KC_ASSERT_OK(klFuncGetAttribute(&after, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, f));
  EXPECT_EQ(before, after) << "a failed set changed the attribute";
}

TEST_P(Function, NativeHandle) {
  KC_KERNEL(f, "basic", "vec_add");
  void* native = nullptr;
  KC_ASSERT_OK(klFuncGetNativeHandle(&native, f));
  EXPECT_NE(nullptr, native);
}

TEST_P(Function, HandlesDistinctPerKernel) {
  KC_KERNEL(a, "basic", "vec_add");
  KC_KERNEL(b, "basic", "fill_u32");
  EXPECT_NE(a, b);
}

KC_INSTANTIATE(Function, Function);

}  // namespace
