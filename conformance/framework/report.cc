#include "report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <keel/keel.h>

#include "expectations.h"
#include "fixture.h"
#include "keel_conformance_version.h"
#include "kernels.h"
#include "options.h"
#include "targets.h"

namespace kc {
namespace {

constexpr size_t kMaxMessage = 8192;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void AppendLimited(std::string* s, const std::string& more) {
  if (s->size() >= kMaxMessage) return;
  if (!s->empty()) *s += "\n";
  *s += more.substr(0, kMaxMessage - std::min(kMaxMessage, s->size()));
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// ---- JSON and XML text --------------------------------------------------------

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", c);
          out += esc;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string XmlText(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 allows no control characters other than tab, LF, CR.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += '?';
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

// Minimal streaming JSON writer (objects and arrays with commas handled).
class Json {
 public:
  explicit Json(std::ostream& os) : os_(os) {}
  Json& Begin(char bracket, const char* key = nullptr) {
    Key(key);
    os_ << bracket;
    first_.push_back(true);
    return *this;
  }
  Json& End(char bracket) {
    first_.pop_back();
    os_ << bracket;
    return *this;
  }
  Json& Str(const char* key, const std::string& v) {
    Key(key);
    os_ << JsonString(v);
    return *this;
  }
  Json& Num(const char* key, double v) {
    Key(key);
    char text[64];
    std::snprintf(text, sizeof text, "%.6g", v);
    os_ << text;
    return *this;
  }
  Json& Int(const char* key, long long v) {
    Key(key);
    os_ << v;
    return *this;
  }
  Json& Bool(const char* key, bool v) {
    Key(key);
    os_ << (v ? "true" : "false");
    return *this;
  }

 private:
  void Key(const char* key) {
    if (!first_.empty()) {
      if (!first_.back()) os_ << ",";
      first_.back() = false;
      os_ << "\n" << std::string(first_.size() * 2, ' ');
    }
    if (key) os_ << JsonString(key) << ": ";
  }
  std::ostream& os_;
  std::vector<bool> first_;
};

std::string Uuid(KLdevice dev) {
  KLuuid uuid{};
  if (klDeviceGetUuid(&uuid, dev) != KL_SUCCESS) return "";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned char>(uuid.bytes[i]));
    out += hex;
    if (i == 3 || i == 5 || i == 7 || i == 9) out += "-";
  }
  return out;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "";
}

struct Counts {
  int pass = 0, fail = 0, skip = 0, xfail = 0, xpass = 0, crash = 0, timeout = 0;
  void Add(Status s) {
    switch (s) {
      case Status::kPass: ++pass; break;
      case Status::kFail: ++fail; break;
      case Status::kSkip: ++skip; break;
      case Status::kXFail: ++xfail; break;
      case Status::kXPass: ++xpass; break;
      case Status::kCrash: ++crash; break;
      case Status::kTimeout: ++timeout; break;
    }
  }
  int total() const { return pass + fail + skip + xfail + xpass + crash + timeout; }
};

// Splits "Suite.Test" at the first '.'.
void SplitName(const std::string& name, std::string* suite, std::string* test) {
  size_t dot = name.find('.');
  *suite = dot == std::string::npos ? name : name.substr(0, dot);
  *test = dot == std::string::npos ? "" : name.substr(dot + 1);
}

}  // namespace

const char* StatusName(Status s) {
  switch (s) {
    case Status::kPass: return "Pass";
    case Status::kFail: return "Fail";
    case Status::kSkip: return "Skip";
    case Status::kXFail: return "XFail";
    case Status::kXPass: return "XPass";
    case Status::kCrash: return "Crash";
    case Status::kTimeout: return "Timeout";
  }
  return "?";
}

bool IsFailure(Status s) {
  return s == Status::kFail || s == Status::kCrash || s == Status::kTimeout ||
         (s == Status::kXPass && GlobalOptions().strict_expectations);
}

void ClassifyRecord(TestRecord* r) {
  std::string suite, test;
  SplitName(r->name, &suite, &test);
  size_t slash = suite.find('/');
  r->area = slash == std::string::npos ? suite : suite.substr(0, slash);
  r->target.clear();
  r->backend.clear();
  size_t last = test.rfind('/');
  if (last == std::string::npos) return;
  std::string suffix = test.substr(last + 1);
  size_t best = 0;
  for (const Target& t : AllTargets()) {
    std::string n = SanitizeName(t.Name());
    bool match = suffix == n || (suffix.size() > n.size() && suffix.compare(0, n.size(), n) == 0 &&
                                 suffix[n.size()] == '_');
    if (match && n.size() > best) {
      best = n.size();
      r->target = n;
      r->backend = t.backend;
    }
  }
}

std::string ReproCommand(const TestRecord& r) {
  std::string cmd;
  if (!r.backend.empty()) cmd += "KEEL_BACKENDS=" + r.backend + " ";
  const Options& o = GlobalOptions();
  if (o.has_seed_override) {
    char seed[32];
    std::snprintf(seed, sizeof seed, "0x%" PRIx64, o.seed_override);
    cmd += std::string("KEEL_CONFORMANCE_SEED=") + seed + " ";
  }
  if (std::string dir = Env("KEEL_CONFORMANCE_KERNEL_DIR"); !dir.empty())
    cmd += "KEEL_CONFORMANCE_KERNEL_DIR=" + ShellQuote(dir) + " ";
  cmd += ShellQuote(o.executable) + " --gtest_filter=" + ShellQuote(r.name);
  if (r.area == "Stress") cmd += " --tier stress";
  return cmd;
}

// ---- listener -----------------------------------------------------------------

RecordingListener::RecordingListener(bool print_progress, std::string child_result_path)
    : print_progress_(print_progress), child_result_path_(std::move(child_result_path)) {}

void RecordingListener::OnTestProgramStart(const testing::UnitTest& unit) {
  total_ = static_cast<size_t>(unit.test_to_run_count());
}

void RecordingListener::OnTestStart(const testing::TestInfo& info) {
  current_ = TestRecord();
  current_.name = std::string(info.test_suite_name()) + "." + info.name();
  ClassifyRecord(&current_);
  skip_message_.clear();
  start_ns_ = NowNs();
}

void RecordingListener::OnTestPartResult(const testing::TestPartResult& part) {
  if (part.skipped()) {
    skip_message_ = part.message();
    return;
  }
  if (!part.failed()) return;
  std::string where = part.file_name() ? std::string(part.file_name()) + ":" +
                                             std::to_string(part.line_number()) + ": "
                                       : "";
  AppendLimited(&current_.message, where + part.message());
}

void RecordingListener::OnTestEnd(const testing::TestInfo& info) {
  const testing::TestResult& result = *info.result();
  current_.duration_ms = (NowNs() - start_ns_) / 1e6;
  std::string keel_status;
  for (int i = 0; i < result.test_property_count(); ++i) {
    const testing::TestProperty& p = result.GetTestProperty(i);
    std::string key = p.key();
    if (key == "keel_seed") current_.seed = p.value();
    else if (key == "keel_status") keel_status = p.value();
    else if (key == "keel_native_error") current_.native_error = p.value();
    else if (key == "keel_expectation") current_.expectation = p.value();
  }
  if (result.Failed()) {
    current_.status = keel_status == "XPass" ? Status::kXPass : Status::kFail;
  } else if (result.Skipped()) {
    current_.status = keel_status == "XFail" ? Status::kXFail : Status::kSkip;
    AppendLimited(&current_.message, skip_message_);
  } else {
    current_.status = keel_status == "XPass" ? Status::kXPass : Status::kPass;
  }
  records_.push_back(current_);
  if (!child_result_path_.empty()) AppendRecord(child_result_path_, current_);
  if (print_progress_) PrintProgress(current_, records_.size(), total_);
}

void PrintProgress(const TestRecord& r, size_t index, size_t total) {
  int width = static_cast<int>(std::to_string(total).size());
  std::printf("[%*zu/%zu] %-7s %7.0f ms  %s", width, index, total, StatusName(r.status),
              r.duration_ms, r.name.c_str());
  if (r.status == Status::kSkip || r.status == Status::kXFail) {
    std::string first = r.message.substr(0, r.message.find('\n'));
    if (first.size() > 160) first = first.substr(0, 157) + "...";
    std::printf("  (%s)", first.c_str());
  }
  std::printf("\n");
  if (IsFailure(r.status)) {
    std::istringstream lines(r.message);
    std::string line;
    while (std::getline(lines, line)) std::printf("      %s\n", line.c_str());
    if (!r.native_error.empty()) std::printf("      native error: %s\n", r.native_error.c_str());
    if (!r.seed.empty()) std::printf("      seed: %s\n", r.seed.c_str());
    std::printf("      repro: %s\n", ReproCommand(r).c_str());
  }
  std::fflush(stdout);
}

// ---- child records ---------------------------------------------------------------

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i];
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

