#include "launch.h"

namespace kc {

testing::AssertionResult PackedArgs::Put(KLfunction f, size_t index, const void* value,
                                         size_t size) {
  size_t offset = 0, reported = 0;
  KLresult r = klFuncGetParamInfo(f, index, &offset, &reported);
  if (r != KL_SUCCESS)
    return testing::AssertionFailure() << "klFuncGetParamInfo(" << index << "): " << r << ": "
                                       << LastError();
  if (reported != size)
    return testing::AssertionFailure() << "parameter " << index << " has size " << reported
                                       << ", the test's argument " << size;
  size_t end = offset + size;
  if (end > bytes_.size() * 8) bytes_.resize((end + 7) / 8, 0);
  std::memcpy(reinterpret_cast<char*>(bytes_.data()) + offset, value, size);
  size_ = std::max(size_, end);
  return testing::AssertionSuccess();
}

}  // namespace kc
