// Built-in kernel of the Vulkan backend: a device-to-device copy of `count`
// 32-bit words (copy_kernels.h says when it replaces vkCmdCopyBuffer).
// Grid-stride loop: the grid is capped, so one dispatch covers any count the
// caller passes (at most 2^28 words, so indices and byte offsets stay far
// from 32-bit overflow). Source and destination do not overlap.
#version 460
#extension GL_EXT_buffer_reference : require

// Launch-sized (specialization constants 0, 1, 2, as Keel kernels): the
// built-in kernels share one module, whose kernels must all be launch-sized
// or all of one fixed size.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) readonly buffer SrcWords { uint w[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) writeonly buffer DstWords { uint w[]; };

layout(push_constant, std430) uniform Copy {
  SrcWords src;
  DstWords dst;
  uint count;
};

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < count; i += stride) dst.w[i] = src.w[i];
}
