// Link test, part one: calls a device function defined in link_b.cu
// (both built with -rdc=true into PTX and linked with klLink*).
extern "C" __device__ int helper(int x);
extern "C" __global__ void use_helper(int* out) { out[0] = helper(20); }
