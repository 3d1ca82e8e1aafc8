// Info: what the loader and the device report, recorded as test properties
// for the report (each also checks that the queries succeed).
#include <cstring>

#include "fixture.h"

namespace {

using InfoBackend = kc::DeviceTest;

TEST_P(InfoBackend, Properties) {
  KLbackendProperties p{};
  KC_ASSERT_OK(klGetBackendProperties(&p, target().backend_index));
  EXPECT_STREQ(target().backend.c_str(), p.name);
  EXPECT_EQ(KL_BACKEND_STATUS_LOADED, p.status);
  EXPECT_GT(p.deviceCount, target().local_index);
  EXPECT_GE(p.interfaceVersion, 1);
  EXPECT_GT(std::strlen(p.version), 0u) << "the backend reports no version string";
  EXPECT_GT(std::strlen(p.path), 0u) << "a loaded backend has a plugin path";
  RecordProperty("backend_version", p.version);
  RecordProperty("backend_path", p.path);
  int api = 0;
  KC_ASSERT_OK(klDriverGetVersion(&api));
  RecordProperty("api_version", api);
}

using InfoDevice = kc::DeviceTest;

TEST_P(InfoDevice, Attributes) {
  for (int a = 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
    auto attr = static_cast<KLdevice_attribute>(a);
    int v = 0;
    KC_EXPECT_OK(klDeviceGetAttribute(&v, attr, device())) << kc::AttributeName(attr);
    RecordProperty(kc::AttributeName(attr), v);
  }
}

TEST_P(InfoDevice, NameMemoryUuid) {
  char name[256] = {0};
  KC_ASSERT_OK(klDeviceGetName(name, sizeof name, device()));
  size_t total = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&total, device()));
  KLuuid uuid{};
  KC_ASSERT_OK(klDeviceGetUuid(&uuid, device()));
  RecordProperty("device_name", name);
  RecordProperty("total_memory_mib", static_cast<int>(total >> 20));
  EXPECT_GT(std::strlen(name), 0u);
  EXPECT_GT(total, 0u);
}

KC_INSTANTIATE(Info, InfoBackend);
KC_INSTANTIATE(Info, InfoDevice);

}  // namespace
