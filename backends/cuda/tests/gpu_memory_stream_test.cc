// Memory, streams and events.
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "gpu_fixture.h"

namespace keel::cuda::test {
namespace {

using CudaMemory = CudaGpuTest;
using CudaStream = CudaGpuTest;
using CudaEvent = CudaGpuTest;

// ~50 ms of spinning on an H100 (1.98 GHz boost).
constexpr unsigned long long kSpinCycles = 100ull * 1000 * 1000;

TEST_F(CudaMemory, AllocCopyFillAllDirections) {
  constexpr size_t n = 1 << 20;
  KLdeviceptr a = 0, b = 0;
  KL_ASSERT_OK(klMemAlloc(&a, n * 4));
  KL_ASSERT_OK(klMemAlloc(&b, n * 4));
  EXPECT_EQ(a % 256, 0u);
  std::vector<unsigned int> host(n), back(n, 0);
  for (size_t i = 0; i < n; ++i) host[i] = static_cast<unsigned int>(i * 2654435761u);
  KL_ASSERT_OK(klMemcpyHtoD(a, host.data(), n * 4));
  KL_ASSERT_OK(klMemcpyDtoD(b, a, n * 4));
  KL_ASSERT_OK(klMemcpyDtoH(back.data(), b, n * 4));
  EXPECT_EQ(back, host);
  KL_ASSERT_OK(klMemsetD8(a, 0xAB, 7));
  KL_ASSERT_OK(klMemsetD16(a + 8, 0x1234, 3));
  KL_ASSERT_OK(klMemsetD32(a + 16, 0xCAFEF00Du, 2));
  unsigned char bytes[24];
  KL_ASSERT_OK(klMemcpyDtoH(bytes, a, sizeof bytes));
  for (int i = 0; i < 7; ++i) EXPECT_EQ(bytes[i], 0xAB);
  EXPECT_EQ(bytes[7], static_cast<unsigned char>(host[1] >> 24));  // untouched
  uint16_t h[3];
  std::memcpy(h, bytes + 8, 6);
  for (uint16_t x : h) EXPECT_EQ(x, 0x1234);
  uint32_t w[2];
  std::memcpy(w, bytes + 16, 8);
  for (uint32_t x : w) EXPECT_EQ(x, 0xCAFEF00Du);
  KL_EXPECT_OK(klMemFree(a));
  KL_EXPECT_OK(klMemFree(b));
  KL_EXPECT_OK(klMemFree(0));
}

TEST_F(CudaMemory, AsyncCopiesAndFillsOnStreamsWithPinnedMemory) {
  constexpr size_t n = 1 << 18;
  void* pinned = nullptr;
  KL_ASSERT_OK(klMemHostAlloc(&pinned, n * 4, KL_MEMHOSTALLOC_PORTABLE));
  auto* p = static_cast<unsigned int*>(pinned);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned int>(i);
  KLstream s = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  KLdeviceptr a = 0, b = 0;
  KL_ASSERT_OK(klMemAlloc(&a, n * 4));
  KL_ASSERT_OK(klMemAlloc(&b, n * 4));
  KL_ASSERT_OK(klMemcpyHtoDAsync(a, pinned, n * 4, s));
  KL_ASSERT_OK(klMemcpyDtoDAsync(b, a, n * 4, s));
  KL_ASSERT_OK(klMemsetD32Async(a, 0, n, s));
  KL_ASSERT_OK(klMemsetD16Async(a, 0x7777, 2, s));
  KL_ASSERT_OK(klMemsetD8Async(a + 4, 0x11, 1, s));
  KL_ASSERT_OK(klMemcpyDtoHAsync(pinned, b, n * 4, s));
  KL_ASSERT_OK(klStreamSynchronize(s));
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(p[i], i);
  KL_ASSERT_OK(klMemcpyDtoHAsync(pinned, a, 8, nullptr));  // the NULL stream of the current context
  KL_ASSERT_OK(klStreamSynchronize(nullptr));
  EXPECT_EQ(p[0], 0x77777777u);
  EXPECT_EQ(p[1], 0x11u);
  KL_EXPECT_OK(klStreamDestroy(s));
  KL_EXPECT_OK(klMemFree(a));
  KL_EXPECT_OK(klMemFree(b));
  KL_EXPECT_OK(klMemFreeHost(pinned));
  KL_EXPECT_OK(klMemFreeHost(nullptr));
}

TEST_F(CudaMemory, KeelArgumentRules) {
  KLdeviceptr a = 0;
  KL_EXPECT_ERROR(klMemAlloc(&a, 0), KL_ERROR_INVALID_VALUE, "bytesize is 0");
  KL_EXPECT_ERROR(klMemAlloc(nullptr, 16), KL_ERROR_INVALID_VALUE, "dptr is NULL");
  KL_ASSERT_OK(klMemAlloc(&a, 64));
  // Zero-size operations are no-ops, even with NULL host pointers.
  KL_EXPECT_OK(klMemcpyHtoD(a, nullptr, 0));
  KL_EXPECT_OK(klMemcpyDtoH(nullptr, a, 0));
  KL_EXPECT_OK(klMemcpyHtoDAsync(a, nullptr, 0, nullptr));
  KL_EXPECT_OK(klMemsetD32(a, 1, 0));
  KL_EXPECT_ERROR(klMemcpyHtoD(a, nullptr, 4), KL_ERROR_INVALID_VALUE, "srcHost is NULL");
  KL_EXPECT_ERROR(klMemcpyDtoH(nullptr, a, 4), KL_ERROR_INVALID_VALUE, "dstHost is NULL");
  KL_EXPECT_ERROR(klMemcpyDtoHAsync(nullptr, a, 4, nullptr), KL_ERROR_INVALID_VALUE, "dstHost is NULL");
  KL_EXPECT_ERROR(klMemsetD16(a + 1, 0, 2), KL_ERROR_INVALID_VALUE, "2-byte aligned");
  KL_EXPECT_ERROR(klMemsetD32(a + 2, 0, 2), KL_ERROR_INVALID_VALUE, "4-byte aligned");
  KL_EXPECT_ERROR(klMemsetD32Async(a + 2, 0, 2, nullptr), KL_ERROR_INVALID_VALUE, "4-byte aligned");
  KL_EXPECT_ERROR(klMemFree(a + 4), KL_ERROR_INVALID_VALUE, "klMemFree: cuMemFree: CUDA_ERROR_INVALID_VALUE (1)");
  KL_EXPECT_OK(klMemFree(a));
}

TEST_F(CudaMemory, InfoAndAddressRange) {
  size_t free = 0, total = 0;
  KL_ASSERT_OK(klMemGetInfo(&free, &total));
  EXPECT_GT(total, 0u);
  EXPECT_LE(free, total);
  KL_EXPECT_OK(klMemGetInfo(nullptr, nullptr));
  KLdeviceptr a = 0, base = 0;
  size_t size = 0;
  KL_ASSERT_OK(klMemAlloc(&a, 4096));
  KL_ASSERT_OK(klMemGetAddressRange(&base, &size, a + 1000));
  EXPECT_EQ(base, a);
  EXPECT_EQ(size, 4096u);
  KL_EXPECT_OK(klMemFree(a));
  KL_EXPECT_ERROR(klMemGetAddressRange(&base, &size, 0x10), KL_ERROR_NOT_FOUND, "lies in no allocation");
}

TEST_F(CudaMemory, HostAllocAndRegister) {
  void* p = nullptr;
  KL_EXPECT_ERROR(klMemHostAlloc(&p, 64, 0x80), KL_ERROR_INVALID_VALUE, "flags");
  KL_EXPECT_ERROR(klMemHostAlloc(&p, 0, 0), KL_ERROR_INVALID_VALUE, "bytesize is 0");
  KL_ASSERT_OK(klMemHostAlloc(&p, 4096, KL_MEMHOSTALLOC_DEVICEMAP | KL_MEMHOSTALLOC_WRITECOMBINED));
  KL_EXPECT_OK(klMemFreeHost(p));
  constexpr size_t bytes = 1 << 20;
  void* mem = std::aligned_alloc(4096, bytes);
  ASSERT_NE(mem, nullptr);
  KL_ASSERT_OK(klMemHostRegister(mem, bytes, KL_MEMHOSTALLOC_PORTABLE));
  KL_EXPECT_ERROR(klMemHostRegister(mem, bytes, 0), KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED,
                  "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED (712)");
  KLdeviceptr d = 0;
  KL_ASSERT_OK(klMemAlloc(&d, bytes));
  KL_ASSERT_OK(klMemsetD8(d, 0x5A, bytes));
  KL_ASSERT_OK(klMemcpyDtoHAsync(mem, d, bytes, nullptr));
  KL_ASSERT_OK(klCtxSynchronize());
  EXPECT_EQ(static_cast<unsigned char*>(mem)[bytes - 1], 0x5A);
  KL_ASSERT_OK(klMemHostUnregister(mem));
  KL_EXPECT_ERROR(klMemHostUnregister(mem), KL_ERROR_HOST_MEMORY_NOT_REGISTERED, "713");
  KL_EXPECT_ERROR(klMemHostRegister(mem, bytes, KL_MEMHOSTALLOC_WRITECOMBINED), KL_ERROR_INVALID_VALUE, "flags");
  KL_EXPECT_ERROR(klMemHostUnregister(nullptr), KL_ERROR_INVALID_VALUE, "p is NULL");
  KL_EXPECT_OK(klMemFree(d));
  std::free(mem);
}

TEST_F(CudaStream, FlagsPrioritiesQueryAndNativeHandle) {
  int least = 0, greatest = 0;
  KL_ASSERT_OK(klCtxGetStreamPriorityRange(&least, &greatest));
  KLstream s = nullptr, hi = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  KL_ASSERT_OK(klStreamCreateWithPriority(&hi, 0, greatest - 100));  // clamped
  unsigned int flags = 99;
  int priority = 99;
  KL_ASSERT_OK(klStreamGetFlags(s, &flags));
  EXPECT_EQ(flags, static_cast<unsigned int>(KL_STREAM_NON_BLOCKING));
  KL_ASSERT_OK(klStreamGetFlags(hi, &flags));
  EXPECT_EQ(flags, 0u);
  KL_ASSERT_OK(klStreamGetPriority(hi, &priority));
  EXPECT_EQ(priority, greatest);
  KL_ASSERT_OK(klStreamGetPriority(nullptr, &priority));
  EXPECT_EQ(priority, 0);
  KL_EXPECT_OK(klStreamQuery(s));
  void* native = nullptr;
  KL_ASSERT_OK(klStreamGetNativeHandle(&native, s));
  EXPECT_NE(native, nullptr);
  KL_ASSERT_OK(klStreamGetNativeHandle(&native, nullptr));
  EXPECT_EQ(native, reinterpret_cast<void*>(0x1));  // CU_STREAM_LEGACY
  KLstream bad = nullptr;
  KL_EXPECT_ERROR(klStreamCreate(&bad, 0x8), KL_ERROR_INVALID_VALUE, "flags");
  KL_EXPECT_ERROR(klStreamGetFlags(s, nullptr), KL_ERROR_INVALID_VALUE, "flags is NULL");
  KL_EXPECT_OK(klStreamDestroy(s));
  KL_EXPECT_OK(klStreamDestroy(hi));
}

struct HostCallState {
  std::atomic<int> calls{0};
  unsigned int* pinned = nullptr;
  unsigned int seen = 0;
};

TEST_F(CudaStream, HostFunctionsRunInStreamOrder) {
  KLmodule m = Load("smoke.ptx");
  KLstream s = nullptr;
  KL_ASSERT_OK(klStreamCreate(&s, 0));
  void* pinned = nullptr;
  KL_ASSERT_OK(klMemHostAlloc(&pinned, 4, 0));
  HostCallState state;
  state.pinned = static_cast<unsigned int*>(pinned);
  *state.pinned = 0;
  KLdeviceptr flag = AllocU32(1, 0);
  unsigned long long cycles = kSpinCycles;
  void* params[] = {&cycles, &flag};
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "spin"), 1, 1, 1, 1, 1, 1, 0, s, params, nullptr));
  KL_ASSERT_OK(klMemcpyDtoHAsync(pinned, flag, 4, s));
  auto callback = [](void* user) {
    auto* st = static_cast<HostCallState*>(user);
    st->seen = *st->pinned;  // the copy before it has completed
    st->calls.fetch_add(1);
  };
  KL_ASSERT_OK(klLaunchHostFunc(s, callback, &state));
  EXPECT_EQ(klStreamQuery(s), KL_ERROR_NOT_READY);
  KL_ASSERT_OK(klStreamSynchronize(s));
  EXPECT_EQ(state.calls.load(), 1);
  EXPECT_EQ(state.seen, 1u);
  KL_EXPECT_ERROR(klLaunchHostFunc(s, nullptr, nullptr), KL_ERROR_INVALID_VALUE, "fn is NULL");
  KL_EXPECT_OK(klStreamDestroy(s));
  KL_EXPECT_OK(klMemFreeHost(pinned));
  KL_EXPECT_OK(klMemFree(flag));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaStream, WaitEventOrdersStreams) {
  KLmodule m = Load("smoke.ptx");
  KLstream producer = nullptr, consumer = nullptr;
  KL_ASSERT_OK(klStreamCreate(&producer, KL_STREAM_NON_BLOCKING));
  KL_ASSERT_OK(klStreamCreate(&consumer, KL_STREAM_NON_BLOCKING));
  KLevent e = nullptr;
  KL_ASSERT_OK(klEventCreate(&e, KL_EVENT_DISABLE_TIMING));
  KLdeviceptr flag = AllocU32(1, 0);
  unsigned long long cycles = kSpinCycles;
  void* params[] = {&cycles, &flag};
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "spin"), 1, 1, 1, 1, 1, 1, 0, producer, params, nullptr));
  KL_ASSERT_OK(klEventRecord(e, producer));
  KL_ASSERT_OK(klStreamWaitEvent(consumer, e, 0));
  unsigned int seen = 0;
  KL_ASSERT_OK(klMemcpyDtoHAsync(&seen, flag, 4, consumer));  // pageable: returns when done
  KL_ASSERT_OK(klStreamSynchronize(consumer));
  EXPECT_EQ(seen, 1u);
  KL_EXPECT_ERROR(klStreamWaitEvent(consumer, e, 1), KL_ERROR_INVALID_VALUE, "Flags must be 0");
  KL_EXPECT_ERROR(klStreamWaitEvent(consumer, nullptr, 0), KL_ERROR_INVALID_HANDLE, "hEvent");
  KL_EXPECT_OK(klEventDestroy(e));
  KL_EXPECT_OK(klStreamDestroy(producer));
  KL_EXPECT_OK(klStreamDestroy(consumer));
  KL_EXPECT_OK(klMemFree(flag));
  KL_EXPECT_OK(klModuleUnload(m));
}

