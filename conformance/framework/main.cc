// keel-conformance: initializes Keel, builds the (backend, device) targets,
// then lets GoogleTest generate one instance of every test per target and
// runs them (in-process, or one child process per test with --isolate).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <keel/keel.h>

#include "expectations.h"
#include "isolate.h"
#include "keel_conformance_version.h"
#include "options.h"
#include "probes.h"
#include "report.h"
#include "result.h"
#include "targets.h"

namespace {

// Test-only hooks that prove --isolate copes with a crashing or hanging test.
// Registered only when their environment variable is 1, never in a normal run.
class CrashHook : public testing::Test {
  void TestBody() override {
    std::fprintf(stderr, "Selftest.CrashHook: raising SIGSEGV on purpose\n");
    std::raise(SIGSEGV);
  }
};

class HangHook : public testing::Test {
  void TestBody() override {
    std::fprintf(stderr, "Selftest.HangHook: sleeping until killed\n");
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
};

void RegisterHooks() {
  if (kc::Env("KEEL_CONFORMANCE_CRASH_HOOK") == "1") {
    testing::RegisterTest("Selftest", "CrashHook", nullptr, nullptr, __FILE__, __LINE__,
                          []() -> testing::Test* { return new CrashHook; });
  }
  if (kc::Env("KEEL_CONFORMANCE_HANG_HOOK") == "1") {
    testing::RegisterTest("Selftest", "HangHook", nullptr, nullptr, __FILE__, __LINE__,
                          []() -> testing::Test* { return new HangHook; });
  }
}

// The original arguments minus those that only make sense in the parent of
// --isolate (reports, the filter, the isolation itself).
std::vector<std::string> ChildArgs() {
  const std::vector<std::string>& all = kc::GlobalOptions().command_line;
  std::vector<std::string> out;
  for (size_t i = 1; i < all.size(); ++i) {
    const std::string& a = all[i];
    bool takes_value = a == "--report" || a == "--junit" || a == "--timeout" || a == "--jobs" ||
                       a == "--no-device-exit-code";
    if (takes_value) {
      ++i;
      continue;
    }
    if (a == "--isolate" || a.rfind("--report=", 0) == 0 || a.rfind("--junit=", 0) == 0 ||
        a.rfind("--timeout=", 0) == 0 || a.rfind("--jobs=", 0) == 0 ||
        a.rfind("--no-device-exit-code=", 0) == 0 ||
        a.rfind("--gtest_filter", 0) == 0 || a.rfind("--gtest_output", 0) == 0 ||
        a.rfind("--gtest_repeat", 0) == 0 || a.rfind("--gtest_shuffle", 0) == 0)
      continue;
    out.push_back(a);
  }
  out.push_back("--gtest-printer");  // the child's output goes to its log
  return out;
}

bool AnyTargetAvailable() {
  for (const kc::Target& t : kc::AllTargets())
    if (t.available()) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int probe_exit = 0;
  if (kc::MaybeRunProbe(argc, argv, &probe_exit)) return probe_exit;

  bool help = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) help = true;
  if (help) kc::PrintUsage();

  std::string error;
  if (!kc::ParseOptions(&argc, argv, &error)) {
    std::fprintf(stderr, "keel-conformance: %s (see --help)\n", error.c_str());
    return 2;
  }
  kc::Options& options = kc::GlobalOptions();
  auto wall_start = std::chrono::steady_clock::now();
  kc::RunInfo run;
  run.start_time = kc::NowIso8601();

  // Before InitGoogleTest: it evaluates the parameter generators, which read
  // the targets.
  KLresult init = klInit(0);
  kc::BuildTargets(init);
  if (!kc::LoadExpectations(&error)) {
    std::fprintf(stderr, "keel-conformance: %s\n", error.c_str());
    return 2;
  }

  testing::InitGoogleTest(&argc, argv);
  if (help) return 0;
  RegisterHooks();

  bool listing = GTEST_FLAG_GET(list_tests);
  bool child = !options.child_result_path.empty();
  if (!listing && !child) {
    std::printf("keel-conformance %s: klInit -> %s; tier %s\n", KEEL_CONFORMANCE_VERSION,
                kc::ResultName(init).c_str(), kc::TierName(options.tier));
    for (const kc::Target& t : kc::AllTargets()) {
      if (t.available())
        std::printf("  target %-20s %s\n", t.Name().c_str(), kc::DeviceName(t).c_str());
      else
        std::printf("  target %-20s skipped: %s\n", t.Name().c_str(), t.skip_reason.c_str());
    }
    if (kc::AllTargets().empty())
      std::printf("  no backend selected or found (klInit: %s)\n", kc::LastError().c_str());
    std::fflush(stdout);
  }

  std::vector<kc::TestRecord> records;
  // Without a device nothing can crash: placeholders skip in-process.
  if (options.isolate && !listing && AnyTargetAvailable()) {
    records = kc::RunIsolated(ChildArgs());
  } else {
    auto* recorder = new kc::RecordingListener(!options.gtest_printer && !listing,
                                               options.child_result_path);
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    if (!options.gtest_printer && !listing) delete listeners.Release(listeners.default_result_printer());
    listeners.Append(recorder);
    int rc = RUN_ALL_TESTS();
    if (listing || child) return rc;
    records = recorder->records();
  }

  run.end_time = kc::NowIso8601();
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  kc::PrintSummary(records, run);
  int exit_code = 0;
  if (!options.report_path.empty() && !kc::WriteJsonReport(options.report_path, records, run, &error)) {
    std::fprintf(stderr, "keel-conformance: %s\n", error.c_str());
    exit_code = 2;
  }
  if (!options.junit_path.empty() && !kc::WriteJUnitReport(options.junit_path, records, run, &error)) {
    std::fprintf(stderr, "keel-conformance: %s\n", error.c_str());
    exit_code = 2;
  }
  if (!options.report_path.empty()) std::printf("JSON report: %s\n", options.report_path.c_str());
  if (!options.junit_path.empty()) std::printf("JUnit report: %s\n", options.junit_path.c_str());
  for (const kc::TestRecord& r : records)
    if (kc::IsFailure(r.status)) exit_code = exit_code ? exit_code : 1;
  if (exit_code == 0 && !AnyTargetAvailable() && options.no_device_exit_code != 0)
    return options.no_device_exit_code;
  return exit_code;
}