void AppendRecord(const std::string& path, const TestRecord& r) {
  std::ofstream out(path, std::ios::app);
  out << "name " << Escape(r.name) << "\n"
      << "status " << StatusName(r.status) << "\n"
      << "duration_ms " << r.duration_ms << "\n"
      << "seed " << Escape(r.seed) << "\n"
      << "message " << Escape(r.message) << "\n"
      << "native_error " << Escape(r.native_error) << "\n"
      << "expectation " << Escape(r.expectation) << "\n"
      << "end\n";
}

std::vector<TestRecord> ReadRecords(const std::string& path) {
  std::vector<TestRecord> records;
  std::ifstream in(path);
  std::string line;
  TestRecord r;
  while (std::getline(in, line)) {
    size_t space = line.find(' ');
    std::string key = line.substr(0, space);
    std::string value = space == std::string::npos ? "" : Unescape(line.substr(space + 1));
    if (key == "name") r.name = value;
    else if (key == "status") {
      for (Status s : {Status::kPass, Status::kFail, Status::kSkip, Status::kXFail, Status::kXPass,
                       Status::kCrash, Status::kTimeout})
        if (value == StatusName(s)) r.status = s;
    } else if (key == "duration_ms") r.duration_ms = std::atof(value.c_str());
    else if (key == "seed") r.seed = value;
    else if (key == "message") r.message = value;
    else if (key == "native_error") r.native_error = value;
    else if (key == "expectation") r.expectation = value;
    else if (key == "end") {
      ClassifyRecord(&r);
      records.push_back(r);
      r = TestRecord();
    }
  }
  return records;
}

