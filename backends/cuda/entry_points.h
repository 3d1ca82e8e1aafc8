// Declarations of every Keel entry point the CUDA backend implements, derived
// from the one list (keel_entry_points.h) with the backend-side signature of
// each kind. backend.cc fills the dispatch table from the same list, so an
// entry point without a definition fails the link (-Wl,--no-undefined).
#ifndef KEEL_BACKENDS_CUDA_ENTRY_POINTS_H_
#define KEEL_BACKENDS_CUDA_ENTRY_POINTS_H_

#include <keel/keel_backend.h>

namespace keel::cuda {

#define KEEL_CUDA_DECL_H(name, params) KLresult name params;
#define KEEL_CUDA_DECL_HX(name, params) KLresult name params;
#define KEEL_CUDA_DECL_B(name, params) KLresult name params;
#define KEEL_CUDA_DECL_C(name, params) KLresult name(KLcontext ctx, KEEL_UNPAREN params);
#define KEEL_CUDA_DECL_S(name, params) KLresult name(KLcontext ctx, KEEL_UNPAREN params);
#define KEEL_CUDA_DECL_C0(name, params) KLresult name(KLcontext ctx);
#define KEEL_CUDA_DECL(kind, name, dispatch, params, args) KEEL_CUDA_DECL_##kind(name, params)
KEEL_ENTRY_POINTS(KEEL_CUDA_DECL)
#undef KEEL_CUDA_DECL

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_ENTRY_POINTS_H_
