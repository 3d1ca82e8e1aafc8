// Results of a run, and their two outputs: the table on stdout and --json.
#ifndef KEEL_BENCH_REPORT_H_
#define KEEL_BENCH_REPORT_H_

#include <cmath>
#include <string>
#include <vector>

#include "bench.h"

namespace kb {

struct Result {
  std::string backend;  // "cuda", "vulkan", or "cuda+vulkan" for cross-backend rows
  std::string id;
  std::string what;
  std::string unit;    // "us", "GB/s", "x" (a dimensionless ratio)
  std::string status;  // "ok", "skipped: why", "error: what"
  double raw = NAN, keel = NAN, ratio = NAN;  // medians in `unit`; ratio = keel / raw
  double raw_min = NAN, raw_max = NAN, keel_min = NAN, keel_max = NAN;
  int reps = 0;  // samples per side
  int n = 0;     // operations per sample
  bool derived = false;  // computed from other rows, not measured itself
};

struct BackendRun {
  std::string backend;
  std::string status;    // "ok", "skipped: why", "error: what"
  std::string raw_desc;  // what the raw column ran on
  std::string keel_desc;
  std::string raw_b_desc;  // A/A mode: the second raw instance (the second column)
};

struct Report {
  std::string command;
  std::string date;  // UTC, ISO 8601
  std::string host;
  bool quick = false;
  int warmup_ms = 0;  // the bandwidth figures' untimed warm-up
  // A/A and K/K: the "raw" and "keel" fields of every result hold sides A
  // and B (raw instances A and B; Keel A and B), and ratio = B / A.
  Mode mode = Mode::kKeelVsRaw;
  std::vector<BackendRun> backends;
  std::vector<Result> results;
};

// The table: `figure | raw | keel | ratio` (A/A: `figure | raw A | raw B | B/A`),
// markdown, units in every cell.
void PrintTable(const Report& report, FILE* out);
// Throws on I/O failure.
void WriteJson(const Report& report, const std::string& path);

}  // namespace kb

#endif  // KEEL_BENCH_REPORT_H_
