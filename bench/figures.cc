// The figures, written once against the Target interface: the raw and the
// Keel side run the very same code, only the target differs.
#include "figures.h"

#include <cstring>
#include <memory>

#include "targets.h"

namespace kb {

const char* UnitName(Unit u) {
  switch (u) {
    case Unit::kNs: return "ns";
    case Unit::kUs: return "us";
    case Unit::kMs: return "ms";
    case Unit::kGBps: return "GB/s";
  }
  return "?";
}

double ToUnit(Unit u, double ns_per_op, double bytes_per_op) {
  switch (u) {
    case Unit::kNs: return ns_per_op;
    case Unit::kUs: return ns_per_op / 1e3;
    case Unit::kMs: return ns_per_op / 1e6;
    case Unit::kGBps: return bytes_per_op / ns_per_op;  // bytes/ns == GB/s
  }
  return NAN;
}

std::string SizeName(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return Format("%zuMiB", bytes >> 20);
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return Format("%zuKiB", bytes >> 10);
  return Format("%zuB", bytes);
}

std::vector<size_t> CopySizes(bool quick) {
  if (quick) return {4, 64u << 10, 1u << 20};
  return {4, 64u << 10, 16u << 20, 256u << 20};
}

size_t VecAddElements(bool quick) { return quick ? (size_t{1} << 20) : (size_t{64} << 20); }

int BandwidthWarmupMs(const Options& o) { return o.warmup_ms >= 0 ? o.warmup_ms : (o.quick ? 0 : 1000); }

std::string VecAddId(bool quick) { return Format("vecadd.%zuMi", VecAddElements(quick) >> 20); }

namespace {

// Both sides identical: the usual case.
Prepare Both(std::function<Prepared(Target&)> f) {
  return [f](Target& self, Target&) { return f(self); };
}

TimingPlan Plan(const Options& o, int max_n, double target_ns, int reps = 31, int warmup = 3) {
  TimingPlan p;
  p.warmup = o.quick ? 1 : warmup;
  p.reps = o.reps > 0 ? o.reps : (o.quick ? 3 : reps);
  p.target_ns = o.quick ? target_ns / 10 : target_ns;
  p.max_n = o.quick ? std::max(1, std::min(max_n, 16)) : max_n;
  return p;
}

// A plan with a fixed number of operations per sample.
TimingPlan FixedPlan(const Options& o, int n, int quick_n, int reps = 31, int warmup = 3) {
  TimingPlan p = Plan(o, 1, 0, reps, warmup);
  p.min_n = p.max_n = o.quick ? quick_n : n;
  return p;
}

// ---- launches, events, streams ---------------------------------------------

// Small vector-add buffers for the 4-argument launch figures.
struct SmallVecAdd {
  Target* t;
  VecAddArgs args;
  std::vector<float> a, b, want;
  HostBuf out;
};

std::shared_ptr<SmallVecAdd> MakeSmallVecAdd(Target& t, int n) {
  auto s = std::make_shared<SmallVecAdd>();
  s->t = &t;
  size_t bytes = sizeof(float) * static_cast<size_t>(n);
  s->args.n = n;
  s->args.block = 256;
  s->args.a = t.Alloc(bytes);
  s->args.b = t.Alloc(bytes);
  s->args.c = t.Alloc(bytes);
  s->out = t.HostAlloc(bytes, false);
  s->a.resize(n);
  s->b.resize(n);
  s->want.resize(n);
  for (int i = 0; i < n; ++i) {
    s->a[i] = 1.0f + static_cast<float>(i % 97) / 128.0f;
    s->b[i] = 2.0f + static_cast<float>(i % 89) / 64.0f;
    s->want[i] = s->a[i] + s->b[i];
  }
  HostBuf staging = t.HostAlloc(bytes, false);
  std::memcpy(staging.ptr, s->a.data(), bytes);
  t.HtoD(s->args.a, staging, bytes);
  std::memcpy(staging.ptr, s->b.data(), bytes);
  t.HtoD(s->args.b, staging, bytes);
  t.CtxSync();
  t.HostFree(staging);
  return s;
}

void FreeSmallVecAdd(SmallVecAdd& s) {
  s.t->Free(s.args.a);
  s.t->Free(s.args.b);
  s.t->Free(s.args.c);
  s.t->HostFree(s.out);
}

// Poisons c, launches once, checks c == a + b element by element.
void VerifyVecAdd(Target& t, const VecAddArgs& args, ArgMode mode, const std::vector<float>& want,
                  const HostBuf& out) {
  size_t bytes = sizeof(float) * static_cast<size_t>(args.n);
  t.MemsetD32(args.c, 0x7FC00001u /* a NaN no sum equals */, static_cast<size_t>(args.n));
  t.CtxSync();
  t.LaunchVecAdd(1, mode, args);
  t.StreamSync();
  t.DtoH(out, args.c, bytes);
  CheckEqual(out.ptr, want.data(), bytes, "VecAdd result c = a + b");
}

void AddLaunchFigures(std::vector<Figure>* figs, const Options& o) {
  figs->push_back({"launch.empty",
                   "CPU time per asynchronous launch of an empty kernel (<<<1,32>>>, batch, "
                   "sync untimed)",
                   Unit::kUs, 0, Plan(o, 256, 1e6), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      t.LaunchEmpty(n);
      double t1 = NowNs();
      t.StreamSync();
      return t1 - t0;
    };
    p.verify = [&t] {
      t.LaunchEmpty(1);
      t.StreamSync();
    };
    return p;
  });

