// A small deterministic random generator (splitmix64). The standard library's
// distributions differ between implementations; this one gives the same
// inputs on every platform for the same seed, so a seed printed on failure
// reproduces the failing inputs anywhere.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_RNG_H_
#define KEEL_CONFORMANCE_FRAMEWORK_RNG_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace kc {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}

  uint64_t U64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t U32() { return static_cast<uint32_t>(U64() >> 32); }
  // Uniform in [0, n); n > 0.
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((U64() >> 32) * n >> 32); }
  // Uniform in [lo, hi].
  int32_t Range(int32_t lo, int32_t hi) {
    return lo + static_cast<int32_t>(Below(static_cast<uint32_t>(hi - lo) + 1u));
  }
  // Uniform in [lo, hi) with 24 random mantissa bits.
  float Float(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(U32() >> 8) * (1.0f / 16777216.0f);
  }
  void Fill(void* data, size_t bytes) {
    auto* p = static_cast<unsigned char*>(data);
    while (bytes >= 8) {
      uint64_t v = U64();
      std::memcpy(p, &v, 8);
      p += 8;
      bytes -= 8;
    }
    if (bytes > 0) {
      uint64_t v = U64();
      std::memcpy(p, &v, bytes);
    }
  }
  std::vector<uint32_t> U32s(size_t n) {
    std::vector<uint32_t> v(n);
    Fill(v.data(), n * sizeof(uint32_t));
    return v;
  }
  std::vector<uint8_t> Bytes(size_t n) {
    std::vector<uint8_t> v(n);
    Fill(v.data(), n);
    return v;
  }
  std::vector<float> Floats(size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (float& x : v) x = Float(lo, hi);
    return v;
  }

 private:
  uint64_t state_;
};

// FNV-1a, 64 bits: the per-test seed is the hash of the full test name.
inline uint64_t HashName(const char* text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (; *text; ++text) h = (h ^ static_cast<unsigned char>(*text)) * 0x100000001B3ull;
  return h;
}

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_RNG_H_
