// Loader services for tests that drive backend code without the loader:
// the last-error message is kept per thread so tests can check it.
#ifndef KEEL_BACKENDS_CUDA_TESTS_FAKE_SERVICES_H_
#define KEEL_BACKENDS_CUDA_TESTS_FAKE_SERVICES_H_

#include <keel/keel_backend.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace keel::cuda::test {

inline thread_local std::string t_last_message;

inline KLresult FakeSetError(KLresult code, const char* format, ...) {
  char buf[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  t_last_message = buf;
  return code;
}

inline void FakeLog(KLlogLevel, const char*, const char*, ...) {}
inline int FakeLogEnabled(KLlogLevel) { return 0; }

inline const KLloaderServices* FakeServices() {
  static const KLdispatchTable table{};
  static const KLloaderServices services = {sizeof(KLloaderServices), 1, &table, FakeSetError, FakeLog,
                                            FakeLogEnabled};
  return &services;
}

}  // namespace keel::cuda::test

#endif  // KEEL_BACKENDS_CUDA_TESTS_FAKE_SERVICES_H_
