// Result names and strings, and the per-thread last-error message.
#include <cstdarg>
#include <cstdio>

#include "loader_internal.h"
#include "result_codes.h"

namespace keel::loader {
namespace {

// A fixed buffer: setting an error never allocates, so it cannot fail.
thread_local char t_last_error[4096];

}  // namespace

KLresult SetError(KLresult code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(t_last_error, sizeof t_last_error, format, args);
  va_end(args);
  Log(KL_LOG_WARN, "%s", t_last_error);
  return code;
}

KLresult RecordError(KLresult code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(t_last_error, sizeof t_last_error, format, args);
  va_end(args);
  return code;
}

const char* LastErrorMessage() { return t_last_error; }

void ClearError() { t_last_error[0] = '\0'; }

}  // namespace keel::loader

using keel::loader::LastErrorMessage;

KLresult klGetErrorName(KLresult error, const char** pStr) {
  if (pStr == nullptr) return KL_ERROR_INVALID_VALUE;
  switch (error) {
#define KEEL_NAME_CASE(code, text) \
  case code:                       \
    *pStr = #code;                 \
    return KL_SUCCESS;
    KEEL_RESULT_CODES(KEEL_NAME_CASE)
#undef KEEL_NAME_CASE
  }
  *pStr = nullptr;
  return KL_ERROR_INVALID_VALUE;
}

KLresult klGetErrorString(KLresult error, const char** pStr) {
  if (pStr == nullptr) return KL_ERROR_INVALID_VALUE;
  switch (error) {
#define KEEL_STRING_CASE(code, text) \
  case code:                         \
    *pStr = text;                    \
    return KL_SUCCESS;
    KEEL_RESULT_CODES(KEEL_STRING_CASE)
#undef KEEL_STRING_CASE
  }
  *pStr = nullptr;
  return KL_ERROR_INVALID_VALUE;
}

KLresult klGetLastErrorMessage(const char** pStr) {
  if (pStr == nullptr) return KL_ERROR_INVALID_VALUE;
  *pStr = LastErrorMessage();
  return KL_SUCCESS;
}
