// The trace layer (KEEL_LAYERS=trace, output in KEEL_TRACE_FILE or stderr):
// one line per call that reaches a backend, with the thread, the function,
// its arguments (handles as pointers; outputs as "ptr -> value" after a
// successful call), the result name and the time spent below this layer;
// and at exit a summary of calls, errors and total time per entry point.
//
//   keel-trace: 4242 klMemAlloc(ctx=0x55d0c0e0, dptr=0x7ffd5f10 -> 0x7f3a00000000, bytesize=4096) = KL_SUCCESS (3.104 us)
//
// The outermost layer: it sees what the application passed, and the results
// of the layers below (a validation error shows as its code).
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "layers/layer.h"

namespace keel::loader::layers {
namespace {

struct Counter {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> ns{0};
};

struct Trace {
  FILE* out = stderr;
  std::mutex mu;  // one line at a time
  NextTables next;
  Counter counters[kEntryPointCount];
};

// Never destroyed: calls may still arrive while the process exits.
Trace& T() {
  static Trace& t = *new Trace();
  return t;
}

long ThreadId() {
  thread_local long tid = syscall(SYS_gettid);
  return tid;
}

void Printf(std::string& s, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Printf(std::string& s, const char* format, ...) {
  char buf[64];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  s += buf;
}

void Pointer(std::string& s, const void* p) {
  if (p == nullptr)
    s += "NULL";
  else
    Printf(s, "%p", p);
}

// A C string, quoted, at most 96 characters, non-printable bytes escaped.
void Quoted(std::string& s, const char* text) {
  if (text == nullptr) {
    s += "NULL";
    return;
  }
  s += '"';
  size_t n = 0;
  for (const char* p = text; *p; ++p, ++n) {
    if (n == 96) {
      s += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      Printf(s, "\\x%02x", c);
    } else {
      s += static_cast<char>(c);
    }
  }
  s += '"';
}

// KLdeviceptr and size_t are one C++ type: device addresses are told by name.
bool IsAddress(const std::string& name) {
  const std::string suffix = "Device";
  return name == "dptr" || name == "pbase" ||
         (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
}

template <typename T>
void Scalar(std::string& s, const std::string& name, T v) {
  if constexpr (std::is_pointer_v<T>) {
    Pointer(s, reinterpret_cast<const void*>(v));
  } else if constexpr (std::is_enum_v<T>) {
    Printf(s, "%lld", static_cast<long long>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    Printf(s, "%g", static_cast<double>(v));
  } else if constexpr (std::is_unsigned_v<T> && sizeof(T) == 8) {
    if (IsAddress(name))
      Printf(s, "0x%" PRIx64, static_cast<uint64_t>(v));
    else
      Printf(s, "%" PRIu64, static_cast<uint64_t>(v));
  } else if constexpr (std::is_unsigned_v<T>) {
    Printf(s, "%u", static_cast<unsigned>(v));
  } else {
    Printf(s, "%lld", static_cast<long long>(v));
  }
}

// Outputs worth showing after a successful call: handles and numbers.
template <typename P>
constexpr bool kShownOutput =
    (std::is_pointer_v<P> && std::is_class_v<std::remove_pointer_t<P>>) ||
    std::is_arithmetic_v<P>;

template <typename T>
void Arg(std::string& s, const std::string& name, T v, KLresult r) {
  s += name;
  s += '=';
  if constexpr (std::is_same_v<T, const char*>) {
    Quoted(s, v);
  } else if constexpr (std::is_same_v<T, char*>) {  // a name buffer the call fills
    Pointer(s, v);
    if (r == KL_SUCCESS && v != nullptr) {
      s += " -> ";
      Quoted(s, v);
    }
  } else if constexpr (std::is_pointer_v<T> && !std::is_function_v<std::remove_pointer_t<T>>) {
    Pointer(s, v);
    using P = std::remove_pointer_t<T>;
    if constexpr (!std::is_const_v<P> && kShownOutput<P>) {
      if (r == KL_SUCCESS && v != nullptr) {
        s += " -> ";
        Scalar(s, name, *v);
      }
    }
  } else {
    Scalar(s, name, v);
  }
}

template <Ep E, typename Fn, typename... A>
KLresult Traced(Fn KLdispatchTable::*slot, const void* object, A... a) {
  Trace& t = T();
  const KLdispatchTable* next = t.next.For(TableOf(object));
  const auto start = std::chrono::steady_clock::now();
  const KLresult r = (next->*slot)(a...);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();

  Counter& counter = t.counters[static_cast<int>(E)];
  counter.calls.fetch_add(1, std::memory_order_relaxed);
  counter.ns.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
  if (r != KL_SUCCESS) counter.errors.fetch_add(1, std::memory_order_relaxed);

  const EntryPointInfo& info = Info(E);
  std::string line = "keel-trace: ";
  Printf(line, "%ld ", ThreadId());
  line += info.name;
  line += '(';
  size_t i = 0;
  ((line += i ? ", " : "", Arg(line, info.params[i], a, r), ++i), ...);
  const char* result = nullptr;
  if (klGetErrorName(r, &result) != KL_SUCCESS) result = "unknown result";
  line += ") = ";
  line += result;
  Printf(line, " (%.3f us)\n", static_cast<double>(ns) / 1000.0);
  {
    std::lock_guard<std::mutex> lock(t.mu);
    std::fputs(line.c_str(), t.out);
  }
  return r;
}

// ---- the slots ------------------------------------------------------------------------

#define TRACE_SLOT_ANY(kind, name, dispatch, params, args)                                  \
  KLresult Trace_##name KEEL_LAYER_PARAMS_##kind(params) {                                   \
    return Traced<Ep::name>(&KLdispatchTable::name, KEEL_LAYER_OBJECT_##kind(dispatch),      \
                            KEEL_LAYER_ARGS_##kind(args));                                   \
  }
#define TRACE_SLOT_H(...) TRACE_SLOT_ANY(__VA_ARGS__)
#define TRACE_SLOT_HX(...) TRACE_SLOT_ANY(__VA_ARGS__)
#define TRACE_SLOT_C(...) TRACE_SLOT_ANY(__VA_ARGS__)
#define TRACE_SLOT_C0(...) TRACE_SLOT_ANY(__VA_ARGS__)
#define TRACE_SLOT_S(...) TRACE_SLOT_ANY(__VA_ARGS__)
#define TRACE_SLOT_B(...) /* backend-internal (keelBackendCtxMadeCurrent): not traced */
#define TRACE_SLOT(kind, name, dispatch, params, args) \
  TRACE_SLOT_##kind(kind, name, dispatch, params, args)
KEEL_ENTRY_POINTS(TRACE_SLOT)

void Summary() {
  Trace& t = T();
  struct Row {
    const char* name;
    uint64_t calls, errors, ns;
  };
  std::vector<Row> rows;
  uint64_t calls = 0, ns = 0;
  for (int i = 0; i < kEntryPointCount; ++i) {
    const Counter& c = t.counters[i];
    Row row{Info(static_cast<Ep>(i)).name, c.calls.load(), c.errors.load(), c.ns.load()};
    if (row.calls == 0) continue;
    rows.push_back(row);
    calls += row.calls;
    ns += row.ns;
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.ns != b.ns ? a.ns > b.ns : std::strcmp(a.name, b.name) < 0;
  });
  std::lock_guard<std::mutex> lock(t.mu);
  std::fprintf(t.out, "keel-trace: summary: %" PRIu64 " calls of %zu entry points, %.3f ms in Keel\n",
               calls, rows.size(), static_cast<double>(ns) / 1e6);
  std::fprintf(t.out, "keel-trace: summary: %10s %8s %12s %10s  %s\n", "calls", "errors", "total ms",
               "mean us", "entry point");
  for (const Row& r : rows) {
    std::fprintf(t.out, "keel-trace: summary: %10" PRIu64 " %8" PRIu64 " %12.3f %10.3f  %s\n", r.calls,
                 r.errors, static_cast<double>(r.ns) / 1e6,
                 static_cast<double>(r.ns) / 1e3 / static_cast<double>(r.calls), r.name);
  }
  std::fflush(t.out);
}

const KLdispatchTable* MakeTable(const Backend& b, const KLdispatchTable* next) {
  Trace& t = T();
  static bool started = false;  // klInit's once-guard serializes this
  if (!started) {
    started = true;
    if (const char* path = secure_getenv("KEEL_TRACE_FILE")) {
      if (FILE* f = std::fopen(path, "a")) {
        setvbuf(f, nullptr, _IOLBF, 0);
        t.out = f;
      } else {
        Log(KL_LOG_ERROR, "cannot open KEEL_TRACE_FILE '%s': %s; tracing to stderr", path,
            std::strerror(errno));
      }
    }
    std::atexit(Summary);
  }
  t.next.Add(b.table, next);
  KLdispatchTable* table = CopyTable(next);
#define TRACE_FILL_ANY(name) \
  if (next->name != nullptr) table->name = Trace_##name;
#define TRACE_FILL_H TRACE_FILL_ANY
#define TRACE_FILL_HX TRACE_FILL_ANY
#define TRACE_FILL_C TRACE_FILL_ANY
#define TRACE_FILL_C0 TRACE_FILL_ANY
#define TRACE_FILL_S TRACE_FILL_ANY
#define TRACE_FILL_B(name)
#define TRACE_FILL(kind, name, dispatch, params, args) TRACE_FILL_##kind(name)
  KEEL_ENTRY_POINTS(TRACE_FILL)
  return table;
}

}  // namespace

extern const Layer kTraceLayer{"trace", MakeTable};

}  // namespace keel::loader::layers
