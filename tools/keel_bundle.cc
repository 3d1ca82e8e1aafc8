// keel-bundle: creates, lists, extracts from and tests Keel module bundles
// (docs/bundle-format.md). `keel-bundle --help` says how.
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/bundle.h"
#include "common/image_format.h"

namespace {

using Bytes = std::vector<unsigned char>;

constexpr const char* kUsage = R"(usage:
  keel-bundle create -o OUT IMAGE...
      IMAGE is FORMAT[:TARGET]=FILE, FORMAT one of
        ptx           target compute_<NN>[a|f]; default: from the PTX's .target line
        cubin         target sm_<NN>[a|f]; required (cubin:sm_90=kernels.sm_90.cubin)
        fatbin        target a free label; default: cuda
        spirv-vulkan  target vulkan<M>.<m>; default: the oldest Vulkan version that
                      takes the module's SPIR-V version (SPIR-V 1.5 -> vulkan1.2)
        spirv-opencl  target opencl or opencl<M>.<m>; default: opencl
      Each file is checked to be what FORMAT says.
  keel-bundle list FILE
  keel-bundle extract FILE ENTRY -o OUT
      ENTRY is an index (from list), FORMAT:TARGET, or a FORMAT the bundle holds once.
  keel-bundle select FILE DEVICE [-o OUT]
      Shows the entry a backend would load. DEVICE is cuda:sm_<NN> (or cuda:<M>.<m>),
      vulkan:<M>.<m> (the device's Vulkan version) or level_zero.
  keel-bundle --help | --version
Exit status: 0 success, 1 failure (the message says why), 2 usage error.
)";

int Usage(const char* problem) {
  std::fprintf(stderr, "keel-bundle: %s\n%s", problem, kUsage);
  return 2;
}

int Error(const std::string& message) {
  std::fprintf(stderr, "keel-bundle: %s\n", message.c_str());
  return 1;
}

bool ReadFile(const std::string& path, Bytes* out, std::string* why) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *why = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  Bytes bytes;
  unsigned char buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    if (bytes.size() + n > keel::kBundleMaxSize) {
      std::fclose(f);
      *why = path + " is larger than a bundle may be (4 GiB)";
      return false;
    }
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  bool failed = std::ferror(f) != 0;
  int error = errno;
  std::fclose(f);
  if (failed) {
    *why = "cannot read " + path + ": " + std::strerror(error);
    return false;
  }
  *out = std::move(bytes);
  return true;
}

// Writes through a temporary file and a rename, so a failed or interrupted
// run never leaves a half-written output for a build system to trust.
bool WriteFile(const std::string& path, const void* data, size_t size, std::string* why) {
  std::string temp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) {
    *why = "cannot create " + temp + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(data, 1, size, f) == size;
  int error = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (ok && std::rename(temp.c_str(), path.c_str()) != 0) {
    error = errno;
    ok = false;
  }
  if (!ok) {
    std::remove(temp.c_str());
    *why = "cannot write " + path + ": " + std::strerror(error);
  }
  return ok;
}

// The first architecture of a PTX module's ".target" directive ("sm_75"), or "".
std::string PtxTarget(const Bytes& ptx) {
  std::string_view text(reinterpret_cast<const char*>(ptx.data()), ptx.size());
  size_t at = 0;
  while ((at = text.find(".target", at)) != std::string_view::npos) {
    bool line_start = at == 0 || text[at - 1] == '\n' || text[at - 1] == ' ' || text[at - 1] == '\t';
    at += 7;
    if (!line_start || at >= text.size() || (text[at] != ' ' && text[at] != '\t')) continue;
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    size_t end = at;
    while (end < text.size() && text[end] != ',' && text[end] != ' ' && text[end] != '\t' &&
           text[end] != '\n' && text[end] != '\r')
      ++end;
    return std::string(text.substr(at, end - at));
  }
  return "";
}

