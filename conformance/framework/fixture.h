// Test fixtures and instantiation: one test body, instantiated for every
// (backend, device) target and, for case tests, every case value.
//
//   using MemcpySizes = kc::ContextCaseTest<size_t>;
//   TEST_P(MemcpySizes, RoundTrip) { size_t n = value(); ... }
//   KC_INSTANTIATE_CASES(Memcpy, MemcpySizes, {0, 1, 4096});
//
// gives Memcpy/MemcpySizes.RoundTrip/vulkan_0_4096 and so on. A target that
// stands for a backend without devices gets one instance per test
// (`.../cuda_unavailable`) that skips with the backend's reason.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_FIXTURE_H_
#define KEEL_CONFORMANCE_FRAMEWORK_FIXTURE_H_

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "compare.h"
#include "expectations.h"
#include "kernels.h"
#include "launch.h"
#include "objects.h"
#include "options.h"
#include "result.h"
#include "rng.h"
#include "targets.h"

namespace kc {

// ---- parameters -------------------------------------------------------------

template <class T>
struct Param {
  Target target;
  T value;
};

// Case names in test names: numbers print in decimal, strings as they are,
// structs through their `name` member.
template <class T>
std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>, std::string> CaseName(T v) {
  return std::to_string(static_cast<long long>(v));
}
inline std::string CaseName(const std::string& s) { return s; }
inline std::string CaseName(const char* s) { return s; }
template <class T>
auto CaseName(const T& v) -> decltype(std::string(v.name)) {
  return std::string(v.name);
}

// Keeps [A-Za-z0-9_], replaces anything else with '_' (gtest's rule for names).
std::string SanitizeName(const std::string& name);

template <class T>
void PrintTo(const Param<T>& p, std::ostream* os) {
  PrintTo(p.target, os);
  *os << " " << CaseName(p.value);
}

// The targets as test parameters.
std::vector<Target> TargetParams();

// Every target crossed with every case; a placeholder target gets only the
// first case; the smoke tier keeps only the first case of each list.
template <class T>
std::vector<Param<T>> Cross(const std::vector<T>& values) {
  std::vector<Param<T>> out;
  if (values.empty()) return out;
  bool smoke = GlobalOptions().tier == Tier::kSmoke;
  for (const Target& t : TargetParams()) {
    for (const T& v : values) {
      out.push_back(Param<T>{t, v});
      if (!t.available() || smoke) break;
    }
  }
  return out;
}

// Per-target cases: the case list depends on the target (its image variants,
// its limits). fn(target) returns the cases of one target.
template <class T, class Fn>
std::vector<Param<T>> CrossPerTarget(Fn fn) {
  std::vector<Param<T>> out;
  bool smoke = GlobalOptions().tier == Tier::kSmoke;
  for (const Target& t : TargetParams()) {
    if (!t.available()) {
      out.push_back(Param<T>{t, T{}});
      continue;
    }
    for (const T& v : fn(t)) {
      out.push_back(Param<T>{t, v});
      if (smoke) break;
    }
  }
  return out;
}

// Only in the stress tier (empty otherwise).
std::vector<Target> StressTargetParams();

struct ParamName {
  std::string operator()(const testing::TestParamInfo<Target>& info) const {
    return SanitizeName(info.param.Name());
  }
  template <class T>
  std::string operator()(const testing::TestParamInfo<Param<T>>& info) const {
    const Target& t = info.param.target;
    if (!t.available()) return SanitizeName(t.Name());
    return SanitizeName(t.Name() + "_" + CaseName(info.param.value));
  }
};

// ---- per-test bookkeeping ---------------------------------------------------

// Seed, expectations and the report properties of the running test.
class TestGuard {
 public:
  TestGuard();
  ~TestGuard();
  void Begin(const Target& target);
  void End();
  uint64_t seed() const { return seed_; }

 private:
  bool begun_ = false;
  uint64_t seed_ = 0;
  const Expectation* expectation_ = nullptr;
  std::unique_ptr<testing::TestPartResultArray> intercepted_;
  std::unique_ptr<testing::ScopedFakeTestPartResultReporter> interceptor_;
};

// The attribute's value; a failed query is a test failure and reads as 0.
int DeviceAttribute(KLdevice dev, KLdevice_attribute attribute);
const char* AttributeName(KLdevice_attribute attribute);

// ---- fixtures -----------------------------------------------------------------

inline const Target& TargetOf(const Target& t) { return t; }
template <class T>
const Target& TargetOf(const Param<T>& p) {
  return p.target;
}

// No context: for device queries and tests that manage contexts themselves.
template <class P>
class TestBase : public testing::TestWithParam<P> {
 protected:
  const Target& target() const { return TargetOf(this->GetParam()); }
  KLdevice device() const { return target().device; }
  // The case value of a case test.
  decltype(auto) value() const { return (this->GetParam().value); }
  int Attr(KLdevice_attribute a) const { return DeviceAttribute(device(), a); }
  Rng& rng() { return rng_; }
  uint64_t seed() const { return guard_.seed(); }

  void SetUp() override {
    if (!target().available()) GTEST_SKIP() << target().backend << ": " << target().skip_reason;
    guard_.Begin(target());
    rng_ = Rng(guard_.seed());
  }
  void TearDown() override { guard_.End(); }

