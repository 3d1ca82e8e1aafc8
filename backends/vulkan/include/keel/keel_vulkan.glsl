// The Keel kernel ABI for Vulkan compute: include this in every GLSL kernel.
//
//   #version 460
//   #extension GL_GOOGLE_include_directive : require
//   #include "keel/keel_vulkan.glsl"
//
//   KEEL_PARAMS_BEGIN           // the kernel's parameters, in C order and types
//     f32_ptr a;                // const float* a
//     f32_ptr b;                // const float* b
//     f32_ptr c;                // float* c
//     int n;                    // int n
//   KEEL_PARAMS_END
//
//   KEEL_KERNEL(vec_add) {      // the entry point is named "vec_add"
//     uint i = blockIdx.x * blockDim.x + threadIdx.x;
//     if (i < n) c.v[i] = a.v[i] + b.v[i];
//   }
//
// docs/backends/vulkan.md is the full contract; in short:
// - Parameters live in the push-constant block after a 32-byte hidden header,
//   each at 32 + its C offset (std430 gives the C offsets for scalars, 64-bit
//   types, pointers, structs and arrays of those; do not use vec3 or bool).
//   When the block is larger than the device's push-constant limit the
//   backend moves it to a buffer; the kernel source does not change.
// - Block size is specialization constants 0, 1, 2; the dynamic shared memory
//   size in bytes is specialization constant 3.
// - blockIdx, threadIdx, blockDim and gridDim are uvec3, as uint3 in CUDA.
// - Module globals (CUDA's __device__ variables) are the members of one
//   KEEL_GLOBALS_BEGIN/END block per module, reached as keel_globals.<name>;
//   the backend allocates them per loaded module and passes their address in
//   the hidden header (keel_reserved0/1), so they cost no parameter bytes.
#ifndef KEEL_VULKAN_GLSL_
#define KEEL_VULKAN_GLSL_

#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference2 : require
#extension GL_EXT_shader_explicit_arithmetic_types : require
#extension GL_EXT_shader_8bit_storage : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_atomic_int64 : enable
#extension GL_EXT_shader_atomic_float : enable

// ABI version of this header (docs/backends/vulkan.md, "Versioning").
#define KEEL_VULKAN_ABI_VERSION 2

// The block size comes from the launch: specialization constants 0, 1, 2.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

// Dynamic shared memory bytes of the launch (sharedMemBytes): constant 3.
layout(constant_id = 3) const uint keel_dynamic_shared_bytes = 0u;

