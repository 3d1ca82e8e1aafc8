// Module globals on the Vulkan backend (the KEEL_GLOBALS block of the kernel
// ABI): klModuleGetGlobal finds each member of a module's block by name, the
// addresses are ordinary device memory for copies and fills, kernels see the
// host's writes and the host sees theirs, keel_globals_init runs at load, and
// the errors: unknown names, modules without globals, stripped names,
// disagreeing blocks. Runs plain, under the validation layer, and with the
// small limits (split grids, arguments in a buffer).
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>
#include <vector>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using GlobalsTest = VulkanTest;

std::vector<uint32_t> Words(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

// The module without OpName (5) and OpMemberName (6): what
// spirv-opt --strip-debug leaves of its names.
std::vector<uint32_t> WithoutNames(const std::vector<uint32_t>& words) {
  std::vector<uint32_t> out(words.begin(), words.begin() + 5);
  for (size_t i = 5; i < words.size();) {
    const uint32_t count = words[i] >> 16, op = words[i] & 0xffffu;
    if (count == 0 || i + count > words.size()) break;
    if (op != 5 && op != 6) out.insert(out.end(), words.begin() + i, words.begin() + i + count);
    i += count;
  }
  return out;
}

TEST_F(GlobalsTest, AttributeSaysSupported) {
  EXPECT_EQ(Attribute(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS), 1);
}

TEST_F(GlobalsTest, MembersHaveAddressesSizesAndInitialValues) {
  KLmodule m = Module("globals_types");
  KLdeviceptr counter = 0, table = 0, pair = 0;
  size_t counter_bytes = 0, table_bytes = 0, pair_bytes = 0;
  KL_ASSERT(klModuleGetGlobal(&counter, &counter_bytes, m, "counter"));
  KL_ASSERT(klModuleGetGlobal(&table, &table_bytes, m, "table"));
  KL_ASSERT(klModuleGetGlobal(&pair, &pair_bytes, m, "pair"));
  EXPECT_EQ(counter_bytes, 4u);
  EXPECT_EQ(table_bytes, 1024u);
  EXPECT_EQ(pair_bytes, 8u);
  // std430 offsets in one allocation, which the range map knows.
  EXPECT_EQ(table, counter + 4);
  EXPECT_EQ(pair, counter + 1032);
  KLdeviceptr base = 0;
  size_t size = 0;
  KL_EXPECT(klMemGetAddressRange(&base, &size, table + 100));
  EXPECT_EQ(base, counter);
  EXPECT_GE(size, 1040u);
  KL_EXPECT(klModuleGetGlobal(nullptr, nullptr, m, "table"));
  // keel_globals_init ran at load; what it leaves alone is zero.
  EXPECT_EQ(Read<int32_t>(counter, 1), std::vector<int32_t>{5});
  std::vector<float> want(256);
  std::iota(want.begin(), want.end(), 0.0f);
  EXPECT_EQ(Read<float>(table, 256), want);
  EXPECT_EQ(Read<uint32_t>(pair, 2), (std::vector<uint32_t>{0, 0}));
}

TEST_F(GlobalsTest, KernelsAndHostShareTheGlobals) {
  KLmodule m = Module("globals_types");
  KLdeviceptr counter = 0, table = 0, pair = 0;
  KL_ASSERT(klModuleGetGlobal(&counter, nullptr, m, "counter"));
  KL_ASSERT(klModuleGetGlobal(&table, nullptr, m, "table"));
  KL_ASSERT(klModuleGetGlobal(&pair, nullptr, m, "pair"));
  // Host writes (memset and copy), kernel reads: out = 2x + 0.5y + table.
  KL_ASSERT(klMemsetD32(table, 0x40400000u /*3.0f*/, 256));
  std::vector<float> tail(56);
  for (size_t i = 0; i < tail.size(); ++i) tail[i] = -static_cast<float>(i);
  Write(table + 200 * 4, tail);
  KLdeviceptr x = Alloc(256 * 4), y = Alloc(256 * 4), out = Alloc(256 * 4);
  std::vector<float> xs(256), ys(256);
  for (int i = 0; i < 256; ++i) {
    xs[i] = static_cast<float>(i);
    ys[i] = static_cast<float>(2 * i);
  }
  Write(x, xs);
  Write(y, ys);
  KLfunction axpy = nullptr;
  KL_ASSERT(klModuleGetFunction(&axpy, m, "axpy_table"));
  float a = 2.0f, b = 0.5f;
  uint32_t n = 256;
  void* args[] = {&out, &x, &y, &a, &b, &n};
  KL_ASSERT(klLaunchKernel(axpy, 4, 1, 1, 64, 1, 1, 0, nullptr, args, nullptr));
  std::vector<float> got = Read<float>(out, 256);
  for (int i = 0; i < 256; ++i) {
    float t = i < 200 ? 3.0f : -static_cast<float>(i - 200);
    EXPECT_EQ(got[i], 2.0f * xs[i] + 0.5f * ys[i] + t) << i;
  }
  // Kernel writes, host reads: 20 blocks (a split grid under the small
  // limits), every thread counts once.
  KL_ASSERT(klMemsetD32(counter, 0, 1));
  KLfunction count = nullptr;
  KL_ASSERT(klModuleGetFunction(&count, m, "count_up"));
  uint32_t threads = 20 * 32 - 5;
  void* count_args[] = {&threads};
  KL_ASSERT(klLaunchKernel(count, 20, 1, 1, 32, 1, 1, 0, nullptr, count_args, nullptr));
  KL_ASSERT(klLaunchKernel(count, 20, 1, 1, 32, 1, 1, 0, nullptr, count_args, nullptr));
  EXPECT_EQ(Read<int32_t>(counter, 1), std::vector<int32_t>{2 * static_cast<int32_t>(threads)});
  EXPECT_EQ(Read<uint32_t>(pair, 2), (std::vector<uint32_t>{20, 32}));
}

TEST_F(GlobalsTest, EachLoadHasItsOwnGlobalsFreedAtUnload) {
  KLmodule a = nullptr, b = nullptr;
  KL_ASSERT(klModuleLoad(&a, KernelPath("globals_types").c_str()));
  KL_ASSERT(klModuleLoad(&b, KernelPath("globals_types").c_str()));
  KLdeviceptr ca = 0, cb = 0;
  KL_ASSERT(klModuleGetGlobal(&ca, nullptr, a, "counter"));
  KL_ASSERT(klModuleGetGlobal(&cb, nullptr, b, "counter"));
  EXPECT_NE(ca, cb);
  KLfunction count = nullptr;
  KL_ASSERT(klModuleGetFunction(&count, a, "count_up"));
  uint32_t threads = 3;
  void* args[] = {&threads};
  KL_ASSERT(klLaunchKernel(count, 1, 1, 1, 32, 1, 1, 0, nullptr, args, nullptr));
  EXPECT_EQ(Read<int32_t>(ca, 1), std::vector<int32_t>{5 + 3});
  EXPECT_EQ(Read<int32_t>(cb, 1), std::vector<int32_t>{5});
  KL_EXPECT(klModuleUnload(a));
  // The allocation went with the module.
  int32_t v = 0;
  EXPECT_EQ(klMemcpyDtoH(&v, ca, 4), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klMemcpyDtoH(&v, cb, 4));
  KL_EXPECT(klModuleUnload(b));
}

TEST_F(GlobalsTest, KernelsWithoutGlobalsStillRun) {
  KLmodule m = Module("globals_types");
  KLfunction f = nullptr;
  KL_ASSERT(klModuleGetFunction(&f, m, "no_globals"));
  KLdeviceptr out = Alloc(4);
  void* args[] = {&out};
  KL_ASSERT(klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, args, nullptr));
  EXPECT_EQ(Read<uint32_t>(out, 1), std::vector<uint32_t>{7});
}