TEST_F(CudaEvent, RecordQuerySynchronizeElapsed) {
  KLmodule m = Load("smoke.ptx");
  KLevent start = nullptr, end = nullptr, blocking = nullptr;
  KL_ASSERT_OK(klEventCreate(&start, KL_EVENT_DEFAULT));
  KL_ASSERT_OK(klEventCreate(&end, KL_EVENT_BLOCKING_SYNC));
  KL_ASSERT_OK(klEventCreate(&blocking, KL_EVENT_BLOCKING_SYNC | KL_EVENT_DISABLE_TIMING));
  KL_EXPECT_OK(klEventQuery(start));  // never recorded: done
  float ms = -1;
  KL_EXPECT_ERROR(klEventElapsedTime(&ms, start, end), KL_ERROR_INVALID_VALUE, "never recorded");
  unsigned long long cycles = kSpinCycles;
  KLdeviceptr none = 0;
  void* params[] = {&cycles, &none};
  KL_ASSERT_OK(klEventRecord(start, nullptr));
  KL_ASSERT_OK(klLaunchKernel(Fn(m, "spin"), 1, 1, 1, 1, 1, 1, 0, nullptr, params, nullptr));
  KL_ASSERT_OK(klEventRecord(end, nullptr));
  KL_ASSERT_OK(klEventRecord(blocking, nullptr));
  EXPECT_EQ(klEventQuery(end), KL_ERROR_NOT_READY);
  KL_ASSERT_OK(klEventSynchronize(end));
  KL_ASSERT_OK(klEventSynchronize(blocking));
  KL_EXPECT_OK(klEventQuery(end));
  KL_ASSERT_OK(klEventElapsedTime(&ms, start, end));
  EXPECT_GT(ms, 1.0f);
  EXPECT_LT(ms, 5000.0f);
  std::printf("[ timing   ] spin of %llu cycles: %.3f ms\n", cycles, ms);
  KL_EXPECT_ERROR(klEventElapsedTime(&ms, start, blocking), KL_ERROR_INVALID_VALUE, "KL_EVENT_DISABLE_TIMING");
  KL_EXPECT_ERROR(klEventElapsedTime(nullptr, start, end), KL_ERROR_INVALID_VALUE, "pMilliseconds");
  KL_EXPECT_ERROR(klEventElapsedTime(&ms, start, nullptr), KL_ERROR_INVALID_HANDLE, "hEnd");
  KLevent bad = nullptr;
  KL_EXPECT_ERROR(klEventCreate(&bad, 0x10), KL_ERROR_INVALID_VALUE, "Flags");
  void* native = nullptr;
  KL_EXPECT_OK(klEventGetNativeHandle(&native, start));
  EXPECT_NE(native, nullptr);
  // A stream of another context cannot record this context's event.
  KLcontext other = nullptr;
  KL_ASSERT_OK(klCtxCreate(&other, 0, device_));
  KLstream foreign = nullptr;
  KL_ASSERT_OK(klStreamCreate(&foreign, 0));
  KL_EXPECT_ERROR(klEventRecord(start, foreign), KL_ERROR_INVALID_HANDLE, "another context");
  KL_ASSERT_OK(klCtxDestroy(other));
  KL_EXPECT_OK(klEventDestroy(start));
  KL_EXPECT_OK(klEventDestroy(end));
  KL_EXPECT_OK(klEventDestroy(blocking));
  KL_EXPECT_OK(klModuleUnload(m));
}

}  // namespace
}  // namespace keel::cuda::test