// ---------------------------------------------------------------------------
// Parameters. The first 32 bytes of the block are hidden values the backend
// writes on every launch; the kernel's own parameters follow.
//   keel_grid_dim    gridDim of the whole launch
//   keel_block_base  added to gl_WorkGroupID: the first block of this part of
//                    a grid the backend split into several dispatches
//   keel_reserved0   low and high 32 bits of the module's globals block
//   keel_reserved1   (ABI 2; 0 in a module without one). The names stay
//                    "reserved" so that kernels built against ABI 1 keep
//                    their exact SPIR-V; read them through keel_globals.
// A kernel without parameters that uses globals still declares the block:
// KEEL_PARAMS_BEGIN KEEL_PARAMS_END.
#define KEEL_PARAMS_BEGIN                         \
  layout(push_constant, std430) uniform KeelArgs { \
    uvec3 keel_grid_dim;                          \
    uint keel_reserved0;                          \
    uvec3 keel_block_base;                        \
    uint keel_reserved1;
#define KEEL_PARAMS_END };

// Names the kernel (the SPIR-V entry point) for the build: keel_add_vulkan_kernels
// reads the name and compiles this file with `-e <name> --source-entrypoint main`.
#define KEEL_KERNEL(name) void main()

// ---------------------------------------------------------------------------
// CUDA's built-in index variables.
#define threadIdx gl_LocalInvocationID
#define blockDim gl_WorkGroupSize
#define blockIdx (gl_WorkGroupID + keel_block_base)
#define gridDim keel_grid_dim

// __syncthreads(): every thread of the block arrives, and its shared and
// global memory writes before the barrier are visible to the block after it.
void syncthreads() {
  groupMemoryBarrier();
  barrier();
}

// __threadfence(): orders this thread's global writes for the whole device.
void threadfence() { memoryBarrier(); }

// ---------------------------------------------------------------------------
// Pointers: a device pointer (a KLdeviceptr value, 8 bytes in the parameter
// block) is a buffer reference. `p.v[i]` is CUDA's `p[i]`; atomics take
// `p.v[i]` where CUDA takes `&p[i]`. Declare pointers to your own types with
// KEEL_POINTER(name, element type, alignment in bytes).
#define KEEL_POINTER(name, type, align) \
  layout(buffer_reference, std430, buffer_reference_align = align) buffer name { type v[]; }

KEEL_POINTER(f32_ptr, float, 4);
KEEL_POINTER(i32_ptr, int, 4);
KEEL_POINTER(u32_ptr, uint, 4);
// These need the matching device feature only when a kernel uses them
// (KL_DEVICE_ATTRIBUTE_SHADER_INT64, _SHADER_FLOAT64, _SHADER_INT8_INT16_ARGS).
KEEL_POINTER(f64_ptr, double, 8);
KEEL_POINTER(i64_ptr, int64_t, 8);
KEEL_POINTER(u64_ptr, uint64_t, 8);
KEEL_POINTER(i16_ptr, int16_t, 2);
KEEL_POINTER(u16_ptr, uint16_t, 2);
KEEL_POINTER(i8_ptr, int8_t, 1);
KEEL_POINTER(u8_ptr, uint8_t, 1);

// ---------------------------------------------------------------------------
// Module globals: CUDA's `__device__ int counter; __device__ float t[256];`
// become members of the module's globals block,
//   KEEL_GLOBALS_BEGIN
//     int counter;
//     float t[256];
//   KEEL_GLOBALS_END
// used as `keel_globals.counter`, `atomicAdd(keel_globals.counter, 1)`,
// `keel_globals.t[i]` (`#define counter keel_globals.counter` keeps a port
// line by line). Every kernel of a module that uses globals declares the same
// block (put it in a header the kernels share). klModuleGetGlobal(name) finds
// a member by its name (keep debug names: do not strip the SPIR-V) and
// returns its address and std430 size; the memory is allocated per loaded
// module and zeroed. CUDA initializers go into an optional kernel named
// keel_globals_init, which the backend runs once, as one block, when the
// module loads:
//   KEEL_KERNEL(keel_globals_init) { keel_globals.counter = 5; }
// The block is a buffer reference type named KeelGlobals: that name is how
// the backend finds it. keel_globals builds the reference from the two 32-bit
// hidden words, so the device needs no 64-bit integers, but the kernel must
// enable the extension that allows it (after this include is fine; it is not
// enabled here because every enabled extension is recorded in the SPIR-V of
// every kernel, globals or not):
//   #extension GL_EXT_buffer_reference_uvec2 : require
#define KEEL_GLOBALS_BEGIN \
  layout(buffer_reference, std430, buffer_reference_align = 16) buffer KeelGlobals {
#define KEEL_GLOBALS_END };
#define keel_globals KeelGlobals(uvec2(keel_reserved0, keel_reserved1))

// ---------------------------------------------------------------------------
// Shared memory. Static shared memory is plain GLSL: `shared float tile[16][16];`.
// Dynamic shared memory (CUDA's `extern __shared__ T name[];`) is sized by
// the launch's sharedMemBytes:
//   KEEL_DYNAMIC_SHARED(uint, tile, 4);   // uint tile[sharedMemBytes / 4]
// Declare at most one dynamic array per kernel; its element count is
// ceil(sharedMemBytes / elem_bytes), and 1 when sharedMemBytes is 0.
#define KEEL_DYNAMIC_SHARED(type, name, elem_bytes)                                       \
  shared type name[keel_dynamic_shared_bytes == 0u                                       \
                       ? 1u                                                              \
                       : (keel_dynamic_shared_bytes + uint(elem_bytes) - 1u) / uint(elem_bytes)]

#endif  // KEEL_VULKAN_GLSL_
