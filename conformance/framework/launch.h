// Kernel launches with typed arguments, through kernelParams or through a
// packed `extra` buffer laid out from klFuncGetParamInfo.
#ifndef KEEL_CONFORMANCE_FRAMEWORK_LAUNCH_H_
#define KEEL_CONFORMANCE_FRAMEWORK_LAUNCH_H_

#include <gtest/gtest.h>
#include <keel/keel.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "result.h"

namespace kc {

struct Dim3 {
  unsigned int x = 1, y = 1, z = 1;
};

// The two ways a launch passes arguments.
enum class ArgPath { kParams, kExtra };

// Launch through kernelParams: one pointer per argument.
template <class... A>
KLresult Launch(KLfunction f, Dim3 grid, Dim3 block, unsigned int shared_bytes, KLstream stream,
                const A&... args) {
  void* params[sizeof...(A) + 1] = {const_cast<void*>(static_cast<const void*>(&args))..., nullptr};
  return klLaunchKernel(f, grid.x, grid.y, grid.z, block.x, block.y, block.z, shared_bytes, stream,
                        sizeof...(A) > 0 ? params : nullptr, nullptr);
}

// A packed argument buffer for `extra`, with every argument at the offset the
// function reports (klFuncGetParamInfo) and its size checked against the C type.
class PackedArgs {
 public:
  template <class... A>
  testing::AssertionResult Pack(KLfunction f, const A&... args) {
    size_t count = 0;
    KLresult r = klFuncGetParamCount(f, &count);
    if (r != KL_SUCCESS) return testing::AssertionFailure() << "klFuncGetParamCount: " << r << ": " << LastError();
    if (count != sizeof...(A))
      return testing::AssertionFailure() << "kernel has " << count << " parameters, test passes "
                                         << sizeof...(A);
    bytes_.assign(1, 0);
    size_ = 0;
    size_t index = 0;
    testing::AssertionResult ok = testing::AssertionSuccess();
    (void)std::initializer_list<int>{(ok = ok ? Put(f, index++, &args, sizeof(A)) : ok, 0)...};
    if (!ok) return ok;
    extra_[0] = KL_LAUNCH_PARAM_BUFFER_POINTER;
    extra_[1] = bytes_.data();
    extra_[2] = KL_LAUNCH_PARAM_BUFFER_SIZE;
    extra_[3] = &size_;
    extra_[4] = KL_LAUNCH_PARAM_END;
    return testing::AssertionSuccess();
  }
  void** extra() { return extra_; }
  size_t size() const { return size_; }
  // Overrides the size entry (to test malformed packs).
  void set_size(size_t size) { size_ = size; }

 private:
  testing::AssertionResult Put(KLfunction f, size_t index, const void* value, size_t size);

  std::vector<uint64_t> bytes_;  // 8-byte aligned storage
  size_t size_ = 0;
  void* extra_[5] = {};
};

// Launch through `extra`. A failure to pack is reported as a test failure and
// returns KL_ERROR_UNKNOWN.
template <class... A>
KLresult LaunchExtra(KLfunction f, Dim3 grid, Dim3 block, unsigned int shared_bytes,
                     KLstream stream, const A&... args) {
  PackedArgs packed;
  testing::AssertionResult ok = packed.Pack(f, args...);
  if (!ok) {
    ADD_FAILURE() << "packing the argument buffer: " << ok.message();
    return KL_ERROR_UNKNOWN;
  }
  return klLaunchKernel(f, grid.x, grid.y, grid.z, block.x, block.y, block.z, shared_bytes, stream,
                        nullptr, packed.extra());
}

template <class... A>
KLresult LaunchVia(ArgPath path, KLfunction f, Dim3 grid, Dim3 block, unsigned int shared_bytes,
                   KLstream stream, const A&... args) {
  return path == ArgPath::kParams ? Launch(f, grid, block, shared_bytes, stream, args...)
                                  : LaunchExtra(f, grid, block, shared_bytes, stream, args...);
}

// Blocks of `block` threads covering n items.
inline unsigned int BlocksFor(size_t n, unsigned int block) {
  return static_cast<unsigned int>((n + block - 1) / block);
}

}  // namespace kc

#endif  // KEEL_CONFORMANCE_FRAMEWORK_LAUNCH_H_
