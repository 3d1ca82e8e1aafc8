#include "common/bundle.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <utility>

#include "common/image_format.h"

namespace keel {
namespace {

// ---- little helpers ---------------------------------------------------------------------

// Little-endian reads and writes, whatever the host's byte order.
uint16_t Load16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Load32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t Load64(const unsigned char* p) {
  return static_cast<uint64_t>(Load32(p)) | static_cast<uint64_t>(Load32(p + 4)) << 32;
}
void Store16(unsigned char* p, uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}
void Store32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void Store64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::string Printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

bool Fail(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

// Parses 1..max_digits decimal digits at s[*i]; no leading zero unless the
// number is 0.
bool ParseNumber(std::string_view s, size_t* i, size_t max_digits, int* value) {
  size_t start = *i;
  int v = 0;
  while (*i < s.size() && IsDigit(s[*i]) && *i - start < max_digits) v = v * 10 + (s[(*i)++] - '0');
  if (*i == start || (*i < s.size() && IsDigit(s[*i]))) return false;
  if (s[start] == '0' && *i - start > 1) return false;
  *value = v;
  return true;
}

// A CUDA architecture: sm_86, compute_90a, sm_100f. <NN> is 10*major + minor.
struct CudaArch {
  int major = 0;
  int minor = 0;
  char suffix = 0;  // 0, 'a' (this architecture only) or 'f' (this family)
};

bool ParseCudaArch(std::string_view s, std::string_view prefix, CudaArch* arch) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  size_t i = prefix.size();
  int n = 0;
  if (!ParseNumber(s, &i, 3, &n) || n < 10) return false;
  arch->major = n / 10;
  arch->minor = n % 10;
  arch->suffix = 0;
  if (i < s.size() && (s[i] == 'a' || s[i] == 'f')) arch->suffix = s[i++];
  return i == s.size();
}

// A versioned name: vulkan1.2, opencl3.0, or a bare name (opencl): version 0.0.
struct NamedVersion {
  std::string_view name;
  int major = 0;
  int minor = 0;
  bool versioned = false;
};

bool ParseNamedVersion(std::string_view s, NamedVersion* v) {
  size_t i = 0;
  while (i < s.size() && IsLower(s[i])) ++i;
  if (i == 0) return false;
  v->name = s.substr(0, i);
  v->versioned = i < s.size();
  v->major = v->minor = 0;
  if (!v->versioned) return true;
  if (!ParseNumber(s, &i, 2, &v->major) || i >= s.size() || s[i] != '.') return false;
  ++i;
  return ParseNumber(s, &i, 2, &v->minor) && i == s.size();
}

int SuffixRank(char suffix) { return suffix == 'a' ? 2 : suffix == 'f' ? 1 : 0; }

// ---- SPIR-V flavour -----------------------------------------------------------------------

// Finds the OpMemoryModel of a SPIR-V module (either byte order) and reports
// its memory model: 0 Simple, 1 GLSL450, 2 OpenCL, 3 Vulkan.
bool SpirvMemoryModel(const unsigned char* p, size_t size, uint32_t* model, std::string* why) {
  if (size % 4 != 0) return Fail(why, Printf("SPIR-V size %zu is not a multiple of 4", size));
  if (size < 20) return Fail(why, Printf("SPIR-V of %zu bytes is shorter than its 20-byte header", size));
  const bool swap = Load32(p) != 0x07230203u;
  auto word = [&](size_t index) {
    uint32_t w = Load32(p + 4 * index);
    return swap ? __builtin_bswap32(w) : w;
  };
  const size_t words = size / 4;
  for (size_t i = 5; i < words;) {
    uint32_t w = word(i);
    uint32_t count = w >> 16, opcode = w & 0xffffu;
    if (count == 0) return Fail(why, Printf("SPIR-V instruction at word %zu has word count 0", i));
    if (count > words - i)
      return Fail(why, Printf("SPIR-V instruction at word %zu runs past the end", i));
    if (opcode == 14 /* OpMemoryModel */) {
      if (count < 3) return Fail(why, "SPIR-V OpMemoryModel is too short");
      *model = word(i + 2);
      return true;
    }
    i += count;
  }
  return Fail(why, "SPIR-V module has no OpMemoryModel");
}

const char* MemoryModelName(uint32_t model) {
  switch (model) {
    case 0: return "Simple";
    case 1: return "GLSL450";
    case 2: return "OpenCL";
    case 3: return "Vulkan";
  }
  return "unknown";
}

// ---- header and entry layout (docs/bundle-format.md) ---------------------------------

namespace header {
constexpr size_t kMagic = 0, kVersionMajor = 8, kVersionMinor = 10, kHeaderSize = 12,
                 kEntrySize = 16, kEntryCount = 20, kTotalSize = 24;
}
namespace entry {
constexpr size_t kFormat = 0, kFlags = 4, kOffset = 8, kSize = 16, kTarget = 24, kReserved = 56;
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string Describe(BundleFormat format, std::string_view target) {
  std::string s = BundleFormatName(format);
  s += ' ';
  s += target;
  return s;
}

}  // namespace

// ---- names and checks ---------------------------------------------------------------------

std::string BundleFormatName(BundleFormat format) {
  switch (format) {
    case BundleFormat::kPtx: return "ptx";
    case BundleFormat::kCubin: return "cubin";
    case BundleFormat::kFatbin: return "fatbin";
    case BundleFormat::kSpirvVulkan: return "spirv-vulkan";
    case BundleFormat::kSpirvOpencl: return "spirv-opencl";
  }
  return Printf("format %" PRIu32, static_cast<uint32_t>(format));
}

bool ParseBundleFormatName(std::string_view name, BundleFormat* format) {
  static const BundleFormat kAll[] = {BundleFormat::kPtx, BundleFormat::kCubin,
                                      BundleFormat::kFatbin, BundleFormat::kSpirvVulkan,
                                      BundleFormat::kSpirvOpencl};
  for (BundleFormat f : kAll) {
    if (name == BundleFormatName(f)) {
      *format = f;
      return true;
    }
  }
  return false;
}

bool IsKnownBundleFormat(BundleFormat format) {
  uint32_t v = static_cast<uint32_t>(format);
  return v >= 1 && v <= 5;
}

bool CheckBundleTarget(BundleFormat format, std::string_view target, std::string* why) {
  if (target.empty()) return Fail(why, "the target is empty");
  if (target.size() > kBundleMaxTargetLength)
    return Fail(why, Printf("the target is %zu characters long, more than %zu", target.size(),
                            kBundleMaxTargetLength));
  for (char c : target) {
    bool ok = IsDigit(c) || IsLower(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
              c == '+' || c == ',' || c == '-';
    if (!ok)
      return Fail(why, Printf("the target holds the byte 0x%02x (allowed: letters, digits, _ . + , -)",
                              static_cast<unsigned char>(c)));
  }
  std::string t(target);
  CudaArch arch;
  NamedVersion version;
  switch (format) {
    case BundleFormat::kPtx:
      if (!ParseCudaArch(target, "compute_", &arch))
        return Fail(why, "ptx target '" + t + "' is not compute_<NN>[a|f] (compute_75, compute_90a)");
      return true;
    case BundleFormat::kCubin:
      if (!ParseCudaArch(target, "sm_", &arch))
        return Fail(why, "cubin target '" + t + "' is not sm_<NN>[a|f] (sm_80, sm_90a)");
      return true;
    case BundleFormat::kFatbin:
      return true;  // a free label: the driver picks inside the fatbin
    case BundleFormat::kSpirvVulkan:
      if (!ParseNamedVersion(target, &version) || version.name != "vulkan" || !version.versioned)
        return Fail(why, "spirv-vulkan target '" + t + "' is not vulkan<M>.<m> (vulkan1.2)");
      return true;
    case BundleFormat::kSpirvOpencl:
      if (!ParseNamedVersion(target, &version) || version.name != "opencl")
        return Fail(why, "spirv-opencl target '" + t + "' is not opencl or opencl<M>.<m>");
      return true;
  }
  return true;  // unknown formats: the charset only
}

bool CheckBundlePayload(BundleFormat format, const void* data, size_t size, std::string* why) {
  if (data == nullptr || size == 0) return Fail(why, "the payload is empty");
  const auto* p = static_cast<const unsigned char*>(data);
  ImageFormat detected = DetectImageFormat(data, size);
  ImageFormat expected = ImageFormat::kUnknown;
  switch (format) {
    case BundleFormat::kPtx: expected = ImageFormat::kPtx; break;
    case BundleFormat::kCubin: expected = ImageFormat::kElf; break;
    case BundleFormat::kFatbin: expected = ImageFormat::kFatbin; break;
    case BundleFormat::kSpirvVulkan:
    case BundleFormat::kSpirvOpencl: expected = ImageFormat::kSpirv; break;
  }
  if (expected == ImageFormat::kUnknown) return true;  // a format this Keel does not know
  if (detected != expected) {
    std::string name = BundleFormatName(format);
    return Fail(why, Printf("the payload is not %s (it looks like %s)", name.c_str(),
                            detected == ImageFormat::kUnknown ? "nothing Keel knows"
                                                              : ImageFormatName(detected)));
  }
  if (expected != ImageFormat::kSpirv) return true;
  uint32_t model = 0;
  if (!SpirvMemoryModel(p, size, &model, why)) return false;
  bool opencl = model == 2;
  bool vulkan = model == 1 || model == 3;
  if (format == BundleFormat::kSpirvVulkan && !vulkan)
    return Fail(why, Printf("the payload is SPIR-V with the %s memory model, not Vulkan SPIR-V "
                            "(GLSL450 or Vulkan)%s",
                            MemoryModelName(model), opencl ? ": it is spirv-opencl" : ""));
  if (format == BundleFormat::kSpirvOpencl && !opencl)
    return Fail(why, Printf("the payload is SPIR-V with the %s memory model, not OpenCL SPIR-V%s",
                            MemoryModelName(model), vulkan ? ": it is spirv-vulkan" : ""));
  return true;
}

std::string DescribeBundleEntry(const BundleEntry& e) { return Describe(e.format, e.target); }

// ---- parsing ----------------------------------------------------------------------------

bool ParseBundle(const void* data, size_t size, Bundle* bundle, std::string* why) {
  if (data == nullptr || size == 0) return Fail(why, "the image is empty");
  const auto* p = static_cast<const unsigned char*>(data);
  if (size < sizeof kBundleMagic || std::memcmp(p, kBundleMagic, sizeof kBundleMagic) != 0)
    return Fail(why, "not a Keel bundle (it does not start with \"KEELBNDL\")");
  if (size < kBundleHeaderSize)
    return Fail(why, Printf("truncated: %zu bytes, shorter than the %zu-byte header", size,
                            kBundleHeaderSize));
  const uint16_t major = Load16(p + header::kVersionMajor);
  const uint16_t minor = Load16(p + header::kVersionMinor);
  if (major != kBundleVersionMajor)
    return Fail(why, Printf("format version %u.%u; this Keel reads version %u.x", major, minor,
                            kBundleVersionMajor));
  // A bundle of a minor version this Keel knows has exactly the layout it
  // knows; a newer minor may grow the header and the entries (never shrink).
  const bool known_minor = minor <= kBundleVersionMinor;
  const uint32_t header_size = Load32(p + header::kHeaderSize);
  const uint32_t entry_size = Load32(p + header::kEntrySize);
  const uint32_t count = Load32(p + header::kEntryCount);
  const uint64_t total = Load64(p + header::kTotalSize);
  if (known_minor ? header_size != kBundleHeaderSize
                  : (header_size < kBundleHeaderSize || header_size > kBundleMaxHeaderSize ||
                     header_size % 8 != 0))
    return Fail(why, Printf("header_size %" PRIu32 " is invalid for version %u.%u (%s)",
                            header_size, major, minor,
                            known_minor ? "must be 32" : "32..4096, a multiple of 8"));
  if (known_minor ? entry_size != kBundleEntrySize
                  : (entry_size < kBundleEntrySize || entry_size > kBundleMaxHeaderSize ||
                     entry_size % 8 != 0))
    return Fail(why, Printf("entry_size %" PRIu32 " is invalid for version %u.%u (%s)", entry_size,
                            major, minor,
                            known_minor ? "must be 64" : "64..4096, a multiple of 8"));
  if (count == 0) return Fail(why, "the bundle has no entries");
  if (count > kBundleMaxEntries)
    return Fail(why, Printf("entry_count %" PRIu32 " exceeds the limit of %zu", count,
                            kBundleMaxEntries));
  if (total > kBundleMaxSize)
    return Fail(why, Printf("total_size %" PRIu64 " exceeds the limit of %" PRIu64 " bytes", total,
                            kBundleMaxSize));
  if (total != size)
    return Fail(why, total > size
                         ? Printf("truncated: the header says %" PRIu64 " bytes, the image has %zu",
                                  total, size)
                         : Printf("the header says %" PRIu64 " bytes, the image has %zu (%zu "
                                  "bytes of trailing data)",
                                  total, size, static_cast<size_t>(size - total)));
  const uint64_t table_end = uint64_t{header_size} + uint64_t{count} * entry_size;
  if (table_end > size)
    return Fail(why, Printf("the entry table (%" PRIu32 " entries of %" PRIu32
                            " bytes at offset %" PRIu32 ") ends at byte %" PRIu64
                            ", past the bundle's %zu bytes",
                            count, entry_size, header_size, table_end, size));
  Bundle result;
  result.version_major = major;
  result.version_minor = minor;
  result.entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const unsigned char* e = p + header_size + uint64_t{i} * entry_size;
    BundleEntry out;
    out.format = static_cast<BundleFormat>(Load32(e + entry::kFormat));
    const uint32_t flags = Load32(e + entry::kFlags);
    out.offset = Load64(e + entry::kOffset);
    out.size = Load64(e + entry::kSize);
    const uint64_t reserved = Load64(e + entry::kReserved);
    const unsigned char* t = e + entry::kTarget;
    const void* nul = std::memchr(t, 0, kBundleTargetBytes);
    if (nul == nullptr)
      return Fail(why, Printf("entry %" PRIu32 ": the target is not NUL-terminated within its %zu "
                              "bytes",
                              i, kBundleTargetBytes));
    size_t length = static_cast<const unsigned char*>(nul) - t;
    for (size_t k = length; k < kBundleTargetBytes; ++k) {
      if (t[k] != 0)
        return Fail(why, Printf("entry %" PRIu32 ": the target's padding after its NUL is not zero",
                                i));
    }
    out.target.assign(reinterpret_cast<const char*>(t), length);
    std::string target_why;
    if (!CheckBundleTarget(out.format, out.target, &target_why)) {
      return Fail(why, Printf("entry %" PRIu32 " (%s): %s", i, BundleFormatName(out.format).c_str(),
                              target_why.c_str()));
    }
    const std::string name = Printf("entry %" PRIu32 " (%s)", i, DescribeBundleEntry(out).c_str());
    if (known_minor && flags != 0)
      return Fail(why, Printf("%s: flags are 0x%08" PRIx32 "; version %u.%u defines none",
                              name.c_str(), flags, major, minor));
    if (known_minor && reserved != 0)
      return Fail(why, Printf("%s: the reserved field is 0x%016" PRIx64 ", must be 0", name.c_str(),
                              reserved));
    if (out.size == 0) return Fail(why, name + ": the payload is empty (size 0)");
    if (out.offset % kBundlePayloadAlignment != 0)
      return Fail(why, Printf("%s: payload offset %" PRIu64 " is not a multiple of %" PRIu64,
                              name.c_str(), out.offset, kBundlePayloadAlignment));
    if (out.offset < table_end)
      return Fail(why, Printf("%s: payload offset %" PRIu64
                              " lies inside the header and entry table, which end at byte %" PRIu64,
                              name.c_str(), out.offset, table_end));
    if (out.offset > size || out.size > size - out.offset)
      return Fail(why, Printf("%s: payload [%" PRIu64 ", %" PRIu64 " + %" PRIu64
                              ") ends past the bundle's %zu bytes",
                              name.c_str(), out.offset, out.offset, out.size, size));
    out.data = p + out.offset;
    std::string payload_why;
    if (!CheckBundlePayload(out.format, out.data, static_cast<size_t>(out.size), &payload_why))
      return Fail(why, name + ": " + payload_why);
    for (uint32_t j = 0; j < i; ++j) {
      const BundleEntry& other = result.entries[j];
      if (other.format == out.format && other.target == out.target)
        return Fail(why, Printf("entries %" PRIu32 " and %" PRIu32 " are both %s", j, i,
                                DescribeBundleEntry(out).c_str()));
    }
    result.entries.push_back(std::move(out));
  }

  // No two payloads share a byte.
  std::vector<uint32_t> order(count);
  for (uint32_t i = 0; i < count; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return result.entries[a].offset < result.entries[b].offset;
  });
  for (uint32_t k = 1; k < count; ++k) {
    const BundleEntry& a = result.entries[order[k - 1]];
    const BundleEntry& b = result.entries[order[k]];
    if (a.offset + a.size > b.offset) {
      uint32_t first = std::min(order[k - 1], order[k]), second = std::max(order[k - 1], order[k]);
      const BundleEntry& x = result.entries[first];
      const BundleEntry& y = result.entries[second];
      return Fail(why, Printf("the payloads of entry %" PRIu32 " (%s, bytes %" PRIu64 "..%" PRIu64
                              ") and entry %" PRIu32 " (%s, bytes %" PRIu64 "..%" PRIu64
                              ") overlap",
                              first, DescribeBundleEntry(x).c_str(), x.offset,
                              x.offset + x.size - 1, second, DescribeBundleEntry(y).c_str(),
                              y.offset, y.offset + y.size - 1));
    }
  }
  *bundle = std::move(result);
  return true;
}

// ---- writing ----------------------------------------------------------------------------

bool WriteBundle(const std::vector<BundleInput>& inputs, std::vector<unsigned char>* out,
                 std::string* why) {
  if (inputs.empty()) return Fail(why, "no images: a bundle holds at least one");
  if (inputs.size() > kBundleMaxEntries)
    return Fail(why, Printf("%zu images, more than the limit of %zu", inputs.size(),
                            kBundleMaxEntries));
  const uint64_t table_end = kBundleHeaderSize + inputs.size() * kBundleEntrySize;
  uint64_t end = table_end;
  std::vector<uint64_t> offsets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BundleInput& in = inputs[i];
    std::string what;
    if (!IsKnownBundleFormat(in.format))
      return Fail(why, Printf("input %zu: %s is not a format this Keel knows", i,
                              BundleFormatName(in.format).c_str()));
    if (!CheckBundleTarget(in.format, in.target, &what))
      return Fail(why, Printf("input %zu (%s): %s", i, BundleFormatName(in.format).c_str(),
                              what.c_str()));
    const std::string name = Printf("input %zu (%s)", i, Describe(in.format, in.target).c_str());
    if (!CheckBundlePayload(in.format, in.payload.data(), in.payload.size(), &what))
      return Fail(why, name + ": " + what);
    for (size_t j = 0; j < i; ++j) {
      if (inputs[j].format == in.format && inputs[j].target == in.target)
        return Fail(why, Printf("inputs %zu and %zu are both %s", j, i,
                                Describe(in.format, in.target).c_str()));
    }
    const uint64_t offset = AlignUp(end, kBundlePayloadAlignment);
    if (in.payload.size() > kBundleMaxSize || offset + in.payload.size() > kBundleMaxSize)
      return Fail(why, Printf("%s: the bundle would exceed the limit of %" PRIu64 " bytes",
                              name.c_str(), kBundleMaxSize));
    offsets.push_back(offset);
    end = offset + in.payload.size();
  }

