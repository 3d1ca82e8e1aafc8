// How a host wait (stream, event, context synchronize, synchronous copy) of
// a Vulkan context waits for a timeline value: poll it or sleep in
// vkWaitSemaphores, and for how long it polls first. Pure policy, kept apart
// from Context::Wait so that the unit tests can check it without a GPU.
#pragma once

#include <chrono>

namespace keel {
namespace vk {

// A poll limit meaning "until the work is done".
inline constexpr std::chrono::microseconds kPollUntilDone = std::chrono::microseconds::max();

// How long a KL_CTX_SCHED_AUTO wait polls when more threads poll than the
// process has CPUs (and KEEL_VULKAN_AUTO_POLL_US is unset).
inline constexpr std::chrono::microseconds kAutoPollWhenCrowded{2000};

struct HostWaitPlan {
  bool poll = false;   // poll the timeline before (or instead of) sleeping
  bool yield = false;  // yield the thread between polls
  std::chrono::microseconds poll_limit = kPollUntilDone;  // then sleep
};

// `sched`: the context's KL_CTX_SCHED_* flag. `blocking`: the wait must
// sleep (KL_EVENT_BLOCKING_SYNC). `auto_poll_setting`: KEEL_VULKAN_AUTO_POLL_US,
// kPollUntilDone when unset. `polling_threads`: threads polling now,
// this one included. `cpus`: CPUs the process may run on.
//
// SPIN and YIELD poll until done; BLOCKING_SYNC sleeps. AUTO on a CPU device
// sleeps at once (the driver's threads need the cores); on a GPU it polls,
// yielding, until done, as CUDA's automatic scheduling spins while the
// process has no more active waiters than CPUs: a driver takes tens of
// microseconds to wake a sleeping waiter, 1-2 % of a 5.5 ms copy on the
// H100/H200 (docs/performance.md). With more pollers than CPUs it polls
// kAutoPollWhenCrowded, then sleeps. The setting, when given, is the limit.
HostWaitPlan PlanHostWait(unsigned sched, bool cpu_device, bool blocking,
                          std::chrono::microseconds auto_poll_setting, int polling_threads,
                          int cpus);

// Parses KEEL_VULKAN_AUTO_POLL_US: microseconds, 0 to 10000000. Returns
// kPollUntilDone for null or empty, and for anything else invalid after
// setting *invalid (when given).
std::chrono::microseconds ParseAutoPollSetting(const char* value, bool* invalid);

}  // namespace vk
}  // namespace keel
