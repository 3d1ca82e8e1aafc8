// Run-wide options of keel-conformance: set once by main() from the command
// line and the environment, read everywhere else.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_OPTIONS_H_
#define KEEL_CONFORMANCE_FRAMEWORK_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kc {

// smoke: every test body once per device (first case of each case list);
// full: every case (the default); stress: full plus the Stress area.
enum class Tier { kSmoke, kFull, kStress };

const char* TierName(Tier tier);

struct Options {
  Tier tier = Tier::kFull;
  bool strict_expectations = false;  // an unexpected pass fails (KEEL_CONFORMANCE_STRICT=1)
  bool has_seed_override = false;    // KEEL_CONFORMANCE_SEED or --seed
  uint64_t seed_override = 0;
  std::vector<std::string> backends;  // --backend (comma list); empty = every backend
  std::vector<int> devices;           // --device: indices within each backend; empty = all
  std::string report_path;            // --report out.json
  std::string junit_path;             // --junit out.xml (default: report path with .xml)
  bool isolate = false;               // --isolate
  int timeout_seconds = 600;          // --timeout, per test in --isolate mode
  int jobs = 1;                       // --jobs: tests run at once in --isolate mode
  std::string child_result_path;      // internal: set in the children of --isolate
  int no_device_exit_code = 0;        // --no-device-exit-code: exit code when nothing was testable
  bool gtest_printer = false;         // --gtest-printer: keep gtest's own output
  std::string executable;             // absolute path of this program (for repro lines)
  std::vector<std::string> command_line;  // argv as given
};

Options& GlobalOptions();

// Parses and removes the keel-conformance flags from argv (gtest's own flags
// stay for InitGoogleTest). Returns false and fills *error on a bad flag.
bool ParseOptions(int* argc, char** argv, std::string* error);

// Prints the keel-conformance part of --help.
void PrintUsage();

// The environment variable or "" when unset.
std::string Env(const char* name);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_OPTIONS_H_
