// How a host wait (stream, event, context synchronize, synchronous copy) of
// a Vulkan context waits for a timeline value: poll it or sleep in
// vkWaitSemaphores, and for how long it polls first. Pure policy, kept apart
// from Context::Wait so that the unit tests can check it without a GPU.
#pragma once

#include <chrono>
#include <optional>

namespace keel {
namespace vk {

// A poll limit meaning "until the work is done" (SPIN and YIELD).
inline constexpr std::chrono::microseconds kPollUntilDone = std::chrono::microseconds::max();

// How long a KL_CTX_SCHED_AUTO wait on a GPU polls before it sleeps, when
// KEEL_VULKAN_AUTO_POLL_US is unset: long enough that the driver's wake-up
// (tens of microseconds) is lost in the wait (0.05 % of 100 ms), and bounded
// so that a lost device, which vkWaitSemaphores must report but a counter
// query need not, still ends the wait.
inline constexpr std::chrono::microseconds kAutoPollLimit{100000};

// The same when more threads poll than the process has CPUs.
inline constexpr std::chrono::microseconds kAutoPollWhenCrowded{2000};

struct HostWaitPlan {
  bool poll = false;   // poll the timeline before (or instead of) sleeping
  bool yield = false;  // yield the thread between polls
  std::chrono::microseconds poll_limit = kPollUntilDone;  // then sleep
};

// `sched`: the context's KL_CTX_SCHED_* flag. `blocking`: the wait must
// sleep (KL_EVENT_BLOCKING_SYNC). `auto_poll_setting`: KEEL_VULKAN_AUTO_POLL_US
// if set. `polling_threads`: threads polling now, this one included (if it
// polls). `cpus`: CPUs the process may run on.
//
// SPIN and YIELD poll until done; BLOCKING_SYNC sleeps. AUTO on a CPU device
// sleeps at once (the driver's threads need the cores). AUTO on a GPU is
// modelled on CUDA's automatic scheduling, which spins while the process has
// no more active contexts than CPUs: it polls, yielding, for up to
// kAutoPollLimit, then sleeps; a driver takes tens of microseconds to wake a
// sleeping waiter, which cost 1-2 % of a 5.5 ms copy on the H100/H200
// (docs/performance.md). With more pollers than CPUs it polls
// kAutoPollWhenCrowded. The setting, when given, is the limit on any device
// (0: sleep at once); the tests use it to run the poll-then-sleep path on
// lavapipe.
HostWaitPlan PlanHostWait(unsigned sched, bool cpu_device, bool blocking,
                          std::optional<std::chrono::microseconds> auto_poll_setting,
                          int polling_threads, int cpus);

// Parses KEEL_VULKAN_AUTO_POLL_US: microseconds, 0 to 10000000. Returns
// nothing for null or empty, and for anything else invalid after setting
// *invalid (when given).
std::optional<std::chrono::microseconds> ParseAutoPollSetting(const char* value, bool* invalid);

}  // namespace vk
}  // namespace keel
