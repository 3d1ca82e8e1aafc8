#include "objects.h"

namespace kc {

KLcontext CurrentContext() {
  KLcontext ctx = nullptr;
  if (klCtxGetCurrent(&ctx) != KL_SUCCESS) return nullptr;
  return ctx;
}

ScopedContext::ScopedContext(KLcontext ctx) { ok_ = ctx != nullptr && klCtxPushCurrent(ctx) == KL_SUCCESS; }

ScopedContext::~ScopedContext() {
  if (ok_) klCtxPopCurrent(nullptr);
}

// Runs fn with ctx current (pushing it only when another one is current).
template <class Fn>
static void InContext(KLcontext ctx, Fn fn) {
  if (ctx == nullptr || CurrentContext() == ctx) {
    fn();
    return;
  }
  ScopedContext scope(ctx);
  fn();
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    Reset();
    ptr_ = std::exchange(o.ptr_, 0);
    size_ = std::exchange(o.size_, 0);
    ctx_ = std::exchange(o.ctx_, nullptr);
  }
  return *this;
}

void DeviceBuffer::Alloc(size_t bytes) {
  Reset();
  KLdeviceptr p = 0;
  KC_ASSERT_OK(klMemAlloc(&p, bytes)) << "allocating " << bytes << " bytes";
  ptr_ = p;
  size_ = bytes;
  ctx_ = CurrentContext();
}

void DeviceBuffer::Reset() {
  if (ptr_ == 0) return;
  KLdeviceptr p = std::exchange(ptr_, 0);
  InContext(ctx_, [p] { klMemFree(p); });
  size_ = 0;
  ctx_ = nullptr;
}

void DeviceBuffer::Poison() {
  std::vector<uint8_t> poison(size_, kPoisonByte);
  KC_ASSERT_OK(klMemcpyHtoD(ptr_, poison.data(), size_)) << "poisoning " << size_ << " bytes";
}

void DeviceBuffer::Upload(const void* data, size_t bytes, size_t offset) {
  ASSERT_LE(offset + bytes, size_) << "upload past the end of the buffer";
  KC_ASSERT_OK(klMemcpyHtoD(ptr_ + offset, data, bytes));
}

void DeviceBuffer::DownloadBytes(void* dst, size_t bytes, size_t offset) const {
  ASSERT_LE(offset + bytes, size_) << "download past the end of the buffer";
  KC_ASSERT_OK(klMemcpyDtoH(dst, ptr_ + offset, bytes));
}

void PinnedBuffer::Alloc(size_t bytes, unsigned int flags) {
  Reset();
  void* p = nullptr;
  KC_ASSERT_OK(klMemHostAlloc(&p, bytes, flags)) << "allocating " << bytes << " pinned bytes";
  ASSERT_NE(p, nullptr);
  ptr_ = p;
  size_ = bytes;
  ctx_ = CurrentContext();
  std::memset(ptr_, kPoisonByte, bytes);
}

void PinnedBuffer::Reset() {
  if (ptr_ == nullptr) return;
  void* p = std::exchange(ptr_, nullptr);
  InContext(ctx_, [p] { klMemFreeHost(p); });
  size_ = 0;
  ctx_ = nullptr;
}

void Stream::Create(unsigned int flags) {
  Reset();
  KC_ASSERT_OK(klStreamCreate(&s_, flags));
  ASSERT_NE(s_, nullptr);
}

void Stream::CreateWithPriority(unsigned int flags, int priority) {
  Reset();
  KC_ASSERT_OK(klStreamCreateWithPriority(&s_, flags, priority));
  ASSERT_NE(s_, nullptr);
}

void Stream::Reset() {
  if (s_ != nullptr) klStreamDestroy(std::exchange(s_, nullptr));
}

void Event::Create(unsigned int flags) {
  Reset();
  KC_ASSERT_OK(klEventCreate(&e_, flags));
  ASSERT_NE(e_, nullptr);
}

void Event::Reset() {
  if (e_ != nullptr) klEventDestroy(std::exchange(e_, nullptr));
}

void Module::LoadFile(const std::string& path) {
  Reset();
  KC_ASSERT_OK(klModuleLoad(&m_, path.c_str())) << "loading " << path;
  ASSERT_NE(m_, nullptr);
}

void Module::Reset() {
  if (m_ != nullptr) klModuleUnload(std::exchange(m_, nullptr));
}

void Module::GetFunction(KLfunction* f, const char* name) const {
  *f = nullptr;
  KC_ASSERT_OK(klModuleGetFunction(f, m_, name)) << "kernel " << name;
  ASSERT_NE(*f, nullptr);
}

void Context::Create(KLdevice dev, unsigned int flags) {
  Reset();
  KC_ASSERT_OK(klCtxCreate(&c_, flags, dev));
  ASSERT_NE(c_, nullptr);
}

void Context::Reset() {
  if (c_ != nullptr) klCtxDestroy(std::exchange(c_, nullptr));
}

}  // namespace kc
