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

const std::vector<KLresult>& AllResults() {
  static const std::vector<KLresult> all = {
      KL_SUCCESS,
      KL_ERROR_INVALID_VALUE,
      KL_ERROR_OUT_OF_MEMORY,
      KL_ERROR_NOT_INITIALIZED,
      KL_ERROR_NO_BACKEND,
      KL_ERROR_NO_DEVICE,
      KL_ERROR_INVALID_DEVICE,
      KL_ERROR_INVALID_IMAGE,
      KL_ERROR_INVALID_CONTEXT,
      KL_ERROR_NO_BINARY_FOR_DEVICE,
      KL_ERROR_UNSUPPORTED_IMAGE_VERSION,
      KL_ERROR_COMPILE_FAILED,
      KL_ERROR_FILE_NOT_FOUND,
      KL_ERROR_INVALID_HANDLE,
      KL_ERROR_NOT_FOUND,
      KL_ERROR_NOT_READY,
      KL_ERROR_ILLEGAL_ADDRESS,
      KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
      KL_ERROR_LAUNCH_TIMEOUT,
      KL_ERROR_PRIMARY_CONTEXT_ACTIVE,
      KL_ERROR_CONTEXT_IS_DESTROYED,
      KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
      KL_ERROR_HOST_MEMORY_NOT_REGISTERED,
      KL_ERROR_LAUNCH_FAILED,
      KL_ERROR_NOT_PERMITTED,
      KL_ERROR_NOT_SUPPORTED,
      KL_ERROR_DEVICE_LOST,
      KL_ERROR_UNKNOWN,
  };
  return all;
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