// ---- summary ------------------------------------------------------------------------

std::string Verdict(const std::vector<TestRecord>& records) {
  bool any_failure = false, any_tested = false;
  for (const TestRecord& r : records) {
    if (IsFailure(r.status)) any_failure = true;
    bool placeholder = r.target.size() > 12 &&
                       r.target.compare(r.target.size() - 12, 12, "_unavailable") == 0;
    if (!placeholder && !r.target.empty() && r.status != Status::kSkip) any_tested = true;
  }
  if (any_failure) return "FAIL";
  return any_tested ? "PASS" : "NOT TESTED";
}

void PrintSummary(const std::vector<TestRecord>& records, const RunInfo& run) {
  std::vector<std::string> areas;
  std::map<std::string, Counts> by_area;
  Counts total;
  std::map<std::string, int> skip_reasons;
  for (const TestRecord& r : records) {
    if (!by_area.count(r.area)) areas.push_back(r.area);
    by_area[r.area].Add(r.status);
    total.Add(r.status);
    if (r.status == Status::kSkip) skip_reasons[r.message.substr(0, r.message.find('\n'))]++;
  }
  std::printf("\n%-12s %7s %7s %8s %6s %6s %6s %8s\n", "Area", "Passed", "Failed", "Skipped",
              "XFail", "XPass", "Crash", "Timeout");
  auto row = [](const std::string& name, const Counts& c) {
    std::printf("%-12s %7d %7d %8d %6d %6d %6d %8d\n", name.c_str(), c.pass, c.fail, c.skip,
                c.xfail, c.xpass, c.crash, c.timeout);
  };
  for (const std::string& a : areas) row(a, by_area[a]);
  row("Total", total);

  if (!skip_reasons.empty()) {
    std::printf("\nSkipped, by reason:\n");
    for (const auto& [reason, n] : skip_reasons) std::printf("  %5d  %s\n", n, reason.c_str());
  }

  // Known-failure entries that matched no test in this run.
  for (const Expectation& e : AllExpectations()) {
    bool used = std::any_of(records.begin(), records.end(), [&](const TestRecord& r) {
      return r.backend == e.backend && GlobMatch(e.pattern.c_str(), r.name.c_str());
    });
    if (!used)
      std::printf("note: %s:%d: '%s' matched no test in this run\n", e.file.c_str(), e.line,
                  e.pattern.c_str());
  }

  std::printf("\nTargets:\n");
  for (const Target& t : AllTargets()) {
    std::string n = SanitizeName(t.Name());
    Counts c;
    for (const TestRecord& r : records)
      if (r.target == n) c.Add(r.status);
    if (!t.available()) {
      std::printf("  %-20s NOT TESTED: %s\n", n.c_str(), t.skip_reason.c_str());
      continue;
    }
    bool failed = c.fail + c.crash + c.timeout + (GlobalOptions().strict_expectations ? c.xpass : 0) > 0;
    std::printf("  %-20s %-4s  %d passed, %d failed, %d skipped, %d known failures, %d crashed, "
                "%d timed out  [%s]\n",
                n.c_str(), failed ? "FAIL" : (c.total() ? "PASS" : "-"), c.pass + c.xpass,
                c.fail, c.skip, c.xfail, c.crash, c.timeout, DeviceName(t).c_str());
  }
  std::string verdict = Verdict(records);
  if (verdict == "PASS" && total.xfail > 0)
    verdict += " (with " + std::to_string(total.xfail) + " known failure" + (total.xfail > 1 ? "s" : "") +
               ", see the expectations files)";
  std::printf("\nWall time: %.1f s\nVerdict: %s\n", run.wall_seconds, verdict.c_str());
  std::fflush(stdout);
}

