// Built-in kernel of the Vulkan backend: a device-to-device copy of `count`
// 16-byte units, one uvec4 load and store per thread and unit: the body of a
// copy whose source and destination are 16-byte aligned (copy_kernels.h
// splits a copy into keel_copy_words head and tail around it). Same
// grid-stride shape as keel_copy_words; at most 2^26 units per dispatch, so
// indices and byte offsets stay far from 32-bit overflow. Source and
// destination do not overlap.
#version 460
#extension GL_EXT_buffer_reference : require

// Launch-sized (specialization constants 0, 1, 2, as Keel kernels): the
// built-in kernels share one module, whose kernels must all be launch-sized
// or all of one fixed size.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer SrcUnits { uvec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) writeonly buffer DstUnits { uvec4 v[]; };

layout(push_constant, std430) uniform Copy {
  SrcUnits src;
  DstUnits dst;
  uint count;
};

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < count; i += stride) dst.v[i] = src.v[i];
}
