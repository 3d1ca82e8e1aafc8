#include "cuda/jit_options.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/services.h"

namespace keel::cuda {
namespace {

// KLjit_option values equal CUjit_option values (keel.h says so); these are
// the ones Keel defines.
constexpr int kLastKeelJitOption = KL_JIT_CACHE_MODE;

size_t AsSize(void* value) { return static_cast<size_t>(reinterpret_cast<uintptr_t>(value)); }
void* FromSize(size_t size) { return reinterpret_cast<void*>(static_cast<uintptr_t>(size)); }

// Copies src into dst (dst_size bytes), NUL-terminated; returns bytes written.
size_t CopyLog(char* dst, size_t dst_size, const char* src) {
  if (dst == nullptr || dst_size == 0) return 0;
  size_t n = std::strlen(src);
  if (n >= dst_size) n = dst_size - 1;
  std::memcpy(dst, src, n);
  dst[n] = '\0';
  return n + 1;
}

}  // namespace

KLresult JitOptions::Init(const char* kl_function, unsigned int num, const KLjit_option* options,
                          void** values, bool with_logs) {
  if (num > 0 && (options == nullptr || values == nullptr)) {
    return Fail(KL_ERROR_INVALID_VALUE, "%s: numOptions is %u but options or optionValues is NULL",
                kl_function, num);
  }
  user_values_ = values;
  options_.reserve(num + 4);
  values_.reserve(num + 4);
  for (unsigned int i = 0; i < num; ++i) {
    int o = static_cast<int>(options[i]);
    if (o < 0 || o > kLastKeelJitOption) {
      return Fail(KL_ERROR_INVALID_VALUE, "%s: options[%u] = %d is not a KLjit_option", kl_function, i, o);
    }
    switch (options[i]) {
      // The caller's log buffers are replaced by Keel's (copied back in
      // CopyOut), so the log is always captured in full for the message.
      case KL_JIT_INFO_LOG_BUFFER:
        user_info_ = static_cast<char*>(values[i]);
        if (with_logs) continue;
        break;
      case KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
        user_info_size_ = AsSize(values[i]);
        user_info_size_slot_ = static_cast<int>(i);
        if (with_logs) continue;
        break;
      case KL_JIT_ERROR_LOG_BUFFER:
        user_error_ = static_cast<char*>(values[i]);
        if (with_logs) continue;
        break;
      case KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
        user_error_size_ = AsSize(values[i]);
        user_error_size_slot_ = static_cast<int>(i);
        if (with_logs) continue;
        break;
      case KL_JIT_WALL_TIME:
        user_wall_time_slot_ = static_cast<int>(i);
        wall_time_slot_ = static_cast<int>(values_.size());
        break;
      default:
        break;
    }
    options_.push_back(static_cast<CUjit_option>(o));
    values_.push_back(values[i]);
  }
  if (user_info_ != nullptr && user_info_size_slot_ < 0) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: KL_JIT_INFO_LOG_BUFFER given without KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES", kl_function);
  }
  if (user_error_ != nullptr && user_error_size_slot_ < 0) {
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: KL_JIT_ERROR_LOG_BUFFER given without KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", kl_function);
  }
  if (with_logs) {
    info_.assign(user_info_size_ > kLogBytes ? user_info_size_ : kLogBytes, '\0');
    error_.assign(user_error_size_ > kLogBytes ? user_error_size_ : kLogBytes, '\0');
    options_.push_back(CU_JIT_INFO_LOG_BUFFER);
    values_.push_back(info_.data());
    options_.push_back(CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
    values_.push_back(FromSize(info_.size()));
    options_.push_back(CU_JIT_ERROR_LOG_BUFFER);
    values_.push_back(error_.data());
    options_.push_back(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
    values_.push_back(FromSize(error_.size()));
  }
  return KL_SUCCESS;
}

void JitOptions::CopyOut() {
  if (!info_.empty()) info_.back() = '\0';
  if (!error_.empty()) error_.back() = '\0';
  if (user_info_size_slot_ >= 0) {
    user_values_[user_info_size_slot_] = FromSize(CopyLog(user_info_, user_info_size_, info_log()));
  }
  if (user_error_size_slot_ >= 0) {
    user_values_[user_error_size_slot_] = FromSize(CopyLog(user_error_, user_error_size_, error_log()));
  }
  if (user_wall_time_slot_ >= 0 && wall_time_slot_ >= 0) {
    user_values_[user_wall_time_slot_] = values_[wall_time_slot_];
  }
}

const char* LogExcerpt(char* buf, size_t size, const char* label, const char* log) {
  buf[0] = '\0';
  if (log == nullptr || log[0] == '\0') return buf;
  // Keep the message readable: the first lines carry the cause; the full log
  // is in the caller's KL_JIT_ERROR_LOG_BUFFER when they asked for it.
  constexpr size_t kMaxChars = 1200;
  size_t n = std::strlen(log);
  while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == ' ')) --n;
  bool cut = n > kMaxChars;
  std::snprintf(buf, size, "%s: %.*s%s", label, static_cast<int>(cut ? kMaxChars : n), log,
                cut ? " [...]" : "");
  return buf;
}

}  // namespace keel::cuda
