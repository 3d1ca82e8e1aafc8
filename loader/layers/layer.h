// The layer framework: how the loader slots layers (validation, trace)
// between the application and a backend. docs/layers.md explains how to write
// one.
//
// Every handle points at its backend's loader-owned table (Backend::table).
// With no layer enabled that table holds the backend's own functions, and
// nothing here runs after klInit: layers cost nothing when off. With layers
// enabled, klInit (before any handle exists) keeps a copy of the backend's
// functions as the innermost "next" table, and asks each enabled layer, from
// the innermost to the outermost, for a table whose slots do the layer's work
// and call the same slot of the table below. The outermost layer's slots are
// then copied into Backend::table. The chain is fixed (Layers() order):
//
//   application -> exported klXxx -> trace -> validation -> backend
//
// A layer fills only the slots whose next slot is non-NULL, so a function the
// backend lacks stays NULL and the exported function still answers
// KL_ERROR_NOT_SUPPORTED with the backend's name.
#ifndef KEEL_LOADER_LAYERS_LAYER_H_
#define KEEL_LOADER_LAYERS_LAYER_H_

#include <keel/keel_backend.h>

#include <string>
#include <vector>

#include "loader_internal.h"

namespace keel::loader::layers {

// ---- entry points as data ------------------------------------------------------

// One id per entry point of KEEL_ENTRY_POINTS, in list order.
#define KEEL_LAYER_EP_ENUM(kind, name, dispatch, params, args) name,
enum class Ep : int { KEEL_ENTRY_POINTS(KEEL_LAYER_EP_ENUM) kCount };
#undef KEEL_LAYER_EP_ENUM
constexpr int kEntryPointCount = static_cast<int>(Ep::kCount);

template <Ep E>
struct Tag {};

struct EntryPointInfo {
  const char* name;  // "klMemAlloc"
  char kind;         // 'H', 'X' (HX), 'C', '0' (C0), 'S', 'B'
  // The names of the parameters of the backend-side function, in order:
  // "ctx" first for the C, C0 and S kinds, then the public parameters.
  std::vector<std::string> params;
};
const EntryPointInfo& Info(Ep ep);

// ---- writing slot functions from KEEL_ENTRY_POINTS ---------------------------------
// A layer expands KEEL_ENTRY_POINTS with its own macro and these helpers:
//   KLresult MyLayer_##name KEEL_LAYER_PARAMS_##kind(params) {
//     return MyCall(&KLdispatchTable::name, KEEL_LAYER_OBJECT_##kind(dispatch),
//                   KEEL_LAYER_ARGS_##kind(args));
//   }

// The backend-side parameter list (keel_backend.h's slot types).
#define KEEL_LAYER_PARAMS_H(params) params
#define KEEL_LAYER_PARAMS_HX(params) params
#define KEEL_LAYER_PARAMS_B(params) params
#define KEEL_LAYER_PARAMS_C(params) (KLcontext ctx, KEEL_UNPAREN params)
#define KEEL_LAYER_PARAMS_S(params) (KLcontext ctx, KEEL_UNPAREN params)
#define KEEL_LAYER_PARAMS_C0(params) (KLcontext ctx)
// The arguments to forward, without parentheses.
#define KEEL_LAYER_ARGS_H(args) KEEL_UNPAREN args
#define KEEL_LAYER_ARGS_HX(args) KEEL_UNPAREN args
#define KEEL_LAYER_ARGS_B(args) KEEL_UNPAREN args
#define KEEL_LAYER_ARGS_C(args) ctx, KEEL_UNPAREN args
#define KEEL_LAYER_ARGS_S(args) ctx, KEEL_UNPAREN args
#define KEEL_LAYER_ARGS_C0(args) ctx
// The object the exported function dispatched on (whose header it read).
#define KEEL_LAYER_OBJECT_H(dispatch) static_cast<const void*>(dispatch)
#define KEEL_LAYER_OBJECT_HX(dispatch) static_cast<const void*>(dispatch)
#define KEEL_LAYER_OBJECT_B(dispatch) static_cast<const void*>(dispatch)
#define KEEL_LAYER_OBJECT_C(dispatch) static_cast<const void*>(ctx)
#define KEEL_LAYER_OBJECT_C0(dispatch) static_cast<const void*>(ctx)
#define KEEL_LAYER_OBJECT_S(dispatch) \
  (dispatch != nullptr ? static_cast<const void*>(dispatch) : static_cast<const void*>(ctx))

// ---- layers ----------------------------------------------------------------------

struct Layer {
  const char* name;  // as written in KEEL_LAYERS
  // Returns the table to put above `next` for backend `b`, whose handles
  // point at `b.table` (the "outer" table). Called once per loaded backend
  // in klInit, before any handle of it exists, under klInit's once-guard.
  // The returned table lives as long as the process.
  const KLdispatchTable* (*make_table)(const Backend& b, const KLdispatchTable* next);
};

// The layers the loader has, outermost first: the order of the chain.
const std::vector<const Layer*>& Layers();
// Their names, for KEEL_LAYERS.
std::vector<std::string> LayerNames();

// Reads KEEL_LAYERS and KEEL_VALIDATE (once) and installs the selected
// layers into b.table. Does nothing when none is selected.
void InstallLayers(Backend& b);

// For layers that find the next table from the table a handle points at:
// one entry per backend, searched linearly (there are a handful).
class NextTables {
 public:
  void Add(const KLdispatchTable* outer, const KLdispatchTable* next);
  const KLdispatchTable* For(const KLdispatchTable* outer) const;

 private:
  struct Entry {
    const KLdispatchTable* outer;
    const KLdispatchTable* next;
  };
  std::vector<Entry> entries_;  // written in klInit only
};

// A table with every slot of `next` (NULL slots stay NULL), to edit.
KLdispatchTable* CopyTable(const KLdispatchTable* next);

}  // namespace keel::loader::layers

#endif  // KEEL_LOADER_LAYERS_LAYER_H_