  std::vector<unsigned char> bytes(static_cast<size_t>(end), 0);
  unsigned char* h = bytes.data();
  std::memcpy(h + header::kMagic, kBundleMagic, sizeof kBundleMagic);
  Store16(h + header::kVersionMajor, kBundleVersionMajor);
  Store16(h + header::kVersionMinor, kBundleVersionMinor);
  Store32(h + header::kHeaderSize, kBundleHeaderSize);
  Store32(h + header::kEntrySize, kBundleEntrySize);
  Store32(h + header::kEntryCount, static_cast<uint32_t>(inputs.size()));
  Store64(h + header::kTotalSize, end);
  for (size_t i = 0; i < inputs.size(); ++i) {
    unsigned char* e = h + kBundleHeaderSize + i * kBundleEntrySize;
    Store32(e + entry::kFormat, static_cast<uint32_t>(inputs[i].format));
    Store64(e + entry::kOffset, offsets[i]);
    Store64(e + entry::kSize, inputs[i].payload.size());
    std::memcpy(e + entry::kTarget, inputs[i].target.data(), inputs[i].target.size());
    std::memcpy(h + offsets[i], inputs[i].payload.data(), inputs[i].payload.size());
  }
  *out = std::move(bytes);
  return true;
}

// ---- selection --------------------------------------------------------------------------

