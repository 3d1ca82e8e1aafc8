// Memcpy: host-to-device, device-to-host and device-to-device, synchronous
// and asynchronous, from pageable and pinned host memory, at every size from
// 0 to 64 MiB + 7 and at unaligned offsets, device to device at every 4-byte
// alignment mod 16, and beyond 4 GiB. Every byte is checked, and the bytes
// around the destination range must keep their poison.
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "fixture.h"

namespace {

enum class CopyMode { kSync, kAsyncPageable, kAsyncPinned };

struct CopyCase {
  std::string name;
  size_t bytes;
  CopyMode mode;
};

std::vector<CopyCase> CopyCases() {
  const std::pair<const char*, size_t> sizes[] = {
      {"0", 0},        {"1", 1},           {"3", 3},         {"4", 4},
      {"255", 255},    {"4K", 4096},       {"4Kplus1", 4097}, {"1M", 1 << 20},
      {"64Mplus7", (size_t{64} << 20) + 7}};
  const std::pair<const char*, CopyMode> modes[] = {
      {"sync", CopyMode::kSync}, {"asyncPageable", CopyMode::kAsyncPageable},
      {"asyncPinned", CopyMode::kAsyncPinned}};
  std::vector<CopyCase> out;
  for (auto [mname, mode] : modes)
    for (auto [sname, bytes] : sizes) out.push_back({std::string(mname) + "_" + sname, bytes, mode});
  return out;
}

// A host buffer of the case's kind: pageable (std::vector) or pinned.
class HostBuffer {
 public:
  void Alloc(size_t bytes, bool pinned) {
    size_t n = bytes == 0 ? 1 : bytes;
    if (pinned) {
      ASSERT_NO_FATAL_FAILURE(pinned_.Alloc(n));
      data_ = static_cast<uint8_t*>(pinned_.get());
    } else {
      pageable_.assign(n, kc::kPoisonByte);
      data_ = pageable_.data();
    }
  }
  uint8_t* data() { return data_; }

 private:
  std::vector<uint8_t> pageable_;
  kc::PinnedBuffer pinned_;
  uint8_t* data_ = nullptr;
};

using MemcpyRoundTrip = kc::ContextCaseTest<CopyCase>;

// HtoD into the middle of a poisoned buffer, DtoD to a second buffer, DtoH
// back: data intact, guard bytes untouched.
TEST_P(MemcpyRoundTrip, HtoDDtoDDtoH) {
  const CopyCase& c = value();
  constexpr size_t kGuard = 64;
  bool async = c.mode != CopyMode::kSync;
  HostBuffer src, dst;
  ASSERT_NO_FATAL_FAILURE(src.Alloc(c.bytes, c.mode == CopyMode::kAsyncPinned));
  ASSERT_NO_FATAL_FAILURE(dst.Alloc(c.bytes, c.mode == CopyMode::kAsyncPinned));
  std::vector<uint8_t> data = rng().Bytes(c.bytes);
  if (c.bytes) std::memcpy(src.data(), data.data(), c.bytes);
  KC_ALLOC(a, c.bytes + 2 * kGuard);
  KC_ALLOC(b, c.bytes + 2 * kGuard);
  ASSERT_NO_FATAL_FAILURE(a.Poison());
  ASSERT_NO_FATAL_FAILURE(b.Poison());
  KC_STREAM(s);
  if (async) {
    KC_ASSERT_OK(klMemcpyHtoDAsync(a.at(kGuard), src.data(), c.bytes, s));
    if (c.mode == CopyMode::kAsyncPageable && c.bytes) {
      // Pageable sources are consumed before the call returns.
      std::memset(src.data(), 0, c.bytes);
    }
    KC_ASSERT_OK(klMemcpyDtoDAsync(b.at(kGuard), a.at(kGuard), c.bytes, s));
    KC_ASSERT_OK(klMemcpyDtoHAsync(dst.data(), b.at(kGuard), c.bytes, s));
    KC_ASSERT_OK(klStreamSynchronize(s));
  } else {
    KC_ASSERT_OK(klMemcpyHtoD(a.at(kGuard), src.data(), c.bytes));
    KC_ASSERT_OK(klMemcpyDtoD(b.at(kGuard), a.at(kGuard), c.bytes));
    KC_ASSERT_OK(klMemcpyDtoH(dst.data(), b.at(kGuard), c.bytes));
  }
  KC_EXPECT_ARRAYS_EQ(data, std::vector<uint8_t>(dst.data(), dst.data() + c.bytes));
  // The guards around the copied range in both device buffers.
  std::vector<uint8_t> whole, poison(kGuard, kc::kPoisonByte);
  for (kc::DeviceBuffer* buf : {&a, &b}) {
    ASSERT_NO_FATAL_FAILURE(buf->Download(&whole, c.bytes + 2 * kGuard));
    KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(whole.begin(), whole.begin() + kGuard));
    KC_EXPECT_ARRAYS_EQ(poison, std::vector<uint8_t>(whole.end() - kGuard, whole.end()));
  }
}

