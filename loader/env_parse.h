// Parsing of the loader's environment variables, as pure functions of their
// text: no getenv, no filesystem, no logging. The loader reads the variables
// (with secure_getenv) and hands the text here; the fuzz target
// fuzz/loader_env_fuzz.cc calls the same functions with arbitrary bytes.
#ifndef KEEL_LOADER_ENV_PARSE_H_
#define KEEL_LOADER_ENV_PARSE_H_

#include <string>
#include <string_view>
#include <vector>

namespace keel::loader {

// KEEL_BACKENDS and KEEL_LAYERS: a ','-separated list of names. Blanks
// (space, tab) around each name are trimmed; empty items and repeats are
// dropped; the order of first appearance is kept.
std::vector<std::string> ParseNameList(std::string_view text);

// KEEL_BACKEND_PATH: a ':'-separated list of directories or files. Empty
// entries are dropped; nothing else is changed (blanks are part of a path).
std::vector<std::string> SplitPathList(std::string_view text);

// The layers KEEL_LAYERS and KEEL_VALIDATE select. `known` lists the layer
// names the loader has; names outside it go to `unknown` (the loader warns).
// KEEL_VALIDATE set to anything but "" or "0" adds "validation". Either
// variable may be NULL (unset).
struct LayerSelection {
  std::vector<std::string> enabled;  // known names, in the order of `known`
  std::vector<std::string> unknown;  // in the order given
};
LayerSelection ParseLayerSelection(const char* keel_layers, const char* keel_validate,
                                   const std::vector<std::string>& known);

// KEEL_LOG: "error", "warn", "info", "debug" (levels 1..4) or "off"/"none"
// (0). Returns false, leaving *level alone, for anything else.
bool ParseLogLevel(std::string_view text, int* level);

}  // namespace keel::loader

#endif  // KEEL_LOADER_ENV_PARSE_H_
