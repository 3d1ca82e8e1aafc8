// Parsers of the backends' environment settings (KEEL_<BACKEND>_* variables),
// shared so that every setting accepts the same spellings.
//
// Every parser is strict: a number is decimal digits only (no sign, space,
// base prefix or unknown suffix, nothing that overflows 64 bits), a switch is
// exactly "0" or "1". On anything else, null and "" included, a parser
// returns false and leaves its output as it was, so the caller keeps its
// default and reports the value. Whether an unset or empty variable means
// the default silently is the caller's choice, as are the warning's text and
// reading the variable once.
#ifndef KEEL_BACKENDS_COMMON_SETTINGS_H_
#define KEEL_BACKENDS_COMMON_SETTINGS_H_

#include <cstddef>
#include <cstdint>

namespace keel {

// A number in [min, max].
bool ParseUnsigned(const char* text, uint64_t min, uint64_t max, uint64_t* out);

// One to `capacity` numbers in [min, max] separated by commas ("n" or
// "x,y,z"); returns how many it stored in out[], 0 when `text` is malformed
// (an empty number, more than `capacity`, one out of range).
size_t ParseUnsignedList(const char* text, uint64_t min, uint64_t max, uint64_t* out,
                         size_t capacity);

// A byte count: "65536", "64K", "64KiB", "8M", "8MiB" (K = 1024 bytes).
bool ParseByteCount(const char* text, size_t* out);

// A switch: "0" (false) or "1" (true).
bool ParseSwitch(const char* text, bool* out);

// A switch with an automatic choice: "auto", "0" or "1".
enum class TriState { kAuto, kOff, kOn };
bool ParseTriState(const char* text, TriState* out);

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_SETTINGS_H_
