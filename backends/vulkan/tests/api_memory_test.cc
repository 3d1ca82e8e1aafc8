// Device memory, host memory, copies and memsets on the Vulkan backend:
// every direction, odd sizes and offsets, and clear errors for addresses
// outside any allocation.
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "api_fixture.h"

namespace keel_vk_test {
namespace {

using MemoryTest = VulkanTest;

std::vector<uint8_t> Pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST_F(MemoryTest, AllocationsAreAlignedAndMappedBack) {
  std::vector<KLdeviceptr> ptrs;
  for (size_t size : {size_t{1}, size_t{3}, size_t{256}, size_t{1000}, size_t{1} << 20}) {
    KLdeviceptr p = Alloc(size);
    ASSERT_NE(p, 0u);
    EXPECT_EQ(p % 256, 0u) << size;
    KLdeviceptr base = 0;
    size_t got = 0;
    KL_EXPECT(klMemGetAddressRange(&base, &got, p + size - 1));
    EXPECT_EQ(base, p);
    EXPECT_EQ(got, size);
  }
  KLdeviceptr p = Alloc(100);
  KLdeviceptr base = 0;
  EXPECT_EQ(klMemGetAddressRange(&base, nullptr, p + 100), KL_ERROR_NOT_FOUND);
  EXPECT_FALSE(LastError().empty());
  size_t free_bytes = 0, total = 0;
  KL_EXPECT(klMemGetInfo(&free_bytes, &total));
  EXPECT_GT(total, 0u);
  EXPECT_LE(free_bytes, total);
}

TEST_F(MemoryTest, AllocAndFreeErrors) {
  KLdeviceptr p = 0;
  EXPECT_EQ(klMemAlloc(&p, 0), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemAlloc(nullptr, 16), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemAlloc(&p, size_t{1} << 62), KL_ERROR_OUT_OF_MEMORY);
  EXPECT_FALSE(LastError().empty());
  KL_EXPECT(klMemFree(0));
  KL_ASSERT(klMemAlloc(&p, 512));
  EXPECT_EQ(klMemFree(p + 8), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("not its start"), std::string::npos) << LastError();
  KL_EXPECT(klMemFree(p));
  EXPECT_EQ(klMemFree(p), KL_ERROR_INVALID_VALUE);  // twice
  EXPECT_EQ(klMemFree(0x1234), KL_ERROR_INVALID_VALUE);
}

TEST_F(MemoryTest, HostDeviceRoundTripsAtOddSizesAndOffsets) {
  const size_t kSize = (5u << 20) + 777;  // more than one 4 MiB staging piece
  KLdeviceptr d = Alloc(kSize + 64);
  for (size_t size : {size_t{1}, size_t{3}, size_t{4}, size_t{7}, size_t{4097}, kSize}) {
    for (size_t offset : {size_t{0}, size_t{1}, size_t{3}, size_t{61}}) {
      std::vector<uint8_t> in = Pattern(size, static_cast<uint32_t>(size + offset));
      KL_ASSERT(klMemcpyHtoD(d + offset, in.data(), size));
      std::vector<uint8_t> out(size + 2, 0xcd);
      KL_ASSERT(klMemcpyDtoH(out.data() + 1, d + offset, size));
      EXPECT_EQ(out[0], 0xcd);
      EXPECT_EQ(out[size + 1], 0xcd);
      EXPECT_EQ(std::memcmp(out.data() + 1, in.data(), size), 0) << size << " at " << offset;
    }
  }
}

TEST_F(MemoryTest, DeviceToDeviceAtOddOffsets) {
  KLdeviceptr a = Alloc(4096), b = Alloc(4096);
  std::vector<uint8_t> in = Pattern(4096, 1);
  Write(a, in);
  std::vector<uint8_t> zero(4096, 0);
  Write(b, zero);
  KL_ASSERT(klMemcpyDtoD(b + 5, a + 3, 1001));
  std::vector<uint8_t> out = Read<uint8_t>(b, 4096);
  for (size_t i = 0; i < 4096; ++i) {
    uint8_t want = (i >= 5 && i < 1006) ? in[i - 2] : 0;
    ASSERT_EQ(out[i], want) << i;
  }
  // Within one allocation: fine when the ranges are apart, an error when
  // they overlap (vkCmdCopyBuffer forbids it).
  KL_EXPECT(klMemcpyDtoD(a + 2048, a, 1024));
  EXPECT_EQ(klMemcpyDtoD(a + 10, a, 100), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("overlap"), std::string::npos) << LastError();
}

TEST_F(MemoryTest, AddressesOutsideAllocationsAreErrorsNotCrashes) {
  KLdeviceptr d = Alloc(1000);
  std::vector<uint8_t> host(2000, 1);
  EXPECT_EQ(klMemcpyHtoD(d + 900, host.data(), 101), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("runs past the end"), std::string::npos) << LastError();
  EXPECT_EQ(klMemcpyHtoD(0xdead0000ull, host.data(), 4), KL_ERROR_INVALID_VALUE);
  EXPECT_NE(LastError().find("not inside any allocation"), std::string::npos) << LastError();
  EXPECT_EQ(klMemcpyDtoH(host.data(), d + 1000, 1), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemcpyDtoD(d, 8, 4), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemsetD8(d + 990, 1, 11), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemsetD32(~0ull & ~3ull, 1, 4), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemcpyHtoD(d, nullptr, 4), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klMemcpyHtoD(d, nullptr, 0));  // 0 bytes: nothing to do
  KL_EXPECT(klMemcpyHtoDAsync(0xdead, host.data(), 0, nullptr));
}

// memset at every small offset and length: the bytes inside take the value,
// the bytes around keep theirs (partial words go through the built-in kernel).
TEST_F(MemoryTest, MemsetD8AtEveryOffsetAndLength) {
  KLdeviceptr d = Alloc(64);
  std::vector<uint8_t> poison(64, 0xaa);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n < 14; ++n) {
      Write(d, poison);
      KL_ASSERT(klMemsetD8(d + offset, 0x5c, n));
      std::vector<uint8_t> out = Read<uint8_t>(d, 64);
      for (size_t i = 0; i < 64; ++i)
        ASSERT_EQ(out[i], (i >= offset && i < offset + n) ? 0x5c : 0xaa)
            << "offset " << offset << " n " << n << " byte " << i;
    }
  }
}

