// keel-bandwidth-probe: what puts Vulkan device memory in the slow state?
//
// On the H100 (docs/results/h100-vulkan-bandwidth-isolation.txt) the
// device-memory bandwidth of Vulkan work in a process drops 2-2.5x
// (memcpy.dtod.256MiB 391 -> 166 GB/s, vecadd 2600 -> 1050 GB/s) once
// 256 MiB pinned host<->device copies have run in the same process, for raw
// Vulkan and Keel alike. This probe, through the public Keel API only, times
// DtoD copies and D32 memsets on buffers allocated before and after pinned
// copies, after the pinned buffer is freed, and after pageable copies, to
// tell whether the slow state sticks to memory allocated afterwards or to
// the whole process, and what triggers it.
//
// The answer (docs/performance.md, "the slow state is the SM clock"): the
// SM clock, which NVIDIA's driver lowers (without a CUDA context) once the
// SMs have idled for a while and raises only after 200-500 ms of load.
// keel-bench's vector add after the copy figures ran at 345-615 MHz; with
// a 1 s untimed warm-up it runs at full bandwidth on the same allocations.
// This probe's runs are short and never left 1980 MHz on the H100, so it
// never saw the state; it stays as a tool for placement questions.
//
// keel-bench has two Vulkan devices in its process (raw's and Keel's); the
// probe can have two too: `--contexts 2` creates a second Keel context (its
// own VkDevice) and `--traffic-on 1,2` says in which contexts the host copies
// of step 2 and the allocations of step 7 run. Buffers A1/B1, the ones
// measured, always belong to context 1.
//
//   keel-bandwidth-probe --backend vulkan|cuda [--size MiB (256)]
//                        [--steps LIST (default 1,2,3,4,5,6; also 7, 8)]
//                        [--contexts 1|2 (1)] [--traffic-on 1|2|1,2 (1)]
//
// Steps: 1 fresh buffers; 2 pinned host copies; 7 alloc + free of SIZE, 20
// times; 3 new buffers; 4 pinned buffer freed; 5 pageable copies; 6 free all
// but A1/B1; 8 destroy the second context (with --contexts 2). Those listed
// run in that order. --traffic-on lists contexts, 1 and 2 only, and 2 only
// with --contexts 2.
//
// Prints `probe: <backend> <step> dtod <GB/s> memset <GB/s>` per measurement
// (median of 5). Exit 0 done, 1 a Keel call failed, 2 bad usage, 77 no such
// device.
#include <keel/keel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string g_backend;
size_t g_bytes = 0;

void Check(KLresult r, const char* call) {
  if (r == KL_SUCCESS) return;
  const char *name = nullptr, *text = nullptr, *last = nullptr;
  if (klGetErrorName(r, &name) != KL_SUCCESS) name = "unknown KLresult";
  if (klGetErrorString(r, &text) != KL_SUCCESS) text = "";
  if (klGetLastErrorMessage(&last) != KL_SUCCESS || !last) last = "";
  std::printf("probe: FAILED %s: %s (%d): %s%s%s\n", call, name, static_cast<int>(r), text,
              *last ? " | " : "", last);
  std::fflush(stdout);
  std::exit(1);
}
#define KL(call) Check((call), #call)

// A progress line, printed before the work it names.
void Say(const std::string& what) {
  std::printf("probe: %s %s\n", g_backend.c_str(), what.c_str());
  std::fflush(stdout);
}

// The first device of the named backend; exits 77 if it has none here.
KLdevice FindDevice(const std::string& backend) {
  KLresult init = klInit(0);
  int count = 0;
  KL(klGetBackendCount(&count));
  for (int i = 0; i < count; ++i) {
    KLbackendProperties props{};
    KL(klGetBackendProperties(&props, i));
    if (backend != props.name) continue;
    if (props.status != KL_BACKEND_STATUS_LOADED) {
      std::printf("probe: %s backend not usable (status %d): %s\n", props.name,
                  static_cast<int>(props.status), props.reason);
      std::exit(props.status == KL_BACKEND_STATUS_LOAD_FAILED ? 1 : 77);
    }
    KL(init);
    int devices = 0;
    KL(klDeviceGetCount(&devices));
    for (int d = 0; d < devices; ++d) {
      KLdevice dev = nullptr;
      int index = -1;
      KL(klDeviceGet(&dev, d));
      KL(klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, dev));
      if (index == i) {
        char name[256] = {};
        KL(klDeviceGetName(name, sizeof name, dev));
        std::printf("probe: %s device \"%s\", backend %s, size %zu MiB\n", backend.c_str(), name,
                    props.version, g_bytes >> 20);
        return dev;
      }
    }
  }
  std::printf("probe: no %s device (KEEL_BACKENDS=%s)\n", backend.c_str(),
              std::getenv("KEEL_BACKENDS") ? std::getenv("KEEL_BACKENDS") : "(unset)");
  std::exit(77);
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Pair { KLdeviceptr a = 0, b = 0; };

