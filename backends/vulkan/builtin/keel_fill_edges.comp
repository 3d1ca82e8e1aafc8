// Built-in kernel of the Vulkan backend: the partial 32-bit words at the
// edges of a memset whose start or end is not 4-byte aligned (the aligned
// middle is vkCmdFillBuffer). Thread i < count updates word i: the bytes in
// `keep` stay, the others take `value`. Atomics, so that bytes of the word
// outside the memset are never written, even while other work writes them.
#version 460
#extension GL_EXT_buffer_reference : require

// Launch-sized (specialization constants 0, 1, 2, as Keel kernels): the
// built-in kernels share one module, whose kernels must all be launch-sized
// or all of one fixed size.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Word { uint v; };

layout(push_constant, std430) uniform Edges {
  Word word0;
  Word word1;
  uint keep0;
  uint keep1;
  uint value0;
  uint value1;
  uint count;
};

void main() {
  uint i = gl_LocalInvocationID.x;
  if (i >= count) return;
  if (i == 0) {
    atomicAnd(word0.v, keep0);
    atomicOr(word0.v, value0 & ~keep0);
  } else {
    atomicAnd(word1.v, keep1);
    atomicOr(word1.v, value1 & ~keep1);
  }
}
