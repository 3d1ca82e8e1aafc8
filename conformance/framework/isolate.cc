#include "isolate.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "expectations.h"
#include "options.h"
#include "targets.h"

namespace kc {
namespace {

// gtest's filter: POSITIVE[-NEGATIVE], each a ':'-separated list of globs.
bool FilterMatches(const std::string& filter, const std::string& name) {
  std::string positive = filter, negative;
  size_t dash = filter.find('-');
  if (dash != std::string::npos) {
    positive = filter.substr(0, dash);
    negative = filter.substr(dash + 1);
  }
  auto any = [&](const std::string& list) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      std::string glob = list.substr(start, end - start);
      if (!glob.empty() && GlobMatch(glob.c_str(), name.c_str())) return true;
      start = end + 1;
    }
    return false;
  };
  if (positive.empty()) positive = "*";
  return any(positive) && !any(negative);
}

std::string Tail(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() <= bytes) return all;
  return "...\n" + all.substr(all.size() - bytes);
}

}  // namespace

std::vector<std::string> SelectedTests() {
  std::vector<std::string> names;
  std::string filter = GTEST_FLAG_GET(filter);
  bool run_disabled = GTEST_FLAG_GET(also_run_disabled_tests);
  const testing::UnitTest* unit = testing::UnitTest::GetInstance();
  for (int i = 0; i < unit->total_test_suite_count(); ++i) {
    const testing::TestSuite* suite = unit->GetTestSuite(i);
    for (int j = 0; j < suite->total_test_count(); ++j) {
      const testing::TestInfo* info = suite->GetTestInfo(j);
      std::string name = std::string(suite->name()) + "." + info->name();
      bool disabled = std::string(suite->name()).find("DISABLED_") != std::string::npos ||
                      std::string(info->name()).rfind("DISABLED_", 0) == 0;
      if (disabled && !run_disabled) continue;
      if (FilterMatches(filter, name)) names.push_back(name);
    }
  }
  return names;
}

namespace {

// One child process running one test.
struct Child {
  size_t index = 0;
  pid_t pid = -1;
  std::string result_path, log_path;
  std::chrono::steady_clock::time_point start;
};

Child Spawn(size_t index, const std::string& name, const std::string& dir,
            const std::vector<std::string>& child_args) {
  Child c;
  c.index = index;
  c.result_path = dir + "/result." + std::to_string(index);
  c.log_path = dir + "/log." + std::to_string(index);
  std::vector<std::string> args = {GlobalOptions().executable};
  args.insert(args.end(), child_args.begin(), child_args.end());
  args.push_back("--gtest_filter=" + name);
  args.push_back("--keel-child-result=" + c.result_path);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  c.start = std::chrono::steady_clock::now();
  c.pid = fork();
  if (c.pid == 0) {
    int fd = open(c.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv.data());
    std::perror("execv");
    _exit(127);
  }
  if (c.pid < 0) std::perror("keel-conformance: fork");
  return c;
}

// The record of a finished (or killed) child.
TestRecord Collect(const Child& c, const std::string& name, int status, bool timed_out) {
  const Options& options = GlobalOptions();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c.start).count();
  std::vector<TestRecord> got = ReadRecords(c.result_path);
  TestRecord r;
  if (!got.empty()) {
    r = got.front();
  } else {
    r.name = name;
    r.duration_ms = ms;
    ClassifyRecord(&r);
  }
  std::string log_tail = Tail(c.log_path, 4000);
  if (timed_out) {
    r.status = Status::kTimeout;
    r.message = "killed after " + std::to_string(options.timeout_seconds) +
                " s (--timeout); output before:\n" + log_tail;
  } else if (c.pid > 0 && WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    r.status = Status::kCrash;
    r.message = std::string("the test process died of signal ") + std::to_string(sig) + " (" +
                strsignal(sig) + ")" + (got.empty() ? "" : " after the test finished") +
                "; output before:\n" + log_tail;
  } else if (got.empty()) {
    r.status = Status::kCrash;
    int code = c.pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.message = "the test process exited with code " + std::to_string(code) +
                " without reporting a result; output:\n" + log_tail;
  }
  if (r.status == Status::kCrash || r.status == Status::kTimeout) {
    // A known failure may be a crash or a hang; it is then an XFail too.
    const Target* t = FindTarget(r.target);
    const Expectation* e = t ? FindExpectation(t->backend, DeviceName(*t), r.name) : nullptr;
    if (e != nullptr) {
      r.expectation = e->reason;
      r.message = "XFAIL: expected failure (" + e->file + ":" + std::to_string(e->line) + ": " +
                  e->reason + "); " + StatusName(r.status) + ": " + r.message;
      r.status = Status::kXFail;
    }
  }
  unlink(c.result_path.c_str());
  unlink(c.log_path.c_str());
  return r;
}

}  // namespace

std::vector<TestRecord> RunIsolated(const std::vector<std::string>& child_args) {
  const Options& options = GlobalOptions();
  std::vector<std::string> names = SelectedTests();
  std::vector<TestRecord> records(names.size());
  char dir_template[] = "/tmp/keel-conformance-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    std::perror("keel-conformance: mkdtemp");
    return {};
  }
  const auto limit = std::chrono::seconds(options.timeout_seconds);
  const size_t jobs = static_cast<size_t>(std::max(1, options.jobs));
  std::vector<Child> running;
  size_t next = 0, finished = 0;
  auto nap = std::chrono::milliseconds(1);
  while (finished < names.size()) {
    while (running.size() < jobs && next < names.size()) {
      running.push_back(Spawn(next, names[next], dir, child_args));
      ++next;
    }
    bool progress = false;
    for (size_t i = 0; i < running.size();) {
      Child& c = running[i];
      int status = 0;
      bool timed_out = false;
      bool done = c.pid < 0 || waitpid(c.pid, &status, WNOHANG) == c.pid;
      if (!done && std::chrono::steady_clock::now() - c.start > limit) {
        kill(c.pid, SIGKILL);  // a child this loop started
        waitpid(c.pid, &status, 0);
        timed_out = done = true;
      }
      if (!done) {
        ++i;
        continue;
      }
      records[c.index] = Collect(c, names[c.index], status, timed_out);
      PrintProgress(records[c.index], ++finished, names.size());
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      progress = true;
    }
    if (progress) {
      nap = std::chrono::milliseconds(1);
    } else {
      std::this_thread::sleep_for(nap);
      if (nap < std::chrono::milliseconds(50)) nap *= 2;
    }
  }
  rmdir(dir);
  return records;
}

}  // namespace kc
