// Empty for the Vulkan backend (Keel kernel ABI, docs/backends/vulkan.md):
// the launch-overhead figures. Same kernel as Empty in bench.cu.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "keel/keel_vulkan.glsl"

KEEL_KERNEL(Empty) {}
