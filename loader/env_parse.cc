// The loader's environment variables as text -> values (env_parse.h).
#include "env_parse.h"

#include <algorithm>

namespace keel::loader {

std::vector<std::string> ParseNameList(std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view name = text.substr(start, end - start);
    start = end + 1;
    // Trim blanks so "cuda, vulkan" works.
    size_t first = name.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    name = name.substr(first, name.find_last_not_of(" \t") - first + 1);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> SplitPathList(std::string_view text) {
  std::vector<std::string> entries;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) entries.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return entries;
}

LayerSelection ParseLayerSelection(const char* keel_layers, const char* keel_validate,
                                   const std::vector<std::string>& known) {
  std::vector<std::string> asked;
  if (keel_layers != nullptr) asked = ParseNameList(keel_layers);
  if (keel_validate != nullptr && std::string_view(keel_validate) != "" &&
      std::string_view(keel_validate) != "0" &&
      std::find(asked.begin(), asked.end(), "validation") == asked.end())
    asked.emplace_back("validation");
  LayerSelection selection;
  for (const std::string& name : known)
    if (std::find(asked.begin(), asked.end(), name) != asked.end()) selection.enabled.push_back(name);
  for (const std::string& name : asked)
    if (std::find(known.begin(), known.end(), name) == known.end()) selection.unknown.push_back(name);
  return selection;
}

bool ParseLogLevel(std::string_view text, int* level) {
  static constexpr struct {
    std::string_view name;
    int level;
  } kLevels[] = {{"off", 0}, {"none", 0}, {"error", 1}, {"warn", 2}, {"info", 3}, {"debug", 4}};
  for (const auto& l : kLevels) {
    if (text == l.name) {
      *level = l.level;
      return true;
    }
  }
  return false;
}

}  // namespace keel::loader
