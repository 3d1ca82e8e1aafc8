#include "common/services.h"

#include <cstdarg>
#include <cstdio>

namespace keel {
namespace {

const KLloaderServices* g_services = nullptr;
const char* g_backend_name = "?";

}  // namespace

void SetServices(const KLloaderServices* services, const char* backend_name) {
  g_services = services;
  g_backend_name = backend_name;
}

const KLloaderServices& services() { return *g_services; }

const char* BackendName() { return g_backend_name; }

KLresult Fail(KLresult code, const char* format, ...) {
  char message[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return g_services->setError(code, "%s", message);
}

void Log(KLlogLevel level, const char* format, ...) {
  if (!g_services->logEnabled(level)) return;
  char message[2048];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  g_services->log(level, g_backend_name, "%s", message);
}

bool LogEnabled(KLlogLevel level) { return g_services->logEnabled(level) != 0; }

}  // namespace keel