TEST_F(MemoryTest, MemsetD16AndD32) {
  KLdeviceptr d = Alloc(4096);
  std::vector<uint8_t> poison(4096, 0xaa);
  for (size_t offset : {size_t{0}, size_t{2}, size_t{6}}) {
    for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}}) {
      Write(d, poison);
      KL_ASSERT(klMemsetD16(d + offset, 0x1234, n));
      std::vector<uint8_t> out = Read<uint8_t>(d, 4096);
      for (size_t i = 0; i < 4096; ++i) {
        uint8_t want = (i >= offset && i < offset + 2 * n) ? ((i - offset) % 2 ? 0x12 : 0x34) : 0xaa;
        ASSERT_EQ(out[i], want) << offset << " " << n << " " << i;
      }
    }
  }
  for (size_t offset : {size_t{0}, size_t{4}, size_t{12}}) {
    Write(d, poison);
    KL_ASSERT(klMemsetD32(d + offset, 0xdeadbeefu, 777));
    std::vector<uint8_t> out = Read<uint8_t>(d, 4096);
    for (size_t i = 0; i < 4096; ++i) {
      static const uint8_t kBytes[4] = {0xef, 0xbe, 0xad, 0xde};
      uint8_t want = (i >= offset && i < offset + 4 * 777) ? kBytes[(i - offset) % 4] : 0xaa;
      ASSERT_EQ(out[i], want) << offset << " " << i;
    }
  }
  EXPECT_EQ(klMemsetD16(d + 1, 1, 1), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemsetD32(d + 2, 1, 1), KL_ERROR_INVALID_VALUE);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, 0));
  KL_EXPECT(klMemsetD8Async(d + 1, 7, 4000, s));
  KL_EXPECT(klMemsetD16Async(d + 2, 0x0909, 10, s));
  KL_EXPECT(klMemsetD32Async(d + 4, 0x0b0b0b0bu, 5, s));
  KL_EXPECT(klStreamSynchronize(s));
  std::vector<uint8_t> out = Read<uint8_t>(d, 4096);
  EXPECT_EQ(out[0], 0xaa);
  EXPECT_EQ(out[1], 7);
  EXPECT_EQ(out[2], 9);   // D16: [2, 22)
  EXPECT_EQ(out[3], 9);
  EXPECT_EQ(out[4], 0x0b);  // D32: [4, 24), over part of the D16
  EXPECT_EQ(out[23], 0x0b);
  EXPECT_EQ(out[24], 7);
  EXPECT_EQ(out[4000], 7);
  EXPECT_EQ(out[4001], 0xaa);
  KL_EXPECT(klStreamDestroy(s));
}

