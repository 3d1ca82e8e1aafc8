#include "vulkan/launch.h"

#include <climits>
#include <cstring>
#include <vector>

#include <keel/keel_vulkan.h>

#include "common/kernel_args.h"
#include "common/services.h"
#include "vulkan/context.h"
#include "vulkan/function.h"
#include "vulkan/module.h"
#include "vulkan/status.h"

namespace keel {
namespace vk {
namespace {

void WriteU32x3(uint8_t* at, const uint32_t v[3]) { std::memcpy(at, v, 3 * sizeof(uint32_t)); }

}  // namespace

KLresult PackArguments(const KernelInfo& info, void** kernelParams, void** extra, uint8_t* block,
                       const char* api) {
  // The rules of cuLaunchKernel, shared with the other backends.
  thread_local std::vector<const void*> values;
  KLresult r = GatherArgs(info.layout, kernelParams, extra, api, info.name.c_str(), &values);
  if (r != KL_SUCCESS) return r;
  uint8_t* params = block + info.params_base;
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(params + info.params[i].offset, values[i], info.params[i].size);
  return KL_SUCCESS;
}

KLresult CheckLaunch(const Function& f, const uint32_t grid[3], const uint32_t block[3],
                     uint32_t shared_bytes, const char* api) {
  const Device* device = f.context()->device();
  const VkPhysicalDeviceLimits& limits = device->properties.limits;
  const KernelInfo& info = f.info();
  static const char kAxis[3] = {'x', 'y', 'z'};
  for (int i = 0; i < 3; ++i) {
    if (grid[i] == 0 || grid[i] > static_cast<uint32_t>(INT_MAX))
      return Fail(KL_ERROR_INVALID_VALUE, "%s: gridDim.%c = %u is outside 1..%d", api, kAxis[i],
                  grid[i], INT_MAX);
    if (block[i] == 0 || block[i] > limits.maxComputeWorkGroupSize[i])
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: blockDim.%c = %u is outside 1..%u (maxComputeWorkGroupSize[%d] of %s)",
                  api, kAxis[i], block[i], limits.maxComputeWorkGroupSize[i], i,
                  device->name.c_str());
    if (!info.block_dim_spec[i] && block[i] != info.block_dim[i])
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: kernel \"%s\" fixes its block size to (%u, %u, %u) in the shader; the "
                  "launch asks for (%u, %u, %u)",
                  api, info.name.c_str(), info.block_dim[0], info.block_dim[1],
                  info.block_dim[2], block[0], block[1], block[2]);
  }
  uint64_t threads = uint64_t{block[0]} * block[1] * block[2];
  if (threads > limits.maxComputeWorkGroupInvocations)
    return Fail(KL_ERROR_INVALID_VALUE,
                "%s: a block of %llu threads exceeds maxComputeWorkGroupInvocations (%u) of %s",
                api, static_cast<unsigned long long>(threads), limits.maxComputeWorkGroupInvocations,
                device->name.c_str());
  if (shared_bytes > static_cast<uint32_t>(f.max_dynamic_shared()))
    return Fail(KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
                "%s: sharedMemBytes = %u exceeds what kernel \"%s\" may use (%d bytes: %u on the "
                "device minus %llu of static shared memory)",
                api, shared_bytes, info.name.c_str(), f.max_dynamic_shared(),
                limits.maxComputeSharedMemorySize,
                static_cast<unsigned long long>(info.static_shared_bytes));
  for (int i = 0; i < 3; ++i) {
    if (grid[i] > device->max_workgroup_count[i] && !info.keel_header && info.reads_workgroup_id)
      return Fail(KL_ERROR_INVALID_VALUE,
                  "%s: gridDim.%c = %u exceeds maxComputeWorkGroupCount[%d] = %u, and kernel "
                  "\"%s\" reads gl_WorkGroupID without the Keel argument header "
                  "(keel_block_base) that would let the grid be split",
                  api, kAxis[i], grid[i], i, device->max_workgroup_count[i], info.name.c_str());
  }
  // Without names Keel cannot find a stripped module's globals block, so it
  // has no allocation; a kernel reading the globals address would
  // dereference 0 (a crash on CPU drivers, a device fault on GPUs). The
  // launch is a variant this backend cannot run: NOT_SUPPORTED, as for an
  // argument block the device cannot pass.
  if (info.reads_globals_address && f.module()->globals().names_stripped)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "%s: kernel \"%s\" reads the module's globals address, but the module's debug "
                "names were stripped (no OpName/OpMemberName), so its globals block (%s) could "
                "not be found and has no memory; load the module unstripped",
                api, info.name.c_str(), kGlobalsBlockName);
  if (info.param_bytes > device->max_param_bytes)
    return Fail(KL_ERROR_LAUNCH_OUT_OF_RESOURCES,
                "%s: kernel \"%s\" takes %u bytes of parameters; %s accepts at most %u", api,
                info.name.c_str(), info.param_bytes, device->name.c_str(), device->max_param_bytes);
  if (f.args_in_buffer() && f.shader() == VK_NULL_HANDLE)
    return Fail(KL_ERROR_NOT_SUPPORTED,
                "%s: kernel \"%s\" has a %u-byte argument block, over the %u-byte push-constant "
                "limit, and %s cannot pass it in a buffer (needs VK_KHR_push_descriptor and "
                "storage-buffer access to its 8/16-bit parameters)",
                api, info.name.c_str(), info.block_bytes, device->max_push_constants,
                device->name.c_str());
  return KL_SUCCESS;
}

