// keel-dispatch-bench: what a call through libkeel costs on top of calling
// the backend's function directly.
//
// Both paths end in the same function of the test backend "alpha" (which
// records the call on the object and returns): "direct" calls it through the
// backend's own table, as an application holding the backend's function
// pointers would; "via libkeel" calls the exported klXxx, which finds the
// table through the handle (or the thread's current context) and jumps. The
// difference is the loader's dispatch. One entry point of each dispatch kind:
// H (handle), S (stream), C0 (current context).
//
// Usage: keel-dispatch-bench [--iterations N] [--repetitions R]
// Prints ns/call for both paths (median of R repetitions of N calls each).
#include <dlfcn.h>
#include <keel/keel.h>
#include <keel/keel_backend.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fakes/fake_backend.h"

namespace {

volatile int g_sink;

template <typename F>
double NsPerCall(long iterations, F&& call) {
  int acc = 0;
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) acc += call();
  auto stop = std::chrono::steady_clock::now();
  g_sink = acc;
  return std::chrono::duration<double, std::nano>(stop - start).count() / static_cast<double>(iterations);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Fail(const char* what, KLresult r) {
  const char* message = "";
  klGetLastErrorMessage(&message);
  std::fprintf(stderr, "keel-dispatch-bench: %s failed (%d): %s\n", what, static_cast<int>(r), message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 20000000;
  int repetitions = 11;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--repetitions") && i + 1 < argc) repetitions = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: keel-dispatch-bench [--iterations N] [--repetitions R]\n");
      return 2;
    }
  }
  if (iterations < 1 || repetitions < 1) return 2;

  // Only the test backend, wherever libkeel's own plugin directory is: the
  // build tree's, or KEEL_DISPATCH_BENCH_BACKEND_DIR where a copied build
  // (scripts/gpu/pack.sh) put it.
  const char* dir = std::getenv("KEEL_DISPATCH_BENCH_BACKEND_DIR");
  setenv("KEEL_BACKEND_PATH", dir != nullptr && *dir != '\0' ? dir : KEEL_BENCH_FAKE_DIR, 1);
  setenv("KEEL_BACKENDS", "alpha", 1);
  KLresult r = klInit(0);
  if (r != KL_SUCCESS) return Fail("klInit", r);
  KLdevice dev;
  KLcontext ctx;
  KLstream stream;
  KLevent event;
  if ((r = klDeviceGet(&dev, 0)) != KL_SUCCESS) return Fail("klDeviceGet", r);
  if ((r = klCtxCreate(&ctx, 0, dev)) != KL_SUCCESS) return Fail("klCtxCreate", r);
  if ((r = klStreamCreate(&stream, 0)) != KL_SUCCESS) return Fail("klStreamCreate", r);
  if ((r = klEventCreate(&event, 0)) != KL_SUCCESS) return Fail("klEventCreate", r);

  // The backend's own table, as the plugin handed it to the loader.
  KLbackendProperties props;
  if ((r = klGetBackendProperties(&props, 0)) != KL_SUCCESS) return Fail("klGetBackendProperties", r);
  void* plugin = dlopen(props.path, RTLD_NOW | RTLD_NOLOAD);
  auto stats = plugin ? reinterpret_cast<PFN_keelFakeStats>(dlsym(plugin, KEEL_FAKE_STATS_SYMBOL)) : nullptr;
  if (stats == nullptr) {
    std::fprintf(stderr, "keel-dispatch-bench: %s is not the test backend\n", props.path);
    return 1;
  }
  const KLdispatchTable* own = stats()->own_table;

  struct Case {
    const char* kind;
    const char* name;
    double (*direct)(long, KLcontext, KLstream, KLevent, const KLdispatchTable*);
    double (*loader)(long, KLcontext, KLstream, KLevent, const KLdispatchTable*);
  };
  const Case cases[] = {
      {"H", "klEventQuery(event)",
       [](long n, KLcontext, KLstream, KLevent e, const KLdispatchTable* t) {
         auto fn = t->klEventQuery;
         return NsPerCall(n, [&] { return static_cast<int>(fn(e)); });
       },
       [](long n, KLcontext, KLstream, KLevent e, const KLdispatchTable*) {
         return NsPerCall(n, [&] { return static_cast<int>(klEventQuery(e)); });
       }},
      {"S", "klStreamQuery(stream)",
       [](long n, KLcontext, KLstream s, KLevent, const KLdispatchTable* t) {
         auto fn = t->klStreamQuery;
         return NsPerCall(n, [&] { return static_cast<int>(fn(nullptr, s)); });
       },
       [](long n, KLcontext, KLstream s, KLevent, const KLdispatchTable*) {
         return NsPerCall(n, [&] { return static_cast<int>(klStreamQuery(s)); });
       }},
      {"C0", "klCtxSynchronize()",
       [](long n, KLcontext c, KLstream, KLevent, const KLdispatchTable* t) {
         auto fn = t->klCtxSynchronize;
         return NsPerCall(n, [&] { return static_cast<int>(fn(c)); });
       },
       [](long n, KLcontext, KLstream, KLevent, const KLdispatchTable*) {
         return NsPerCall(n, [&] { return static_cast<int>(klCtxSynchronize()); });
       }},
  };

  std::printf("Keel loader dispatch overhead: %ld calls x %d repetitions, median ns/call\n",
              iterations, repetitions);
  std::printf("%-4s %-24s %12s %14s %12s\n", "kind", "call", "direct", "via libkeel", "added");
  for (const Case& c : cases) {
    std::vector<double> direct, loader;
    c.direct(iterations / 10 + 1, ctx, stream, event, own);  // warm up
    c.loader(iterations / 10 + 1, ctx, stream, event, own);
    for (int rep = 0; rep < repetitions; ++rep) {  // interleaved, so drift hits both
      direct.push_back(c.direct(iterations, ctx, stream, event, own));
      loader.push_back(c.loader(iterations, ctx, stream, event, own));
    }
    double d = Median(direct), l = Median(loader);
    std::printf("%-4s %-24s %12.2f %14.2f %12.2f\n", c.kind, c.name, d, l, l - d);
  }
  // The calls really reached the backend: every one was recorded on the event.
  auto* recorded = reinterpret_cast<KeelFakeObject*>(event);
  if (recorded->last_call == nullptr || std::strcmp(recorded->last_call, "klEventQuery") != 0) {
    std::fprintf(stderr, "keel-dispatch-bench: the calls did not reach the backend\n");
    return 1;
  }
  return 0;
}
