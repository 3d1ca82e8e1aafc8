// Device: enumeration, names, UUIDs, PCI ids, memory size, attributes.
#include <climits>
#include <cstring>

#include "fixture.h"

namespace {

using Device = kc::DeviceTest;

TEST_P(Device, CountStable) {
  int a = -1, b = -1;
  KC_ASSERT_OK(klDeviceGetCount(&a));
  KC_ASSERT_OK(klDeviceGetCount(&b));
  EXPECT_EQ(a, b);
  EXPECT_GT(a, target().ordinal);
}

TEST_P(Device, GetReturnsSameHandle) {
  KLdevice a = nullptr, b = nullptr;
  KC_ASSERT_OK(klDeviceGet(&a, target().ordinal));
  KC_ASSERT_OK(klDeviceGet(&b, target().ordinal));
  EXPECT_EQ(a, b);
  EXPECT_EQ(device(), a);
}

TEST_P(Device, OrdinalOutOfRangeFails) {
  int count = 0;
  KC_ASSERT_OK(klDeviceGetCount(&count));
  for (int ordinal : {-1, count, count + 1, INT_MAX, INT_MIN}) {
    KLdevice d = nullptr;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_DEVICE, klDeviceGet(&d, ordinal)) << "ordinal " << ordinal;
    EXPECT_EQ(nullptr, d) << "klDeviceGet wrote its output on failure";
  }
}

TEST_P(Device, NameNonEmpty) {
  char name[256];
  std::memset(name, 'x', sizeof name);
  KC_ASSERT_OK(klDeviceGetName(name, sizeof name, device()));
  size_t len = strnlen(name, sizeof name);
  ASSERT_LT(len, sizeof name) << "name not NUL-terminated";
  EXPECT_GT(len, 0u);
}

TEST_P(Device, NameTruncationSafe) {
  char full[256] = {0};
  KC_ASSERT_OK(klDeviceGetName(full, sizeof full, device()));
  std::string expected(full);
  for (int len = 1; len <= 8; ++len) {
    char buf[16];
    std::memset(buf, 'x', sizeof buf);
    KC_ASSERT_OK(klDeviceGetName(buf, len, device())) << "len " << len;
    EXPECT_EQ('\0', buf[std::min<size_t>(expected.size(), len - 1)]) << "len " << len;
    EXPECT_EQ(expected.substr(0, len - 1), std::string(buf)) << "len " << len;
    EXPECT_EQ('x', buf[len]) << "wrote past len " << len;
  }
}

TEST_P(Device, UuidStable) {
  KLuuid a{}, b{};
  KC_ASSERT_OK(klDeviceGetUuid(&a, device()));
  KC_ASSERT_OK(klDeviceGetUuid(&b, device()));
  EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a));
  KLuuid zero{};
  EXPECT_NE(0, std::memcmp(&a, &zero, sizeof a)) << "the UUID is all zeros";
}

TEST_P(Device, UuidUniqueAmongDevices) {
  KLuuid mine{};
  KC_ASSERT_OK(klDeviceGetUuid(&mine, device()));
  int count = 0;
  KC_ASSERT_OK(klDeviceGetCount(&count));
  for (int i = 0; i < count; ++i) {
    if (i == target().ordinal) continue;
    KLdevice other = nullptr;
    KC_ASSERT_OK(klDeviceGet(&other, i));
    int b = -1;
    KC_ASSERT_OK(klDeviceGetAttribute(&b, KL_DEVICE_ATTRIBUTE_BACKEND, other));
    if (b != target().backend_index) continue;  // the same GPU under two backends shares its UUID
    KLuuid theirs{};
    KC_ASSERT_OK(klDeviceGetUuid(&theirs, other));
    EXPECT_NE(0, std::memcmp(&mine, &theirs, sizeof mine)) << "device " << i << " has the same UUID";
  }
}