// ---- reports ---------------------------------------------------------------------------

std::string NowIso8601() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool WriteJsonReport(const std::string& path, const std::vector<TestRecord>& records,
                     const RunInfo& run, std::string* error) {
  std::ostringstream os;
  Json j(os);
  const Options& o = GlobalOptions();
  j.Begin('{');

  j.Begin('{', "suite")
      .Str("name", "keel-conformance")
      .Str("version", KEEL_CONFORMANCE_VERSION)
      .Str("git_commit", KEEL_CONFORMANCE_GIT_COMMIT)
      .Bool("git_dirty", KEEL_CONFORMANCE_GIT_DIRTY != 0)
      .Str("tier", TierName(o.tier))
      .Bool("strict_expectations", o.strict_expectations)
      .Bool("isolate", o.isolate)
      .End('}');

  std::string command;
  for (const std::string& a : o.command_line) command += (command.empty() ? "" : " ") + a;
  j.Str("command_line", command);
  j.Str("start_time", run.start_time).Str("end_time", run.end_time).Num("wall_seconds", run.wall_seconds);

  j.Begin('{', "seed");
  if (o.has_seed_override) {
    char seed[32];
    std::snprintf(seed, sizeof seed, "0x%016" PRIx64, o.seed_override);
    j.Str("mode", "override").Str("value", seed);
  } else {
    j.Str("mode", "per-test: FNV-1a 64 of the full test name (each test's seed is in its record)");
  }
  j.End('}');

  struct utsname un {};
  uname(&un);
  j.Begin('{', "host")
      .Str("os", std::string(un.sysname) + " " + un.release)
      .Str("machine", un.machine)
      .Str("cpu", CpuModel())
      .End('}');

  int api_version = 0;
  klDriverGetVersion(&api_version);
  char api_text[32];
  std::snprintf(api_text, sizeof api_text, "%d.%d.%d", api_version / 1000000,
                api_version / 1000 % 1000, api_version % 1000);
  j.Begin('{', "loader").Int("api_version", api_version).Str("api_version_string", api_text);
  j.Str("klInit", ResultName(InitResult())).End('}');

  j.Begin('[', "backends");
  int backend_count = 0;
  if (klGetBackendCount(&backend_count) == KL_SUCCESS) {
    for (int b = 0; b < backend_count; ++b) {
      KLbackendProperties p{};
      if (klGetBackendProperties(&p, b) != KL_SUCCESS) continue;
      const char* status = "?";
      switch (p.status) {
        case KL_BACKEND_STATUS_LOADED: status = "loaded"; break;
        case KL_BACKEND_STATUS_NO_DEVICES: status = "no devices"; break;
        case KL_BACKEND_STATUS_NOT_FOUND: status = "not found"; break;
        case KL_BACKEND_STATUS_LOAD_FAILED: status = "load failed"; break;
        case KL_BACKEND_STATUS_VERSION_MISMATCH: status = "version mismatch"; break;
        case KL_BACKEND_STATUS_INIT_FAILED: status = "init failed"; break;
        case KL_BACKEND_STATUS_NOT_SELECTED: status = "not selected"; break;
        default: break;
      }
      // The loader reports "<backend version>; <native driver version>".
      std::string version = p.version, driver;
      if (size_t sep = version.find("; "); sep != std::string::npos) driver = version.substr(sep + 2);
      j.Begin('{')
          .Str("name", p.name)
          .Str("status", status)
          .Str("version", p.version)
          .Str("driver_version", driver)
          .Int("interface_version", p.interfaceVersion)
          .Int("device_count", p.deviceCount)
          .Str("path", p.path)
          .Str("reason", p.reason)
          .End('}');
    }
  }
  j.End(']');

  j.Begin('[', "devices");
  for (const Target& t : AllTargets()) {
    if (!t.available()) continue;
    size_t total_mem = 0;
    klDeviceTotalMem(&total_mem, t.device);
    char pci[32] = "";
    if (klDeviceGetPCIBusId(pci, sizeof pci, t.device) != KL_SUCCESS) pci[0] = '\0';
    j.Begin('{')
        .Str("target", SanitizeName(t.Name()))
        .Str("backend", t.backend)
        .Int("ordinal", t.ordinal)
        .Str("name", DeviceName(t))
        .Str("uuid", Uuid(t.device))
        .Str("pci_bus_id", pci)
        .Int("total_memory", static_cast<long long>(total_mem));
    j.Begin('{', "attributes");
    for (int a = 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
      int v = 0;
      auto attr = static_cast<KLdevice_attribute>(a);
      if (klDeviceGetAttribute(&v, attr, t.device) == KL_SUCCESS) j.Int(AttributeName(attr), v);
    }
    j.End('}');
    j.End('}');
  }
  j.End(']');

  j.Begin('[', "kernel_dirs");
  for (const std::string& d : KernelSearchDirs()) j.Str(nullptr, d);
  j.End(']');
  j.Begin('[', "expectation_files");
  for (const ExpectationFile& f : ExpectationFiles())
    j.Begin('{').Str("backend", f.backend).Str("path", f.path).Bool("present", f.present).Str("fnv1a64", f.hash).End('}');
  j.End(']');

  j.Begin('[', "tests");
  for (const TestRecord& r : records) {
    j.Begin('{')
        .Str("name", r.name)
        .Str("area", r.area)
        .Str("target", r.target)
        .Str("backend", r.backend)
        .Str("status", StatusName(r.status))
        .Num("duration_ms", r.duration_ms)
        .Str("seed", r.seed)
        .Str("message", r.message)
        .Str("native_error", r.native_error)
        .Str("expectation", r.expectation)
        .Str("repro", ReproCommand(r))
        .End('}');
  }
  j.End(']');

  Counts total;
  std::map<std::string, Counts> by_area;
  std::vector<std::string> areas;
  for (const TestRecord& r : records) {
    if (!by_area.count(r.area)) areas.push_back(r.area);
    by_area[r.area].Add(r.status);
    total.Add(r.status);
  }
  auto counts = [&j](const char* key, const Counts& c) {
    j.Begin('{', key)
        .Int("passed", c.pass)
        .Int("failed", c.fail)
        .Int("skipped", c.skip)
        .Int("xfail", c.xfail)
        .Int("xpass", c.xpass)
        .Int("crash", c.crash)
        .Int("timeout", c.timeout)
        .Int("total", c.total())
        .End('}');
  };
  j.Begin('{', "summary");
  j.Begin('{', "areas");
  for (const std::string& a : areas) counts(a.c_str(), by_area[a]);
  j.End('}');
  counts("totals", total);
  j.Str("verdict", Verdict(records));
  j.End('}');

  j.End('}');
  os << "\n";

  std::ofstream out(path, std::ios::binary);
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  out << os.str();
  return static_cast<bool>(out);
}

