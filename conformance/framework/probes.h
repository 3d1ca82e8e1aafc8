// Probes: small checks that need a fresh process (before klInit, or with a
// different environment). Tests run this program as
// `keel-conformance --keel-probe=NAME` and check its exit code and output.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_PROBES_H_
#define KEEL_CONFORMANCE_FRAMEWORK_PROBES_H_

#include <string>

namespace kc {

// If argv names a probe, runs it and returns true with *exit_code set.
bool MaybeRunProbe(int argc, char** argv, int* exit_code);

// Runs this program with `--keel-probe=name` under the extra environment
// assignments (`A=b C=d`); returns its exit code and fills *output.
int RunProbe(const std::string& name, const std::string& env, std::string* output);

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_PROBES_H_
