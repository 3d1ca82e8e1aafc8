#include "cuda/ptx_version.h"

#include <cstring>

namespace keel::cuda {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses "X.Y" at text[*i] (bounded by size); advances *i past it.
bool ParseDotted(const char* text, size_t size, size_t* i, PtxVersion* out) {
  size_t p = *i;
  int major = 0, minor = 0, digits = 0;
  while (p < size && IsDigit(text[p]) && digits < 4) major = major * 10 + (text[p++] - '0'), ++digits;
  if (digits == 0 || p >= size || text[p] != '.') return false;
  ++p;
  digits = 0;
  while (p < size && IsDigit(text[p]) && digits < 4) minor = minor * 10 + (text[p++] - '0'), ++digits;
  if (digits == 0) return false;
  *i = p;
  out->major = major;
  out->minor = minor;
  return true;
}

// PTX ISA version that shipped with each CUDA release (first CUDA version
// accepting it). CUDA 12.6 kept 8.5; there was no public 12.7.
struct DriverPtx {
  int cuda_version;
  PtxVersion ptx;
};
constexpr DriverPtx kDriverPtx[] = {
    {12000, {8, 0}}, {12010, {8, 1}}, {12020, {8, 2}}, {12030, {8, 3}}, {12040, {8, 4}},
    {12050, {8, 5}}, {12060, {8, 5}}, {12080, {8, 7}}, {12090, {8, 8}}, {13000, {9, 0}},
    {13010, {9, 1}},
};
// The newest release the table knows. Past it, CUDA 13.N has so far shipped
// PTX ISA 9.N, and that rule is applied; other majors are unknown.
constexpr int kNewestKnownCuda = 13010;

}  // namespace

bool ParsePtxVersion(const char* text, size_t size, PtxVersion* out) {
  if (text == nullptr) return false;
  size_t i = 0;
  while (i < size) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '/' && i + 1 < size && text[i + 1] == '/') {
      while (i < size && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < size && text[i + 1] == '*') {
      i += 2;
      while (i + 1 < size && !(text[i] == '*' && text[i + 1] == '/')) ++i;
      i += 2;
    } else {
      static const char kDirective[] = ".version";
      size_t n = sizeof kDirective - 1;
      if (size - i < n || std::memcmp(text + i, kDirective, n) != 0) return false;
      i += n;
      if (i >= size || (text[i] != ' ' && text[i] != '\t')) return false;
      while (i < size && (text[i] == ' ' || text[i] == '\t')) ++i;
      return ParseDotted(text, size, &i, out);
    }
  }
  return false;
}

bool MaxPtxVersionForDriver(int cuda_version, PtxVersion* out) {
  if (cuda_version < kDriverPtx[0].cuda_version) return false;
  // A driver between known releases (a 12.7) accepts what the previous one did;
  // beyond the newest known release the answer is unknown.
  int release = cuda_version / 1000 * 1000 + cuda_version % 1000 / 10 * 10;
  if (release > kNewestKnownCuda) {
    if (cuda_version / 1000 != 13) return false;
    *out = PtxVersion{9, cuda_version % 1000 / 10};
    return true;
  }
  for (size_t i = sizeof kDriverPtx / sizeof kDriverPtx[0]; i-- > 0;) {
    if (kDriverPtx[i].cuda_version <= cuda_version) {
      *out = kDriverPtx[i].ptx;
      return true;
    }
  }
  return false;
}

bool ParseJitLogMaxVersion(const char* log, PtxVersion* out) {
  if (log == nullptr) return false;
  static const char kMarker[] = "current version is '";
  const char* p = std::strstr(log, kMarker);
  if (p == nullptr) return false;
  p += sizeof kMarker - 1;
  size_t i = 0;
  return ParseDotted(p, std::strlen(p), &i, out);
}

}  // namespace keel::cuda
