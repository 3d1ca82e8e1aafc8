// Module `args` (KERNELS.md): 32-bit scalars, many arguments, structs by value:
// what every device takes. Arguments that need an optional device feature are
// in args_int8_int16, args_int64 and args_float64.
#include "keel_kernels.h"

kernel void args_i32_f32(i32 a, u32 b, float c, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  out[0] = (u32)a;
  out[1] = b;
  out[2] = as_uint(c);
}

// Parameter lists of many u32 values a0, a1, ... built by the preprocessor.

// 16 parameters: out and a0..a14 (names a0..a9 then a10..a14 keep the macros simple).
kernel void many_args_16(global u32* out, u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5, u32 a6,
                         u32 a7, u32 a8, u32 a9, u32 a10, u32 a11, u32 a12, u32 a13, u32 a14) {
  if (!KEEL_FIRST_THREAD) return;
  u32 v[15] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14};
  u32 sum = 0u;
  for (u32 k = 0; k < 15u; ++k) {
    out[1 + k] = v[k];
    sum += v[k] * (k + 1u);
  }
  out[0] = sum;
}

// 64 parameters: out and a0..a62.
#define U8(p) u32 p##0, u32 p##1, u32 p##2, u32 p##3, u32 p##4, u32 p##5, u32 p##6, u32 p##7
#define V8(p) p##0, p##1, p##2, p##3, p##4, p##5, p##6, p##7
kernel void many_args_64(global u32* out, U8(a0), U8(a1), U8(a2), U8(a3), U8(a4), U8(a5), U8(a6),
                         u32 a70, u32 a71, u32 a72, u32 a73, u32 a74, u32 a75, u32 a76) {
  if (!KEEL_FIRST_THREAD) return;
  u32 v[63] = {V8(a0), V8(a1), V8(a2), V8(a3), V8(a4), V8(a5), V8(a6),
               a70, a71, a72, a73, a74, a75, a76};
  u32 sum = 0u;
  for (u32 k = 0; k < 63u; ++k) {
    out[1 + k] = v[k];
    sum += v[k] * (k + 1u);
  }
  out[0] = sum;
}

typedef struct S16 {
  i32 a;
  float b;
  u32 c;
  i32 d;
} S16;

kernel void struct_arg_16(S16 s, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  out[0] = (u32)s.a;
  out[1] = as_uint(s.b);
  out[2] = s.c;
  out[3] = (u32)s.d;
}

typedef struct S256 {
  u32 v[64];
} S256;

kernel void struct_arg_256(S256 s, global u32* out) {
  if (!KEEL_FIRST_THREAD) return;
  for (u32 i = 0; i < 64u; ++i) out[i] = s.v[i] * 2u + 1u;
}