KLresult RecordLaunch(Stream::Recording& rec, const Function& f, const uint32_t grid[3],
                      const uint32_t block[3], uint32_t shared_bytes, uint8_t* args,
                      const char* api) {
  Context* context = f.context();
  const Device* device = context->device();
  const DeviceFunctions& fn = context->fn;
  const KernelInfo& info = f.info();
  const Pipeline* pipeline = nullptr;
  KLresult r = f.pipelines().Get(f, block, shared_bytes, api, &pipeline);
  if (r != KL_SUCCESS) return r;
  if (info.keel_header) {
    WriteU32x3(args + KEEL_VULKAN_HIDDEN_GRID_DIM_OFFSET, grid);
    // The module's globals address, split over the two words the header has
    // free (0 without globals), so kernels pay no parameter bytes for it.
    const uint64_t globals = f.module()->globals_address();
    const uint32_t lo = static_cast<uint32_t>(globals), hi = static_cast<uint32_t>(globals >> 32);
    std::memcpy(args + KEEL_VULKAN_HIDDEN_GLOBALS_LO_OFFSET, &lo, 4);
    std::memcpy(args + KEEL_VULKAN_HIDDEN_GLOBALS_HI_OFFSET, &hi, 4);
  }

  // Arguments in a buffer: every part gets its own copy of the block (their
  // keel_block_base differ), staged before the command begins.
  const uint32_t* limit = device->max_workgroup_count;
  std::vector<UploadSlice> slices;
  if (f.args_in_buffer()) {
    const VkDeviceSize align = device->properties.limits.minStorageBufferOffsetAlignment;
    const VkDeviceSize stride = (info.block_bytes + align - 1) / align * align;
    const uint64_t parts = DispatchPartCount(grid, limit);
    r = rec.Reserve(parts * stride);
    if (r != KL_SUCCESS) return r;
    slices.reserve(parts);
    ForEachDispatchPart(grid, limit, [&](const DispatchPart& part) {
      if (r != KL_SUCCESS) return;
      UploadSlice slice;
      r = rec.Upload(info.block_bytes, align, false, &slice);
      if (r != KL_SUCCESS) return;
      if (info.keel_header) WriteU32x3(args + KEEL_VULKAN_HIDDEN_BLOCK_BASE_OFFSET, part.base);
      std::memcpy(slice.host, args, info.block_bytes);
      slices.push_back(slice);
    });
    if (r != KL_SUCCESS) return r;
  }

  VkCommandBuffer cmd = VK_NULL_HANDLE;
  r = rec.Begin(true, &cmd);
  if (r != KL_SUCCESS) return r;
  // Skipped when the batch has it bound: push constants and push
  // descriptors are recorded below at every launch, so nothing depends on
  // the bind (re-binding one pipeline would not disturb them either).
  rec.BindPipeline(pipeline->pipeline);
  size_t index = 0;
  ForEachDispatchPart(grid, limit, [&](const DispatchPart& part) {
    if (f.args_in_buffer()) {
      const UploadSlice& slice = slices[index];
      VkDescriptorBufferInfo buffer{slice.chunk->buffer, slice.offset, info.block_bytes};
      VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      write.dstBinding = 0;
      write.descriptorCount = 1;
      write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      write.pBufferInfo = &buffer;
      fn.vkCmdPushDescriptorSetKHR(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, f.layout(), 0, 1, &write);
    } else if (info.push_variable != 0) {
      if (info.keel_header) WriteU32x3(args + KEEL_VULKAN_HIDDEN_BLOCK_BASE_OFFSET, part.base);
      // After the first part only keel_block_base changes.
      if (index == 0)
        fn.vkCmdPushConstants(cmd, f.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, info.block_bytes,
                              args);
      else
        fn.vkCmdPushConstants(cmd, f.layout(), VK_SHADER_STAGE_COMPUTE_BIT,
                              KEEL_VULKAN_HIDDEN_BLOCK_BASE_OFFSET, 16,
                              args + KEEL_VULKAN_HIDDEN_BLOCK_BASE_OFFSET);
    }
    fn.vkCmdDispatch(cmd, part.count[0], part.count[1], part.count[2]);
    ++index;
  });
  return KL_SUCCESS;
}

KLresult klLaunchKernel(KLfunction hfunc, unsigned int gridDimX, unsigned int gridDimY,
                        unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                        unsigned int blockDimZ, unsigned int sharedMemBytes, KLstream hStream,
                        void** kernelParams, void** extra) {
  const char* api = "klLaunchKernel";
  const Function* f = FromHandle<Function>(hfunc);
  Context* context = f->context();
  Stream* stream = context->null_stream();
  if (hStream != nullptr) {
    if (!IsOwnHandle(hStream))
      return Fail(KL_ERROR_INVALID_HANDLE, "%s: hStream belongs to another backend", api);
    stream = FromHandle<Stream>(hStream);
    if (stream->context() != context)
      return Fail(KL_ERROR_INVALID_HANDLE,
                  "%s: the stream belongs to another context than the function", api);
  }
  KLresult r = context->CheckActive(api);
  if (r != KL_SUCCESS) return r;
  const uint32_t grid[3] = {gridDimX, gridDimY, gridDimZ};
  const uint32_t block[3] = {blockDimX, blockDimY, blockDimZ};
  r = CheckLaunch(*f, grid, block, sharedMemBytes, api);
  if (r != KL_SUCCESS) return r;
  alignas(16) uint8_t args[KEEL_VULKAN_HIDDEN_BYTES + KEEL_VULKAN_MAX_PARAM_BYTES + 16];
  std::memset(args, 0, f->info().block_bytes);
  r = PackArguments(f->info(), kernelParams, extra, args, api);
  if (r != KL_SUCCESS) return r;
  Stream::Recording rec(stream, api);
  r = RecordLaunch(rec, *f, grid, block, sharedMemBytes, args, api);
  KLresult finish = rec.Finish();
  return r != KL_SUCCESS ? r : finish;
}

}  // namespace vk
}  // namespace keel
