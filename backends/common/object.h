// The object header every backend handle starts with, and the checks around it.
#ifndef KEEL_BACKENDS_COMMON_OBJECT_H_
#define KEEL_BACKENDS_COMMON_OBJECT_H_

#include <keel/keel_backend.h>

#include "common/services.h"

namespace keel {

// Base of every backend object. Must stay the first base (offset 0) and the
// class must stay standard-layout up to it: the loader reads `header.dispatch`
// through the handle. No virtual functions in derived classes (a vtable
// pointer would take offset 0).
struct Object {
  KLobjectHeader header;
  Object() { header.dispatch = services().dispatch; }
};

// Converts an opaque handle to the backend type it points at.
template <typename T, typename H>
inline T* FromHandle(H handle) {
  return reinterpret_cast<T*>(handle);
}

template <typename H, typename T>
inline H ToHandle(T* object) {
  return reinterpret_cast<H>(object);
}

// True if a handle passed next to the dispatching one (the stream of a launch,
// the event of a wait) belongs to this backend. Handles of another backend
// carry another table pointer.
template <typename H>
inline bool IsOwnHandle(H handle) {
  return handle != nullptr &&
         reinterpret_cast<const KLobjectHeader*>(handle)->dispatch == services().dispatch;
}

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_OBJECT_H_