namespace {

BundleRule Rule(BundleFormat format, BundleMatch match, const std::string& target) {
  BundleRule rule{};
  rule.format = format;
  rule.match = match;
  std::snprintf(rule.target, sizeof rule.target, "%s", target.c_str());
  return rule;
}

// Whether `e` satisfies `rule`, and how good it is (higher is better).
bool Matches(const BundleRule& rule, const BundleEntry& e, uint64_t* rank) {
  if (e.format != rule.format) return false;
  std::string_view want(rule.target);
  *rank = 0;
  switch (rule.match) {
    case BundleMatch::kAny:
      return true;
    case BundleMatch::kExact:
      return e.target == want;
    case BundleMatch::kAtMost: {
      NamedVersion have, limit;
      if (!ParseNamedVersion(e.target, &have) || !ParseNamedVersion(want, &limit) ||
          have.name != limit.name)
        return false;
      if (limit.versioned &&
          std::make_pair(have.major, have.minor) > std::make_pair(limit.major, limit.minor))
        return false;
      *rank = static_cast<uint64_t>(have.major) * 1000 + static_cast<uint64_t>(have.minor);
      return true;
    }
    case BundleMatch::kCudaBinary: {
      CudaArch have, device;
      if (!ParseCudaArch(e.target, "sm_", &have) || !ParseCudaArch(want, "sm_", &device))
        return false;
      if (have.major != device.major || have.minor > device.minor) return false;
      if (have.suffix == 'a' && have.minor != device.minor) return false;
      *rank = static_cast<uint64_t>(have.minor) * 10 + SuffixRank(have.suffix);
      return true;
    }
    case BundleMatch::kCudaJit: {
      CudaArch have, device;
      if (!ParseCudaArch(e.target, "compute_", &have) || !ParseCudaArch(want, "compute_", &device))
        return false;
      if (std::make_pair(have.major, have.minor) > std::make_pair(device.major, device.minor))
        return false;
      if (have.suffix == 'a' && (have.major != device.major || have.minor != device.minor))
        return false;
      if (have.suffix == 'f' && have.major != device.major) return false;
      *rank = (static_cast<uint64_t>(have.major) * 10 + static_cast<uint64_t>(have.minor)) * 10 +
              SuffixRank(have.suffix);
      return true;
    }
  }
  return false;
}

std::string DescribeRule(const BundleRule& rule) {
  std::string format = BundleFormatName(rule.format);
  std::string target(rule.target);
  switch (rule.match) {
    case BundleMatch::kAny:
      return format;
    case BundleMatch::kExact:
      return format + " " + target;
    case BundleMatch::kAtMost:
    case BundleMatch::kCudaJit:
      return format + " " + target + " or older";
    case BundleMatch::kCudaBinary: {
      CudaArch arch;
      if (ParseCudaArch(target, "sm_", &arch) && arch.minor > 0)
        return Printf("cubin sm_%d0 to %s", arch.major, target.c_str());
      return format + " " + target;
    }
  }
  return format + " " + target;
}

}  // namespace

