// Helpers of the stress-tier tests (test_stress.cc, test_threads.cc,
// test_memory.cc): their knobs from the environment, the process's resident
// memory, the host's available memory, and a check that a context still works.
#ifndef KEEL_CONFORMANCE_TESTS_STRESS_UTIL_H_
#define KEEL_CONFORMANCE_TESTS_STRESS_UTIL_H_

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fixture.h"

namespace kc_stress {

// A positive number from the environment variable `name`, or `fallback` when
// it is unset. A value that is not a number in [1, max] fails the test (a
// typo must not silently run the default) and returns 0.
inline double EnvNumber(const char* name, double fallback, double max) {
  std::string text = kc::Env(name);
  if (text.empty()) return fallback;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end == text.c_str() || *end != '\0' || !(v >= 1.0 && v <= max)) {
    ADD_FAILURE() << name << "=" << text << " is not a number from 1 to " << max;
    return 0;
  }
  return v;
}

// The duration of the threading stress loops: KEEL_CONFORMANCE_STRESS_SECONDS,
// by default 10 s, or 2 s on a device that reports INTEGRATED (CPU devices
// such as lavapipe, and iGPUs), where 16 busy threads share the host's cores
// with the device itself.
inline double StressSeconds(KLdevice dev) {
  int integrated = kc::DeviceAttribute(dev, KL_DEVICE_ATTRIBUTE_INTEGRATED);
  return EnvNumber("KEEL_CONFORMANCE_STRESS_SECONDS", integrated != 0 ? 2.0 : 10.0, 3600.0);
}

// Resident set size of this process in bytes (/proc/self/statm, second
// field, in pages); 0 where it cannot be read.
inline uint64_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// A field of /proc/meminfo ("MemAvailable", "MemTotal") in bytes; 0 when it
// cannot be read.
inline uint64_t HostMemInfo(const char* field) {
  FILE* f = std::fopen("/proc/meminfo", "r");
  if (f == nullptr) return 0;
  char line[256];
  uint64_t kib = 0;
  size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
      kib = std::strtoull(line + len + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kib * 1024;
}

inline double MiB(uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The current context still allocates, copies and launches: random words go
// up and come back, then fill_u32 (`fill`, a kernel of this context) writes a
// random value over them, which comes back too.
inline void ExpectContextWorks(KLfunction fill, kc::Rng* rng) {
  constexpr unsigned int kWords = 16384;
  KC_ALLOC(buf, kWords * 4);
  std::vector<uint32_t> data = rng->U32s(kWords), got;
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kWords));
  KC_EXPECT_ARRAYS_EQ(data, got) << "copy after recovery";
  uint32_t value = rng->U32();
  unsigned int n = kWords;
  KC_ASSERT_OK(kc::Launch(fill, {kc::BlocksFor(kWords, 256)}, {256}, 0, nullptr, buf.get(), value, n));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kWords));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>(kWords, value), got) << "launch after recovery";
}

}  // namespace kc_stress

#endif  // KEEL_CONFORMANCE_TESTS_STRESS_UTIL_H_