TEST_F(MemoryTest, AsyncCopiesWithPageablePinnedAndRegisteredMemory) {
  const size_t n = (9u << 20) + 13;
  KLdeviceptr d = Alloc(n);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  std::vector<uint8_t> in = Pattern(n, 3);

  // Pageable: the source may change right after the call returns.
  std::vector<uint8_t> source = in;
  KL_ASSERT(klMemcpyHtoDAsync(d, source.data(), n, s));
  std::fill(source.begin(), source.end(), 0);
  std::vector<uint8_t> out(n, 0);
  KL_ASSERT(klMemcpyDtoHAsync(out.data(), d, n, s));
  KL_ASSERT(klStreamSynchronize(s));
  EXPECT_TRUE(out == in);

  // Pinned.
  void* pinned = nullptr;
  KL_ASSERT(klMemHostAlloc(&pinned, n, 0));
  std::memset(pinned, 0, n);
  KL_ASSERT(klMemcpyDtoHAsync(pinned, d, n, s));
  KL_ASSERT(klStreamSynchronize(s));
  EXPECT_EQ(std::memcmp(pinned, in.data(), n), 0);
  std::memset(static_cast<uint8_t*>(pinned) + 100, 0x42, 10);
  KL_ASSERT(klMemcpyHtoDAsync(d + 3, static_cast<uint8_t*>(pinned) + 100, 10, s));
  KL_ASSERT(klStreamSynchronize(s));
  std::vector<uint8_t> check = Read<uint8_t>(d, 16);
  EXPECT_EQ(check[3], 0x42);
  EXPECT_EQ(check[12], 0x42);
  Write(d, in);
  KL_EXPECT(klMemFreeHost(pinned));
  EXPECT_EQ(klMemFreeHost(pinned), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klMemFreeHost(nullptr));
  void* p = nullptr;
  EXPECT_EQ(klMemHostAlloc(&p, 0, 0), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klMemHostAlloc(&p, 16, 0x80), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klMemHostAlloc(&p, 4096, KL_MEMHOSTALLOC_WRITECOMBINED | KL_MEMHOSTALLOC_PORTABLE));
  KL_EXPECT(klMemFreeHost(p));

  // Registered: an odd range inside a malloc'd buffer.
  std::vector<uint8_t> storage(n + 5000);
  uint8_t* reg = storage.data() + 123;
  KLresult r = klMemHostRegister(reg, n, 0);
  if (r == KL_ERROR_NOT_SUPPORTED) {
    EXPECT_NE(LastError().find("VK_EXT_external_memory_host"), std::string::npos);
  } else {
    ASSERT_EQ(r, KL_SUCCESS) << LastError();
    EXPECT_EQ(klMemHostRegister(reg + 10, 10, 0), KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED);
    KL_ASSERT(klMemcpyDtoHAsync(reg, d, n, s));
    KL_ASSERT(klStreamSynchronize(s));
    size_t first_diff = n;
    for (size_t i = 0; i < n && first_diff == n; ++i)
      if (reg[i] != in[i]) first_diff = i;
    EXPECT_EQ(first_diff, n) << "first differing byte";

    EXPECT_EQ(klMemHostUnregister(reg + 1), KL_ERROR_HOST_MEMORY_NOT_REGISTERED);
    KL_EXPECT(klMemHostUnregister(reg));
    EXPECT_EQ(klMemHostUnregister(reg), KL_ERROR_HOST_MEMORY_NOT_REGISTERED);
  }
  EXPECT_EQ(klMemHostRegister(nullptr, 10, 0), KL_ERROR_INVALID_VALUE);
  KL_EXPECT(klStreamDestroy(s));
}

TEST_F(MemoryTest, LargeCopiesStreamThroughBoundedStaging) {
  const size_t n = (100u << 20) + 5;  // over the 64 MiB a stream may hold in flight
  KLdeviceptr d = Alloc(n);
  std::vector<uint8_t> in = Pattern(n, 9);
  KLstream s = nullptr;
  KL_ASSERT(klStreamCreate(&s, 0));
  KL_ASSERT(klMemcpyHtoDAsync(d, in.data(), n, s));
  std::vector<uint8_t> out(n, 0);
  KL_ASSERT(klMemcpyDtoHAsync(out.data(), d, n, s));
  KL_ASSERT(klStreamSynchronize(s));
  EXPECT_TRUE(out == in);
  std::fill(out.begin(), out.end(), 0);
  KL_ASSERT(klMemcpyDtoH(out.data(), d, n));
  EXPECT_TRUE(out == in);
  KL_EXPECT(klStreamDestroy(s));
}

}  // namespace
}  // namespace keel_vk_test