BundlePreferences CudaBundlePreferences(int major, int minor) {
  BundlePreferences prefs{};
  const int arch = major * 10 + minor;
  prefs.rules[0] = Rule(BundleFormat::kCubin, BundleMatch::kCudaBinary, Printf("sm_%d", arch));
  prefs.rules[1] = Rule(BundleFormat::kPtx, BundleMatch::kCudaJit, Printf("compute_%d", arch));
  prefs.rules[2] = Rule(BundleFormat::kFatbin, BundleMatch::kAny, "");
  prefs.count = 3;
  return prefs;
}

BundlePreferences VulkanBundlePreferences(int api_major, int api_minor) {
  BundlePreferences prefs{};
  prefs.rules[0] = Rule(BundleFormat::kSpirvVulkan, BundleMatch::kAtMost,
                        Printf("vulkan%d.%d", api_major, api_minor));
  prefs.count = 1;
  return prefs;
}

BundlePreferences LevelZeroBundlePreferences() {
  BundlePreferences prefs{};
  prefs.rules[0] = Rule(BundleFormat::kSpirvOpencl, BundleMatch::kAny, "");
  prefs.count = 1;
  return prefs;
}

std::string DescribeBundlePreferences(const BundlePreferences& prefs) {
  std::string s;
  const size_t n = std::min(prefs.count, BundlePreferences::kMaxRules);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) s += i + 1 == n ? (n > 2 ? ", or " : " or ") : ", ";
    s += DescribeRule(prefs.rules[i]);
  }
  return s.empty() ? "nothing" : s;
}

