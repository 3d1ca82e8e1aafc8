// Kernels of the CUDA backend's own tests (tests/gpu_*_test.cc and the image
// checks). nvcc builds them into PTX, a cubin, a fatbin and an sm_75 cubin.
extern "C" {

__device__ unsigned int g_values[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

__global__ void empty() {}

__global__ void vec_add(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

__global__ void fill_u32(unsigned int* out, unsigned int value, unsigned int n) {
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = value;
}

// Thread (0,0,0) of block (0,0,0) writes gridDim and blockDim; every thread
// counts itself, so a 3D launch can be checked for coverage too.
__global__ void grid_dims(unsigned int* out, unsigned int* count) {
  if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 0 && threadIdx.y == 0 &&
      threadIdx.z == 0) {
    out[0] = gridDim.x, out[1] = gridDim.y, out[2] = gridDim.z;
    out[3] = blockDim.x, out[4] = blockDim.y, out[5] = blockDim.z;
  }
  atomicAdd(count, 1u);
}

// Parameters at offsets 0, 8, 16 (the packed layout the `extra` tests use).
__global__ void args_mixed(signed char a, double b, unsigned int* out) {
  out[0] = static_cast<unsigned int>(static_cast<int>(a));
  unsigned long long bits = __double_as_longlong(b);
  out[1] = static_cast<unsigned int>(bits);
  out[2] = static_cast<unsigned int>(bits >> 32);
}

// Uses `words` u32 of dynamic shared memory (more than 48 KiB in the opt-in test).
__global__ void dynamic_shared(unsigned int* out, unsigned int words) {
  extern __shared__ unsigned int tile[];
  for (unsigned int k = threadIdx.x; k < words; k += blockDim.x) tile[k] = k * 3 + blockIdx.x;
  __syncthreads();
  for (unsigned int k = threadIdx.x; k < words; k += blockDim.x) out[blockIdx.x * words + k] = tile[(k + 1) % words];
}

// Spins for `cycles` clock cycles (keeps a stream busy for NOT_READY and timing tests).
__global__ void spin(unsigned long long cycles, unsigned int* done) {
  long long start = clock64();
  while (static_cast<unsigned long long>(clock64() - start) < cycles) {
  }
  if (done != nullptr) *done = 1;
}

__global__ void read_globals(unsigned int* out) {
  unsigned int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < 16) out[i] = g_values[i] * 2;
}

// At most 128 threads per block, whatever the device allows.
__global__ void __launch_bounds__(128) bounded(unsigned int* out) { out[threadIdx.x] = threadIdx.x; }

}  // extern "C"
