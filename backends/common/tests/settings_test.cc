// The parsers of the backends' environment settings (common/settings.h):
// the values each accepts, its bounds, and the spellings it refuses (which
// leave the output as it was).
#include "common/settings.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace keel {
namespace {

// Spellings no number parser accepts.
constexpr const char* kNotANumber[] = {"",     "-1",  " 5",  "5 ",  "5x",  "+5", "0x5",
                                       "5.0",  "1e3", ",",   "x",   "99999999999999999999999",
                                       "18446744073709551616"};  // 2^64

TEST(ParseUnsigned, AcceptsDecimalDigitsWithinTheBounds) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseUnsigned("5", 1, 10, &v));
  EXPECT_EQ(v, 5u);
  EXPECT_TRUE(ParseUnsigned("1", 1, 10, &v));  // both bounds included
  EXPECT_EQ(v, 1u);
  EXPECT_TRUE(ParseUnsigned("10", 1, 10, &v));
  EXPECT_EQ(v, 10u);
  EXPECT_TRUE(ParseUnsigned("007", 1, 10, &v));  // leading zeros are still decimal
  EXPECT_EQ(v, 7u);
  EXPECT_TRUE(ParseUnsigned("0", 0, 0, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseUnsigned("18446744073709551615", 0, UINT64_MAX, &v));
  EXPECT_EQ(v, UINT64_MAX);
}

TEST(ParseUnsigned, RefusesValuesOutOfBoundsAndKeepsTheOutput) {
  uint64_t v = 42;
  EXPECT_FALSE(ParseUnsigned("0", 1, 10, &v));
  EXPECT_FALSE(ParseUnsigned("11", 1, 10, &v));
  EXPECT_FALSE(ParseUnsigned("4294967296", 1, UINT32_MAX, &v));  // too large
  EXPECT_EQ(v, 42u);
}

TEST(ParseUnsigned, RefusesMalformedSpellings) {
  uint64_t v = 42;
  for (const char* bad : kNotANumber) EXPECT_FALSE(ParseUnsigned(bad, 0, UINT64_MAX, &v)) << bad;
  EXPECT_FALSE(ParseUnsigned("1,2", 0, UINT64_MAX, &v));  // one number only
  EXPECT_FALSE(ParseUnsigned(nullptr, 0, UINT64_MAX, &v));
  EXPECT_EQ(v, 42u);
}

TEST(ParseUnsignedList, AcceptsOneToCapacityNumbers) {
  uint64_t v[3] = {0, 0, 0};
  EXPECT_EQ(ParseUnsignedList("7", 1, 100, v, 3), 1u);
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(ParseUnsignedList("7,5", 1, 100, v, 3), 2u);
  EXPECT_EQ(ParseUnsignedList("7,5,3", 1, 100, v, 3), 3u);
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(v[1], 5u);
  EXPECT_EQ(v[2], 3u);
}

TEST(ParseUnsignedList, RefusesMalformedListsAndKeepsTheOutput) {
  uint64_t v[3] = {9, 9, 9};
  for (const char* bad : {"1,2,3,4",  // more than the capacity
                          "1,,2", "1,2,", ",1", "1, 2", "1;2", "1,0",
                          "1,101"}) {  // out of bounds
    EXPECT_EQ(ParseUnsignedList(bad, 1, 100, v, 3), 0u) << bad;
  }
  for (const char* bad : kNotANumber) EXPECT_EQ(ParseUnsignedList(bad, 0, UINT64_MAX, v, 3), 0u) << bad;
  EXPECT_EQ(ParseUnsignedList(nullptr, 0, 100, v, 3), 0u);
  EXPECT_EQ(v[0], 9u);
  EXPECT_EQ(v[1], 9u);
  EXPECT_EQ(v[2], 9u);
}

TEST(ParseByteCount, AcceptsPlainAndSuffixedCounts) {
  size_t v = 0;
  EXPECT_TRUE(ParseByteCount("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseByteCount("100K", &v));
  EXPECT_EQ(v, size_t{100} << 10);
  EXPECT_TRUE(ParseByteCount("3MiB", &v));
  EXPECT_EQ(v, size_t{3} << 20);
  EXPECT_TRUE(ParseByteCount("18446744073709551615", &v));
  EXPECT_EQ(v, SIZE_MAX);
}

TEST(ParseByteCount, RefusesMalformedSpellingsAndOverflow) {
  size_t v = 42;
  for (const char* bad : kNotANumber) EXPECT_FALSE(ParseByteCount(bad, &v)) << bad;
  for (const char* bad : {"K", "5k", "5Ki", "5KB", "5 K", "5G", "17592186044416M"}) {  // 2^44 MiB
    EXPECT_FALSE(ParseByteCount(bad, &v)) << bad;
  }
  EXPECT_FALSE(ParseByteCount(nullptr, &v));
  EXPECT_EQ(v, 42u);
}

TEST(ParseSwitch, AcceptsZeroAndOneOnly) {
  bool on = false;
  EXPECT_TRUE(ParseSwitch("1", &on));
  EXPECT_TRUE(on);
  EXPECT_TRUE(ParseSwitch("0", &on));
  EXPECT_FALSE(on);
  on = true;
  for (const char* bad : {"", "auto", "2", "00", "01", " 1", "1 ", "+1", "-0", "true", "on", "yes"}) {
    EXPECT_FALSE(ParseSwitch(bad, &on)) << bad;
  }
  EXPECT_FALSE(ParseSwitch(nullptr, &on));
  EXPECT_TRUE(on);
}

TEST(ParseTriState, AcceptsAutoZeroAndOne) {
  TriState t = TriState::kAuto;
  EXPECT_TRUE(ParseTriState("1", &t));
  EXPECT_EQ(t, TriState::kOn);
  EXPECT_TRUE(ParseTriState("0", &t));
  EXPECT_EQ(t, TriState::kOff);
  EXPECT_TRUE(ParseTriState("auto", &t));
  EXPECT_EQ(t, TriState::kAuto);
  t = TriState::kOn;
  for (const char* bad : {"", "AUTO", "Auto", "auto ", "2", "00", " 1", "+1", "-1", "yes"}) {
    EXPECT_FALSE(ParseTriState(bad, &t)) << bad;
  }
  EXPECT_FALSE(ParseTriState(nullptr, &t));
  EXPECT_EQ(t, TriState::kOn);
}

}  // namespace
}  // namespace keel
