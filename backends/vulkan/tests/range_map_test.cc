// RangeMap (backends/common/range_map.h): address -> (range, value).
#include "common/range_map.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace keel {
namespace {

TEST(RangeMap, FindsTheRangeThatContainsAnAddress) {
  RangeMap<int> map;
  ASSERT_TRUE(map.Insert(0x1000, 0x100, 1));
  ASSERT_TRUE(map.Insert(0x2000, 0x10, 2));
  EXPECT_EQ(map.Find(0x0fff), nullptr);
  ASSERT_NE(map.Find(0x1000), nullptr);
  EXPECT_EQ(map.Find(0x1000)->value, 1);
  EXPECT_EQ(map.Find(0x10ff)->value, 1);
  EXPECT_EQ(map.Find(0x1100), nullptr);  // one past the end
  EXPECT_EQ(map.Find(0x2008)->value, 2);
  EXPECT_EQ(map.Find(0x2010), nullptr);
  EXPECT_EQ(map.Find(~uint64_t{0}), nullptr);
}

TEST(RangeMap, FindSpanRequiresTheWholeSpanInOneRange) {
  RangeMap<int> map;
  ASSERT_TRUE(map.Insert(0x1000, 0x100, 1));
  ASSERT_TRUE(map.Insert(0x1100, 0x100, 2));  // adjacent
  EXPECT_NE(map.FindSpan(0x1000, 0x100), nullptr);
  EXPECT_NE(map.FindSpan(0x10f0, 0x10), nullptr);
  EXPECT_EQ(map.FindSpan(0x10f0, 0x11), nullptr);  // crosses into the next range
  EXPECT_EQ(map.FindSpan(0x1000, ~uint64_t{0}), nullptr);  // would wrap
  EXPECT_NE(map.FindSpan(0x10ff, 0), nullptr);
  EXPECT_EQ(map.FindSpan(0x0, 0), nullptr);
}

TEST(RangeMap, RejectsOverlapsAndEmptyOrWrappingRanges) {
  RangeMap<int> map;
  ASSERT_TRUE(map.Insert(0x1000, 0x100, 1));
  EXPECT_FALSE(map.Insert(0x1000, 0x100, 2));
  EXPECT_FALSE(map.Insert(0x0f00, 0x101, 2));  // ends inside
  EXPECT_FALSE(map.Insert(0x10ff, 0x10, 2));   // starts inside
  EXPECT_FALSE(map.Insert(0x0f00, 0x1000, 2)); // covers it
  EXPECT_FALSE(map.Insert(0x5000, 0, 2));
  EXPECT_FALSE(map.Insert(~uint64_t{0} - 4, 16, 2));
  EXPECT_TRUE(map.Insert(0x0f00, 0x100, 3));   // ends exactly at its start
  EXPECT_TRUE(map.Insert(0x1100, 0x100, 4));   // starts exactly at its end
  EXPECT_EQ(map.size(), 3u);
  EXPECT_TRUE(map.Overlaps(0x0f80, 0x100));
  EXPECT_FALSE(map.Overlaps(0x1200, 0x100));
  EXPECT_FALSE(map.Overlaps(0x0e00, 0x100));
  EXPECT_TRUE(map.Overlaps(0x0e00, 0x101));
}

TEST(RangeMap, EraseOnlyByExactBase) {
  RangeMap<int> map;
  ASSERT_TRUE(map.Insert(0x1000, 0x100, 1));
  EXPECT_FALSE(map.Erase(0x1001));
  EXPECT_EQ(map.FindBase(0x1001), nullptr);
  ASSERT_NE(map.FindBase(0x1000), nullptr);
  EXPECT_TRUE(map.Erase(0x1000));
  EXPECT_EQ(map.Find(0x1000), nullptr);
  EXPECT_TRUE(map.empty());
}

// Random ranges against a brute-force model.
TEST(RangeMap, MatchesABruteForceModel) {
  std::mt19937_64 rng(12345);
  RangeMap<int> map;
  struct R {
    uint64_t base, size;
    int value;
  };
  std::vector<R> model;
  for (int i = 0; i < 2000; ++i) {
    uint64_t base = rng() % 100000, size = 1 + rng() % 300;
    bool overlaps = false;
    for (const R& r : model) overlaps |= base < r.base + r.size && r.base < base + size;
    EXPECT_EQ(map.Insert(base, size, i), !overlaps);
    if (!overlaps) model.push_back({base, size, i});
    if (i % 7 == 0 && !model.empty()) {
      size_t k = rng() % model.size();
      EXPECT_TRUE(map.Erase(model[k].base));
      model.erase(model.begin() + static_cast<long>(k));
    }
  }
  for (int i = 0; i < 5000; ++i) {
    uint64_t addr = rng() % 100400;
    const R* hit = nullptr;
    for (const R& r : model)
      if (addr >= r.base && addr < r.base + r.size) hit = &r;
    const auto* found = map.Find(addr);
    if (hit == nullptr) {
      EXPECT_EQ(found, nullptr) << addr;
    } else {
      ASSERT_NE(found, nullptr) << addr;
      EXPECT_EQ(found->value, hit->value);
    }
  }
}

}  // namespace
}  // namespace keel
