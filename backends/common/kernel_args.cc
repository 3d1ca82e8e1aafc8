#include "common/kernel_args.h"

#include "common/services.h"

namespace keel {

void ParamLayout::Append(size_t size, size_t align) {
  if (align == 0) align = 1;
  size_t offset = (end + align - 1) / align * align;
  offsets.push_back(offset);
  sizes.push_back(size);
  end = offset + size;
  if (align > alignment) alignment = align;
}

KLresult GatherArgs(const ParamLayout& layout, void** kernelParams, void** extra,
                    const char* function, const char* kernel, std::vector<const void*>* values) {
  values->clear();
  const size_t n = layout.count();
  if (kernelParams != nullptr && extra != nullptr)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: kernel '%s': both kernelParams and extra are given; pass one", function,
                kernel);
  if (n == 0) return KL_SUCCESS;
  if (kernelParams == nullptr && extra == nullptr)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: kernel '%s' has %zu parameter(s) but neither kernelParams nor extra is given",
                function, kernel, n);
  values->resize(n);
  if (kernelParams != nullptr) {
    for (size_t i = 0; i < n; ++i) {
      if (kernelParams[i] == nullptr) {
        values->clear();
        return Fail(KL_ERROR_INVALID_VALUE, "%s: kernel '%s': kernelParams[%zu] is NULL",
                    function, kernel, i);
      }
      (*values)[i] = kernelParams[i];
    }
    return KL_SUCCESS;
  }
  const char* buffer = nullptr;
  const size_t* size = nullptr;
  bool saw_buffer = false, saw_size = false;
  // A well-formed list has at most two pairs and the END marker; bound the walk.
  size_t k = 0;
  for (; k < 8 && extra[k] != KL_LAUNCH_PARAM_END; k += 2) {
    if (extra[k] == KL_LAUNCH_PARAM_BUFFER_POINTER && !saw_buffer) {
      saw_buffer = true;
      buffer = static_cast<const char*>(extra[k + 1]);
    } else if (extra[k] == KL_LAUNCH_PARAM_BUFFER_SIZE && !saw_size) {
      saw_size = true;
      size = static_cast<const size_t*>(extra[k + 1]);
    } else {
      values->clear();
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: kernel '%s': extra[%zu] is %p, expected KL_LAUNCH_PARAM_BUFFER_POINTER, "
                  "KL_LAUNCH_PARAM_BUFFER_SIZE (each once) or KL_LAUNCH_PARAM_END",
                  function, kernel, k, extra[k]);
    }
  }
  if (k >= 8) {
    values->clear();
    return Fail(KL_ERROR_INVALID_VALUE, "%s: kernel '%s': extra has no KL_LAUNCH_PARAM_END",
                function, kernel);
  }
  if (buffer == nullptr || size == nullptr) {
    values->clear();
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: kernel '%s': extra needs a non-NULL KL_LAUNCH_PARAM_BUFFER_POINTER and "
                "KL_LAUNCH_PARAM_BUFFER_SIZE",
                function, kernel);
  }
  size_t padded = (layout.end + layout.alignment - 1) / layout.alignment * layout.alignment;
  if (*size < layout.end || *size > padded) {
    values->clear();
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: kernel '%s': extra buffer size is %zu bytes, the parameters need %zu "
                "(up to %zu with trailing padding)",
                function, kernel, *size, layout.end, padded);
  }
  for (size_t i = 0; i < n; ++i) (*values)[i] = buffer + layout.offsets[i];
  return KL_SUCCESS;
}

}  // namespace keel
