#include "options.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace kc {

const char* TierName(Tier tier) {
  switch (tier) {
    case Tier::kSmoke: return "smoke";
    case Tier::kFull: return "full";
    case Tier::kStress: return "stress";
  }
  return "?";
}

Options& GlobalOptions() {
  static Options options;
  return options;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

bool ParseSeed(const std::string& text, uint64_t* seed) {
  if (text.empty()) return false;
  char* end = nullptr;
  *seed = std::strtoull(text.c_str(), &end, 0);
  return end != nullptr && *end == '\0';
}

std::string SelfPath(const char* argv0) {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) {
    path[n] = '\0';
    return path;
  }
  return argv0;
}

}  // namespace

void PrintUsage() {
  std::printf(
      "keel-conformance: the Keel conformance suite.\n"
      "\n"
      "  --backend NAME[,NAME]   test these backends only (sets KEEL_BACKENDS)\n"
      "  --device N[,N]          test these devices of each backend (index within the backend)\n"
      "  --tier smoke|full|stress  smoke: every test once per device; full (default): every\n"
      "                          case; stress: full plus the Stress area\n"
      "  --report FILE.json      write the JSON report (and JUnit XML beside it, FILE.xml)\n"
      "  --junit FILE.xml        write the JUnit XML report here instead\n"
      "  --isolate               run each test in its own process: a crash or hang is\n"
      "                          recorded as Crash or Timeout and the run goes on\n"
      "  --timeout SECONDS       per-test limit with --isolate (default 600)\n"
      "  --jobs N                tests run at once with --isolate (default 1)\n"
      "  --strict-expectations   a test listed as a known failure that passes fails\n"
      "                          (also KEEL_CONFORMANCE_STRICT=1)\n"
      "  --seed N                use seed N for every test (also KEEL_CONFORMANCE_SEED)\n"
      "  --kernel-dir DIR        kernel images (also KEEL_CONFORMANCE_KERNEL_DIR)\n"
      "  --expectations-dir DIR  known-failure files (also KEEL_CONFORMANCE_EXPECTATIONS_DIR)\n"
      "  --no-device-exit-code N exit with N when no selected backend has a device\n"
      "  --gtest-printer         keep GoogleTest's own output instead of progress lines\n"
      "\n"
      "GoogleTest flags (--gtest_filter, --gtest_list_tests, --gtest_output=xml:FILE, ...)\n"
      "work as usual. See docs/conformance.md.\n\n");
}

bool ParseOptions(int* argc, char** argv, std::string* error) {
  Options& o = GlobalOptions();
  o.executable = SelfPath(argv[0]);
  for (int i = 0; i < *argc; ++i) o.command_line.push_back(argv[i]);

  if (Env("KEEL_CONFORMANCE_STRICT") == "1") o.strict_expectations = true;
  if (std::string seed = Env("KEEL_CONFORMANCE_SEED"); !seed.empty()) {
    if (!ParseSeed(seed, &o.seed_override)) {
      *error = "KEEL_CONFORMANCE_SEED is not a number: " + seed;
      return false;
    }
    o.has_seed_override = true;
  }

  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string arg = argv[i];
    std::string name = arg, value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      name = arg.substr(0, arg.find('='));
      value = arg.substr(arg.find('=') + 1);
      has_value = true;
    }
    auto take = [&](std::string* v) {
      if (has_value) {
        *v = value;
        return true;
      }
      if (i + 1 >= *argc) {
        *error = name + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (name == "--backend") {
      if (!take(&v)) return false;
      o.backends = SplitComma(v);
      setenv("KEEL_BACKENDS", v.c_str(), 1);
    } else if (name == "--device") {
      if (!take(&v)) return false;
      for (const std::string& d : SplitComma(v)) {
        char* end = nullptr;
        long n = std::strtol(d.c_str(), &end, 10);
        if (*end != '\0' || n < 0) {
          *error = "--device takes device indices: " + v;
          return false;
        }
        o.devices.push_back(static_cast<int>(n));
      }
    } else if (name == "--tier") {
      if (!take(&v)) return false;
      if (v == "smoke") o.tier = Tier::kSmoke;
      else if (v == "full") o.tier = Tier::kFull;
      else if (v == "stress") o.tier = Tier::kStress;
      else {
        *error = "--tier is smoke, full or stress, not " + v;
        return false;
      }
    } else if (name == "--report") {
      if (!take(&o.report_path)) return false;
    } else if (name == "--junit") {
      if (!take(&o.junit_path)) return false;
    } else if (name == "--isolate") {
      o.isolate = true;
    } else if (name == "--timeout") {
      if (!take(&v)) return false;
      o.timeout_seconds = std::atoi(v.c_str());
      if (o.timeout_seconds <= 0) {
        *error = "--timeout needs a positive number of seconds";
        return false;
      }
    } else if (name == "--jobs") {
      if (!take(&v)) return false;
      o.jobs = std::atoi(v.c_str());
      if (o.jobs <= 0) {
        *error = "--jobs needs a positive number";
        return false;
      }
    } else if (name == "--strict-expectations") {
      o.strict_expectations = true;
    } else if (name == "--seed") {
      if (!take(&v)) return false;
      if (!ParseSeed(v, &o.seed_override)) {
        *error = "--seed is not a number: " + v;
        return false;
      }
      o.has_seed_override = true;
      setenv("KEEL_CONFORMANCE_SEED", v.c_str(), 1);
    } else if (name == "--kernel-dir") {
      if (!take(&v)) return false;
      setenv("KEEL_CONFORMANCE_KERNEL_DIR", v.c_str(), 1);
    } else if (name == "--expectations-dir") {
      if (!take(&v)) return false;
      setenv("KEEL_CONFORMANCE_EXPECTATIONS_DIR", v.c_str(), 1);
    } else if (name == "--no-device-exit-code") {
      if (!take(&v)) return false;
      o.no_device_exit_code = std::atoi(v.c_str());
    } else if (name == "--gtest-printer") {
      o.gtest_printer = true;
    } else if (name == "--keel-child-result") {
      if (!take(&o.child_result_path)) return false;
    } else {
      argv[out++] = argv[i];  // gtest's, or unknown (gtest warns)
      continue;
    }
  }
  *argc = out;
  argv[out] = nullptr;
  if (!o.report_path.empty() && o.junit_path.empty()) {
    std::string base = o.report_path;
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
    o.junit_path = base + ".xml";
  }
  return true;
}

}  // namespace kc
