// The one comparison helper of the suite: compares every element of an
// expected and an actual array and, on mismatch, reports how many elements
// differ, the first mismatches (index, expected, actual) and the test's seed.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_COMPARE_H_
#define KEEL_CONFORMANCE_FRAMEWORK_COMPARE_H_

#include <gtest/gtest.h>

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace kc {

// Floating-point elements match when |expected - actual| <= abs + rel*|expected|.
// The default (all zero) demands bitwise equality, for integers and floats alike.
struct Tolerance {
  double abs = 0.0;
  double rel = 0.0;
};

// How many mismatches a failure lists.
constexpr size_t kMismatchesShown = 10;

// The seed of the running test and how to reproduce it, for failure messages.
std::string SeedNote();

namespace detail {

template <class T>
std::string FormatElement(T v) {
  char text[96];
  if constexpr (std::is_floating_point_v<T>) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    std::snprintf(text, sizeof text, "%.9g (0x%0*" PRIx64 ")", static_cast<double>(v),
                  static_cast<int>(sizeof(T) * 2), bits);
  } else if constexpr (std::is_signed_v<T>) {
    std::snprintf(text, sizeof text, "%" PRId64 " (0x%0*" PRIx64 ")", static_cast<int64_t>(v),
                  static_cast<int>(sizeof(T) * 2),
                  static_cast<uint64_t>(static_cast<std::make_unsigned_t<T>>(v)));
  } else {
    std::snprintf(text, sizeof text, "%" PRIu64 " (0x%0*" PRIx64 ")", static_cast<uint64_t>(v),
                  static_cast<int>(sizeof(T) * 2), static_cast<uint64_t>(v));
  }
  return text;
}

template <class T>
bool ElementsMatch(T expected, T actual, const Tolerance& tol) {
  if constexpr (std::is_floating_point_v<T>) {
    if (tol.abs == 0.0 && tol.rel == 0.0) return std::memcmp(&expected, &actual, sizeof(T)) == 0;
    if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
    double e = expected, a = actual;
    return std::fabs(e - a) <= tol.abs + tol.rel * std::fabs(e);
  } else {
    return expected == actual;
  }
}

}  // namespace detail

template <class T>
testing::AssertionResult CompareArrays(const T* expected, size_t expected_count, const T* actual,
                                       size_t actual_count, const Tolerance& tol = {}) {
  static_assert(std::is_arithmetic_v<T>, "CompareArrays compares arrays of numbers");
  if (expected_count != actual_count) {
    return testing::AssertionFailure() << "arrays differ in length: expected " << expected_count
                                       << " elements, actual " << actual_count << SeedNote();
  }
  size_t mismatches = 0;
  std::string shown;
  for (size_t i = 0; i < expected_count; ++i) {
    if (detail::ElementsMatch(expected[i], actual[i], tol)) continue;
    if (mismatches < kMismatchesShown) {
      shown += "\n    [" + std::to_string(i) + "] expected " + detail::FormatElement(expected[i]) +
               ", actual " + detail::FormatElement(actual[i]);
    }
    ++mismatches;
  }
  if (mismatches == 0) return testing::AssertionSuccess();
  testing::AssertionResult failure = testing::AssertionFailure();
  failure << mismatches << " of " << expected_count << " elements differ";
  if (tol.abs != 0.0 || tol.rel != 0.0)
    failure << " (tolerance abs " << tol.abs << ", rel " << tol.rel << ")";
  failure << "; first mismatches (index, expected, actual):" << shown;
  if (mismatches > kMismatchesShown) failure << "\n    ... " << mismatches - kMismatchesShown << " more";
  failure << SeedNote();
  return failure;
}

template <class T>
testing::AssertionResult CompareArrays(const std::vector<T>& expected, const std::vector<T>& actual,
                                       const Tolerance& tol = {}) {
  return CompareArrays(expected.data(), expected.size(), actual.data(), actual.size(), tol);
}

}  // namespace kc

// Non-fatal: the test goes on after a mismatch (it reports every failing
// array, not only the first).
#define KC_EXPECT_ARRAYS_EQ(expected, actual)                                        \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                                      \
  if (const ::testing::AssertionResult kc_cmp_ = ::kc::CompareArrays((expected), (actual))) \
    ;                                                                                \
  else                                                                               \
    ADD_FAILURE() << #actual << " does not match " << #expected << ": " << kc_cmp_.message()

#define KC_EXPECT_ARRAYS_NEAR(expected, actual, tolerance)                           \
  GTEST_AMBIGUOUS_ELSE_BLOCKER_                                                      \
  if (const ::testing::AssertionResult kc_cmp_ =                                     \
          ::kc::CompareArrays((expected), (actual), (tolerance)))                    \
    ;                                                                                \
  else                                                                               \
    ADD_FAILURE() << #actual << " does not match " << #expected << ": " << kc_cmp_.message()

#endif  // KEEL_CONFORMANCE_FRAMEWORK_COMPARE_H_