TEST_P(Device, PciBusIdMatchesAttributes) {
  char id[32];
  KLresult r = klDeviceGetPCIBusId(id, sizeof id, device());
  int bus = Attr(KL_DEVICE_ATTRIBUTE_PCI_BUS_ID);
  int dev = Attr(KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID);
  int domain = Attr(KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID);
  if (bus < 0) {
    // Documented: a device without a PCI address (a CPU device).
    KC_EXPECT_RESULT(KL_ERROR_NOT_SUPPORTED, r);
    return;
  }
  KC_ASSERT_OK(r);
  char expected[32];
  std::snprintf(expected, sizeof expected, "%04x:%02x:%02x.0", domain, bus, dev);
  EXPECT_EQ(0, strncasecmp(expected, id, 10)) << "bus id " << id << " vs attributes " << expected;
}

TEST_P(Device, PciBusIdTruncationSafe) {
  char full[32];
  KLresult r = klDeviceGetPCIBusId(full, sizeof full, device());
  if (Attr(KL_DEVICE_ATTRIBUTE_PCI_BUS_ID) < 0) {
    KC_EXPECT_RESULT(KL_ERROR_NOT_SUPPORTED, r);
    return;
  }
  KC_ASSERT_OK(r);
  char small[8];
  std::memset(small, 'x', sizeof small);
  KC_ASSERT_OK(klDeviceGetPCIBusId(small, 5, device()));
  EXPECT_EQ(std::string(full).substr(0, 4), std::string(small));
  EXPECT_EQ('x', small[5]);
}

TEST_P(Device, TotalMemPositive) {
  size_t bytes = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&bytes, device()));
  EXPECT_GE(bytes, size_t{256} << 20) << "less than 256 MiB of device memory";
}

TEST_P(Device, TotalMemGeFreeMem) {
  size_t total = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&total, device()));
  kc::Context ctx;
  ASSERT_NO_FATAL_FAILURE(ctx.Create(device()));
  size_t free_bytes = 0, ctx_total = 0;
  KC_ASSERT_OK(klMemGetInfo(&free_bytes, &ctx_total));
  EXPECT_LE(free_bytes, ctx_total);
  EXPECT_LE(free_bytes, total);
  EXPECT_EQ(total, ctx_total) << "klDeviceTotalMem and klMemGetInfo disagree";
}

TEST_P(Device, NativeHandle) {
  void* native = reinterpret_cast<void*>(static_cast<uintptr_t>(0xdead));
  KC_ASSERT_OK(klDeviceGetNativeHandle(&native, device()));
  EXPECT_NE(reinterpret_cast<void*>(static_cast<uintptr_t>(0xdead)), native) << "output not written";
}

TEST_P(Device, UnknownAttributeFails) {
  for (int a : {0, static_cast<int>(KL_DEVICE_ATTRIBUTE_COUNT_), 1000, -5}) {
    int v = 12345;
    KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE,
                     klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(a), device()))
        << "attribute " << a;
    EXPECT_EQ(12345, v) << "output written on failure";
  }
}

KC_INSTANTIATE(Device, Device);

// Every attribute: the query succeeds and the value meets the minimum the
// suite and the API promise.
struct AttributeCase {
  std::string name;
  KLdevice_attribute attribute;
  int minimum;
  int maximum;
};

