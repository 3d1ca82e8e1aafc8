// Link test, part two: the device function link_a.cu calls.
extern "C" __device__ int helper(int x) { return x * 2 + 2; }
