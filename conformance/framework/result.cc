#include "result.h"

#include <sstream>

std::ostream& operator<<(std::ostream& os, KLresult r) { return os << kc::ResultName(r); }

namespace kc {

std::string ResultName(KLresult r) {
  const char* name = nullptr;
  std::ostringstream os;
  if (klGetErrorName(r, &name) == KL_SUCCESS && name != nullptr)
    os << name;
  else
    os << "<unknown KLresult>";
  os << " (" << static_cast<int>(r) << ")";
  return os.str();
}

std::string LastError() {
  const char* message = nullptr;
  if (klGetLastErrorMessage(&message) != KL_SUCCESS || message == nullptr) return "";
  return message;
}

namespace {

testing::AssertionResult Mismatch(const char* expr_text, const std::string& wanted,
                                  KLresult actual) {
  testing::AssertionResult failure = testing::AssertionFailure();
  failure << expr_text << "\n  returned " << ResultName(actual) << "\n  expected " << wanted;
  if (actual != KL_SUCCESS) {
    std::string message = LastError();
    failure << "\n  last error: " << (message.empty() ? "(empty)" : message);
  }
  return failure;
}

}  // namespace

testing::AssertionResult IsOk(const char* expr_text, KLresult actual) {
  if (actual == KL_SUCCESS) return testing::AssertionSuccess();
  return Mismatch(expr_text, ResultName(KL_SUCCESS), actual);
}

testing::AssertionResult IsResult(const char*, const char* expr_text, KLresult expected,
                                  KLresult actual) {
  if (actual == expected) return testing::AssertionSuccess();
  return Mismatch(expr_text, ResultName(expected), actual);
}

testing::AssertionResult IsResultIn(const char*, const char* expr_text,
                                    const std::vector<KLresult>& allowed, KLresult actual) {
  std::string wanted;
  for (KLresult r : allowed) {
    if (r == actual) return testing::AssertionSuccess();
    wanted += (wanted.empty() ? "" : " or ") + ResultName(r);
  }
  return Mismatch(expr_text, "one of " + wanted, actual);
}

}  // namespace kc
