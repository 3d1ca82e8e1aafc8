// Results of a run: one record per test, the progress line, the summary
// table and verdict, and the JSON and JUnit XML reports.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_REPORT_H_
#define KEEL_CONFORMANCE_FRAMEWORK_REPORT_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kc {

enum class Status { kPass, kFail, kSkip, kXFail, kXPass, kCrash, kTimeout };
const char* StatusName(Status s);  // "Pass", "Fail", "Skip", "XFail", "XPass", "Crash", "Timeout"

struct TestRecord {
  std::string name;    // full name: Area/Suite.Test/target_case
  std::string area;    // "Memcpy"
  std::string target;  // "vulkan_0", "cuda_unavailable", or "" for target-free tests
  std::string backend;
  Status status = Status::kPass;
  double duration_ms = 0.0;
  std::string seed;          // hex, "" if none
  std::string message;       // failures (with first mismatches), skip reason, crash log tail
  std::string native_error;  // the backend's last-error message when the test failed
  std::string expectation;   // reason of the known-failure entry, if listed
};

// Failing statuses: Fail, Crash, Timeout, and XPass under strict expectations
// (which the test itself reports as Fail).
bool IsFailure(Status s);

// Fills area, target and backend from the name.
void ClassifyRecord(TestRecord* record);

// One-line command reproducing the test.
std::string ReproCommand(const TestRecord& record);

// A listener that builds records from gtest events; prints a progress line
// per test unless quiet, and appends each record to child_result_path (the
// child side of --isolate) when that is set.
class RecordingListener : public testing::EmptyTestEventListener {
 public:
  RecordingListener(bool print_progress, std::string child_result_path);
  void OnTestProgramStart(const testing::UnitTest& unit) override;
  void OnTestStart(const testing::TestInfo& info) override;
  void OnTestPartResult(const testing::TestPartResult& part) override;
  void OnTestEnd(const testing::TestInfo& info) override;
  const std::vector<TestRecord>& records() const { return records_; }

 private:
  bool print_progress_;
  std::string child_result_path_;
  size_t total_ = 0;
  std::vector<TestRecord> records_;
  TestRecord current_;
  std::string skip_message_;
  int64_t start_ns_ = 0;
};

// Prints the progress line of record `index` (1-based) of `total`.
void PrintProgress(const TestRecord& record, size_t index, size_t total);

// The child-to-parent record file of --isolate: appended one record at a time.
void AppendRecord(const std::string& path, const TestRecord& record);
std::vector<TestRecord> ReadRecords(const std::string& path);

struct RunInfo {
  std::string start_time;  // ISO 8601, UTC
  std::string end_time;
  double wall_seconds = 0.0;
};

// Summary table per area, skips by reason, per-target verdicts, overall verdict.
void PrintSummary(const std::vector<TestRecord>& records, const RunInfo& run);
// "PASS", "FAIL" or "NOT TESTED" (no device was available).
std::string Verdict(const std::vector<TestRecord>& records);

bool WriteJsonReport(const std::string& path, const std::vector<TestRecord>& records,
                     const RunInfo& run, std::string* error);
bool WriteJUnitReport(const std::string& path, const std::vector<TestRecord>& records,
                      const RunInfo& run, std::string* error);

std::string NowIso8601();

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_REPORT_H_
