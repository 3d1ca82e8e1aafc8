#include "fixture.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace kc {
namespace {

std::atomic<uint64_t> g_seed{0};
std::atomic<bool> g_seed_valid{false};

std::string Hex(uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, v);
  return text;
}

std::string FullTestName() {
  const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "";
  return std::string(info->test_suite_name()) + "." + info->name();
}

}  // namespace

std::string SeedNote() {
  if (!g_seed_valid.load()) return "";
  return "\n  seed " + Hex(g_seed.load()) + " (rerun with KEEL_CONFORMANCE_SEED=" + Hex(g_seed.load()) +
         " to reproduce these inputs)\n";
}

std::string SanitizeName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

std::vector<Target> TargetParams() { return AllTargets(); }

std::vector<Target> StressTargetParams() {
  if (GlobalOptions().tier != Tier::kStress) return {};
  return AllTargets();
}

// ---- TestGuard ----------------------------------------------------------------

TestGuard::TestGuard() = default;
TestGuard::~TestGuard() = default;

void TestGuard::Begin(const Target& target) {
  begun_ = true;
  std::string name = FullTestName();
  const Options& options = GlobalOptions();
  seed_ = options.has_seed_override ? options.seed_override : HashName(name.c_str());
  g_seed.store(seed_);
  g_seed_valid.store(true);
  testing::Test::RecordProperty("keel_seed", Hex(seed_));
  expectation_ = FindExpectation(target.backend, DeviceName(target), name);
  if (expectation_ != nullptr) {
    // Failures of a known-failing test are collected here instead of failing
    // the test; End() decides between XFail and XPass.
    intercepted_ = std::make_unique<testing::TestPartResultArray>();
    interceptor_ = std::make_unique<testing::ScopedFakeTestPartResultReporter>(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, intercepted_.get());
  }
}

void TestGuard::End() {
  if (!begun_) return;
  begun_ = false;
  g_seed_valid.store(false);
  if (interceptor_ != nullptr) {
    interceptor_.reset();
    std::string first_failure, skip_message;
    int failures = 0;
    for (int i = 0; i < intercepted_->size(); ++i) {
      const testing::TestPartResult& part = intercepted_->GetTestPartResult(i);
      if (part.failed()) {
        if (failures++ == 0)
          first_failure = std::string(part.file_name() ? part.file_name() : "?") + ":" +
                          std::to_string(part.line_number()) + ": " + part.message();
      } else if (part.skipped()) {
        skip_message = part.message();
      }
    }
    intercepted_.reset();
    const Expectation* e = expectation_;
    expectation_ = nullptr;
    testing::Test::RecordProperty("keel_expectation", e->reason);
    if (failures > 0) {
      testing::Test::RecordProperty("keel_status", "XFail");
      GTEST_SKIP() << "XFAIL: expected failure (" << e->file << ":" << e->line << ": " << e->reason
                   << "); " << failures << " failure(s), first: " << first_failure;
    }
    if (!skip_message.empty()) GTEST_SKIP() << skip_message;
    testing::Test::RecordProperty("keel_status", "XPass");
    if (GlobalOptions().strict_expectations) {
      ADD_FAILURE() << "unexpected pass: the test is listed as a known failure (" << e->file << ":"
                    << e->line << ": " << e->pattern << "  " << e->reason
                    << "); remove the entry";
    }
    return;
  }
  if (testing::Test::HasFailure()) {
    std::string native = LastError();
    if (!native.empty()) testing::Test::RecordProperty("keel_native_error", native);
  }
}

// ---- attributes ----------------------------------------------------------------

