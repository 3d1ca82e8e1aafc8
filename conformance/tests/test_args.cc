// Args: every scalar type, 16 and 64 arguments, 16- and 256-byte structs, each
// through kernelParams and through a packed `extra` buffer laid out from
// klFuncGetParamInfo.
#include <cstring>

#include "fixture.h"

namespace {

struct S16 {
  int32_t a;
  float b;
  uint32_t c;
  int32_t d;
};
static_assert(sizeof(S16) == 16, "KERNELS.md struct S16");

struct S256 {
  uint32_t v[64];
};
static_assert(sizeof(S256) == 256, "KERNELS.md struct S256");

using ArgPathTest = kc::ContextCaseTest<std::string>;

kc::ArgPath PathOf(const std::string& name) {
  return name == "params" ? kc::ArgPath::kParams : kc::ArgPath::kExtra;
}

// Launches kernel (one thread) with args, returns out[0..words).
template <class... A>
void RunOneThread(kc::ArgPath path, KLfunction f, size_t words, std::vector<uint32_t>* got,
                  kc::DeviceBuffer* out, const A&... args) {
  KC_ASSERT_OK(kc::LaunchVia(path, f, {1}, {1}, 0, nullptr, args...));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(out->Download(got, words));
}

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

using ArgsScalar = ArgPathTest;

TEST_P(ArgsScalar, I8) {
  KC_KERNEL(f, "args_int8_int16", "args_i8");
  KC_ALLOC(out, 8);
  for (int round = 0; round < 4; ++round) {
    int8_t a = round == 0 ? -128 : round == 1 ? 127 : static_cast<int8_t>(rng().U32());
    uint8_t b = round == 0 ? 255 : round == 1 ? 0 : static_cast<uint8_t>(rng().U32());
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 2, &got, &out, a, b, out.get()));
    std::vector<uint32_t> want = {static_cast<uint32_t>(static_cast<int32_t>(a)), b};
    KC_EXPECT_ARRAYS_EQ(want, got) << "a=" << int(a) << " b=" << int(b);
  }
}

TEST_P(ArgsScalar, I16) {
  KC_KERNEL(f, "args_int8_int16", "args_i16");
  KC_ALLOC(out, 8);
  for (int round = 0; round < 4; ++round) {
    int16_t a = round == 0 ? -32768 : round == 1 ? 32767 : static_cast<int16_t>(rng().U32());
    uint16_t b = round == 0 ? 65535 : round == 1 ? 0 : static_cast<uint16_t>(rng().U32());
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 2, &got, &out, a, b, out.get()));
    std::vector<uint32_t> want = {static_cast<uint32_t>(static_cast<int32_t>(a)), b};
    KC_EXPECT_ARRAYS_EQ(want, got);
  }
}

TEST_P(ArgsScalar, I32F32) {
  KC_KERNEL(f, "args", "args_i32_f32");
  KC_ALLOC(out, 12);
  for (int round = 0; round < 4; ++round) {
    int32_t a = round == 0 ? INT32_MIN : static_cast<int32_t>(rng().U32());
    uint32_t b = round == 0 ? UINT32_MAX : rng().U32();
    float c = round == 0 ? -0.0f : round == 1 ? 1e-40f : rng().Float(-1e6f, 1e6f);
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 3, &got, &out, a, b, c, out.get()));
    std::vector<uint32_t> want = {static_cast<uint32_t>(a), b, Bits(c)};
    KC_EXPECT_ARRAYS_EQ(want, got);
  }
}

TEST_P(ArgsScalar, I64) {
  KC_KERNEL(f, "args_int64", "args_i64");
  KC_ALLOC(out, 16);
  for (int round = 0; round < 4; ++round) {
    int64_t a = round == 0 ? INT64_MIN : static_cast<int64_t>(rng().U64());
    uint64_t b = round == 0 ? UINT64_MAX : rng().U64();
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 4, &got, &out, a, b, out.get()));
    uint64_t ua = static_cast<uint64_t>(a);
    std::vector<uint32_t> want = {static_cast<uint32_t>(ua), static_cast<uint32_t>(ua >> 32),
                                  static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32)};
    KC_EXPECT_ARRAYS_EQ(want, got);
  }
}

TEST_P(ArgsScalar, F64) {
  KC_KERNEL(f, "args_float64", "args_f64");
  KC_ALLOC(out, 8);
  for (int round = 0; round < 4; ++round) {
    double a = round == 0 ? -1.0 / 3.0 : round == 1 ? 1e300 : static_cast<double>(rng().U64()) * 1e-10;
    ASSERT_NO_FATAL_FAILURE(out.Poison());
    std::vector<uint32_t> got;
    ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 2, &got, &out, a, out.get()));
    uint64_t bits;
    std::memcpy(&bits, &a, 8);
    std::vector<uint32_t> want = {static_cast<uint32_t>(bits), static_cast<uint32_t>(bits >> 32)};
    KC_EXPECT_ARRAYS_EQ(want, got);
  }
}

TEST_P(ArgsScalar, Many16) {
  KC_KERNEL(f, "args", "many_args_16");
  KC_ALLOC(out, 16 * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  std::vector<uint32_t> a = rng().U32s(15), got;
  ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 16, &got, &out, out.get(), a[0], a[1], a[2],
                                       a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12],
                                       a[13], a[14]));
  std::vector<uint32_t> want(16);
  for (uint32_t k = 0; k < 15; ++k) {
    want[1 + k] = a[k];
    want[0] += a[k] * (k + 1);
  }
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(ArgsScalar, Many64) {
  KC_KERNEL(f, "args", "many_args_64");
  KC_ALLOC(out, 64 * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  std::vector<uint32_t> a = rng().U32s(63), got;
  // clang-format off
  ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 64, &got, &out, out.get(),
      a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
      a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26],
      a[27], a[28], a[29], a[30], a[31], a[32], a[33], a[34], a[35], a[36], a[37], a[38], a[39],
      a[40], a[41], a[42], a[43], a[44], a[45], a[46], a[47], a[48], a[49], a[50], a[51], a[52],
      a[53], a[54], a[55], a[56], a[57], a[58], a[59], a[60], a[61], a[62]));
  // clang-format on
  std::vector<uint32_t> want(64);
  for (uint32_t k = 0; k < 63; ++k) {
    want[1 + k] = a[k];
    want[0] += a[k] * (k + 1);
  }
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(ArgsScalar, Struct16) {
  KC_KERNEL(f, "args", "struct_arg_16");
  KC_ALLOC(out, 16);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  S16 s{static_cast<int32_t>(rng().U32()), rng().Float(-5.0f, 5.0f), rng().U32(), -7};
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 4, &got, &out, s, out.get()));
  std::vector<uint32_t> want = {static_cast<uint32_t>(s.a), Bits(s.b), s.c, static_cast<uint32_t>(s.d)};
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(ArgsScalar, Struct256) {
  KC_KERNEL(f, "args", "struct_arg_256");
  if (Attr(KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES) < 264)
    GTEST_SKIP() << "device reports KL_DEVICE_ATTRIBUTE_MAX_PARAM_BYTES < 264";
  KC_ALLOC(out, 256);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  S256 s;
  for (uint32_t& v : s.v) v = rng().U32();
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(RunOneThread(PathOf(value()), f, 64, &got, &out, s, out.get()));
  std::vector<uint32_t> want(64);
  for (int i = 0; i < 64; ++i) want[i] = s.v[i] * 2u + 1u;
  KC_EXPECT_ARRAYS_EQ(want, got);
}

KC_INSTANTIATE_CASES(Args, ArgsScalar, std::string, ({"params", "extra"}));

}  // namespace