// The Vulkan version whose SPIR-V environment first takes the module's SPIR-V version.
std::string VulkanTargetOf(const Bytes& spirv) {
  if (spirv.size() < 8) return "";
  uint32_t magic = spirv[0] | spirv[1] << 8 | spirv[2] << 16 | static_cast<uint32_t>(spirv[3]) << 24;
  // The version word is 0x00MMmm00; in a byte-swapped module its bytes are reversed.
  unsigned major = magic == 0x07230203u ? spirv[6] : spirv[5];
  unsigned minor = magic == 0x07230203u ? spirv[5] : spirv[6];
  if (major != 1) return "";
  if (minor == 0) return "vulkan1.0";
  if (minor <= 3) return "vulkan1.1";
  if (minor <= 5) return "vulkan1.2";
  if (minor == 6) return "vulkan1.3";
  return "";
}

// Parses FORMAT[:TARGET]=FILE and reads FILE into a bundle input.
bool ParseImageSpec(const std::string& spec, keel::BundleInput* in, std::string* why) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    *why = "'" + spec + "' is not FORMAT[:TARGET]=FILE";
    return false;
  }
  std::string kind = spec.substr(0, eq), file = spec.substr(eq + 1), target;
  size_t colon = kind.find(':');
  if (colon != std::string::npos) {
    target = kind.substr(colon + 1);
    kind = kind.substr(0, colon);
    if (target.empty()) {
      *why = "'" + spec + "': empty target after ':'";
      return false;
    }
  }
  if (!keel::ParseBundleFormatName(kind, &in->format)) {
    *why = "'" + spec + "': unknown format '" + kind +
           "' (ptx, cubin, fatbin, spirv-vulkan, spirv-opencl)";
    return false;
  }
  if (!ReadFile(file, &in->payload, why)) return false;
  std::string problem;
  if (!keel::CheckBundlePayload(in->format, in->payload.data(), in->payload.size(), &problem)) {
    *why = spec + ": " + problem;
    return false;
  }
  switch (in->format) {
    case keel::BundleFormat::kPtx: {
      std::string declared = PtxTarget(in->payload);
      std::string derived = declared.rfind("sm_", 0) == 0 ? "compute_" + declared.substr(3) : "";
      if (target.empty()) {
        if (derived.empty()) {
          *why = spec + ": the PTX has no .target sm_<NN> line; name the target (ptx:compute_75=" +
                 file + ")";
          return false;
        }
        target = derived;
      } else if (!derived.empty() && derived != target) {
        *why = spec + ": the PTX says .target " + declared + " (" + derived + "), not " + target;
        return false;
      }
      break;
    }
    case keel::BundleFormat::kCubin:
      if (target.empty()) {
        *why = spec + ": a cubin needs its target (cubin:sm_90=" + file + ")";
        return false;
      }
      break;
    case keel::BundleFormat::kFatbin:
      if (target.empty()) target = "cuda";
      break;
    case keel::BundleFormat::kSpirvVulkan:
      if (target.empty()) {
        target = VulkanTargetOf(in->payload);
        if (target.empty()) {
          *why = spec + ": unknown SPIR-V version; name the target (spirv-vulkan:vulkan1.2=" + file + ")";
          return false;
        }
      }
      break;
    case keel::BundleFormat::kSpirvOpencl:
      if (target.empty()) target = "opencl";
      break;
  }
  if (!keel::CheckBundleTarget(in->format, target, &problem)) {
    *why = spec + ": " + problem;
    return false;
  }
  in->target = target;
  return true;
}

// Splits "-o OUT" out of args; returns false on a repeated or dangling -o.
bool TakeOutput(std::vector<std::string>* args, std::string* output, std::string* why) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (a == "-o" || a == "--output") {
      if (i + 1 >= args->size()) {
        *why = a + " needs a file name";
        return false;
      }
      if (!output->empty()) {
        *why = "-o given twice";
        return false;
      }
      *output = (*args)[++i];
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2 && a != "--") {
      if (!output->empty()) {
        *why = "-o given twice";
        return false;
      }
      *output = a.substr(2);
    } else {
      rest.push_back(a);
    }
  }
  *args = rest;
  return true;
}

