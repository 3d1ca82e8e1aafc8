// The layer framework (layer.h): the entry points as data, KEEL_LAYERS, and
// stacking the selected layers into a backend's loader-owned table.
#include "layers/layer.h"

#include <cstdlib>
#include <cstring>

#include "env_parse.h"

namespace keel::loader::layers {

extern const Layer kTraceLayer;
extern const Layer kValidationLayer;

namespace {

// "(a, b, c)" -> {"a", "b", "c"}; "()" -> {}.
std::vector<std::string> SplitArgs(const char* text) {
  std::vector<std::string> names;
  std::string current;
  for (const char* p = text; *p; ++p) {
    if (*p == '(' || *p == ' ') continue;
    if (*p == ',' || *p == ')') {
      if (!current.empty()) names.push_back(current);
      current.clear();
      continue;
    }
    current += *p;
  }
  return names;
}

constexpr char KindChar(const char* kind) {
  return kind[0] == 'H' && kind[1] == 'X' ? 'X' : kind[0] == 'C' && kind[1] == '0' ? '0' : kind[0];
}

std::vector<EntryPointInfo> MakeInfo() {
  std::vector<EntryPointInfo> all;
#define KEEL_LAYER_EP_INFO(k, n, d, p, a)                                         \
  all.push_back({#n, KindChar(#k), SplitArgs(#a)});                               \
  if (all.back().kind == 'C' || all.back().kind == '0' || all.back().kind == 'S') \
    all.back().params.insert(all.back().params.begin(), "ctx");
  KEEL_ENTRY_POINTS(KEEL_LAYER_EP_INFO)
#undef KEEL_LAYER_EP_INFO
  return all;
}

struct Selection {
  std::vector<std::string> enabled;
};

// Read once, in the first klInit (under its once-guard).
const Selection& Selected() {
  static const Selection& selection = *[] {
    auto* s = new Selection();
    LayerSelection parsed = ParseLayerSelection(secure_getenv("KEEL_LAYERS"),
                                                secure_getenv("KEEL_VALIDATE"), LayerNames());
    for (const std::string& name : parsed.unknown) {
      std::string known;
      for (const std::string& k : LayerNames()) known += (known.empty() ? "" : ", ") + k;
      Log(KL_LOG_WARN, "KEEL_LAYERS: unknown layer '%s' ignored (known: %s)", name.c_str(),
          known.c_str());
    }
    s->enabled = parsed.enabled;
    return s;
  }();
  return selection;
}

}  // namespace

const EntryPointInfo& Info(Ep ep) {
  static const std::vector<EntryPointInfo>& all = *new std::vector<EntryPointInfo>(MakeInfo());
  return all[static_cast<size_t>(ep)];
}

const std::vector<const Layer*>& Layers() {
  static const std::vector<const Layer*>& all =
      *new std::vector<const Layer*>{&kTraceLayer, &kValidationLayer};
  return all;
}

std::vector<std::string> LayerNames() {
  std::vector<std::string> names;
  for (const Layer* l : Layers()) names.emplace_back(l->name);
  return names;
}

void InstallLayers(Backend& b) {
  const std::vector<std::string>& enabled = Selected().enabled;
  if (enabled.empty()) return;
  // The backend's own functions, below every layer.
  const KLdispatchTable* next = CopyTable(b.table);
  const std::vector<const Layer*>& all = Layers();
  std::string chain;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const Layer* layer = *it;
    bool on = false;
    for (const std::string& name : enabled) on = on || name == layer->name;
    if (!on) continue;
    next = layer->make_table(b, next);
    // Kept reachable for the life of the process (LeakSanitizer-clean).
    static std::vector<const KLdispatchTable*>& tables = *new std::vector<const KLdispatchTable*>();
    tables.push_back(next);
    chain = std::string(layer->name) + " -> " + chain;
  }
  std::memcpy(b.table, next, sizeof(KLdispatchTable));
  b.table->size = sizeof(KLdispatchTable);
  Log(KL_LOG_INFO, "backend %s: layers %s%s", b.name.c_str(), chain.c_str(), b.name.c_str());
}

void NextTables::Add(const KLdispatchTable* outer, const KLdispatchTable* next) {
  entries_.push_back({outer, next});
}

const KLdispatchTable* NextTables::For(const KLdispatchTable* outer) const {
  for (const Entry& e : entries_)
    if (e.outer == outer) return e.next;
  return nullptr;
}

KLdispatchTable* CopyTable(const KLdispatchTable* next) {
  auto* table = new KLdispatchTable(*next);  // lives as long as the process
  table->size = sizeof(KLdispatchTable);
  return table;
}

}  // namespace keel::loader::layers
