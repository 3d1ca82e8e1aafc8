// The backend thread of a context: runs host steps in the order they were
// queued. A host step waits for a stream's GPU work to reach a timeline
// value, runs (a klLaunchHostFunc callback, the copy-out of a pageable
// device-to-host copy, the deferred release of a destroyed stream) and then
// signals the next value so the stream's later GPU work can start.
//
// One FIFO thread per context is deadlock-free because every step only waits
// for work queued before it.
#ifndef KEEL_BACKENDS_VULKAN_HOST_WORKER_H_
#define KEEL_BACKENDS_VULKAN_HOST_WORKER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "vulkan/timeline.h"

namespace keel {
namespace vk {

class Context;

class HostWorker {
 public:
  struct Task {
    std::shared_ptr<Timeline> wait;  // may be null: run at once
    uint64_t wait_value = 0;
    // Runs after the wait; `ok` is false if waiting failed (device lost).
    std::function<void(bool ok)> run;
    std::shared_ptr<Timeline> signal;  // may be null
    uint64_t signal_value = 0;
  };

  explicit HostWorker(Context* context) : context_(context) {}
  ~HostWorker();

  void Enqueue(Task task);
  // Waits until every task queued so far has run (never call it from a task).
  void Drain();
  // Waits until every task queued so far has run, then stops the thread.
  // Tasks queued after Stop run at once on the caller's thread.
  void Stop();

 private:
  void Loop();
  void Run(Task& task);

  Context* context_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Task> tasks_;
  bool running_ = false;  // a task is being run
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_HOST_WORKER_H_