TEST_F(GlobalsTest, UnknownNamesAreNotFound) {
  KLmodule m = Module("globals_types");
  KLdeviceptr p = 0;
  size_t bytes = 0;
  EXPECT_EQ(klModuleGetGlobal(&p, &bytes, m, "Counter"), KL_ERROR_NOT_FOUND);
  EXPECT_NE(LastError().find("\"Counter\""), std::string::npos) << LastError();
  EXPECT_NE(LastError().find("counter, table, pair"), std::string::npos) << LastError();
  EXPECT_EQ(klModuleGetGlobal(&p, &bytes, m, "no_globals"), KL_ERROR_NOT_FOUND);  // a kernel
  EXPECT_EQ(klModuleGetGlobal(&p, &bytes, m, nullptr), KL_ERROR_INVALID_VALUE);
  KLmodule basic = Module("basic");
  EXPECT_EQ(klModuleGetGlobal(&p, &bytes, basic, "g_values"), KL_ERROR_NOT_FOUND);
  EXPECT_NE(LastError().find("declares no globals"), std::string::npos) << LastError();
}

TEST_F(GlobalsTest, StrippedNamesAreReported) {
  std::vector<uint32_t> words = WithoutNames(Words(KernelPath("globals")));
  KLmodule m = nullptr;
  KL_ASSERT(klModuleLoadData(&m, words.data(), words.size() * 4));
  KLdeviceptr p = 0;
  EXPECT_EQ(klModuleGetGlobal(&p, nullptr, m, "g_values"), KL_ERROR_NOT_FOUND);
  EXPECT_NE(LastError().find("stripped"), std::string::npos) << LastError();
  // Its kernels would read address 0: refused with the same reason.
  KLfunction read = nullptr;
  KL_ASSERT(klModuleGetFunction(&read, m, "read_globals"));
  KLdeviceptr out = Alloc(64);
  void* args[] = {&out};
  EXPECT_EQ(klLaunchKernel(read, 1, 1, 1, 16, 1, 1, 0, nullptr, args, nullptr),
            KL_ERROR_NOT_SUPPORTED);
  EXPECT_NE(LastError().find("stripped"), std::string::npos) << LastError();
  KL_EXPECT(klModuleUnload(m));
  // A stripped module without globals works as before.
  words = WithoutNames(Words(KernelPath("basic")));
  KL_ASSERT(klModuleLoadData(&m, words.data(), words.size() * 4));
  KLfunction fill = nullptr;
  KL_ASSERT(klModuleGetFunction(&fill, m, "fill_u32"));
  uint32_t value = 0xabcd, n = 16;
  void* fill_args[] = {&out, &value, &n};
  KL_ASSERT(klLaunchKernel(fill, 1, 1, 1, 16, 1, 1, 0, nullptr, fill_args, nullptr));
  EXPECT_EQ(Read<uint32_t>(out, 16), std::vector<uint32_t>(16, 0xabcd));
  KL_EXPECT(klModuleUnload(m));
}

TEST_F(GlobalsTest, BlocksThatDisagreeFailToLoad) {
  KLmodule m = nullptr;
  EXPECT_EQ(klModuleLoad(&m, KernelPath("globals_conflict").c_str()), KL_ERROR_INVALID_IMAGE);
  EXPECT_NE(LastError().find("differently"), std::string::npos) << LastError();
}

}  // namespace
}  // namespace keel_vk_test
