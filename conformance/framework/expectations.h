// Known failures, one data file per backend: conformance/expectations/<backend>.txt.
// Each non-comment line is `TestPattern  reason`, the pattern a glob (`*`, `?`)
// over the full test name (`Memory/MemInfo.DecreasesAfterAlloc/vulkan_0`).
// A line may start with `@DeviceGlob` to apply only to devices whose name
// (klDeviceGetName) matches: `@llvmpipe*  Launch/*  reason`.
// A listed test that fails is reported as XFail; one that passes is XPass,
// a failure with --strict-expectations (or KEEL_CONFORMANCE_STRICT=1).
#ifndef KEEL_CONFORMANCE_FRAMEWORK_EXPECTATIONS_H_
#define KEEL_CONFORMANCE_FRAMEWORK_EXPECTATIONS_H_

#include <string>
#include <vector>

namespace kc {

struct Expectation {
  std::string backend;
  std::string device;  // device-name glob; "" for every device
  std::string pattern;
  std::string reason;
  std::string file;
  int line = 0;
};

struct ExpectationFile {
  std::string backend;
  std::string path;
  std::string hash;  // FNV-1a 64 of the contents, hex
  bool present = false;
};

// Reads the files of every backend among the targets. Returns false and
// fills *error on a malformed line (a pattern without a reason).
bool LoadExpectations(std::string* error);

// The entry for a test on a device of `backend` named `device_name`, or nullptr.
const Expectation* FindExpectation(const std::string& backend, const std::string& device_name,
                                   const std::string& test_name);
const std::vector<Expectation>& AllExpectations();
const std::vector<ExpectationFile>& ExpectationFiles();
std::string ExpectationsDir();

// gtest-style glob: `*` any run, `?` any one character.
bool GlobMatch(const char* pattern, const char* text);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_EXPECTATIONS_H_
