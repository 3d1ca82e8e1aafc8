// KEEL_LOG / KEEL_LOG_FILE: silent by default except errors.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "env_parse.h"
#include "loader_internal.h"

namespace keel::loader {
namespace {

struct LogConfig {
  int level = KL_LOG_ERROR;
  FILE* out = stderr;
};

const LogConfig& Config() {
  // Read once; a function-local static is initialized thread-safely.
  static const LogConfig config = [] {
    LogConfig c;
    if (const char* v = secure_getenv("KEEL_LOG")) {
      if (!ParseLogLevel(v, &c.level))
        std::fprintf(stderr, "keel: warning: unknown KEEL_LOG value '%s' (error|warn|info|debug|off)\n", v);
    }
    if (const char* f = secure_getenv("KEEL_LOG_FILE")) {
      if (FILE* file = std::fopen(f, "a")) {
        setvbuf(file, nullptr, _IOLBF, 0);
        c.out = file;
      } else {
        std::fprintf(stderr, "keel: warning: cannot open KEEL_LOG_FILE '%s'; logging to stderr\n", f);
      }
    }
    return c;
  }();
  return config;
}

const char* LevelName(KLlogLevel level) {
  switch (level) {
    case KL_LOG_ERROR: return "error";
    case KL_LOG_WARN: return "warn";
    case KL_LOG_INFO: return "info";
    case KL_LOG_DEBUG: return "debug";
  }
  return "?";
}

std::mutex g_log_mutex;

}  // namespace

bool LogEnabled(KLlogLevel level) { return static_cast<int>(level) <= Config().level; }

void Log(KLlogLevel level, const char* format, ...) {
  if (!LogEnabled(level)) return;
  char line[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::fprintf(Config().out, "keel: %s: %s\n", LevelName(level), line);
}

}  // namespace keel::loader
