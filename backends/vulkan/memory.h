// Device memory (buffers with device addresses), pinned and registered host
// memory, copies in every direction and memsets.
//
// KLdeviceptr values are buffer device addresses: kernels use them directly,
// and copies, fills and frees map them back to (buffer, offset) through the
// context's range map. Host memory is only reached by copies: pinned and
// registered ranges directly, any other (pageable) memory through staging.
#ifndef KEEL_BACKENDS_VULKAN_MEMORY_H_
#define KEEL_BACKENDS_VULKAN_MEMORY_H_

#include <keel/keel.h>

namespace keel {
namespace vk {

class Context;

// Frees all memory of a context (teardown).
void ReleaseAllMemory(Context* context);

KLresult klMemAlloc(KLcontext ctx, KLdeviceptr* dptr, size_t bytesize);
KLresult klMemFree(KLcontext ctx, KLdeviceptr dptr);
KLresult klMemGetInfo(KLcontext ctx, size_t* free, size_t* total);
KLresult klMemGetAddressRange(KLcontext ctx, KLdeviceptr* pbase, size_t* psize, KLdeviceptr dptr);
KLresult klMemHostAlloc(KLcontext ctx, void** pp, size_t bytesize, unsigned int flags);
KLresult klMemFreeHost(KLcontext ctx, void* p);
KLresult klMemHostRegister(KLcontext ctx, void* p, size_t bytesize, unsigned int flags);
KLresult klMemHostUnregister(KLcontext ctx, void* p);
KLresult klMemcpyHtoD(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost, size_t ByteCount);
KLresult klMemcpyDtoH(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount);
KLresult klMemcpyDtoD(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice, size_t ByteCount);
KLresult klMemcpyHtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, const void* srcHost,
                           size_t ByteCount, KLstream hStream);
KLresult klMemcpyDtoHAsync(KLcontext ctx, void* dstHost, KLdeviceptr srcDevice, size_t ByteCount,
                           KLstream hStream);
KLresult klMemcpyDtoDAsync(KLcontext ctx, KLdeviceptr dstDevice, KLdeviceptr srcDevice,
                           size_t ByteCount, KLstream hStream);
KLresult klMemsetD8(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N);
KLresult klMemsetD16(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N);
KLresult klMemsetD32(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N);
KLresult klMemsetD8Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned char uc, size_t N,
                         KLstream hStream);
KLresult klMemsetD16Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned short us, size_t N,
                          KLstream hStream);
KLresult klMemsetD32Async(KLcontext ctx, KLdeviceptr dstDevice, unsigned int ui, size_t N,
                          KLstream hStream);

}  // namespace vk
}  // namespace keel

#endif  // KEEL_BACKENDS_VULKAN_MEMORY_H_
