// Shared helpers of the CUDA conformance kernels (see ../KERNELS.md).
#ifndef KEEL_CONFORMANCE_KERNELS_CUDA_KEEL_KERNELS_CUH_
#define KEEL_CONFORMANCE_KERNELS_CUDA_KEEL_KERNELS_CUH_

typedef signed char i8;
typedef unsigned char u8;
typedef short i16;
typedef unsigned short u16;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

// Global linear index in x, the KERNELS.md `gid`.
__device__ __forceinline__ u32 GlobalIdX() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ u32 GlobalIdY() { return blockIdx.y * blockDim.y + threadIdx.y; }
__device__ __forceinline__ u32 GlobalIdZ() { return blockIdx.z * blockDim.z + threadIdx.z; }

// True for the one thread that writes single results (gid 0 in every dimension).
__device__ __forceinline__ bool IsFirstThread() {
  return GlobalIdX() == 0 && GlobalIdY() == 0 && GlobalIdZ() == 0;
}

#endif  // KEEL_CONFORMANCE_KERNELS_CUDA_KEEL_KERNELS_CUH_