Pair Alloc() {
  Pair p;
  KL(klMemAlloc(&p.a, g_bytes));
  KL(klMemAlloc(&p.b, g_bytes));
  return p;
}

void Free(Pair& p) {
  KL(klMemFree(p.a));
  KL(klMemFree(p.b));
  p = Pair{};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median GB/s of 5 DtoD copies B -> A, and of 5 D32 memsets of A, each synced.
void Measure(const char* label, const Pair& p) {
  if (!p.a) return;  // its step was not run
  std::vector<double> dtod, fill;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    KL(klMemcpyDtoD(p.a, p.b, g_bytes));
    KL(klCtxSynchronize());
    dtod.push_back(g_bytes / Seconds(t0) / 1e9);
  }
  static unsigned pattern = 0x5eed0000u;
  ++pattern;  // a new value per measurement, so the check below sees this one's
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    KL(klMemsetD32(p.a, pattern, g_bytes / 4));
    KL(klCtxSynchronize());
    fill.push_back(g_bytes / Seconds(t0) / 1e9);
  }
  unsigned first = 0, last = 0;  // the memsets really ran
  KL(klMemcpyDtoH(&first, p.a, 4));
  KL(klMemcpyDtoH(&last, p.a + g_bytes - 4, 4));
  if (first != pattern || last != pattern) {
    std::printf("probe: %s: memset check failed (%#x %#x, want %#x)\n", label, first, last,
                pattern);
    std::exit(1);
  }
  std::printf("probe: %s %s dtod %.1f memset %.1f\n", g_backend.c_str(), label, Median(dtod),
              Median(fill));
  std::fflush(stdout);
}

// 3x HtoD into a, 3x DtoH out of it, synced; prints the mean rates.
void HostCopies(const char* kind, void* host, KLdeviceptr a) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) KL(klMemcpyHtoD(a, host, g_bytes));
  KL(klCtxSynchronize());
  double htod = 3.0 * g_bytes / Seconds(t0) / 1e9;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) KL(klMemcpyDtoH(host, a, g_bytes));
  KL(klCtxSynchronize());
  double dtoh = 3.0 * g_bytes / Seconds(t0) / 1e9;
  std::printf("probe: %s %s copies done: htod %.1f GB/s, dtoh %.1f GB/s\n", g_backend.c_str(),
              kind, htod, dtoh);
  std::fflush(stdout);
}

// Step 2's pinned host copies in the second context (the current context is
// restored), through a device and a pinned buffer of its own, freed afterwards.
void HostCopiesInSecond(KLcontext ctx) {
  KL(klCtxPushCurrent(ctx));
  KLdeviceptr a = 0;
  void* host = nullptr;
  KL(klMemAlloc(&a, g_bytes));
  KL(klMemHostAlloc(&host, g_bytes, 0));
  std::memset(host, 0x3c, g_bytes);
  HostCopies("pinned (context 2)", host, a);
  KL(klMemFreeHost(host));
  KL(klMemFree(a));
  KL(klCtxPopCurrent(nullptr));
}

// Fails the run unless `ctx` is the calling thread's current context.
void ExpectCurrent(KLcontext ctx, const char* when) {
  KLcontext current = nullptr;
  KL(klCtxGetCurrent(&current));
  if (current == ctx) return;
  std::printf("probe: FAILED %s: context 1 is not current\n", when);
  std::fflush(stdout);
  std::exit(1);
}

