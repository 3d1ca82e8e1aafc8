// Loader: initialization, versions, backend queries. The checks that need a
// fresh process (before klInit, another KEEL_BACKENDS) run this program again
// as a probe (framework/probes.cc).
#include <cstring>

#include "fixture.h"
#include "probes.h"

namespace {

using Loader = kc::DeviceTest;

TEST_P(Loader, InitIdempotent) {
  // main() already initialized; later calls return the first call's result.
  EXPECT_EQ(kc::InitResult(), klInit(0));
  EXPECT_EQ(kc::InitResult(), klInit(0));
  int before = 0, after = 0;
  KC_ASSERT_OK(klDeviceGetCount(&before));
  klInit(0);
  KC_ASSERT_OK(klDeviceGetCount(&after));
  EXPECT_EQ(before, after) << "klInit enumerated devices again";
}

TEST_P(Loader, InitNonzeroFlagsFails) { KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klInit(1)); }

TEST_P(Loader, DriverGetVersion) {
  int v = -1;
  KC_ASSERT_OK(klDriverGetVersion(&v));
  EXPECT_EQ(KEEL_API_VERSION, v);
  EXPECT_EQ(KEEL_API_VERSION_MAJOR, v / 1000000) << "loader and header disagree on the major version";
}

TEST_P(Loader, BackendCountCoversTarget) {
  int count = 0;
  KC_ASSERT_OK(klGetBackendCount(&count));
  EXPECT_GT(count, target().backend_index);
}

TEST_P(Loader, BackendPropertiesOutOfRangeFails) {
  int count = 0;
  KC_ASSERT_OK(klGetBackendCount(&count));
  KLbackendProperties p{};
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klGetBackendProperties(&p, -1));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klGetBackendProperties(&p, count));
}

TEST_P(Loader, BackendOfDeviceIsTarget) {
  int b = -1;
  KC_ASSERT_OK(klDeviceGetAttribute(&b, KL_DEVICE_ATTRIBUTE_BACKEND, device()));
  EXPECT_EQ(target().backend_index, b);
  KLbackendProperties p{};
  KC_ASSERT_OK(klGetBackendProperties(&p, b));
  EXPECT_STREQ(target().backend.c_str(), p.name);
}

TEST_P(Loader, DeviceOrdinalsFollowBackends) {
  // Devices of one backend are contiguous, in backend priority order.
  int count = 0;
  KC_ASSERT_OK(klDeviceGetCount(&count));
  int previous = -1;
  for (int i = 0; i < count; ++i) {
    KLdevice d = nullptr;
    KC_ASSERT_OK(klDeviceGet(&d, i));
    int b = -1;
    KC_ASSERT_OK(klDeviceGetAttribute(&b, KL_DEVICE_ATTRIBUTE_BACKEND, d));
    EXPECT_GE(b, previous) << "device " << i << " belongs to an earlier backend than device " << i - 1;
    previous = b;
  }
}

TEST_P(Loader, CallsBeforeInitFail) {
  std::string output;
  EXPECT_EQ(0, kc::RunProbe("before-init", "", &output)) << output;
}

TEST_P(Loader, UnknownBackendReported) {
  std::string output;
  EXPECT_EQ(0, kc::RunProbe("unknown-backend", "KEEL_BACKENDS=keel_no_such_backend", &output))
      << output;
}

TEST_P(Loader, ConcurrentInitSameResult) {
  std::string output;
  EXPECT_EQ(0, kc::RunProbe("init-race", "KEEL_BACKENDS=" + target().backend, &output)) << output;
}

KC_INSTANTIATE(Loader, Loader);

}  // namespace