  for (ArgMode mode : {ArgMode::kParams, ArgMode::kExtra}) {
    bool params = mode == ArgMode::kParams;
    figs->push_back({params ? "launch.args4.params" : "launch.args4.extra",
                     params ? "CPU time per asynchronous launch of VecAdd(a, b, c, n), "
                              "kernelParams"
                            : "CPU time per asynchronous launch of VecAdd(a, b, c, n), packed "
                              "extra",
                     Unit::kUs, 0, Plan(o, 256, 1e6), nullptr, nullptr});
    figs->back().raw = figs->back().keel = Both([mode](Target& t) {
      auto s = MakeSmallVecAdd(t, 256);
      Prepared p;
      p.sample = [s, mode](int n) {
        double t0 = NowNs();
        s->t->LaunchVecAdd(n, mode, s->args);
        double t1 = NowNs();
        s->t->StreamSync();
        return t1 - t0;
      };
      p.verify = [s, mode] { VerifyVecAdd(*s->t, s->args, mode, s->want, s->out); };
      p.cleanup = [s] { FreeSmallVecAdd(*s); };
      return p;
    });
  }

  figs->push_back({"launch.throughput",
                   "time per launch of empty kernels back to back, including the final synchronize",
                   Unit::kUs, 0, FixedPlan(o, 2000, 64, 15), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      t.LaunchEmpty(n);
      t.StreamSync();
      return NowNs() - t0;
    };
    return p;
  });