const char* AttributeName(KLdevice_attribute attribute) {
  switch (attribute) {
#define KC_ATTR(name) \
  case KL_DEVICE_ATTRIBUTE_##name: return "KL_DEVICE_ATTRIBUTE_" #name;
    KC_ATTR(INVALID)
    KC_ATTR(MAX_THREADS_PER_BLOCK)
    KC_ATTR(MAX_BLOCK_DIM_X)
    KC_ATTR(MAX_BLOCK_DIM_Y)
    KC_ATTR(MAX_BLOCK_DIM_Z)
    KC_ATTR(MAX_GRID_DIM_X)
    KC_ATTR(MAX_GRID_DIM_Y)
    KC_ATTR(MAX_GRID_DIM_Z)
    KC_ATTR(MAX_SHARED_MEMORY_PER_BLOCK)
    KC_ATTR(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
    KC_ATTR(WARP_SIZE)
    KC_ATTR(MULTIPROCESSOR_COUNT)
    KC_ATTR(COMPUTE_CAPABILITY_MAJOR)
    KC_ATTR(COMPUTE_CAPABILITY_MINOR)
    KC_ATTR(CLOCK_RATE)
    KC_ATTR(MEMORY_CLOCK_RATE)
    KC_ATTR(GLOBAL_MEMORY_BUS_WIDTH)
    KC_ATTR(UNIFIED_ADDRESSING)
    KC_ATTR(CONCURRENT_KERNELS)
    KC_ATTR(ASYNC_ENGINE_COUNT)
    KC_ATTR(BACKEND)
    KC_ATTR(MAX_REGISTERS_PER_BLOCK)
    KC_ATTR(TOTAL_CONSTANT_MEMORY)
    KC_ATTR(MAX_PARAM_BYTES)
    KC_ATTR(INTEGRATED)
    KC_ATTR(PCI_BUS_ID)
    KC_ATTR(PCI_DEVICE_ID)
    KC_ATTR(PCI_DOMAIN_ID)
    KC_ATTR(SHADER_INT64)
    KC_ATTR(SHADER_FLOAT64)
    KC_ATTR(SHADER_INT8_INT16_ARGS)
    KC_ATTR(GLOBAL_FLOAT_ATOMIC_ADD)
    KC_ATTR(MODULE_GLOBALS)
    KC_ATTR(TIMESTAMPS)
    KC_ATTR(KERNEL_LOOP_ITERATION_LIMIT)
    KC_ATTR(COUNT_)
#undef KC_ATTR
  }
  return "KL_DEVICE_ATTRIBUTE_<unknown>";
}

int DeviceAttribute(KLdevice dev, KLdevice_attribute attribute) {
  int value = 0;
  KLresult r = klDeviceGetAttribute(&value, attribute, dev);
  EXPECT_EQ(KL_SUCCESS, r) << "klDeviceGetAttribute(" << AttributeName(attribute)
                           << "): " << LastError();
  return r == KL_SUCCESS ? value : 0;
}

// ---- kernels --------------------------------------------------------------------

void KernelCache::LoadModule(Module* module, const std::string& name, const std::string& variant) {
  std::string searched;
  std::string path = ImagePath(*target_, name, variant, &searched);
  ASSERT_FALSE(path.empty()) << "no " << (variant.empty() ? "default" : variant) << " image of module '"
                             << name << "' for backend " << target_->backend
                             << " (tried: " << searched
                             << "); build the kernels or set KEEL_CONFORMANCE_KERNEL_DIR";
  ASSERT_NO_FATAL_FAILURE(module->LoadFile(path));
}

void KernelCache::GetKernel(KLfunction* f, const std::string& module, const char* name) {
  *f = nullptr;
  auto it = modules_.find(module);
  if (it == modules_.end()) {
    Module m;
    ASSERT_NO_FATAL_FAILURE(LoadModule(&m, module));
    it = modules_.emplace(module, std::move(m)).first;
  }
  ASSERT_NO_FATAL_FAILURE(it->second.GetFunction(f, name));
}

uint32_t BusyLoopReference(uint32_t iterations) {
  uint32_t x = 1u;
  for (uint32_t i = 0; i < iterations; ++i) x = x * 1664525u + 1013904223u;
  return x;
}

KLresult BusyWork::Enqueue(KLstream stream, KLdeviceptr out) const {
  for (unsigned int i = 0; i < launches; ++i) {
    KLresult r = Launch(fn, {1}, {1}, 0, stream, out, iterations);
    if (r != KL_SUCCESS) return r;
  }
  return KL_SUCCESS;
}

uint32_t BusyWork::Expected() const { return BusyLoopReference(iterations); }

void KernelCache::PlanBusy(BusyWork* work, double ms) {
  struct Calibration {
    unsigned int iterations;
    double ms_per_launch;
  };
  static std::mutex mutex;
  static std::map<int, Calibration> calibrations;  // by device ordinal
  ASSERT_NO_FATAL_FAILURE(GetKernel(&work->fn, "basic", "busy_loop"));
  Calibration cal{};
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = calibrations.find(target_->ordinal);
    if (it != calibrations.end()) {
      cal = it->second;
      known = true;
    }
  }
  if (!known) {
    KC_ALLOC(out, 4);
    auto timed = [&](unsigned int n, unsigned int launches, double* elapsed, uint32_t* result) {
      auto start = std::chrono::steady_clock::now();
      for (unsigned int i = 0; i < launches; ++i)
        KC_ASSERT_OK(Launch(work->fn, {1}, {1}, 0, nullptr, out.get(), n));
      KC_ASSERT_OK(klCtxSynchronize());
      *elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      KC_ASSERT_OK(klMemcpyDtoH(result, out.get(), 4));
    };
    double elapsed = 0;
    uint32_t result = 0;
    ASSERT_NO_FATAL_FAILURE(timed(1, 1, &elapsed, &result));  // warm-up (pipeline creation)
    // Grow the loop until one launch takes 5 ms or the result goes wrong.
    for (unsigned int n = 1u << 10; n <= (1u << 26); n *= 4) {
      ASSERT_NO_FATAL_FAILURE(timed(n, 1, &elapsed, &result));
      if (result != BusyLoopReference(n)) break;
      cal.iterations = n;
      if (elapsed >= 5.0) break;
    }
    ASSERT_GT(cal.iterations, 0u) << "busy_loop computes a wrong result even for 1024 iterations";
    ASSERT_NO_FATAL_FAILURE(timed(cal.iterations, 4, &elapsed, &result));
    cal.ms_per_launch = std::max(elapsed / 4, 1e-3);
    std::lock_guard<std::mutex> lock(mutex);
    calibrations[target_->ordinal] = cal;
  }
  work->iterations = cal.iterations;
  double launches = std::ceil(ms / cal.ms_per_launch);
  work->launches = static_cast<unsigned int>(std::min(std::max(launches, 1.0), 20000.0));
}

}  // namespace kc
