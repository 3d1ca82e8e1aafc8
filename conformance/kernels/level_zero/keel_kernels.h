// Shared helpers of the Level Zero conformance kernels (OpenCL C, see
// ../KERNELS.md and docs/backends/level_zero.md for the Keel kernel ABI).
//
// Mapping of the CUDA index names used by KERNELS.md:
//   blockIdx  -> get_group_id(d)     blockDim -> get_local_size(d)
//   threadIdx -> get_local_id(d)     gridDim  -> get_num_groups(d)
//   gid       -> get_global_id(d)    (Keel launches never set a global offset)
// Dynamic shared memory is the kernel's last parameter, a `__local` pointer
// that Keel sizes from the launch's sharedMemBytes; it is not one of the
// parameters klFuncGetParamCount reports.
#ifndef KEEL_CONFORMANCE_KERNELS_LEVEL_ZERO_KEEL_KERNELS_H_
#define KEEL_CONFORMANCE_KERNELS_LEVEL_ZERO_KEEL_KERNELS_H_

typedef char i8;
typedef uchar u8;
typedef short i16;
typedef ushort u16;
typedef int i32;
typedef uint u32;
typedef long i64;
typedef ulong u64;

#define KEEL_GID_X ((u32)get_global_id(0))
#define KEEL_GID_Y ((u32)get_global_id(1))
#define KEEL_GID_Z ((u32)get_global_id(2))

// True for the one thread that writes single results (gid 0 in every dimension).
#define KEEL_FIRST_THREAD (get_global_id(0) == 0 && get_global_id(1) == 0 && get_global_id(2) == 0)

#endif  // KEEL_CONFORMANCE_KERNELS_LEVEL_ZERO_KEEL_KERNELS_H_