KLresult SelectBundleImage(const void* data, size_t size, const BundlePreferences& prefs,
                           BundleImage* chosen, std::string* why) {
  Bundle bundle;
  std::string problem;
  if (!ParseBundle(data, size, &bundle, &problem)) {
    if (why != nullptr) *why = "Keel bundle: " + problem;
    return KL_ERROR_INVALID_IMAGE;
  }
  if (prefs.count == 0 || prefs.count > BundlePreferences::kMaxRules) {
    if (why != nullptr) *why = Printf("Keel bundle: %zu preference rules (1..%zu)", prefs.count,
                                      BundlePreferences::kMaxRules);
    return KL_ERROR_INVALID_VALUE;
  }
  for (size_t r = 0; r < prefs.count; ++r) {
    const BundleRule& rule = prefs.rules[r];
    size_t best = bundle.entries.size();
    uint64_t best_rank = 0;
    for (size_t i = 0; i < bundle.entries.size(); ++i) {
      uint64_t rank = 0;
      if (Matches(rule, bundle.entries[i], &rank) &&
          (best == bundle.entries.size() || rank > best_rank)) {
        best = i;
        best_rank = rank;
      }
    }
    if (best == bundle.entries.size()) continue;
    const BundleEntry& e = bundle.entries[best];
    BundleImage image;
    image.format = e.format;
    image.target = e.target;
    image.index = best;
    image.size = static_cast<size_t>(e.size);
    image.data = e.data;
    if (reinterpret_cast<uintptr_t>(e.data) % kBundlePayloadAlignment != 0) {
      image.storage.resize((image.size + sizeof(uint64_t) - 1) / sizeof(uint64_t) + 1);
      // vector<uint64_t> storage is 16-byte aligned where operator new is
      // (x86-64, AArch64); step 8 bytes in where it is not.
      auto* base = reinterpret_cast<unsigned char*>(image.storage.data());
      unsigned char* dst = base + (reinterpret_cast<uintptr_t>(base) % 16 == 0 ? 0 : 8);
      std::memcpy(dst, e.data, image.size);
      image.data = dst;
    }
    *chosen = std::move(image);
    return KL_SUCCESS;
  }
  if (why != nullptr) {
    std::string offers;
    for (size_t i = 0; i < bundle.entries.size(); ++i) {
      if (i > 0) offers += ", ";
      offers += DescribeBundleEntry(bundle.entries[i]);
    }
    *why = "Keel bundle: no image for this device: the bundle offers " + offers +
           "; the device takes " + DescribeBundlePreferences(prefs);
  }
  return KL_ERROR_NO_BINARY_FOR_DEVICE;
}

}  // namespace keel
