// Kernel for streams_overlap on the Level Zero backend (OpenCL C):
// y = x * a + b, repeated.
kernel void ScaleAdd(global float* data, float a, float b, uint n, uint repeat_count) {
  uint i = (uint)(get_group_id(0) * get_local_size(0) + get_local_id(0));
  if (i >= n) return;
  float v = data[i];
  for (uint r = 0; r < repeat_count; ++r) v = v * a + b;
  data[i] = v;
}
