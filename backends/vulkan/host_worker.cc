#include "vulkan/host_worker.h"

#include "vulkan/context.h"

namespace keel {
namespace vk {

HostWorker::~HostWorker() { Stop(); }

void HostWorker::Enqueue(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      // Started on first use: most contexts never need it.
      if (!thread_.joinable()) thread_ = std::thread(&HostWorker::Loop, this);
      tasks_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  // Stopped (context teardown): run it here.
  Run(task);
}

void HostWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HostWorker::Loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      running_ = false;
      if (tasks_.empty()) idle_cv_.notify_all();
      cv_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
      if (tasks_.empty()) return;  // stopping, and everything ran
      task = std::move(tasks_.front());
      tasks_.pop_front();
      running_ = true;
    }
    Run(task);
  }
}

void HostWorker::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return tasks_.empty() && !running_; });
}

void HostWorker::Run(Task& task) {
  bool ok = true;
  if (task.wait) {
    VkResult r = task.wait->Wait(task.wait_value);
    if (r != VK_SUCCESS) {
      ok = false;
      context_->SetAsyncError(r, "vkWaitSemaphores (host step)");
    }
  }
  if (task.run) task.run(ok);
  if (task.signal) {
    VkResult r = task.signal->Signal(task.signal_value);
    if (r != VK_SUCCESS) context_->SetAsyncError(r, "vkSignalSemaphore (host step)");
  }
}

}  // namespace vk
}  // namespace keel