// 20 device allocations of the probe's size, each freed at once, in `ctx`.
void AllocFree(KLcontext ctx) {
  KL(klCtxPushCurrent(ctx));
  for (int i = 0; i < 20; ++i) {
    KLdeviceptr p = 0;
    KL(klMemAlloc(&p, g_bytes));
    KL(klMemFree(p));
  }
  KL(klCtxPopCurrent(nullptr));
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 256;
  std::string steps = "1,2,3,4,5,6";
  int contexts = 1;
  std::string traffic_on = "1";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--backend" && i + 1 < argc) g_backend = argv[++i];
    else if (arg == "--contexts" && i + 1 < argc) {
      std::string v = argv[++i];
      contexts = v == "1" ? 1 : v == "2" ? 2 : 0;  // anything else: usage
    }
    else if (arg == "--traffic-on" && i + 1 < argc) traffic_on = argv[++i];
    else if (arg == "--size" && i + 1 < argc) mib = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--steps" && i + 1 < argc) steps = argv[++i];
    else g_backend.clear(), i = argc;
  }
  auto listed = [](const std::string& list, char item) {
    return ("," + list + ",").find(std::string(",") + item + ",") != std::string::npos;
  };
  // --traffic-on: a non-empty list of 1 and 2, and 2 only with a second context.
  bool traffic_ok = !traffic_on.empty();
  for (size_t start = 0; traffic_ok && start <= traffic_on.size();) {
    size_t end = traffic_on.find(',', start);
    if (end == std::string::npos) end = traffic_on.size();
    std::string item = traffic_on.substr(start, end - start);
    traffic_ok = item == "1" || (item == "2" && contexts == 2);
    start = end + 1;
  }
  if (g_backend.empty() || mib == 0 || contexts == 0 || !traffic_ok) {
    std::fprintf(stderr,
                 "usage: %s --backend NAME [--size MiB (256)]\n"
                 "          [--steps LIST (default 1,2,3,4,5,6; also 7, 8)]\n"
                 "          [--contexts 1|2 (1)] [--traffic-on 1|2|1,2 (1; 2 needs --contexts 2)]\n",
                 argv[0]);
    return 2;
  }
  auto run = [&](char step) { return listed(steps, step); };
  g_bytes = mib << 20;
  setenv("KEEL_BACKENDS", g_backend.c_str(), 0);  // only this plugin in the process
  KLdevice dev = FindDevice(g_backend);
  KLcontext ctx = nullptr, ctx2 = nullptr;
  KL(klCtxCreate(&ctx, 0, dev));
  if (contexts == 2) {
    KL(klCtxCreate(&ctx2, 0, dev));  // pushed: current now
    KLcontext popped = nullptr;
    KL(klCtxPopCurrent(&popped));  // back to context 1 alone on the stack
    if (popped != ctx2) {
      std::printf("probe: FAILED klCtxPopCurrent: did not pop the second context\n");
      return 1;
    }
    ExpectCurrent(ctx, "after creating the second context");
    Say("second context created (its own device); traffic on contexts " + traffic_on);
  }

  Pair p1 = Alloc(), p2, p3, p4;  // A1/B1 exist in every run; the others per step
  void* pinned = nullptr;
  if (run('1')) {
    Say("step 1: fresh buffers A1/B1");
    Measure("1.fresh.A1B1", p1);
  }
  if (run('2')) {
    Say("step 2: klMemHostAlloc, 3x HtoD + 3x DtoH, in each context of --traffic-on");
    KL(klMemHostAlloc(&pinned, g_bytes, 0));
    std::memset(pinned, 0x3c, g_bytes);
    if (listed(traffic_on, '1')) HostCopies("pinned", pinned, p1.a);
    if (ctx2 && listed(traffic_on, '2')) HostCopiesInSecond(ctx2);
    Measure("2.after-pinned.old.A1B1", p1);
  }
  if (run('7')) {
    Say("step 7: 20x alloc + free, in each context of --traffic-on");
    if (listed(traffic_on, '1')) AllocFree(ctx);
    if (ctx2 && listed(traffic_on, '2')) AllocFree(ctx2);
    Measure("7.after-alloc-free.A1B1", p1);
  }
  if (run('3')) {
    Say("step 3: new buffers A2/B2 after the pinned copies");
    p2 = Alloc();
    Measure("3.after-pinned.new.A2B2", p2);
  }
  if (run('4')) {
    Say("step 4: klMemFreeHost the pinned buffer, then new A3/B3");
    KL(klMemFreeHost(pinned));  // NULL if step 2 was not run: a no-op
    pinned = nullptr;
    Measure("4.pinned-freed.A1B1", p1);
    Measure("4.pinned-freed.A2B2", p2);
    p3 = Alloc();
    Measure("4.pinned-freed.new.A3B3", p3);
  }
  if (run('5')) {
    Say("step 5: malloc'd (pageable) buffer, 3x HtoD + 3x DtoH through A1");
    std::vector<char> pageable(g_bytes, 0x5a);  // touched by the fill
    HostCopies("pageable", pageable.data(), p1.a);
    Measure("5.after-pageable.A1B1", p1);
    p4 = Alloc();
    Measure("5.after-pageable.new.A4B4", p4);
  }
  if (run('6')) {
    Say("step 6: free everything but A1/B1");
    for (Pair* p : {&p2, &p3, &p4})
      if (p->a) Free(*p);
    KL(klMemFreeHost(pinned));  // NULL (freed in step 4, or step 2 not run) is a no-op
    pinned = nullptr;
    Measure("6.alone.A1B1", p1);
  }
  if (run('8') && ctx2) {
    Say("step 8: destroy the second context");
    KL(klCtxDestroy(ctx2));  // not on this thread's stack: context 1 stays current
    ctx2 = nullptr;
    ExpectCurrent(ctx, "after destroying the second context");
    Measure("8.second-destroyed.A1B1", p1);
  }
  for (Pair* p : {&p1, &p2, &p3, &p4})
    if (p->a) Free(*p);
  KL(klMemFreeHost(pinned));
  if (ctx2) KL(klCtxDestroy(ctx2));
  KL(klCtxDestroy(ctx));
  Say("done");
  return 0;
}
