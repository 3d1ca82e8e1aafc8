// libFuzzer target for the loader's parsing of its environment variables
// (loader/env_parse: KEEL_BACKENDS, KEEL_BACKEND_PATH, KEEL_LAYERS,
// KEEL_VALIDATE, KEEL_LOG). The input is split at NUL bytes into the values
// of the variables. Whatever the text:
//   - a name list holds non-empty, distinct names without ',' and without
//     blanks at either end, each a substring of the text;
//   - a path list holds non-empty entries without ':' whose concatenation is
//     the text with its ':' removed;
//   - a layer selection enables only known layers, each once, and reports
//     every other name as unknown;
//   - a log level parses only from the documented words.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "env_parse.h"

namespace {

using namespace keel::loader;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "loader_env_fuzz: property violated: %s\n", what);
    std::abort();
  }
}

void CheckNames(const std::string& text) {
  std::vector<std::string> names = ParseNameList(text);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    Check(!n.empty(), "no empty names");
    Check(n.find(',') == std::string::npos, "no ',' in a name");
    Check(n.front() != ' ' && n.front() != '\t' && n.back() != ' ' && n.back() != '\t', "trimmed");
    Check(text.find(n) != std::string::npos, "a name comes from the text");
    Check(std::find(names.begin(), names.begin() + static_cast<long>(i), n) == names.begin() + static_cast<long>(i),
          "no repeats");
  }
}

void CheckPaths(const std::string& text) {
  std::vector<std::string> entries = SplitPathList(text);
  std::string joined, expected;
  for (const std::string& e : entries) {
    Check(!e.empty(), "no empty entries");
    Check(e.find(':') == std::string::npos, "no ':' in an entry");
    joined += e;
  }
  for (char c : text)
    if (c != ':') expected += c;
  Check(joined == expected, "the entries are the text between the ':'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> fields(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      if (fields.size() == 4) break;
      fields.emplace_back();
    } else {
      fields.back() += static_cast<char>(data[i]);
    }
  }
  fields.resize(4);
  CheckNames(fields[0]);
  CheckPaths(fields[1]);

  const std::vector<std::string> known = {"trace", "validation"};
  const char* validate = fields[3].empty() ? nullptr : fields[3].c_str();
  LayerSelection s = ParseLayerSelection(fields[2].c_str(), validate, known);
  for (size_t i = 0; i < s.enabled.size(); ++i) {
    Check(std::find(known.begin(), known.end(), s.enabled[i]) != known.end(), "only known layers");
    Check(std::count(s.enabled.begin(), s.enabled.end(), s.enabled[i]) == 1, "each layer once");
  }
  for (const std::string& u : s.unknown)
    Check(std::find(known.begin(), known.end(), u) == known.end(), "unknown names are unknown");
  std::vector<std::string> asked = ParseNameList(fields[2]);
  Check(s.enabled.size() + s.unknown.size() >= asked.size(), "every name is enabled or unknown");
  if (validate != nullptr && fields[3] != "0")
    Check(std::find(s.enabled.begin(), s.enabled.end(), "validation") != s.enabled.end(),
          "KEEL_VALIDATE enables validation");

  int level = -1;
  if (ParseLogLevel(fields[0], &level))
    Check(level >= 0 && level <= 4 && fields[0].size() <= 5, "a documented level");
  else
    Check(level == -1, "no level written on failure");
  return 0;
}
