// The bench module for the CUDA backend (C linkage so both libcuda and Keel
// find the kernels by these names). bench/kernels/*.comp are the same
// kernels for the Vulkan backend.

// Does nothing: launch-overhead figures.
extern "C" __global__ void Empty() {}

// c = a + b: the 4-argument launch figures and the bandwidth-bound kernel.
extern "C" __global__ void VecAdd(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}
