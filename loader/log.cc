// KEEL_LOG / KEEL_LOG_FILE: silent by default except errors. KEEL_LOG_TIME=1
// prefixes each line with the milliseconds since libkeel was loaded, so a
// debug log shows where start-up time goes (klInit, the first context).
#include <chrono>
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
  bool time = false;
};

// When libkeel was loaded: the origin of KEEL_LOG_TIME's stamps.
const std::chrono::steady_clock::time_point g_loaded = std::chrono::steady_clock::now();

const LogConfig& Config() {
  // Read once; a function-local static is initialized thread-safely.
  static const LogConfig config = [] {
    LogConfig c;
    if (const char* v = secure_getenv("KEEL_LOG")) {
      if (!ParseLogLevel(v, &c.level))
        std::fprintf(stderr, "keel: warning: unknown KEEL_LOG value '%s' (error|warn|info|debug|off)\n", v);
    }
    if (const char* t = secure_getenv("KEEL_LOG_TIME")) c.time = *t != '\0' && *t != '0';
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
  const LogConfig& config = Config();
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (config.time) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - g_loaded)
            .count();
    std::fprintf(config.out, "keel: +%.3f ms %s: %s\n", ms, LevelName(level), line);
  } else {
    std::fprintf(config.out, "keel: %s: %s\n", LevelName(level), line);
  }
}

}  // namespace keel::loader
