// The shared host side of staged copies (common/parallel_copy.h): byte
// counts, the shared settings, the chunk plan, and the thread pool that
// splits each chunk's memcpy (every byte checked).
#include "common/parallel_copy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common/tests/fake_env.h"

namespace keel {
namespace {

constexpr size_t kKiB = size_t{1} << 10;
constexpr size_t kMiB = size_t{1} << 20;

TEST(ParseByteCount, AcceptsPlainAndSuffixedCounts) {
  size_t v = 0;
  EXPECT_TRUE(ParseByteCount("65536", &v));
  EXPECT_EQ(v, 65536u);
  EXPECT_TRUE(ParseByteCount("64K", &v));
  EXPECT_EQ(v, 64 * kKiB);
  EXPECT_TRUE(ParseByteCount("64KiB", &v));
  EXPECT_EQ(v, 64 * kKiB);
  EXPECT_TRUE(ParseByteCount("8M", &v));
  EXPECT_EQ(v, 8 * kMiB);
  EXPECT_TRUE(ParseByteCount("16MiB", &v));
  EXPECT_EQ(v, 16 * kMiB);
  for (const char* bad : {"", "-1", "x", "8G", "8 M", "1e6", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseByteCount(bad, &v)) << bad;
  }
  EXPECT_FALSE(ParseByteCount(nullptr, &v));
}

TEST(DefaultCopyThreads, ThreeQuartersOfTheCpusBetweenOneAndTwelve) {
  EXPECT_EQ(DefaultCopyThreads(1), 1);
  EXPECT_EQ(DefaultCopyThreads(2), 1);
  EXPECT_EQ(DefaultCopyThreads(4), 3);
  EXPECT_EQ(DefaultCopyThreads(16), 12);
  EXPECT_EQ(DefaultCopyThreads(128), 12);
}

TEST(ChunkFor, QuarterOfTheCopyBetween64KiBAndTheMaximum) {
  EXPECT_EQ(ChunkFor(1, 8 * kMiB), 64 * kKiB);
  EXPECT_EQ(ChunkFor(1 * kMiB, 8 * kMiB), 256 * kKiB);
  EXPECT_EQ(ChunkFor(16 * kMiB, 8 * kMiB), 4 * kMiB);
  EXPECT_EQ(ChunkFor(256 * kMiB, 8 * kMiB), 8 * kMiB);
  EXPECT_EQ(ChunkFor(256 * kMiB, 128 * kKiB), 128 * kKiB);
  for (size_t bytes : {size_t{1}, 65537 * size_t{3}, 3 * kMiB + 1, 1000 * kMiB + 7}) {
    size_t c = ChunkFor(bytes, 8 * kMiB);
    EXPECT_EQ(c % (64 * kKiB), 0u) << bytes;
    EXPECT_LE(c, 8 * kMiB) << bytes;
    if (bytes >= 4 * 64 * kKiB && bytes <= 32 * kMiB) {
      EXPECT_GE((bytes + c - 1) / c, 3u) << bytes << ": too few chunks to overlap";
    }
  }
}

// A deterministic pattern that differs at every byte offset.
void Fill(std::vector<unsigned char>* v, uint32_t seed) {
  uint32_t x = seed | 1u;
  for (unsigned char& b : *v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<unsigned char>(x >> 24);
  }
}

// Copies `bytes` between unaligned offsets of two poisoned buffers and
// checks the copy and the bytes around it.
void CheckCopy(CopyPool& pool, size_t bytes, size_t src_off, size_t dst_off, uint32_t seed,
               bool streaming = false) {
  constexpr size_t kGuard = 32;
  std::vector<unsigned char> src(bytes + src_off + kGuard), dst(bytes + dst_off + kGuard, 0xCD);
  Fill(&src, seed);
  pool.Copy(dst.data() + dst_off, src.data() + src_off, bytes, streaming);
  ASSERT_EQ(0, std::memcmp(dst.data() + dst_off, src.data() + src_off, bytes))
      << bytes << " bytes, offsets " << src_off << "/" << dst_off << ", " << pool.threads() << " threads"
      << (streaming ? ", streaming" : "");
  for (size_t i = 0; i < dst_off; ++i) ASSERT_EQ(dst[i], 0xCD) << "guard before, byte " << i;
  for (size_t i = dst_off + bytes; i < dst.size(); ++i) ASSERT_EQ(dst[i], 0xCD) << "guard after, byte " << i;
}

TEST(CopyPool, CopiesEveryByteAtAnySizeAndOffset) {
  for (int threads : {1, 2, 3, 8}) for (bool streaming : {false, true}) {
    CopyPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    uint32_t seed = 1;
    for (size_t bytes : {size_t{0}, size_t{1}, 64 * kKiB - 1, 128 * kKiB, 128 * kKiB + 3, 1 * kMiB + 4095,
                         5 * kMiB + 17}) {
      for (size_t off : {size_t{0}, size_t{1}, size_t{7}, size_t{4095}}) {
        ASSERT_NO_FATAL_FAILURE(CheckCopy(pool, bytes, off, (off * 3) % 16, seed++, streaming));
      }
    }
  }
}

// The streaming copy on its own, around its cached head and tail: every
// destination alignment within a line, lengths around the line multiples.
TEST(StreamingCopy, CopiesEveryByteAroundLineBoundaries) {
  constexpr size_t kGuard = 80;
  std::vector<unsigned char> src(4096 + 64 + kGuard);
  Fill(&src, 3);
  for (size_t dst_off = 0; dst_off < 64; dst_off += 5) {
    for (size_t bytes : {size_t{0}, size_t{63}, size_t{64}, size_t{127}, size_t{128}, size_t{129},
                         size_t{1000}, size_t{4096}}) {
      std::vector<unsigned char> dst(bytes + 64 + kGuard, 0xCD);
      StreamingCopy(dst.data() + dst_off, src.data() + 3, bytes);
      ASSERT_EQ(0, std::memcmp(dst.data() + dst_off, src.data() + 3, bytes)) << bytes << " at " << dst_off;
      for (size_t i = 0; i < dst_off; ++i) ASSERT_EQ(dst[i], 0xCD) << "guard before, byte " << i;
      for (size_t i = dst_off + bytes; i < dst.size(); ++i) ASSERT_EQ(dst[i], 0xCD) << "guard after, byte " << i;
    }
  }
}

// Many back-to-back jobs: the workers' spin/sleep hand-over and the
// generation check (a worker waking after its job must not touch the next).
TEST(CopyPool, BackToBackJobs) {
  CopyPool pool(4);
  std::vector<unsigned char> src(3 * kMiB), dst(3 * kMiB);
  Fill(&src, 42);
  for (int i = 0; i < 300; ++i) {
    size_t bytes = (static_cast<size_t>(i) * 7919u * 131u) % src.size();
    std::memset(dst.data(), 0, bytes);
    pool.Copy(dst.data(), src.data(), bytes);
    ASSERT_EQ(0, std::memcmp(dst.data(), src.data(), bytes)) << "job " << i << ", " << bytes << " bytes";
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let the workers sleep
  }
}

TEST(CopyPool, ConcurrentCallersTakeTurns) {
  CopyPool pool(4);
  constexpr int kCallers = 4;
  std::vector<int> bad(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      std::vector<unsigned char> src(1 * kMiB + 333 * static_cast<size_t>(c)), dst(src.size());
      Fill(&src, static_cast<uint32_t>(c + 100));
      for (int i = 0; i < 40; ++i) {
        std::memset(dst.data(), 0, dst.size());
        pool.Copy(dst.data(), src.data(), src.size());
        bad[c] += std::memcmp(dst.data(), src.data(), src.size()) != 0;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (int c = 0; c < kCallers; ++c) EXPECT_EQ(bad[c], 0) << "caller " << c;
}

TEST(CopyPool, StartsAndStopsRepeatedly) {
  std::vector<unsigned char> src(512 * kKiB), dst(512 * kKiB);
  Fill(&src, 7);
  for (int i = 0; i < 20; ++i) {
    CopyPool pool(3);
    if (i % 2 == 0) pool.Copy(dst.data(), src.data(), src.size());  // half of them stop idle
  }
  EXPECT_EQ(0, std::memcmp(dst.data(), src.data(), src.size()));
}

TEST(CopyPool, SharedPoolLivesWhileAContextUsesIt) {
  CopyPool* a = AcquireCopyPool(3);
  CopyPool* b = AcquireCopyPool(5);  // the pool as the first Acquire made it
  EXPECT_EQ(a, b);
  EXPECT_EQ(b->threads(), 3);
  ReleaseCopyPool();
  std::vector<unsigned char> src(1 * kMiB), dst(1 * kMiB);
  Fill(&src, 9);
  b->Copy(dst.data(), src.data(), src.size());  // still alive: one user left
  EXPECT_EQ(0, std::memcmp(dst.data(), src.data(), src.size()));
  ReleaseCopyPool();  // the last user: workers joined
  ReleaseCopyPool();  // more releases than acquires are ignored
  CopyPool* c = AcquireCopyPool(2);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->threads(), 2);
  std::memset(dst.data(), 0, dst.size());
  c->Copy(dst.data(), src.data(), src.size());
  EXPECT_EQ(0, std::memcmp(dst.data(), src.data(), src.size()));
  ReleaseCopyPool();
}

class HostCopySettingsTest : public ::testing::Test {
 protected:
  HostCopySettings Parse(const char* prefix) {
    HostCopySettings s;
    s.threads = 7;  // the caller's default
    ParseHostCopySettings(prefix, test::FakeEnv::Get, test::FakeEnv::Warn, &s);
    return s;
  }
  test::FakeEnv env_;
};

TEST_F(HostCopySettingsTest, DefaultsWithoutTheVariables) {
  env_.vars = {{"KEEL_OTHER_STAGING_CHUNK", "1M"}};  // another backend's prefix
  HostCopySettings s = Parse("KEEL_TEST");
  EXPECT_EQ(s.threshold, 1 * kMiB);
  EXPECT_EQ(s.chunk, 8 * kMiB);
  EXPECT_EQ(s.threads, 7);
  EXPECT_EQ(s.streaming, StreamingStores::kAuto);
  EXPECT_FALSE(s.StreamIn());  // auto: device-to-host streams, host-to-device does not
  EXPECT_TRUE(s.StreamOut());
  EXPECT_TRUE(env_.warned.empty());
}

TEST_F(HostCopySettingsTest, StreamingZeroTurnsItOffBothWays) {
  env_.vars = {{"KEEL_TEST_STAGING_STREAMING", "0"}};
  HostCopySettings s = Parse("KEEL_TEST");
  EXPECT_EQ(s.streaming, StreamingStores::kNever);
  EXPECT_FALSE(s.StreamIn());
  EXPECT_FALSE(s.StreamOut());
  EXPECT_TRUE(env_.warned.empty());
}

TEST_F(HostCopySettingsTest, ReadsTheVariablesOfItsPrefix) {
  env_.vars = {{"KEEL_TEST_STAGING_THRESHOLD", "0"},     // at least 1
          {"KEEL_TEST_STAGING_CHUNK", "100K"},      // rounded up to 64 KiB units
          {"KEEL_TEST_STAGING_THREADS", "5"},
          {"KEEL_TEST_STAGING_STREAMING", "1"}};
  HostCopySettings s = Parse("KEEL_TEST");
  EXPECT_EQ(s.threshold, 1u);
  EXPECT_EQ(s.chunk, 128 * kKiB);
  EXPECT_EQ(s.threads, 5);
  EXPECT_EQ(s.streaming, StreamingStores::kAlways);
  EXPECT_TRUE(s.StreamIn());
  EXPECT_TRUE(s.StreamOut());
  EXPECT_TRUE(env_.warned.empty());
}

TEST_F(HostCopySettingsTest, MalformedValuesKeepTheFieldAndWarn) {
  env_.vars = {{"KEEL_TEST_STAGING_THRESHOLD", "lots"},
          {"KEEL_TEST_STAGING_CHUNK", "512M"},  // above 256 MiB
          {"KEEL_TEST_STAGING_THREADS", "33"},
          {"KEEL_TEST_STAGING_STREAMING", "yes"}};
  HostCopySettings s = Parse("KEEL_TEST");
  EXPECT_EQ(s.threshold, 1 * kMiB);
  EXPECT_EQ(s.chunk, 8 * kMiB);
  EXPECT_EQ(s.threads, 7);
  EXPECT_EQ(s.streaming, StreamingStores::kAuto);
  EXPECT_EQ(env_.warned, (std::vector<std::string>{"KEEL_TEST_STAGING_THRESHOLD", "KEEL_TEST_STAGING_CHUNK",
                                               "KEEL_TEST_STAGING_THREADS", "KEEL_TEST_STAGING_STREAMING"}));
}

// The thread count goes through the shared number parser (common/settings.h):
// decimal digits only, so what atoi would have read as 5 or 4 is refused.
TEST_F(HostCopySettingsTest, ThreadsAreDecimalDigitsOnly) {
  for (const char* bad : {"5x", " 4", "+4", "4 ", "0x4", "-4", ""}) {
    env_.vars = {{"KEEL_TEST_STAGING_THREADS", bad}};
    env_.warned.clear();
    EXPECT_EQ(Parse("KEEL_TEST").threads, 7) << "'" << bad << "'";  // the caller's default
    EXPECT_EQ(env_.warned, std::vector<std::string>{"KEEL_TEST_STAGING_THREADS"}) << "'" << bad << "'";
  }
  env_.vars = {{"KEEL_TEST_STAGING_THREADS", "4"}};
  env_.warned.clear();
  EXPECT_EQ(Parse("KEEL_TEST").threads, 4);
  EXPECT_TRUE(env_.warned.empty());
}

}  // namespace
}  // namespace keel
