// KLresult in assertions: printing by name, and predicate-formatters that put
// the call, the code and the thread's last-error message into the failure.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_RESULT_H_
#define KEEL_CONFORMANCE_FRAMEWORK_RESULT_H_

#include <gtest/gtest.h>
#include <keel/keel.h>

#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

// gtest prints values through operator<< found by argument-dependent lookup;
// KLresult lives in the global namespace, so this does too.
std::ostream& operator<<(std::ostream& os, KLresult r);

namespace kc {

// "KL_ERROR_INVALID_VALUE (1)", also for codes the loader does not know.
std::string ResultName(KLresult r);

// The calling thread's klGetLastErrorMessage, or "" if none.
std::string LastError();

testing::AssertionResult IsOk(const char* expr_text, KLresult actual);
testing::AssertionResult IsResult(const char* expected_text, const char* expr_text,
                                  KLresult expected, KLresult actual);
testing::AssertionResult IsResultIn(const char* set_text, const char* expr_text,
                                    const std::vector<KLresult>& allowed, KLresult actual);

}  // namespace kc

// KC_ASSERT_OK(klMemAlloc(&p, n)): fails with the call, its code and the
// last-error message unless the call returns KL_SUCCESS.
#define KC_ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::kc::IsOk, (expr))
#define KC_EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::kc::IsOk, (expr))
// KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemAlloc(&p, 0))
#define KC_EXPECT_RESULT(expected, expr) EXPECT_PRED_FORMAT2(::kc::IsResult, (expected), (expr))
#define KC_ASSERT_RESULT(expected, expr) ASSERT_PRED_FORMAT2(::kc::IsResult, (expected), (expr))
// KC_EXPECT_RESULT_IN(klModuleLoadData(...), KL_ERROR_INVALID_IMAGE, KL_ERROR_COMPILE_FAILED):
// for documented alternatives only (each documented in the test).
#define KC_EXPECT_RESULT_IN(expr, ...) \
  EXPECT_PRED_FORMAT2(::kc::IsResultIn, (std::vector<KLresult>{__VA_ARGS__}), (expr))

#endif  // KEEL_CONFORMANCE_FRAMEWORK_RESULT_H_