#define KC_ATTRIBUTE(a, lo, hi) AttributeCase{#a, KL_DEVICE_ATTRIBUTE_##a, lo, hi}
std::vector<AttributeCase> AttributeCases() {
  return {
      KC_ATTRIBUTE(MAX_THREADS_PER_BLOCK, 64, INT_MAX),
      KC_ATTRIBUTE(MAX_BLOCK_DIM_X, 64, INT_MAX),
      KC_ATTRIBUTE(MAX_BLOCK_DIM_Y, 1, INT_MAX),
      KC_ATTRIBUTE(MAX_BLOCK_DIM_Z, 1, INT_MAX),
      KC_ATTRIBUTE(MAX_GRID_DIM_X, 65535, INT_MAX),
      KC_ATTRIBUTE(MAX_GRID_DIM_Y, 65535, INT_MAX),
      KC_ATTRIBUTE(MAX_GRID_DIM_Z, 65535, INT_MAX),
      KC_ATTRIBUTE(MAX_SHARED_MEMORY_PER_BLOCK, 16384, INT_MAX),
      KC_ATTRIBUTE(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 16384, INT_MAX),
      KC_ATTRIBUTE(WARP_SIZE, 1, 1024),
      KC_ATTRIBUTE(MULTIPROCESSOR_COUNT, 1, INT_MAX),
      KC_ATTRIBUTE(COMPUTE_CAPABILITY_MAJOR, 0, INT_MAX),
      KC_ATTRIBUTE(COMPUTE_CAPABILITY_MINOR, 0, INT_MAX),
      KC_ATTRIBUTE(CLOCK_RATE, 0, INT_MAX),
      KC_ATTRIBUTE(MEMORY_CLOCK_RATE, 0, INT_MAX),
      KC_ATTRIBUTE(GLOBAL_MEMORY_BUS_WIDTH, 0, INT_MAX),
      KC_ATTRIBUTE(UNIFIED_ADDRESSING, 0, 1),
      KC_ATTRIBUTE(CONCURRENT_KERNELS, 0, 1),
      KC_ATTRIBUTE(ASYNC_ENGINE_COUNT, 0, INT_MAX),
      KC_ATTRIBUTE(BACKEND, 0, INT_MAX),
      KC_ATTRIBUTE(MAX_REGISTERS_PER_BLOCK, 0, INT_MAX),
      KC_ATTRIBUTE(TOTAL_CONSTANT_MEMORY, 0, INT_MAX),
      // many_args_64 needs 260 bytes, struct_arg_256 264.
      KC_ATTRIBUTE(MAX_PARAM_BYTES, 264, INT_MAX),
      KC_ATTRIBUTE(INTEGRATED, 0, 1),
      KC_ATTRIBUTE(PCI_BUS_ID, -1, INT_MAX),
      KC_ATTRIBUTE(PCI_DEVICE_ID, -1, INT_MAX),
      KC_ATTRIBUTE(PCI_DOMAIN_ID, -1, INT_MAX),
      KC_ATTRIBUTE(SHADER_INT64, 0, 1),
      KC_ATTRIBUTE(SHADER_FLOAT64, 0, 1),
      KC_ATTRIBUTE(SHADER_INT8_INT16_ARGS, 0, 1),
      KC_ATTRIBUTE(GLOBAL_FLOAT_ATOMIC_ADD, 0, 1),
      KC_ATTRIBUTE(MODULE_GLOBALS, 0, 1),
      KC_ATTRIBUTE(TIMESTAMPS, 0, 1),
      KC_ATTRIBUTE(KERNEL_LOOP_ITERATION_LIMIT, 0, INT_MAX),
  };
}
#undef KC_ATTRIBUTE

using DeviceAttribute = kc::DeviceCaseTest<AttributeCase>;

TEST_P(DeviceAttribute, InRange) {
  const AttributeCase& c = value();
  int v = INT_MIN;
  KC_ASSERT_OK(klDeviceGetAttribute(&v, c.attribute, device()));
  EXPECT_GE(v, c.minimum);
  EXPECT_LE(v, c.maximum);
  int again = INT_MIN;
  KC_ASSERT_OK(klDeviceGetAttribute(&again, c.attribute, device()));
  EXPECT_EQ(v, again) << "the value changed between two queries";
  // Relations between attributes.
  switch (c.attribute) {
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y:
    case KL_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z:
      EXPECT_LE(v, Attr(KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK));
      break;
    case KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
      EXPECT_GE(v, Attr(KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK));
      break;
    case KL_DEVICE_ATTRIBUTE_BACKEND:
      EXPECT_EQ(target().backend_index, v);
      break;
    case KL_DEVICE_ATTRIBUTE_PCI_DEVICE_ID:
    case KL_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID:
      EXPECT_EQ(v < 0, Attr(KL_DEVICE_ATTRIBUTE_PCI_BUS_ID) < 0) << "PCI attributes disagree";
      break;
    default:
      break;
  }
}

KC_INSTANTIATE_CASES(Device, DeviceAttribute, AttributeCase, (AttributeCases()));

}  // namespace
