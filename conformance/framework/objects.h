// RAII wrappers for Keel objects, so a failing test leaks nothing. Creation
// functions are void and use ASSERT_*: call them through the KC_* macros
// below (or ASSERT_NO_FATAL_FAILURE) so a failed creation ends the test.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_OBJECTS_H_
#define KEEL_CONFORMANCE_FRAMEWORK_OBJECTS_H_

#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "result.h"

namespace kc {

// Byte written into host and device buffers before a run, so stale data can
// never pass for a result.
constexpr uint8_t kPoisonByte = 0xCD;

template <class T>
void PoisonHost(std::vector<T>* v) {
  if (!v->empty()) std::memset(v->data(), kPoisonByte, v->size() * sizeof(T));
}

// Device memory from klMemAlloc, freed in the context it was allocated in.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept { *this = std::move(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  ~DeviceBuffer() { Reset(); }

  void Alloc(size_t bytes);  // ASSERTs success
  void Reset();              // frees now
  KLdeviceptr get() const { return ptr_; }
  size_t size() const { return size_; }
  // Device address of byte `offset` (any arithmetic, as with KLdeviceptr).
  KLdeviceptr at(size_t offset) const { return ptr_ + offset; }

  // Fills the whole buffer with kPoisonByte (through a host-to-device copy).
  void Poison();
  void Upload(const void* data, size_t bytes, size_t offset = 0);
  template <class T>
  void Upload(const std::vector<T>& v, size_t offset = 0) {
    Upload(v.data(), v.size() * sizeof(T), offset);
  }
  // Resizes *out to count, poisons it, then copies from the device.
  template <class T>
  void Download(std::vector<T>* out, size_t count, size_t offset = 0) const {
    out->resize(count);
    PoisonHost(out);
    DownloadBytes(out->data(), count * sizeof(T), offset);
  }
  void DownloadBytes(void* dst, size_t bytes, size_t offset = 0) const;

 private:
  KLdeviceptr ptr_ = 0;
  size_t size_ = 0;
  KLcontext ctx_ = nullptr;
};

// Page-locked host memory from klMemHostAlloc.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer() { Reset(); }
  void Alloc(size_t bytes, unsigned int flags = 0);
  void Reset();
  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t size() const { return size_; }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
  KLcontext ctx_ = nullptr;
};

class Stream {
 public:
  Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { Reset(); }
  void Create(unsigned int flags = KL_STREAM_DEFAULT);
  void CreateWithPriority(unsigned int flags, int priority);
  void Reset();
  KLstream get() const { return s_; }
  operator KLstream() const { return s_; }

 private:
  KLstream s_ = nullptr;
};

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() { Reset(); }
  void Create(unsigned int flags = KL_EVENT_DEFAULT);
  void Reset();
  KLevent get() const { return e_; }
  operator KLevent() const { return e_; }

 private:
  KLevent e_ = nullptr;
};

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Module& operator=(Module&& o) noexcept {
    if (this != &o) {
      Reset();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  ~Module() { Reset(); }
  void LoadFile(const std::string& path);
  void Reset();
  // Gives up ownership (for tests that unload the module themselves).
  KLmodule Release() { return std::exchange(m_, nullptr); }
  KLmodule get() const { return m_; }
  operator KLmodule() const { return m_; }
  // ASSERTs that the kernel exists.
  void GetFunction(KLfunction* f, const char* name) const;

 private:
  KLmodule m_ = nullptr;
};

// A context from klCtxCreate (current on the creating thread until
// destroyed or popped).
class Context {
 public:
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { Reset(); }
  void Create(KLdevice dev, unsigned int flags = 0);
  void Reset();
  KLcontext get() const { return c_; }
  operator KLcontext() const { return c_; }

 private:
  KLcontext c_ = nullptr;
};

// The calling thread's current context, or nullptr.
KLcontext CurrentContext();

// Pushes ctx for the scope's lifetime (for work in another context).
class ScopedContext {
 public:
  explicit ScopedContext(KLcontext ctx);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

}  // namespace kc

// Declaration-plus-creation macros: end the test on failure.
#define KC_ALLOC(var, bytes) \
  ::kc::DeviceBuffer var;    \
  ASSERT_NO_FATAL_FAILURE(var.Alloc(bytes))
#define KC_PINNED(var, bytes) \
  ::kc::PinnedBuffer var;     \
  ASSERT_NO_FATAL_FAILURE(var.Alloc(bytes))
#define KC_STREAM(var, ...) \
  ::kc::Stream var;         \
  ASSERT_NO_FATAL_FAILURE(var.Create(__VA_ARGS__))
#define KC_EVENT(var, ...) \
  ::kc::Event var;         \
  ASSERT_NO_FATAL_FAILURE(var.Create(__VA_ARGS__))

#endif  // KEEL_CONFORMANCE_FRAMEWORK_OBJECTS_H_
