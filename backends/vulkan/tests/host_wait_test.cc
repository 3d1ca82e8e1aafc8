// The host-wait policy of Vulkan contexts (host_wait.h): which scheduling
// flag polls, for how long, and KEEL_VULKAN_AUTO_POLL_US.
#include "vulkan/host_wait.h"

#include <gtest/gtest.h>

#include <keel/keel.h>

namespace keel {
namespace vk {
namespace {

using std::chrono::microseconds;

const std::optional<microseconds> kUnset;

TEST(HostWait, SpinPollsUntilDoneWithoutYielding) {
  for (bool cpu : {false, true}) {
    HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_SPIN, cpu, false, microseconds{5}, 99, 2);
    EXPECT_TRUE(p.poll);
    EXPECT_FALSE(p.yield);
    EXPECT_EQ(p.poll_limit, kPollUntilDone) << "the setting is for AUTO only";
  }
}

TEST(HostWait, YieldPollsUntilDoneYielding) {
  HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_YIELD, true, false, kUnset, 99, 2);
  EXPECT_TRUE(p.poll);
  EXPECT_TRUE(p.yield);
  EXPECT_EQ(p.poll_limit, kPollUntilDone);
}

TEST(HostWait, BlockingSyncAndBlockingEventsSleep) {
  EXPECT_FALSE(PlanHostWait(KL_CTX_SCHED_BLOCKING_SYNC, false, false, kUnset, 1, 16).poll);
  for (unsigned sched : {KL_CTX_SCHED_AUTO, KL_CTX_SCHED_SPIN, KL_CTX_SCHED_YIELD})
    EXPECT_FALSE(PlanHostWait(sched, false, true, kUnset, 1, 16).poll) << sched;
}

TEST(HostWait, AutoOnGpuPollsLongWhileCpusAreSpare) {
  HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_AUTO, false, false, kUnset, 16, 16);
  EXPECT_TRUE(p.poll);
  EXPECT_TRUE(p.yield);
  EXPECT_EQ(p.poll_limit, kAutoPollLimit);
  // Bounded, so that a lost device still ends the wait in vkWaitSemaphores.
  EXPECT_NE(p.poll_limit, kPollUntilDone);
  EXPECT_GT(kAutoPollLimit, kAutoPollWhenCrowded);
}

TEST(HostWait, AutoOnGpuBoundsThePollWhenCrowded) {
  HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_AUTO, false, false, kUnset, 17, 16);
  EXPECT_TRUE(p.poll);
  EXPECT_EQ(p.poll_limit, kAutoPollWhenCrowded);
}

TEST(HostWait, AutoSettingIsTheLimit) {
  for (int pollers : {1, 64}) {
    HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_AUTO, false, false, microseconds{20000}, pollers, 16);
    EXPECT_TRUE(p.poll);
    EXPECT_EQ(p.poll_limit, microseconds{20000}) << pollers << " pollers";
  }
  // 0: sleep at once.
  EXPECT_FALSE(PlanHostWait(KL_CTX_SCHED_AUTO, false, false, microseconds{0}, 1, 16).poll);
}

TEST(HostWait, AutoOnCpuDeviceSleepsAtOnceUnlessTheSettingSaysOtherwise) {
  EXPECT_FALSE(PlanHostWait(KL_CTX_SCHED_AUTO, true, false, kUnset, 1, 16).poll);
  HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_AUTO, true, false, microseconds{200}, 1, 16);
  EXPECT_TRUE(p.poll);
  EXPECT_EQ(p.poll_limit, microseconds{200});
}

TEST(HostWait, OtherContextFlagsDoNotChangeThePlan) {
  // Bits outside KL_CTX_SCHED_MASK do not change the plan.
  HostWaitPlan p = PlanHostWait(KL_CTX_SCHED_YIELD | 0x08u, false, false, kUnset, 1, 16);
  EXPECT_TRUE(p.poll);
  EXPECT_TRUE(p.yield);
}

TEST(HostWait, ParsesTheSetting) {
  bool invalid = true;
  EXPECT_EQ(ParseAutoPollSetting(nullptr, &invalid), std::nullopt);
  EXPECT_FALSE(invalid);
  EXPECT_EQ(ParseAutoPollSetting("", &invalid), std::nullopt);
  EXPECT_FALSE(invalid);
  EXPECT_EQ(ParseAutoPollSetting("0", &invalid), microseconds{0});
  EXPECT_FALSE(invalid);
  EXPECT_EQ(ParseAutoPollSetting("2000", &invalid), microseconds{2000});
  EXPECT_EQ(ParseAutoPollSetting("10000000", &invalid), microseconds{10000000});
  EXPECT_FALSE(invalid);
  for (const char* bad : {"10000001", "-1", " 5", "5us", "x", "+5"}) {
    invalid = false;
    EXPECT_EQ(ParseAutoPollSetting(bad, &invalid), std::nullopt) << bad;
    EXPECT_TRUE(invalid) << bad;
  }
  EXPECT_EQ(ParseAutoPollSetting("junk", nullptr), std::nullopt);
}

}  // namespace
}  // namespace vk
}  // namespace keel
