// Built-in kernel of the Vulkan backend: sets `count` 32-bit words to
// `value` (copy_kernels.h says when it replaces vkCmdFillBuffer). Same
// grid-stride shape and limits as keel_copy_words.
#version 460
#extension GL_EXT_buffer_reference : require

// Launch-sized (specialization constants 0, 1, 2, as Keel kernels): the
// built-in kernels share one module, whose kernels must all be launch-sized
// or all of one fixed size.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer Words { uint w[]; };

layout(push_constant, std430) uniform Fill {
  Words dst;
  uint value;
  uint count;
};

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < count; i += stride) dst.w[i] = value;
}
