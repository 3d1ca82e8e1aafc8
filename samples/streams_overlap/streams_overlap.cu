// Kernel for streams_overlap: y = x * a + b, repeated to give the kernel
// some weight, so copies of one stream can overlap kernels of another.
extern "C" __global__ void ScaleAdd(float* data, float a, float b, unsigned n, unsigned repeat) {
  unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = data[i];
  for (unsigned r = 0; r < repeat; ++r) v = v * a + b;
  data[i] = v;
}
