// Module basic (KERNELS.md): empty() does nothing.
#version 460
#extension GL_GOOGLE_include_directive : require
#include "../keel_kernels.glsl"

KEEL_PARAMS_BEGIN
KEEL_PARAMS_END

KEEL_KERNEL(empty) {}