bool WriteJUnitReport(const std::string& path, const std::vector<TestRecord>& records,
                      const RunInfo& run, std::string* error) {
  std::vector<std::string> suites;
  std::map<std::string, std::vector<const TestRecord*>> by_suite;
  for (const TestRecord& r : records) {
    std::string suite, test;
    SplitName(r.name, &suite, &test);
    if (!by_suite.count(suite)) suites.push_back(suite);
    by_suite[suite].push_back(&r);
  }
  Counts total;
  for (const TestRecord& r : records) total.Add(r.status);
  std::ostringstream os;
  char time[32];
  std::snprintf(time, sizeof time, "%.3f", run.wall_seconds);
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
     << "<testsuites name=\"keel-conformance\" tests=\"" << total.total() << "\" failures=\""
     << total.fail + total.crash + total.timeout << "\" skipped=\"" << total.skip + total.xfail
     << "\" time=\"" << time << "\" timestamp=\"" << XmlText(run.start_time) << "\">\n";
  for (const std::string& suite : suites) {
    Counts c;
    double seconds = 0;
    for (const TestRecord* r : by_suite[suite]) {
      c.Add(r->status);
      seconds += r->duration_ms / 1000.0;
    }
    std::snprintf(time, sizeof time, "%.3f", seconds);
    os << "  <testsuite name=\"" << XmlText(suite) << "\" tests=\"" << c.total() << "\" failures=\""
       << c.fail + c.crash + c.timeout << "\" skipped=\"" << c.skip + c.xfail << "\" time=\""
       << time << "\">\n";
    for (const TestRecord* r : by_suite[suite]) {
      std::string s, test;
      SplitName(r->name, &s, &test);
      std::snprintf(time, sizeof time, "%.3f", r->duration_ms / 1000.0);
      os << "    <testcase name=\"" << XmlText(test) << "\" classname=\"" << XmlText(suite)
         << "\" time=\"" << time << "\" status=\"" << StatusName(r->status) << "\">\n";
      std::string first = r->message.substr(0, r->message.find('\n'));
      if (IsFailure(r->status)) {
        os << "      <failure message=\"" << XmlText(std::string(StatusName(r->status)) + ": " + first)
           << "\" type=\"" << StatusName(r->status) << "\">" << XmlText(r->message);
        if (!r->native_error.empty()) os << XmlText("\nnative error: " + r->native_error);
        os << "</failure>\n";
      } else if (r->status == Status::kSkip || r->status == Status::kXFail) {
        os << "      <skipped message=\"" << XmlText(first) << "\"/>\n";
      }
      os << "      <system-out>" << XmlText("seed: " + r->seed + "\nrepro: " + ReproCommand(*r))
         << "</system-out>\n";
      os << "    </testcase>\n";
    }
    os << "  </testsuite>\n";
  }
  os << "</testsuites>\n";
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  out << os.str();
  return static_cast<bool>(out);
}

}  // namespace kc
