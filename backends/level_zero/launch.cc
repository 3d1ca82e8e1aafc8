// klLaunchKernel: limits, arguments (kernelParams or extra, sizes from the
// SPIR-V), dynamic shared memory as the trailing __local argument, group size,
// and the launch in stream order.
#include "level_zero.h"

namespace keel::ze {

namespace {

// A limit of 0 means the device did not report one (the null driver): unchecked.
bool Over(uint64_t value, uint64_t limit) { return limit != 0 && value > limit; }

}  // namespace

KLresult klLaunchKernel(KLfunction f, unsigned int gridDimX, unsigned int gridDimY,
                        unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                        unsigned int blockDimZ, unsigned int sharedMemBytes, KLstream hStream,
                        void** kernelParams, void** extra) {
  static const char* kFn = "klLaunchKernel";
  Function* fn = FromHandle<Function>(f);
  Context* ctx = fn->module->ctx;
  const Device* d = ctx->device;
  if (hStream != nullptr) {
    if (!IsOwnHandle(hStream))
      return Fail(KL_ERROR_INVALID_HANDLE, "%s: hStream belongs to another backend", kFn);
    if (FromHandle<Stream>(hStream)->ctx != ctx)
      return Fail(KL_ERROR_INVALID_HANDLE, "%s: hStream belongs to another context than '%s'", kFn,
                  fn->name.c_str());
  }
  if (gridDimX == 0 || gridDimY == 0 || gridDimZ == 0 || blockDimX == 0 || blockDimY == 0 || blockDimZ == 0)
    return Fail(KL_ERROR_INVALID_VALUE, "%s: '%s': grid (%u,%u,%u) or block (%u,%u,%u) has a 0 dimension",
                kFn, fn->name.c_str(), gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ);
  const auto& c = d->compute;
  uint64_t threads = static_cast<uint64_t>(blockDimX) * blockDimY * blockDimZ;
  if (Over(gridDimX, c.maxGroupCountX) || Over(gridDimY, c.maxGroupCountY) || Over(gridDimZ, c.maxGroupCountZ))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: '%s': grid (%u,%u,%u) exceeds the device's (%u,%u,%u)", kFn,
                fn->name.c_str(), gridDimX, gridDimY, gridDimZ, c.maxGroupCountX, c.maxGroupCountY,
                c.maxGroupCountZ);
  if (Over(blockDimX, c.maxGroupSizeX) || Over(blockDimY, c.maxGroupSizeY) ||
      Over(blockDimZ, c.maxGroupSizeZ) || Over(threads, c.maxTotalGroupSize))
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: '%s': block (%u,%u,%u) exceeds the device's (%u,%u,%u), %u threads in all", kFn,
                fn->name.c_str(), blockDimX, blockDimY, blockDimZ, c.maxGroupSizeX, c.maxGroupSizeY,
                c.maxGroupSizeZ, c.maxTotalGroupSize);
  uint64_t kernel_max = static_cast<uint64_t>(fn->props.maxNumSubgroups) * fn->props.maxSubgroupSize;
  if (Over(threads, kernel_max))
    return Fail(KL_ERROR_INVALID_VALUE, "%s: '%s': %llu threads per block, the kernel allows %llu", kFn,
                fn->name.c_str(), static_cast<unsigned long long>(threads),
                static_cast<unsigned long long>(kernel_max));
  if (fn->dynamic_shared && Over(sharedMemBytes, static_cast<uint64_t>(fn->max_dynamic_shared)) &&
      d->compute.maxSharedLocalMemory != 0)
    return Fail(KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
                "%s: '%s': %u bytes of dynamic shared memory, at most %d allowed (see "
                "KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)",
                kFn, fn->name.c_str(), sharedMemBytes, fn->max_dynamic_shared);

  std::vector<const void*> values;
  KLresult r = GatherArgs(fn->layout, kernelParams, extra, kFn, fn->name.c_str(), &values);
  if (r != KL_SUCCESS) return r;

  // Arguments and group size are kernel state: set and append under the
  // context lock so concurrent launches of one function cannot interleave.
  std::lock_guard<std::mutex> lock(ctx->mu);
  for (uint32_t i = 0; i < values.size(); ++i) {
    ze_result_t zr = api.zeKernelSetArgumentValue(fn->kernel, i, fn->layout.sizes[i], values[i]);
    if (zr != ZE_RESULT_SUCCESS) {
      char call[64];
      std::snprintf(call, sizeof call, "zeKernelSetArgumentValue(argument %u)", i);
      return ZeFail(zr, kFn, call);
    }
  }
  if (fn->dynamic_shared) {
    // A __local argument is given its size and no value. Drivers reject a
    // zero-sized one, so a launch without dynamic shared memory gets 1 byte.
    size_t bytes = sharedMemBytes == 0 ? 1 : sharedMemBytes;
    KEEL_ZE_CALL(kFn, zeKernelSetArgumentValue, (fn->kernel, fn->native_args - 1, bytes, nullptr));
  }
  if (fn->group[0] != blockDimX || fn->group[1] != blockDimY || fn->group[2] != blockDimZ) {
    KEEL_ZE_CALL(kFn, zeKernelSetGroupSize, (fn->kernel, blockDimX, blockDimY, blockDimZ));
    fn->group[0] = blockDimX;
    fn->group[1] = blockDimY;
    fn->group[2] = blockDimZ;
  }
  Stream* s = nullptr;
  r = ResolveStream(ctx, hStream, kFn, &s);
  if (r == KL_SUCCESS) r = BeginCommand(s, kFn);
  if (r != KL_SUCCESS) return r;
  ze_group_count_t groups{gridDimX, gridDimY, gridDimZ};
  KEEL_ZE_CALL(kFn, zeCommandListAppendLaunchKernel, (s->list, fn->kernel, &groups, nullptr, 0, nullptr));
  EndCommand(s);
  return KL_SUCCESS;
}

}  // namespace keel::ze
