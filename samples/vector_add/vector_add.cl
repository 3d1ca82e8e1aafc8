// The VecAdd kernel for the Level Zero backend (OpenCL C; Keel kernel ABI:
// docs/backends/level_zero.md), line for line the CUDA one.
kernel void VecAdd(global const float* a, global const float* b, global float* c, int n) {
  int i = (int)(get_group_id(0) * get_local_size(0) + get_local_id(0));
  if (i < n) c[i] = a[i] + b[i];
}