bool LoadBundle(const std::string& path, Bytes* bytes, keel::Bundle* bundle, std::string* why) {
  if (!ReadFile(path, bytes, why)) return false;
  std::string problem;
  if (!keel::ParseBundle(bytes->data(), bytes->size(), bundle, &problem)) {
    *why = path + ": not a valid Keel bundle: " + problem;
    return false;
  }
  return true;
}

int Create(std::vector<std::string> args) {
  std::string output, why;
  if (!TakeOutput(&args, &output, &why)) return Usage(why.c_str());
  if (output.empty()) return Usage("create needs -o OUT");
  if (args.empty()) return Usage("create needs at least one IMAGE (FORMAT[:TARGET]=FILE)");
  std::vector<keel::BundleInput> inputs;
  for (const std::string& spec : args) {
    if (!spec.empty() && spec[0] == '-') return Usage(("unknown option " + spec).c_str());
    keel::BundleInput in;
    if (!ParseImageSpec(spec, &in, &why)) return Error(why);
    inputs.push_back(std::move(in));
  }
  Bytes bundle;
  if (!keel::WriteBundle(inputs, &bundle, &why)) return Error(output + ": " + why);
  if (!WriteFile(output, bundle.data(), bundle.size(), &why)) return Error(why);
  return 0;
}

int List(std::vector<std::string> args) {
  if (args.size() != 1) return Usage("list takes one FILE");
  Bytes bytes;
  keel::Bundle bundle;
  std::string why;
  if (!LoadBundle(args[0], &bytes, &bundle, &why)) return Error(why);
  std::printf("%s: Keel bundle %u.%u, %zu %s, %zu bytes\n", args[0].c_str(), bundle.version_major,
              bundle.version_minor, bundle.entries.size(),
              bundle.entries.size() == 1 ? "entry" : "entries", bytes.size());
  std::printf("%5s  %-13s %-16s %10s %10s\n", "#", "format", "target", "offset", "size");
  for (size_t i = 0; i < bundle.entries.size(); ++i) {
    const keel::BundleEntry& e = bundle.entries[i];
    std::printf("%5zu  %-13s %-16s %10" PRIu64 " %10" PRIu64 "\n", i,
                keel::BundleFormatName(e.format).c_str(), e.target.c_str(), e.offset, e.size);
  }
  return 0;
}

// Finds the entry ENTRY names: an index, FORMAT:TARGET, or a FORMAT held once.
bool FindEntry(const keel::Bundle& bundle, const std::string& name, size_t* index, std::string* why) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    if (name.size() > 6 || std::stoul(name) >= bundle.entries.size()) {
      *why = "no entry " + name + " (the bundle has " + std::to_string(bundle.entries.size()) + ")";
      return false;
    }
    *index = std::stoul(name);
    return true;
  }
  std::string format_name = name, target;
  size_t colon = name.find(':');
  if (colon != std::string::npos) {
    format_name = name.substr(0, colon);
    target = name.substr(colon + 1);
  }
  keel::BundleFormat format;
  if (!keel::ParseBundleFormatName(format_name, &format)) {
    *why = "'" + name + "' is not an index, FORMAT or FORMAT:TARGET";
    return false;
  }
  std::vector<size_t> found;
  std::string targets;
  for (size_t i = 0; i < bundle.entries.size(); ++i) {
    const keel::BundleEntry& e = bundle.entries[i];
    if (e.format != format || (!target.empty() && e.target != target)) continue;
    found.push_back(i);
    targets += (targets.empty() ? "" : ", ") + e.target;
  }
  if (found.size() == 1) {
    *index = found[0];
    return true;
  }
  if (found.empty()) {
    std::string offers;
    for (const keel::BundleEntry& e : bundle.entries)
      offers += (offers.empty() ? "" : ", ") + keel::DescribeBundleEntry(e);
    *why = "the bundle has no " + format_name + (target.empty() ? "" : " " + target) +
           " entry (it has " + offers + ")";
  } else {
    *why = "the bundle has " + std::to_string(found.size()) + " " + format_name + " entries (" +
           targets + "); name one as " + format_name + ":TARGET";
  }
  return false;
}

