// Module `args` (KERNELS.md): 32-bit scalars, many arguments, structs: what
// every device takes. Arguments that need an optional device feature are in
// args_int8_int16, args_int64 and args_float64.
#include "keel_kernels.cuh"

extern "C" __global__ void args_i32_f32(i32 a, u32 b, float c, u32* out) {
  if (!IsFirstThread()) return;
  out[0] = (u32)a;
  out[1] = b;
  out[2] = __float_as_uint(c);
}

// many_args_N: out, then N-1 u32 values a0..a(N-2). out[1+k] = a_k and
// out[0] = sum of a_k*(k+1) modulo 2^32.
#define KEEL_ARG(k) , u32 a##k
#define KEEL_STORE(k) out[1 + k] = a##k; sum += a##k * (u32)(k + 1);

#define KEEL_REPEAT15(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14)
#define KEEL_REPEAT16_FROM(M, b) M(b##0) M(b##1) M(b##2) M(b##3) M(b##4) M(b##5) M(b##6) M(b##7) \
  M(b##8) M(b##9)
// 63 indices: 0..9, 10..59 in decades, 60..62.
#define KEEL_REPEAT63(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) \
  KEEL_REPEAT16_FROM(M, 1) KEEL_REPEAT16_FROM(M, 2) KEEL_REPEAT16_FROM(M, 3) \
  KEEL_REPEAT16_FROM(M, 4) KEEL_REPEAT16_FROM(M, 5) M(60) M(61) M(62)

extern "C" __global__ void many_args_16(u32* out KEEL_REPEAT15(KEEL_ARG)) {
  if (!IsFirstThread()) return;
  u32 sum = 0;
  KEEL_REPEAT15(KEEL_STORE)
  out[0] = sum;
}

extern "C" __global__ void many_args_64(u32* out KEEL_REPEAT63(KEEL_ARG)) {
  if (!IsFirstThread()) return;
  u32 sum = 0;
  KEEL_REPEAT63(KEEL_STORE)
  out[0] = sum;
}

struct S16 {
  i32 a;
  float b;
  u32 c;
  i32 d;
};

struct S256 {
  u32 v[64];
};

extern "C" __global__ void struct_arg_16(S16 s, u32* out) {
  if (!IsFirstThread()) return;
  out[0] = (u32)s.a;
  out[1] = __float_as_uint(s.b);
  out[2] = s.c;
  out[3] = (u32)s.d;
}

extern "C" __global__ void struct_arg_256(S256 s, u32* out) {
  if (!IsFirstThread()) return;
  for (int i = 0; i < 64; ++i) out[i] = s.v[i] * 2u + 1u;
}
