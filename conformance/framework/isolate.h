// --isolate: every selected test runs in a child process (this program again,
// filtered to that one test) with a time limit, so a crash or a hang becomes
// a Crash or Timeout record and the run goes on.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_ISOLATE_H_
#define KEEL_CONFORMANCE_FRAMEWORK_ISOLATE_H_

#include <string>
#include <vector>

#include "report.h"

namespace kc {

// Names of the tests gtest would run with its current flags (filter,
// disabled tests), in registration order.
std::vector<std::string> SelectedTests();

// Runs each selected test in a child; prints progress; returns the records.
// child_args: the arguments every child gets besides its filter.
std::vector<TestRecord> RunIsolated(const std::vector<std::string>& child_args);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_ISOLATE_H_
