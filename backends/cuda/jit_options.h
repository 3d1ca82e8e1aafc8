// JIT options for cuModuleLoadDataEx and cuLink*: Keel's options translated
// to CUDA's, with Keel-owned info and error log buffers always added, so the
// JIT log is captured whatever the caller asked for and can be attached to
// the error message. The caller's own log buffers get a copy afterwards.
#ifndef KEEL_BACKENDS_CUDA_JIT_OPTIONS_H_
#define KEEL_BACKENDS_CUDA_JIT_OPTIONS_H_

#include <cuda.h>
#include <keel/keel.h>

#include <vector>

namespace keel::cuda {

class JitOptions {
 public:
  // Bytes of each Keel-owned log buffer (more when the caller's is larger).
  static constexpr size_t kLogBytes = 64 * 1024;

  // Validates and copies the caller's options. with_logs = false for
  // cuLinkAddData, whose logs go to the buffers given to cuLinkCreate.
  // Returns KL_SUCCESS or KL_ERROR_INVALID_VALUE with a message naming
  // kl_function (options NULL with num > 0, unknown option, a log buffer
  // without its size).
  KLresult Init(const char* kl_function, unsigned int num, const KLjit_option* options,
                void** values, bool with_logs = true);

  unsigned int count() const { return static_cast<unsigned int>(options_.size()); }
  CUjit_option* options() { return options_.empty() ? nullptr : options_.data(); }
  void** values() { return values_.empty() ? nullptr : values_.data(); }

  // The captured logs, NUL-terminated ("" when none).
  const char* info_log() const { return info_.empty() ? "" : info_.data(); }
  const char* error_log() const { return error_.empty() ? "" : error_.data(); }

  // After the driver call, successful or not: copies the logs into the
  // caller's KL_JIT_*_LOG_BUFFER buffers (truncated, NUL-terminated), stores
  // the bytes written (NUL included) in their *_SIZE_BYTES slots, and copies
  // KL_JIT_WALL_TIME back.
  void CopyOut();

 private:
  std::vector<CUjit_option> options_;
  std::vector<void*> values_;
  std::vector<char> info_, error_;
  void** user_values_ = nullptr;
  char* user_info_ = nullptr;
  size_t user_info_size_ = 0;
  int user_info_size_slot_ = -1;  // index into user_values_
  char* user_error_ = nullptr;
  size_t user_error_size_ = 0;
  int user_error_size_slot_ = -1;
  int user_wall_time_slot_ = -1;
  int wall_time_slot_ = -1;       // index into values_
};

// Appends up to max_chars of a log to a message: "; JIT error log: ...".
// Returns the text to print ("" if the log is empty) in buf.
const char* LogExcerpt(char* buf, size_t size, const char* label, const char* log);

}  // namespace keel::cuda

#endif  // KEEL_BACKENDS_CUDA_JIT_OPTIONS_H_