int Extract(std::vector<std::string> args) {
  std::string output, why;
  if (!TakeOutput(&args, &output, &why)) return Usage(why.c_str());
  if (args.size() != 2) return Usage("extract takes FILE and ENTRY");
  if (output.empty()) return Usage("extract needs -o OUT");
  Bytes bytes;
  keel::Bundle bundle;
  if (!LoadBundle(args[0], &bytes, &bundle, &why)) return Error(why);
  size_t index = 0;
  if (!FindEntry(bundle, args[1], &index, &why)) return Error(args[0] + ": " + why);
  const keel::BundleEntry& e = bundle.entries[index];
  if (!WriteFile(output, e.data, static_cast<size_t>(e.size), &why)) return Error(why);
  return 0;
}

// cuda:sm_86, cuda:8.6, vulkan:1.3, level_zero.
bool ParseDevice(const std::string& device, keel::BundlePreferences* prefs, std::string* why) {
  unsigned major = 0, minor = 0;
  char tail = 0;
  if (device == "level_zero" || device == "level-zero") {
    *prefs = keel::LevelZeroBundlePreferences();
    return true;
  }
  if (device.rfind("cuda:", 0) == 0) {
    std::string arch = device.substr(5);
    unsigned n = 0;
    if (std::sscanf(arch.c_str(), "sm_%u%c", &n, &tail) == 1 && n >= 10 && n < 1000) {
      *prefs = keel::CudaBundlePreferences(static_cast<int>(n / 10), static_cast<int>(n % 10));
      return true;
    }
    if (std::sscanf(arch.c_str(), "%u.%u%c", &major, &minor, &tail) == 2 && major >= 1 &&
        major < 100 && minor < 10) {
      *prefs = keel::CudaBundlePreferences(static_cast<int>(major), static_cast<int>(minor));
      return true;
    }
  } else if (device.rfind("vulkan:", 0) == 0) {
    if (std::sscanf(device.c_str() + 7, "%u.%u%c", &major, &minor, &tail) == 2 && major < 100 &&
        minor < 100) {
      *prefs = keel::VulkanBundlePreferences(static_cast<int>(major), static_cast<int>(minor));
      return true;
    }
  }
  *why = "'" + device + "' is not cuda:sm_<NN>, cuda:<M>.<m>, vulkan:<M>.<m> or level_zero";
  return false;
}

int Select(std::vector<std::string> args) {
  std::string output, why;
  if (!TakeOutput(&args, &output, &why)) return Usage(why.c_str());
  if (args.size() != 2) return Usage("select takes FILE and DEVICE");
  keel::BundlePreferences prefs;
  if (!ParseDevice(args[1], &prefs, &why)) return Usage(why.c_str());
  Bytes bytes;
  if (!ReadFile(args[0], &bytes, &why)) return Error(why);
  keel::BundleImage chosen;
  KLresult r = keel::SelectBundleImage(bytes.data(), bytes.size(), prefs, &chosen, &why);
  if (r != KL_SUCCESS) return Error(args[0] + ": " + why);
  std::printf("%s: %s takes entry %zu: %s %s (%zu bytes)\n", args[0].c_str(), args[1].c_str(),
              chosen.index, keel::BundleFormatName(chosen.format).c_str(), chosen.target.c_str(),
              chosen.size);
  if (!output.empty() && !WriteFile(output, chosen.data, chosen.size, &why)) return Error(why);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage("no command");
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "--version") {
    std::printf("keel-bundle %d.%d.%d (bundle format %u.%u)\n", KEEL_API_VERSION_MAJOR,
                KEEL_API_VERSION_MINOR, KEEL_API_VERSION_PATCH, keel::kBundleVersionMajor,
                keel::kBundleVersionMinor);
    return 0;
  }
  if (command == "create") return Create(std::move(args));
  if (command == "list") return List(std::move(args));
  if (command == "extract") return Extract(std::move(args));
  if (command == "select") return Select(std::move(args));
  return Usage(("unknown command '" + command + "'").c_str());
}
