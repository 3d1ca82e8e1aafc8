#include "vulkan/host_wait.h"

#include <cstdint>

#include <keel/keel.h>

#include "common/settings.h"

namespace keel {
namespace vk {

HostWaitPlan PlanHostWait(unsigned sched, bool cpu_device, bool blocking,
                          std::optional<std::chrono::microseconds> auto_poll_setting,
                          int polling_threads, int cpus) {
  HostWaitPlan plan;
  if (blocking) return plan;
  switch (sched & KL_CTX_SCHED_MASK) {
    case KL_CTX_SCHED_SPIN:
      plan.poll = true;
      return plan;
    case KL_CTX_SCHED_YIELD:
      plan.poll = plan.yield = true;
      return plan;
    case KL_CTX_SCHED_AUTO:
      if (cpu_device && !auto_poll_setting) return plan;
      if (auto_poll_setting)
        plan.poll_limit = *auto_poll_setting;
      else
        plan.poll_limit = polling_threads > cpus ? kAutoPollWhenCrowded : kAutoPollLimit;
      plan.poll = plan.yield = plan.poll_limit.count() > 0;
      return plan;
    default:  // KL_CTX_SCHED_BLOCKING_SYNC
      return plan;
  }
}

std::optional<std::chrono::microseconds> ParseAutoPollSetting(const char* value, bool* invalid) {
  if (invalid) *invalid = false;
  if (value == nullptr || *value == '\0') return std::nullopt;
  uint64_t us = 0;
  if (!ParseUnsigned(value, 0, 10000000, &us)) {
    if (invalid) *invalid = true;
    return std::nullopt;
  }
  return std::chrono::microseconds(us);
}

}  // namespace vk
}  // namespace keel
