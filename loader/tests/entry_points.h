// Every exported entry point of KEEL_ENTRY_POINTS as data, so that a test
// can call any of them generically: a new entry point in the list is covered
// by the dispatch tests without a line of test code.
#ifndef KEEL_LOADER_TESTS_ENTRY_POINTS_H_
#define KEEL_LOADER_TESTS_ENTRY_POINTS_H_

#include <keel/keel_backend.h>

#include <cstddef>
#include <cstring>
#include <ostream>
#include <type_traits>
#include <vector>

namespace keel::test {

// Handles of one backend that the arguments of a call are taken from.
struct Handles {
  KLdevice dev = nullptr;
  KLcontext ctx = nullptr;
  KLmodule mod = nullptr;
  KLfunction func = nullptr;
  KLstream stream = nullptr;
  KLevent event = nullptr;
  KLlinkState link = nullptr;
  KLstream stream_arg = nullptr;  // what a KLstream parameter receives
  // Zeroed memory that pointer parameters point into.
  alignas(16) unsigned char scratch[16][256] = {};
  int next_scratch = 0;
};

inline void NoOpHostFn(void*) {}

// The value a parameter of type T gets: the handle of that type, scratch
// memory for a pointer, 1 for an enum, 8 for a number.
template <typename T>
T Arg(Handles& h) {
  if constexpr (std::is_same_v<T, KLdevice>) return h.dev;
  else if constexpr (std::is_same_v<T, KLcontext>) return h.ctx;
  else if constexpr (std::is_same_v<T, KLmodule>) return h.mod;
  else if constexpr (std::is_same_v<T, KLfunction>) return h.func;
  else if constexpr (std::is_same_v<T, KLstream>) return h.stream_arg;
  else if constexpr (std::is_same_v<T, KLevent>) return h.event;
  else if constexpr (std::is_same_v<T, KLlinkState>) return h.link;
  else if constexpr (std::is_same_v<T, KLhostFn>) return &NoOpHostFn;
  else if constexpr (std::is_pointer_v<T>) return (T)(void*)h.scratch[h.next_scratch++ % 16];
  else if constexpr (std::is_enum_v<T>) return static_cast<T>(1);
  else return static_cast<T>(8);
}

template <typename R, typename... P>
R Call(R (*fn)(P...), Handles& h) {
  h.next_scratch = 0;
  return fn(Arg<P>(h)...);
}

struct EntryPoint {
  const char* name;
  char kind;             // 'H', 'X' (HX), 'C', '0' (C0), 'S'
  const char* dispatch;  // the dispatching parameter's name ("_" for C and C0)
  size_t offset;         // of its slot in KLdispatchTable
  KLresult (*call)(Handles&);
  // The handle the call dispatches on (H, HX, S); for S NULL means "the
  // current context".
  const void* (*handle)(Handles&);
};

inline void PrintTo(const EntryPoint& ep, std::ostream* os) { *os << ep.name; }

#define KEEL_TEST_EP_CALL(name) [](Handles& h) { return Call(&::name, h); }
#define KEEL_TEST_EP_HANDLE(params, dispatch) \
  [](Handles& h) { return Call(+[] params -> const void* { return dispatch; }, h); }
#define KEEL_TEST_EP_H(name, dispatch, params, args) \
  {#name, 'H', #dispatch, offsetof(KLdispatchTable, name), KEEL_TEST_EP_CALL(name), KEEL_TEST_EP_HANDLE(params, dispatch)},
#define KEEL_TEST_EP_HX(name, dispatch, params, args) \
  {#name, 'X', #dispatch, offsetof(KLdispatchTable, name), KEEL_TEST_EP_CALL(name), KEEL_TEST_EP_HANDLE(params, dispatch)},
#define KEEL_TEST_EP_S(name, dispatch, params, args) \
  {#name, 'S', #dispatch, offsetof(KLdispatchTable, name), KEEL_TEST_EP_CALL(name), KEEL_TEST_EP_HANDLE(params, dispatch)},
#define KEEL_TEST_EP_C(name, dispatch, params, args) \
  {#name, 'C', #dispatch, offsetof(KLdispatchTable, name), KEEL_TEST_EP_CALL(name), nullptr},
#define KEEL_TEST_EP_C0(name, dispatch, params, args) \
  {#name, '0', #dispatch, offsetof(KLdispatchTable, name), KEEL_TEST_EP_CALL(name), nullptr},
#define KEEL_TEST_EP_B(name, dispatch, params, args) /* not exported */
#define KEEL_TEST_EP(kind, name, dispatch, params, args) KEEL_TEST_EP_##kind(name, dispatch, params, args)

inline const std::vector<EntryPoint>& AllEntryPoints() {
  static const std::vector<EntryPoint> all = {KEEL_ENTRY_POINTS(KEEL_TEST_EP)};
  return all;
}

// True if the backend table `t` implements the slot at `offset`: it lies
// wholly inside t->size and is not NULL (the rule of keel_backend.h).
inline bool SlotFilled(const KLdispatchTable* t, size_t offset) {
  if (offset + sizeof(void (*)()) > t->size) return false;
  void (*slot)();
  std::memcpy(&slot, reinterpret_cast<const char*>(t) + offset, sizeof slot);
  return slot != nullptr;
}

}  // namespace keel::test

#endif  // KEEL_LOADER_TESTS_ENTRY_POINTS_H_
