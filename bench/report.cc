// The table and the JSON file.
#include <cstdio>
#include <fstream>

#include "bench.h"
#include "report.h"

namespace kb {
namespace {

std::string Num(double v) {
  if (std::isnan(v)) return "-";
  if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3)) return Format("%.3e", v);
  if (std::fabs(v) >= 1000) return Format("%.0f", v);
  return Format("%.4g", v);
}

std::string Cell(double v, const std::string& unit) {
  if (std::isnan(v)) return "-";
  return unit == "x" ? Num(v) : Num(v) + " " + unit;
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += Format("\\u%04x", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Json(double v) { return std::isfinite(v) ? Format("%.6g", v) : "null"; }

}  // namespace

void PrintTable(const Report& r, FILE* out) {
  const bool aa = r.mode == Mode::kRawVsRaw, kk = r.mode == Mode::kKeelVsKeel;
  std::fprintf(out, "keel-bench %s%s%s\n", r.date.c_str(),
               aa   ? " A/A: raw vs raw (the noise floor; Keel is not measured)"
               : kk ? " K/K: Keel vs Keel (Keel's noise floor; no raw target opened)"
                    : "",
               r.quick ? " (--quick: smoke sizes, few repetitions)" : "");
  for (const BackendRun& b : r.backends) {
    std::fprintf(out, "  %s: %s\n", b.backend.c_str(), b.status.c_str());
    if (aa) {
      if (!b.raw_desc.empty()) std::fprintf(out, "    raw A: %s\n", b.raw_desc.c_str());
      if (!b.raw_b_desc.empty()) std::fprintf(out, "    raw B: %s (a second instance)\n", b.raw_b_desc.c_str());
      if (!b.keel_desc.empty())
        std::fprintf(out, "    (keel: %s; opened only to pick the device)\n", b.keel_desc.c_str());
      continue;
    }
    if (kk) {
      if (!b.keel_desc.empty()) std::fprintf(out, "    keel A and B: %s\n", b.keel_desc.c_str());
      continue;
    }
    if (!b.raw_desc.empty()) std::fprintf(out, "    raw:  %s\n", b.raw_desc.c_str());
    if (!b.keel_desc.empty()) std::fprintf(out, "    keel: %s\n", b.keel_desc.c_str());
  }
  if (aa) {
    std::fprintf(out,
                 "A/A run: both columns are the raw target (two instances, interleaved ABBA "
                 "exactly as raw and Keel in a normal run). Medians over the samples; ratio = "
                 "raw B / raw A. Its distance from 1 is the measurement noise of the figure on "
                 "this machine: a keel/raw ratio within it says nothing.\n\n");
  } else if (kk) {
    std::fprintf(out,
                 "K/K run: both columns are the Keel target (each figure prepared twice, "
                 "interleaved as raw and Keel in a normal run); no raw target was opened. "
                 "Medians over the samples; ratio = keel B / keel A.\n\n");
  } else {
    std::fprintf(out,
                 "Medians over the samples; ratio = keel / raw. Times (ns, us, ms): lower is "
                 "better, ratio > 1 means Keel is slower. GB/s: higher is better, ratio < 1 "
                 "means Keel is slower.\n\n");
  }
  if (r.results.empty()) return;
  std::fprintf(out, aa   ? "| figure | raw A | raw B | B/A |\n|---|---:|---:|---:|\n"
                    : kk ? "| figure | keel A | keel B | B/A |\n|---|---:|---:|---:|\n"
                         : "| figure | raw | keel | ratio |\n|---|---:|---:|---:|\n");
  std::vector<const Result*> problems;
  for (const Result& x : r.results) {
    std::string name = x.backend + " " + x.id;
    if (x.status == "ok") {
      std::fprintf(out, "| %s | %s | %s | %s |\n", name.c_str(), Cell(x.raw, x.unit).c_str(),
                   Cell(x.keel, x.unit).c_str(), Num(x.ratio).c_str());
    } else {
      std::fprintf(out, "| %s | %s | | |\n", name.c_str(),
                   x.status.rfind("skipped", 0) == 0 ? "skipped" : "**ERROR**");
      problems.push_back(&x);
    }
  }
  if (!problems.empty()) {
    std::fprintf(out, "\n");
    for (const Result* x : problems)
      std::fprintf(out, "%s %s: %s\n", x->backend.c_str(), x->id.c_str(), x->status.c_str());
  }
}

void WriteJson(const Report& r, const std::string& path) {
  std::ofstream f(path);
  if (!f) throw Error("cannot write " + path);
  f << "{\n  \"tool\": \"keel-bench\",\n";
  // A/A and K/K keep the field names, so one reader handles every mode: "raw"
  // is side A and "keel" side B there (raw instances A and B; Keel A and B).
  const bool aa = r.mode == Mode::kRawVsRaw, kk = r.mode == Mode::kKeelVsKeel;
  if (aa) {
    f << "  \"mode\": \"aa\",\n  \"ratio\": \"raw B / raw A\",\n"
      << "  \"sides\": {\"raw\": \"raw target, instance A\", \"keel\": \"raw target, instance B "
         "(not Keel)\"},\n";
  } else if (kk) {
    f << "  \"mode\": \"kk\",\n  \"ratio\": \"keel B / keel A\",\n"
      << "  \"sides\": {\"raw\": \"Keel target, side A (not raw)\", \"keel\": \"Keel target, "
         "side B\"},\n";
  } else {
    f << "  \"mode\": \"keel-vs-raw\",\n  \"ratio\": \"keel / raw\",\n";
  }
  f << "  \"command\": " << Json(r.command) << ",\n  \"date\": " << Json(r.date)
    << ",\n  \"host\": " << Json(r.host) << ",\n  \"quick\": " << (r.quick ? "true" : "false")
    << ",\n  \"bandwidth_warmup_ms\": " << r.warmup_ms
    << ",\n  \"backends\": [";
  for (size_t i = 0; i < r.backends.size(); ++i) {
    const BackendRun& b = r.backends[i];
    f << (i ? "," : "") << "\n    {\"backend\": " << Json(b.backend)
      << ", \"status\": " << Json(b.status)
      << ", \"raw\": " << Json(kk ? b.keel_desc : b.raw_desc)  // side A
      << ", \"keel\": " << Json(aa ? b.raw_b_desc : b.keel_desc);
    if (aa) f << ", \"device_picked_by\": " << Json(b.keel_desc);
    f << "}";
  }
  f << "\n  ],\n  \"figures\": [";
  for (size_t i = 0; i < r.results.size(); ++i) {
    const Result& x = r.results[i];
    f << (i ? "," : "") << "\n    {\"backend\": " << Json(x.backend)
      << ", \"figure\": " << Json(x.id)
      << ", \"unit\": " << Json(x.unit) << ", \"status\": " << Json(x.status)
      << ", \"raw\": " << Json(x.raw) << ", \"keel\": " << Json(x.keel)
      << ", \"ratio\": " << Json(x.ratio) << ", \"raw_min\": " << Json(x.raw_min)
      << ", \"raw_max\": " << Json(x.raw_max) << ", \"keel_min\": " << Json(x.keel_min)
      << ", \"keel_max\": " << Json(x.keel_max) << ", \"samples\": " << x.reps
      << ", \"ops_per_sample\": " << x.n << ", \"derived\": " << (x.derived ? "true" : "false")
      << ", \"what\": " << Json(x.what) << "}";
  }
  f << "\n  ]\n}\n";
  if (!f) throw Error("error writing " + path);
}

}  // namespace kb
