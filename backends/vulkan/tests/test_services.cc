// Loader services for unit tests that use backend objects without a loader:
// the last error message is kept for assertions.
#include "test_services.h"

#include <cstdarg>
#include <cstdio>

namespace keel {
namespace vk {
namespace test {
namespace {

thread_local std::string g_last_error;

KLresult SetError(KLresult code, const char* format, ...) {
  char buffer[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  g_last_error = buffer;
  return code;
}

void LogLine(KLlogLevel, const char*, const char*, ...) {}
int LogEnabled(KLlogLevel) { return 0; }

KLdispatchTable g_table{};
const KLloaderServices g_services = {sizeof(KLloaderServices), 1, &g_table, &SetError, &LogLine,
                                     &LogEnabled};

// Installed before any test runs.
struct Install {
  Install() { SetServices(&g_services, "vulkan-test"); }
} g_install;

}  // namespace

const std::string& LastError() { return g_last_error; }

}  // namespace test
}  // namespace vk
}  // namespace keel