 private:
  TestGuard guard_;
  Rng rng_;
};

// Work that keeps a stream busy for a while: `launches` back-to-back launches
// of basic/busy_loop with `iterations` each, all writing out[0]. Several
// launches, because some drivers cap the loop iterations of one kernel
// thread (llvmpipe leaves all its loops after 65535 in total).
struct BusyWork {
  KLfunction fn = nullptr;
  unsigned int iterations = 0;
  unsigned int launches = 0;
  KLresult Enqueue(KLstream stream, KLdeviceptr out) const;
  // out[0] after the work.
  uint32_t Expected() const;
};

// Context-level helpers shared by ContextFixture and tests that create
// their own contexts.
class KernelCache {
 public:
  explicit KernelCache(const Target* target) : target_(target) {}
  // Loads `module` (default variant) into the current context.
  void LoadModule(Module* module, const std::string& name, const std::string& variant = "");
  // Loads the module once per test and finds the kernel.
  void GetKernel(KLfunction* f, const std::string& module, const char* name);
  // Busy work of about `ms` milliseconds. The largest iteration count that
  // busy_loop computes correctly and the time of one launch are measured
  // once per target and process.
  void PlanBusy(BusyWork* work, double ms);
  void Clear() { modules_.clear(); }

 private:
  const Target* target_;
  std::map<std::string, Module> modules_;
};

// Creates a context on the target's device (current during the test) and
// destroys it afterwards, with everything the test left in it.
template <class P>
class ContextFixture : public TestBase<P> {
 protected:
  KLcontext ctx() const { return ctx_; }

  void SetUp() override {
    TestBase<P>::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    KC_ASSERT_OK(klCtxCreate(&ctx_, 0, this->device())) << "creating the test's context";
  }
  void TearDown() override {
    kernels_.Clear();
    if (ctx_ != nullptr) {
      KC_EXPECT_OK(klCtxDestroy(ctx_)) << "destroying the test's context";
      ctx_ = nullptr;
    }
    // Leave the thread's stack empty for the next test.
    for (int i = 0; i < 64 && CurrentContext() != nullptr; ++i) klCtxPopCurrent(nullptr);
    TestBase<P>::TearDown();
  }

  // True when the kernel's required capability is present; *why says otherwise.
  bool KernelUsable(const char* name, std::string* why) const {
    const KernelInfo* k = FindKernel(name);
    if (k == nullptr || k->requires == KL_DEVICE_ATTRIBUTE_INVALID) return true;
    if (this->Attr(k->requires) != 0) return true;
    *why = std::string("device reports ") + AttributeName(k->requires) + " = 0 (kernel " + name + ")";
    return false;
  }
  void GetKernel(KLfunction* f, const std::string& module, const char* name) {
    kernels_.GetKernel(f, module, name);
  }
  void LoadModule(Module* module, const std::string& name, const std::string& variant = "") {
    kernels_.LoadModule(module, name, variant);
  }
  // See KernelCache::PlanBusy.
  void PlanBusy(BusyWork* work, double ms) { kernels_.PlanBusy(work, ms); }

 private:
  KLcontext ctx_ = nullptr;
  KernelCache kernels_{&this->target()};
};

using DeviceTest = TestBase<Target>;
template <class T>
using DeviceCaseTest = TestBase<Param<T>>;
using ContextTest = ContextFixture<Target>;
template <class T>
using ContextCaseTest = ContextFixture<Param<T>>;

// CPU reference of busy_loop.
uint32_t BusyLoopReference(uint32_t iterations);

}  // namespace kc

// Skips unless the device reports the capability (nonzero attribute).
#define KC_REQUIRE_ATTRIBUTE(attr)                                                        \
  do {                                                                                   \
    if (this->Attr(attr) == 0)                                                           \
      GTEST_SKIP() << "device reports " << ::kc::AttributeName(attr) << " = 0";          \
  } while (0)

// Declares `var`, busy work of about `ms` milliseconds.
#define KC_BUSY(var, ms) \
  ::kc::BusyWork var;    \
  ASSERT_NO_FATAL_FAILURE(this->PlanBusy(&var, ms))

// Declares `var` and finds kernel `name` of `module` in the test's context;
// skips when the kernel needs a capability the device reports absent.
#define KC_KERNEL(var, module, name)                                      \
  KLfunction var = nullptr;                                               \
  do {                                                                    \
    std::string kc_why_;                                                  \
    if (!this->KernelUsable(name, &kc_why_)) GTEST_SKIP() << kc_why_;     \
  } while (0);                                                            \
  ASSERT_NO_FATAL_FAILURE(this->GetKernel(&var, module, name))

// Instantiation. Every suite is allowed to end up empty (a --backend that
// matches nothing, the stress tier off).
#define KC_INSTANTIATE(area, suite)                                                   \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(suite);                               \
  INSTANTIATE_TEST_SUITE_P(area, suite, ::testing::ValuesIn(::kc::TargetParams()),    \
                           ::kc::ParamName())

#define KC_INSTANTIATE_CASES(area, suite, type, ...)                                  \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(suite);                               \
  INSTANTIATE_TEST_SUITE_P(area, suite,                                               \
                           ::testing::ValuesIn(::kc::Cross<type>(std::vector<type> __VA_ARGS__)), \
                           ::kc::ParamName())

#define KC_INSTANTIATE_PER_TARGET(area, suite, type, fn)                              \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(suite);                               \
  INSTANTIATE_TEST_SUITE_P(area, suite,                                               \
                           ::testing::ValuesIn(::kc::CrossPerTarget<type>(fn)),       \
                           ::kc::ParamName())

#define KC_INSTANTIATE_STRESS(suite)                                                  \
  GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(suite);                               \
  INSTANTIATE_TEST_SUITE_P(Stress, suite, ::testing::ValuesIn(::kc::StressTargetParams()), \
                           ::kc::ParamName())

#endif  // KEEL_CONFORMANCE_FRAMEWORK_FIXTURE_H_
