#include "expectations.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "options.h"
#include "rng.h"
#include "targets.h"

namespace kc {
namespace {

std::vector<Expectation> g_expectations;
std::vector<ExpectationFile> g_files;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string ExecutableDir() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  std::string s(path);
  return s.substr(0, s.rfind('/'));
}

}  // namespace

std::string ExpectationsDir() {
  std::string env = Env("KEEL_CONFORMANCE_EXPECTATIONS_DIR");
  if (!env.empty()) return env;
#ifdef KEEL_CONFORMANCE_EXPECTATIONS_SOURCE_DIR
  if (access(KEEL_CONFORMANCE_EXPECTATIONS_SOURCE_DIR, R_OK) == 0)
    return KEEL_CONFORMANCE_EXPECTATIONS_SOURCE_DIR;
#endif
  return ExecutableDir() + "/../share/keel/conformance/expectations";
}

bool GlobMatch(const char* pattern, const char* text) {
  // Iterative matcher with one backtrack point (the last `*`).
  const char* star = nullptr;
  const char* resume = nullptr;
  while (*text) {
    if (*pattern == '*') {
      star = pattern++;
      resume = text;
    } else if (*pattern == '?' || *pattern == *text) {
      ++pattern;
      ++text;
    } else if (star) {
      pattern = star + 1;
      text = ++resume;
    } else {
      return false;
    }
  }
  while (*pattern == '*') ++pattern;
  return *pattern == '\0';
}

bool LoadExpectations(std::string* error) {
  g_expectations.clear();
  g_files.clear();
  std::set<std::string> backends;
  for (const Target& t : AllTargets()) backends.insert(t.backend);
  std::string dir = ExpectationsDir();
  for (const std::string& backend : backends) {
    ExpectationFile file;
    file.backend = backend;
    file.path = dir + "/" + backend + ".txt";
    std::ifstream in(file.path, std::ios::binary);
    if (in) {
      file.present = true;
      std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      char hash[32];
      std::snprintf(hash, sizeof hash, "%016" PRIx64, HashName(contents.c_str()));
      file.hash = hash;
      std::istringstream lines(contents);
      std::string line;
      int number = 0;
      while (std::getline(lines, line)) {
        ++number;
        line = Trim(line);
        if (line.empty() || line[0] == '#') continue;
        std::string device;
        if (line[0] == '@') {
          size_t end = line.find_first_of(" \t");
          device = line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
          line = end == std::string::npos ? "" : Trim(line.substr(end));
        }
        size_t space = line.find_first_of(" \t");
        std::string reason = space == std::string::npos ? "" : Trim(line.substr(space));
        if (reason.empty()) {
          *error = file.path + ":" + std::to_string(number) + ": pattern '" + line +
                   "' has no reason (format: TestPattern  reason)";
          return false;
        }
        Expectation e;
        e.backend = backend;
        e.device = device;
        e.pattern = line.substr(0, space);
        e.reason = reason;
        e.file = file.path;
        e.line = number;
        g_expectations.push_back(e);
      }
    }
    g_files.push_back(file);
  }
  return true;
}

const Expectation* FindExpectation(const std::string& backend, const std::string& device_name,
                                   const std::string& test_name) {
  for (const Expectation& e : g_expectations) {
    if (e.backend != backend || !GlobMatch(e.pattern.c_str(), test_name.c_str())) continue;
    if (e.device.empty() || GlobMatch(e.device.c_str(), device_name.c_str())) return &e;
  }
  return nullptr;
}

const std::vector<Expectation>& AllExpectations() { return g_expectations; }
const std::vector<ExpectationFile>& ExpectationFiles() { return g_files; }

}  // namespace kc
