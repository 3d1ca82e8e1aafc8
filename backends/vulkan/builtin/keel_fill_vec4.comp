// Built-in kernel of the Vulkan backend: sets `count` 16-byte units to
// uvec4(value), one uvec4 store per thread and unit: the body of a fill whose
// start is 16-byte aligned (copy_kernels.h splits a fill into keel_fill_words
// head and tail around it). Same grid-stride shape and limits as
// keel_copy_vec4.
#version 460
#extension GL_EXT_buffer_reference : require

// Launch-sized (specialization constants 0, 1, 2, as Keel kernels): the
// built-in kernels share one module, whose kernels must all be launch-sized
// or all of one fixed size.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 16) writeonly buffer Units { uvec4 v[]; };

layout(push_constant, std430) uniform Fill {
  Units dst;
  uint value;
  uint count;
};

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  const uvec4 unit = uvec4(value);
  for (uint i = gl_GlobalInvocationID.x; i < count; i += stride) dst.v[i] = unit;
}