KC_INSTANTIATE_CASES(Memcpy, MemcpyRoundTrip, CopyCase, (CopyCases()));

// Offsets 1..15 on host and device sides (device source and destination at
// different offsets), odd lengths.
using MemcpyUnaligned = kc::ContextCaseTest<int>;

TEST_P(MemcpyUnaligned, Offsets) {
  const size_t offset = static_cast<size_t>(value());
  const size_t length = 1000 + 3 * offset;  // odd and even lengths
  const size_t dst_offset = (offset * 7) % 16;
  constexpr size_t kSize = 4096;
  std::vector<uint8_t> host = rng().Bytes(kSize);
  KC_ALLOC(a, kSize);
  KC_ALLOC(b, kSize);
  ASSERT_NO_FATAL_FAILURE(a.Poison());
  ASSERT_NO_FATAL_FAILURE(b.Poison());
  KC_ASSERT_OK(klMemcpyHtoD(a.at(offset), host.data() + offset, length));
  KC_ASSERT_OK(klMemcpyDtoD(b.at(dst_offset), a.at(offset), length));
  // Expected device contents: poison except the copied range.
  std::vector<uint8_t> want_a(kSize, kc::kPoisonByte), want_b(kSize, kc::kPoisonByte), got;
  std::memcpy(want_a.data() + offset, host.data() + offset, length);
  std::memcpy(want_b.data() + dst_offset, host.data() + offset, length);
  ASSERT_NO_FATAL_FAILURE(a.Download(&got, kSize));
  KC_EXPECT_ARRAYS_EQ(want_a, got);
  ASSERT_NO_FATAL_FAILURE(b.Download(&got, kSize));
  KC_EXPECT_ARRAYS_EQ(want_b, got);
  // DtoH into an unaligned host address.
  std::vector<uint8_t> out(kSize + 16, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoH(out.data() + offset, b.at(dst_offset), length));
  std::vector<uint8_t> want_out(kSize + 16, kc::kPoisonByte);
  std::memcpy(want_out.data() + offset, host.data() + offset, length);
  KC_EXPECT_ARRAYS_EQ(want_out, out);
  // The same through the async entry points.
  KC_STREAM(s);
  std::vector<uint8_t> out2(kSize + 16, kc::kPoisonByte);
  KC_ASSERT_OK(klMemcpyDtoDAsync(a.at(dst_offset + 1), b.at(dst_offset), length, s));
  KC_ASSERT_OK(klMemcpyDtoHAsync(out2.data() + offset, a.at(dst_offset + 1), length, s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  KC_EXPECT_ARRAYS_EQ(want_out, out2);
}

KC_INSTANTIATE_CASES(Memcpy, MemcpyUnaligned, int,
                     ({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));

using Memcpy = kc::ContextTest;

TEST_P(Memcpy, ZeroSizeWithNullHost) {
  KC_ALLOC(buf, 64);
  KC_EXPECT_OK(klMemcpyHtoD(buf.get(), nullptr, 0));
  KC_EXPECT_OK(klMemcpyDtoH(nullptr, buf.get(), 0));
  KC_EXPECT_OK(klMemcpyDtoD(buf.get(), buf.get(), 0));
  KC_EXPECT_OK(klMemcpyHtoDAsync(buf.get(), nullptr, 0, nullptr));
  KC_EXPECT_OK(klMemcpyDtoHAsync(nullptr, buf.get(), 0, nullptr));
  KC_EXPECT_OK(klStreamSynchronize(nullptr));
}

TEST_P(Memcpy, NullHostWithSizeFails) {
  KC_ALLOC(buf, 64);
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(buf.get(), nullptr, 16));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klMemcpyDtoH(nullptr, buf.get(), 16));
}

TEST_P(Memcpy, AsyncStreamOrdered) {
  // HtoD, kernel, DtoH queued back to back on one stream.
  KC_KERNEL(add, "basic", "add_scalar_f32");
  constexpr int kN = 100000;
  std::vector<float> data = rng().Floats(kN, -100.0f, 100.0f), got(kN), want(kN);
  for (int i = 0; i < kN; ++i) want[i] = data[i] + 2.5f;
  KC_PINNED(host, kN * sizeof(float));
  std::memcpy(host.get(), data.data(), kN * sizeof(float));
  KC_ALLOC(dev, kN * sizeof(float));
  ASSERT_NO_FATAL_FAILURE(dev.Poison());
  KC_STREAM(s);
  KC_ASSERT_OK(klMemcpyHtoDAsync(dev.get(), host.get(), kN * sizeof(float), s));
  KC_ASSERT_OK(kc::Launch(add, {kc::BlocksFor(kN, 128)}, {128}, 0, s, dev.get(), 2.5f, kN));
  KC_ASSERT_OK(klMemcpyDtoHAsync(host.get(), dev.get(), kN * sizeof(float), s));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::memcpy(got.data(), host.get(), kN * sizeof(float));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(Memcpy, AsyncDefaultStream) {
  constexpr size_t kBytes = 1 << 16;
  std::vector<uint8_t> data = rng().Bytes(kBytes), got(kBytes, kc::kPoisonByte);
  KC_ALLOC(a, kBytes);
  KC_ALLOC(b, kBytes);
  KC_ASSERT_OK(klMemcpyHtoDAsync(a.get(), data.data(), kBytes, nullptr));
  KC_ASSERT_OK(klMemcpyDtoDAsync(b.get(), a.get(), kBytes, nullptr));
  KC_ASSERT_OK(klMemcpyDtoHAsync(got.data(), b.get(), kBytes, nullptr));
  KC_ASSERT_OK(klStreamSynchronize(nullptr));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

TEST_P(Memcpy, OverlappingDeviceRangesDistinctBuffers) {
  // Copies between sub-ranges of one allocation (non-overlapping).
  constexpr size_t kBytes = 1 << 16;
  std::vector<uint8_t> data = rng().Bytes(kBytes / 2);
  KC_ALLOC(buf, kBytes);
  ASSERT_NO_FATAL_FAILURE(buf.Upload(data));
  KC_ASSERT_OK(klMemcpyDtoD(buf.at(kBytes / 2), buf.get(), kBytes / 2));
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(buf.Download(&got, kBytes / 2, kBytes / 2));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

// ---- device-to-device copies at every 4-byte alignment ---------------------------
//
// A backend may copy device memory in pieces chosen by alignment: the Vulkan
// backend's copy kernels (backends/vulkan/copy_kernels.h) copy 32-bit words
// until source and destination are 16-byte aligned, then 16-byte units, then
// the last words, and only words when the two differ in alignment mod 16.
// Every pair of source and destination offsets 0, 4, 8, 12 (mod 16:
// allocations are 256-byte aligned), lengths below, at and past 16 bytes,
// multiples of 16 and not, each copy into its own poisoned slot: every byte
// of the destination is checked, so a piece that is missing, shifted or
// written past its end shows. Synchronous entry points only (the
// asynchronous ones take the same path in the backends).
TEST_P(Memcpy, DtoDAlignments) {
  constexpr size_t kOffsets[] = {0, 4, 8, 12};
  constexpr size_t kLengths[] = {4,  8,  12, 16, 20, 24, 28,  32,   36,
                                 44, 48, 52, 60, 64, 68, 1020, 1024, 1036};
  // 16 bytes of poison, the offset, the copy, poison to the slot's end.
  constexpr size_t kSlot = 2048;
  const size_t slots = std::size(kOffsets) * std::size(kOffsets) * std::size(kLengths);
  const size_t bytes = slots * kSlot;
  std::vector<uint8_t> data = rng().Bytes(bytes);
  KC_ALLOC(a, bytes);
  KC_ALLOC(b, bytes);
  ASSERT_NO_FATAL_FAILURE(a.Upload(data));
  ASSERT_NO_FATAL_FAILURE(b.Poison());
  std::vector<uint8_t> want(bytes, kc::kPoisonByte);
  std::vector<std::string> what;
  for (size_t src_offset : kOffsets)
    for (size_t dst_offset : kOffsets)
      for (size_t length : kLengths) {
        const size_t base = what.size() * kSlot;
        const size_t from = base + 16 + src_offset, to = base + 16 + dst_offset;
        what.push_back("DtoD of " + std::to_string(length) + " bytes from offset " +
                       std::to_string(16 + src_offset) + " to offset " +
                       std::to_string(16 + dst_offset) + " of a slot of " + std::to_string(kSlot));
        KC_ASSERT_OK(klMemcpyDtoD(b.at(to), a.at(from), length)) << what.back();
        std::memcpy(want.data() + to, data.data() + from, length);
      }
  std::vector<uint8_t> got;
  ASSERT_NO_FATAL_FAILURE(b.Download(&got, bytes));
  for (size_t i = 0; i < slots; ++i) {
    EXPECT_TRUE(kc::CompareArrays(want.data() + i * kSlot, kSlot, got.data() + i * kSlot, kSlot))
        << what[i] << " (indices from the slot's start)";
  }
  // The source is unchanged.
  ASSERT_NO_FATAL_FAILURE(a.Download(&got, bytes));
  KC_EXPECT_ARRAYS_EQ(data, got);
}

// ---- copies of more than 4 GiB ---------------------------------------------------
//
// Sizes and offsets past 32 bits must survive every layer (size arithmetic,
// staging in pieces, pointer-range maps, native copy commands). The data is a
// position-dependent pattern: every 8-byte word is a mix of its index and the
// test's seed, so bytes that land 4 GiB off (a size or offset cut to 32 bits)
// or shifted by a few bytes do not match.

constexpr size_t kGiB = size_t{1} << 30;
// 8 MiB past 4 GiB so that the offset copies below (8 MiB + 5 bytes that
// cross 4 GiB, with 4 KiB guards) stay inside the buffers.
constexpr size_t kOver4GiB = 4 * kGiB + (size_t{8} << 20) + 7;
// What the test leaves to the rest of the system: the driver's own staging
// and bookkeeping, the other processes of a CI machine.
constexpr size_t kHostMargin = 3 * kGiB;

uint64_t PatternWord(uint64_t word, uint64_t seed) {
  uint64_t x = word + seed;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return x;
}

uint8_t PatternByte(size_t position, uint64_t seed) {
  uint64_t w = PatternWord(position / 8, seed);
  return static_cast<uint8_t>(w >> (8 * (position % 8)));
}

// Writes pattern bytes [first, first + count) to dst.
void FillPattern(uint8_t* dst, size_t first, size_t count, uint64_t seed) {
  size_t i = 0;
  for (; i < count && (first + i) % 8 != 0; ++i) dst[i] = PatternByte(first + i, seed);
  for (; i + 8 <= count; i += 8) {
    uint64_t w = PatternWord((first + i) / 8, seed);
    std::memcpy(dst + i, &w, 8);  // little-endian: byte k of the word is position 8*word+k
  }
  for (; i < count; ++i) dst[i] = PatternByte(first + i, seed);
}

// Checks got[0, count) against pattern bytes [first, first + count), in
// pieces (the expected values of 4 GiB are never held at once). Reports the
// first differing piece through the suite's comparison and how many differ.
testing::AssertionResult MatchesPattern(const uint8_t* got, size_t count, size_t first, uint64_t seed) {
  constexpr size_t kPiece = size_t{64} << 20;
  std::vector<uint8_t> want;
  size_t bad_pieces = 0;
  std::string first_report;
  for (size_t start = 0; start < count; start += kPiece) {
    size_t n = std::min(kPiece, count - start);
    want.resize(n);
    FillPattern(want.data(), first + start, n, seed);
    if (std::memcmp(want.data(), got + start, n) == 0) continue;
    if (bad_pieces++ == 0) {
      std::ostringstream report;
      report << "bytes [" << start << ", " << start + n << ") (indices below count from " << start
             << "): " << kc::CompareArrays(want.data(), n, got + start, n).message();
      first_report = report.str();
    }
  }
  if (bad_pieces == 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << bad_pieces << " of " << (count + kPiece - 1) / kPiece
                                     << " pieces of 64 MiB differ; the first: " << first_report;
}

// MemAvailable of /proc/meminfo in bytes, 0 when unknown.
size_t HostMemAvailable() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

std::string GiBText(size_t bytes) {
  std::ostringstream s;
  s.precision(3);
  s << static_cast<double>(bytes) / static_cast<double>(kGiB) << " GiB";
  return s.str();
}

// Full tier, not stress: copies past 4 GiB are ordinary work every backend
// must get right, and the test is short. On lavapipe here (Mesa 22.3.6, 2
// CPU cores) it skips at once: llvmpipe reports 2 GiB of device memory and
// allocates at most 2 GiB at a time. Where it runs, its time is mostly host
// work on the pattern (writing and checking 4 GiB took 10 s of wall time,
// 2.9 s of CPU, on this loaded 2-core machine) beside copies a GPU does in
// about a second each: seconds in a full run of minutes.
// Footprint: two device buffers and one host buffer of 4 GiB + 8 MiB + 7.
TEST_P(Memcpy, Over4GiB) {
  const size_t bytes = kOver4GiB;
  size_t device_total = 0;
  KC_ASSERT_OK(klDeviceTotalMem(&device_total, device()));
  // Two buffers plus an eighth for the driver's own use.
  if (device_total < 2 * bytes + 2 * bytes / 8)
    GTEST_SKIP() << "needs two device buffers of " << GiBText(bytes) << ": the device has "
                 << GiBText(device_total) << " in total";
  const bool integrated = Attr(KL_DEVICE_ATTRIBUTE_INTEGRATED) != 0;
  // A device that shares host memory takes its buffers from it too.
  size_t host_need = bytes + (integrated ? 2 * bytes : 0) + kHostMargin;
  size_t available = HostMemAvailable();
  if (available < host_need)
    GTEST_SKIP() << "needs " << GiBText(host_need) << " of host memory (a host buffer of "
                 << GiBText(bytes) << (integrated ? ", two device buffers in host memory" : "")
                 << " and a margin of " << GiBText(kHostMargin) << "): /proc/meminfo MemAvailable is "
                 << GiBText(available);

  const uint64_t pattern_seed = seed();
  std::unique_ptr<uint8_t[]> host(new uint8_t[bytes]);
  FillPattern(host.get(), 0, bytes, pattern_seed);
  KC_ALLOC(a, bytes);
  KC_ALLOC(b, bytes);
  KC_ASSERT_OK(klMemsetD8(a.get(), kc::kPoisonByte, bytes));
  KC_ASSERT_OK(klMemsetD8(b.get(), kc::kPoisonByte, bytes));

  // The whole size through each direction: HtoD, DtoD, then DtoH into the
  // poisoned host buffer.
  KC_ASSERT_OK(klMemcpyHtoD(a.get(), host.get(), bytes));
  KC_ASSERT_OK(klMemcpyDtoD(b.get(), a.get(), bytes));
  std::memset(host.get(), kc::kPoisonByte, bytes);
  KC_ASSERT_OK(klMemcpyDtoH(host.get(), b.get(), bytes));
  EXPECT_TRUE(MatchesPattern(host.get(), bytes, 0, pattern_seed)) << "after HtoD, DtoD and DtoH of "
                                                                  << bytes << " bytes";
  host.reset();  // the offset copies below need little host memory

  // Offset copies whose ranges cross the 4 GiB boundary, at odd offsets
  // that differ between source and destination.
  constexpr size_t kLength = (size_t{8} << 20) + 5;
  constexpr size_t kGuard = 4096;
  const size_t src_offset = 4 * kGiB - (size_t{3} << 20) - 3;
  const size_t dst_offset = 4 * kGiB - (size_t{5} << 20) + 1;
  static_assert(4 * kGiB - (size_t{3} << 20) - 3 + kLength + kGuard <= kOver4GiB,
                "the offset copies and their guards fit in the buffers");
  // DtoD: b[dst_offset...] = a[src_offset...]; b's bytes around keep the pattern.
  KC_ASSERT_OK(klMemcpyDtoD(b.at(dst_offset), a.at(src_offset), kLength));
  std::vector<uint8_t> window(kLength + 2 * kGuard);
  kc::PoisonHost(&window);
  KC_ASSERT_OK(klMemcpyDtoH(window.data(), b.at(dst_offset - kGuard), window.size()));
  EXPECT_TRUE(MatchesPattern(window.data(), kGuard, dst_offset - kGuard, pattern_seed))
      << "bytes before the DtoD destination changed";
  EXPECT_TRUE(MatchesPattern(window.data() + kGuard, kLength, src_offset, pattern_seed))
      << "DtoD of " << kLength << " bytes from offset " << src_offset << " to offset " << dst_offset;
  EXPECT_TRUE(MatchesPattern(window.data() + kGuard + kLength, kGuard, dst_offset + kLength, pattern_seed))
      << "bytes after the DtoD destination changed";

  // HtoD and DtoH at an offset crossing 4 GiB, from and to odd host
  // addresses, with a second pattern.
  const uint64_t second_seed = pattern_seed ^ 0x5555555555555555ull;
  std::vector<uint8_t> upload(kLength + 3);
  FillPattern(upload.data() + 3, 0, kLength, second_seed);
  KC_ASSERT_OK(klMemcpyHtoD(a.at(src_offset), upload.data() + 3, kLength));
  std::vector<uint8_t> download(kLength + 2 * kGuard + 1);
  kc::PoisonHost(&download);
  KC_ASSERT_OK(klMemcpyDtoH(download.data() + 1, a.at(src_offset - kGuard), kLength + 2 * kGuard));
  EXPECT_EQ(kc::kPoisonByte, download[0]) << "DtoH wrote before its destination";
  EXPECT_TRUE(MatchesPattern(download.data() + 1, kGuard, src_offset - kGuard, pattern_seed))
      << "bytes before the HtoD destination changed";
  EXPECT_TRUE(MatchesPattern(download.data() + 1 + kGuard, kLength, 0, second_seed))
      << "HtoD of " << kLength << " bytes to offset " << src_offset;
  EXPECT_TRUE(MatchesPattern(download.data() + 1 + kGuard + kLength, kGuard, src_offset + kLength,
                             pattern_seed))
      << "bytes after the HtoD destination changed";
}

KC_INSTANTIATE(Memcpy, Memcpy);

}  // namespace