  figs->push_back({"launch.roundtrip", "one empty launch + stream synchronize, round trip",
                   Unit::kUs, 0, Plan(o, 1000, 2e6), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      for (int i = 0; i < n; ++i) {
        t.LaunchEmpty(1);
        t.StreamSync();
      }
      return NowNs() - t0;
    };
    return p;
  });

  figs->push_back({"event.record", "CPU time per event record on a stream (sync untimed)",
                   Unit::kUs, 0, Plan(o, 256, 5e5), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      t.EventRecord(n);
      double t1 = NowNs();
      t.StreamSync();
      return t1 - t0;
    };
    return p;
  });

  figs->push_back({"event.elapsed", "elapsed-time query between two completed events",
                   Unit::kUs, 0, Plan(o, 1000, 5e5), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    t.EventPrepareElapsed();
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      t.EventElapsed(n);
      return NowNs() - t0;
    };
    p.verify = [&t] {
      float ms = t.EventElapsed(1);
      if (!(ms >= 0.0f) || !std::isfinite(ms))
        throw Error(Format("elapsed time %g ms is not a finite non-negative time", ms));
    };
    return p;
  });

  figs->push_back({"stream.create_destroy", "create + destroy one stream", Unit::kUs, 0,
                   Plan(o, 100, 1e6), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([](Target& t) {
    Prepared p;
    p.sample = [&t](int n) {
      double t0 = NowNs();
      t.StreamCreateDestroy(n);
      return NowNs() - t0;
    };
    return p;
  });
}

// ---- memory -----------------------------------------------------------------

void AddAllocFigures(std::vector<Figure>* figs, const Options& o) {
  std::vector<size_t> sizes = {4u << 10, 1u << 20, o.quick ? (16u << 20) : (256u << 20)};
  for (size_t size : sizes) {
    figs->push_back({"alloc_free." + SizeName(size), "device alloc + free of " + SizeName(size),
                     Unit::kUs, 0, Plan(o, size > (16u << 20) ? 10 : 100, 2e6), nullptr,
                     nullptr});
    figs->back().raw = figs->back().keel = Both([size](Target& t) {
      Prepared p;
      p.sample = [&t, size](int n) {
        double t0 = NowNs();
        for (int i = 0; i < n; ++i) t.Free(t.Alloc(size));
        return NowNs() - t0;
      };
      // The allocation is usable: a fill and a read-back of its first and last words.
      p.verify = [&t, size] {
        DevBuf d = t.Alloc(size);
        HostBuf h = t.HostAlloc(size, false);
        uint32_t v = NextSeed();
        t.MemsetD32(d, v, size / 4);
        t.CtxSync();
        t.DtoH(h, d, size);
        std::vector<uint32_t> want(size / 4, v);
        CheckEqual(h.ptr, want.data(), size, "fill of a fresh allocation");
        t.HostFree(h);
        t.Free(d);
      };
      return p;
    });
  }
}

enum class Dir { kHtoD, kDtoH, kDtoD };

struct CopyState {
  Target* t;
  size_t bytes;
  DevBuf dev, dev2;
  HostBuf host, check;
};

void AddCopyFigure(std::vector<Figure>* figs, const Options& o, Dir dir, bool pinned, size_t size) {
  const char* dname = dir == Dir::kHtoD ? "htod" : dir == Dir::kDtoH ? "dtoh" : "dtod";
  std::string id = std::string("memcpy.") + dname;
  std::string what = std::string("synchronous memcpy ") +
                     (dir == Dir::kHtoD ? "host->device" : dir == Dir::kDtoH ? "device->host"
                                                                             : "device->device");
  if (dir != Dir::kDtoD) {
    id += pinned ? ".pinned" : ".pageable";
    what += pinned ? ", pinned host memory" : ", pageable host memory";
  }
  id += "." + SizeName(size);
  what += ", " + SizeName(size) + " (ends with a context synchronize)";
  bool small = size < (1u << 20);
  Unit unit = small ? Unit::kUs : Unit::kGBps;
  int max_n = small ? 1000 : 64;
  figs->push_back({id, what, unit, static_cast<double>(size), Plan(o, max_n, 5e6, 21), nullptr,
                   nullptr});
  figs->back().raw = figs->back().keel = Both([dir, pinned, size](Target& t) {
    auto s = std::make_shared<CopyState>();
    s->t = &t;
    s->bytes = size;
    s->dev = t.Alloc(size);
    if (dir == Dir::kDtoD) s->dev2 = t.Alloc(size);
    if (dir != Dir::kDtoD) s->host = t.HostAlloc(size, pinned);
    // The verify step reads back (HtoD) or uploads (DtoH) through `check`,
    // of the other kind than `host`: a pageable figure is checked against a
    // pinned copy, so a backend that stages pageable copies cannot hide a
    // wrong HtoD behind a matching wrong DtoH.
    s->check = t.HostAlloc(size, dir != Dir::kDtoD && !pinned);
    // Sources hold a pattern; the sample copies it over and over.
    if (dir == Dir::kHtoD) FillPattern(s->host.ptr, size, NextSeed());
    if (dir != Dir::kHtoD) {
      FillPattern(s->check.ptr, size, NextSeed());
      t.HtoD(s->dev, s->check, size);
      t.CtxSync();
    }
    Prepared p;
    p.sample = [s, dir](int n) {
      Target& t = *s->t;
      double t0 = NowNs();
      for (int i = 0; i < n; ++i) {
        if (dir == Dir::kHtoD) t.HtoD(s->dev, s->host, s->bytes);
        else if (dir == Dir::kDtoH) t.DtoH(s->host, s->dev, s->bytes);
        else t.DtoD(s->dev2, s->dev, s->bytes);
      }
      t.CtxSync();
      return NowNs() - t0;
    };
    // Fresh pattern in, poisoned destination, one copy, every byte compared.
    p.verify = [s, dir] {
      Target& t = *s->t;
      size_t b = s->bytes;
      std::vector<char> want(b);
      FillPattern(want.data(), b, NextSeed());
      if (dir == Dir::kHtoD) {
        std::memcpy(s->host.ptr, want.data(), b);
        t.MemsetD32(s->dev, 0xDEADBEEFu, b / 4);
        t.CtxSync();
        t.HtoD(s->dev, s->host, b);
        t.CtxSync();
        t.DtoH(s->check, s->dev, b);
        CheckEqual(s->check.ptr, want.data(), b, "device copy of the host source");
      } else if (dir == Dir::kDtoH) {
        std::memcpy(s->check.ptr, want.data(), b);
        t.HtoD(s->dev, s->check, b);
        t.CtxSync();
        std::memset(s->host.ptr, 0xA5, b);
        t.DtoH(s->host, s->dev, b);
        CheckEqual(s->host.ptr, want.data(), b, "host copy of the device source");
      } else {
        std::memcpy(s->check.ptr, want.data(), b);
        t.HtoD(s->dev, s->check, b);
        t.MemsetD32(s->dev2, 0xDEADBEEFu, b / 4);
        t.CtxSync();
        t.DtoD(s->dev2, s->dev, b);
        t.CtxSync();
        std::memset(s->check.ptr, 0xA5, b);
        t.DtoH(s->check, s->dev2, b);
        CheckEqual(s->check.ptr, want.data(), b, "device-to-device copy");
      }
    };
    p.cleanup = [s, dir] {
      Target& t = *s->t;
      t.Free(s->dev);
      if (dir == Dir::kDtoD) t.Free(s->dev2);
      if (dir != Dir::kDtoD) t.HostFree(s->host);
      t.HostFree(s->check);
    };
    return p;
  });
}

void AddMemsetFigure(std::vector<Figure>* figs, const Options& o, size_t size) {
  bool small = size < (1u << 20);
  figs->push_back({"memset.d32." + SizeName(size),
                   "memsetD32 of " + SizeName(size) + " (ends with a context synchronize)",
                   small ? Unit::kUs : Unit::kGBps, static_cast<double>(size),
                   Plan(o, small ? 1000 : 64, 5e6, 21), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([size](Target& t) {
    auto s = std::make_shared<CopyState>();
    s->t = &t;
    s->bytes = size;
    s->dev = t.Alloc(size);
    s->check = t.HostAlloc(size, false);
    Prepared p;
    p.sample = [s](int n) {
      double t0 = NowNs();
      for (int i = 0; i < n; ++i) s->t->MemsetD32(s->dev, 0x3F800000u, s->bytes / 4);
      s->t->CtxSync();
      return NowNs() - t0;
    };
    p.verify = [s] {
      uint32_t v = NextSeed();
      s->t->MemsetD32(s->dev, v, s->bytes / 4);
      s->t->CtxSync();
      s->t->DtoH(s->check, s->dev, s->bytes);
      std::vector<uint32_t> want(s->bytes / 4, v);
      CheckEqual(s->check.ptr, want.data(), s->bytes, "filled words");
    };
    p.cleanup = [s] {
      s->t->Free(s->dev);
      s->t->HostFree(s->check);
    };
    return p;
  });
}

// ---- modules, start-up ---------------------------------------------

void AddModuleFigure(std::vector<Figure>* figs, const Options& o, ImageKind kind,
                     const std::string& id, const std::string& what) {
  figs->push_back({id, what, Unit::kMs, 0, Plan(o, 20, 2e7, 11, 2), nullptr, nullptr});
  Options opts = o;
  figs->back().raw = figs->back().keel = [opts, kind](Target& t, Target& keel) {
    DeviceId dev = static_cast<KeelTarget&>(keel).Device();
    auto image = std::make_shared<Image>(LoadImage(opts, kind, dev.cc_major, dev.cc_minor));
    Prepared p;
    p.sample = [&t, image](int n) {
      double t0 = NowNs();
      t.ModuleLoadRun(*image, n);
      return NowNs() - t0;
    };
    return p;
  };
}

// A figure measured in fresh child processes, one value per sample.
void AddChildFigure(std::vector<Figure>* figs, const Options& o, Backend b, const std::string& id,
                    const std::string& what, const std::string& task, int reps, bool nocache) {
  TimingPlan plan = FixedPlan(o, 1, 1, reps, 0);
  plan.warmup = 0;  // every sample is a fresh process: nothing to warm
  plan.reps = o.quick ? 1 : (o.reps > 0 ? std::min(o.reps, reps) : reps);
  figs->push_back({id, what, Unit::kMs, 0, plan, nullptr, nullptr});
  Options opts = o;
  for (const char* side : {"raw", "keel"}) {
    Prepare prep = [opts, b, task, side, nocache](Target&, Target& keel) {
      DeviceId dev = static_cast<KeelTarget&>(keel).Device();
      std::vector<std::string> args = {"--child", task, "--side", side, "--backend",
                                       BackendName(b), "--kernel-dir", opts.kernel_dir,
                                       "--cuda-ordinal", std::to_string(dev.cuda_ordinal),
                                       "--count", opts.quick ? "1" : "3"};
      // Only the measured backend is selected (and the Keel child checks
      // that no other plugin was loaded).
      std::vector<std::pair<std::string, std::string>> env = {{"KEEL_BACKENDS", BackendName(b)}};
      if (nocache) env.emplace_back("CUDA_CACHE_DISABLE", "1");
      Prepared p;
      p.sample = [args, env](int) { return RunChild(args, env); };
      return p;
    };
    (std::string(side) == "raw" ? figs->back().raw : figs->back().keel) = prep;
  }
}

// ---- the bandwidth-bound kernel -------------------------------------------------

struct BigVecAdd {
  Target* t;
  VecAddArgs args;
  std::vector<float> want;
  HostBuf out;
};

void AddVecAddFigure(std::vector<Figure>* figs, const Options& o) {
  size_t n = VecAddElements(o.quick);
  double bytes = 3.0 * sizeof(float) * static_cast<double>(n);
  figs->push_back({VecAddId(o.quick),
                   Format("VecAdd c = a + b over %zu Mi floats; GB/s counts 12 bytes of memory "
                          "traffic per element",
                          n >> 20),
                   Unit::kGBps, bytes, Plan(o, 20, 2e7, 15), nullptr, nullptr});
  figs->back().raw = figs->back().keel = Both([n](Target& t) {
    auto s = std::make_shared<BigVecAdd>();
    s->t = &t;
    size_t b = n * sizeof(float);
    s->args.n = static_cast<int>(n);
    s->args.block = 256;
    s->args.a = t.Alloc(b);
    s->args.b = t.Alloc(b);
    s->args.c = t.Alloc(b);
    s->out = t.HostAlloc(b, false);
    std::vector<float> a(n), bb(n);
    s->want.resize(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = 1.0f + static_cast<float>(i % 1021) / 1024.0f;
      bb[i] = 1.0f + static_cast<float>((i * 7) % 509) / 512.0f;
      s->want[i] = a[i] + bb[i];
    }
    std::memcpy(s->out.ptr, a.data(), b);
    t.HtoD(s->args.a, s->out, b);
    std::memcpy(s->out.ptr, bb.data(), b);
    t.HtoD(s->args.b, s->out, b);
    t.CtxSync();
    Prepared p;
    p.sample = [s](int reps) {
      double t0 = NowNs();
      s->t->LaunchVecAdd(reps, ArgMode::kParams, s->args);
      s->t->StreamSync();
      return NowNs() - t0;
    };
    p.verify = [s] { VerifyVecAdd(*s->t, s->args, ArgMode::kParams, s->want, s->out); };
    p.cleanup = [s] {
      s->t->Free(s->args.a);
      s->t->Free(s->args.b);
      s->t->Free(s->args.c);
      s->t->HostFree(s->out);
    };
    return p;
  });
}

}  // namespace

std::vector<Figure> MakeFigures(Backend backend, const Options& o) {
  std::vector<Figure> figs;
  AddLaunchFigures(&figs, o);
  AddAllocFigures(&figs, o);
  for (size_t size : o.copy_sizes.empty() ? CopySizes(o.quick) : o.copy_sizes) {
    AddCopyFigure(&figs, o, Dir::kHtoD, true, size);
    AddCopyFigure(&figs, o, Dir::kHtoD, false, size);
    AddCopyFigure(&figs, o, Dir::kDtoH, true, size);
    AddCopyFigure(&figs, o, Dir::kDtoH, false, size);
    AddCopyFigure(&figs, o, Dir::kDtoD, false, size);
  }
  for (size_t size : CopySizes(o.quick)) AddMemsetFigure(&figs, o, size);
  if (backend == Backend::kCuda) {
    AddModuleFigure(&figs, o, ImageKind::kCubin, "module.load.cubin",
                    "load a cubin for this GPU + get function + first launch + unload");
    AddModuleFigure(&figs, o, ImageKind::kFatbin, "module.load.fatbin",
                    "load a fatbin (cubins + PTX) + get function + first launch + unload");
    AddModuleFigure(&figs, o, ImageKind::kPtx, "module.load.ptx.warm",
                    "load PTX, JIT cache warm + get function + first launch + unload");
    AddChildFigure(&figs, o, backend, "module.load.ptx.nocache",
                   "load PTX with the JIT cache disabled (CUDA_CACHE_DISABLE=1, child process) + "
                   "get function + first launch + unload",
                   "ptx-nocache", 3, true);
  } else {
    AddModuleFigure(&figs, o, ImageKind::kSpirv, "module.load.spirv",
                    "load SPIR-V + get function + first launch (pipeline creation) + unload");
  }
  AddChildFigure(&figs, o, backend, "init.cold",
                 backend == Backend::kCuda
                     ? "cold start in a fresh process: klInit + primary context vs cuInit + "
                       "primary context (libcuda loaded inside the clock on both sides)"
                     : "cold start in a fresh process: klInit + primary context vs Vulkan "
                       "instance + device + queue (libvulkan loaded inside the clock)",
                 "init", 5, false);
  AddVecAddFigure(&figs, o);
  // Bandwidth figures keep the GPU busy for a while before they are timed:
  // without a CUDA context, NVIDIA's driver lowers the SM clock once the SMs
  // have idled for a while (the copy figures run on the copy engines; the
  // H100's vector add then started at 345-615 MHz instead of 1980) and
  // raises it only after 200-500 ms of load, so the vector add's samples
  // were timed at the low clock (docs/performance.md). CUDA holds its clock.
  double warmup_ns = BandwidthWarmupMs(o) * 1e6;
  for (Figure& f : figs)
    if (f.unit == Unit::kGBps) f.plan.warmup_min_ns = warmup_ns;
  return figs;
}

}  // namespace kb
