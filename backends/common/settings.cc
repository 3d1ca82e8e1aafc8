// Parsers of the backends' environment settings (settings.h).
#include "common/settings.h"

#include <cstring>

namespace keel {
namespace {

// Reads the decimal digits at the start of `text` into *value; returns the
// first character after them, or nullptr when there is no digit or the
// number does not fit in 64 bits.
const char* ReadDigits(const char* text, uint64_t* value) {
  if (text == nullptr || *text < '0' || *text > '9') return nullptr;
  uint64_t v = 0;
  for (; *text >= '0' && *text <= '9'; ++text) {
    const uint64_t digit = static_cast<uint64_t>(*text - '0');
    if (v > (UINT64_MAX - digit) / 10) return nullptr;
    v = v * 10 + digit;
  }
  *value = v;
  return text;
}

// ParseUnsignedList's scan; stores the numbers only when `out` is given.
size_t ScanList(const char* text, uint64_t min, uint64_t max, uint64_t* out, size_t capacity) {
  size_t n = 0;
  for (const char* p = text;; ++p) {
    uint64_t v = 0;
    p = n < capacity ? ReadDigits(p, &v) : nullptr;
    if (p == nullptr || v < min || v > max) return 0;
    if (out != nullptr) out[n] = v;
    ++n;
    if (*p == '\0') return n;
    if (*p != ',') return 0;
  }
}

}  // namespace

bool ParseUnsigned(const char* text, uint64_t min, uint64_t max, uint64_t* out) {
  return ParseUnsignedList(text, min, max, out, 1) == 1;
}

size_t ParseUnsignedList(const char* text, uint64_t min, uint64_t max, uint64_t* out,
                         size_t capacity) {
  // The whole text is checked before out[] changes.
  if (ScanList(text, min, max, nullptr, capacity) == 0) return 0;
  return ScanList(text, min, max, out, capacity);
}

bool ParseByteCount(const char* text, size_t* out) {
  uint64_t v = 0;
  const char* end = ReadDigits(text, &v);
  if (end == nullptr) return false;
  uint64_t unit = 1;
  if (std::strcmp(end, "K") == 0 || std::strcmp(end, "KiB") == 0) unit = uint64_t{1} << 10;
  else if (std::strcmp(end, "M") == 0 || std::strcmp(end, "MiB") == 0) unit = uint64_t{1} << 20;
  else if (*end != '\0') return false;
  if (v > SIZE_MAX / unit) return false;
  *out = static_cast<size_t>(v * unit);
  return true;
}

bool ParseSwitch(const char* text, bool* out) {
  TriState t = TriState::kAuto;
  if (!ParseTriState(text, &t) || t == TriState::kAuto) return false;
  *out = t == TriState::kOn;
  return true;
}

bool ParseTriState(const char* text, TriState* out) {
  if (text == nullptr) return false;
  if (std::strcmp(text, "auto") == 0) *out = TriState::kAuto;
  else if (std::strcmp(text, "0") == 0) *out = TriState::kOff;
  else if (std::strcmp(text, "1") == 0) *out = TriState::kOn;
  else return false;
  return true;
}

}  // namespace keel
