// Module: loading every image variant the backend accepts (file, data,
// data with JIT options and logs), broken images, kernel and global lookup,
// unloading, linking.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "fixture.h"

namespace {

// Runs basic/write_index from `module` over n items and checks every element.
void RunWriteIndex(KLmodule module, unsigned int n) {
  KLfunction f = nullptr;
  KC_ASSERT_OK(klModuleGetFunction(&f, module, "write_index"));
  KC_ALLOC(out, n * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(f, {kc::BlocksFor(n, 64)}, {64}, 0, nullptr, out.get(), n));
  KC_ASSERT_OK(klCtxSynchronize());
  std::vector<uint32_t> got, want(n);
  for (unsigned int i = 0; i < n; ++i) want[i] = i;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, n));
  KC_EXPECT_ARRAYS_EQ(want, got);
}

std::string VariantPath(const kc::Target& t, const std::string& module, const std::string& variant) {
  std::string searched;
  std::string path = kc::ImagePath(t, module, variant, &searched);
  EXPECT_FALSE(path.empty()) << "no " << variant << " image of " << module << " (tried " << searched << ")";
  return path;
}

// ---- every variant of the backend's format ----------------------------------------

using ModuleVariant = kc::ContextCaseTest<kc::ImageVariant>;

TEST_P(ModuleVariant, LoadFileRuns) {
  std::string path = VariantPath(target(), "basic", value().name);
  ASSERT_FALSE(path.empty());
  KLmodule m = nullptr;
  KC_ASSERT_OK(klModuleLoad(&m, path.c_str()));
  ASSERT_NE(nullptr, m);
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(m, 1000));
  KC_EXPECT_OK(klModuleUnload(m));
}

TEST_P(ModuleVariant, LoadDataRuns) {
  std::vector<char> image;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", value().name), &image));
  KLmodule m = nullptr;
  KC_ASSERT_OK(klModuleLoadData(&m, image.data(), image.size()));
  // The image is not retained: overwrite it before use.
  std::memset(image.data(), 0, image.size());
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(m, 777));
  KC_EXPECT_OK(klModuleUnload(m));
}

TEST_P(ModuleVariant, LoadDataExWithLogs) {
  std::vector<char> image;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", value().name), &image));
  char info[4096], error[4096];
  std::memset(info, 'x', sizeof info);
  std::memset(error, 'x', sizeof error);
  KLjit_option options[] = {KL_JIT_INFO_LOG_BUFFER, KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {info, reinterpret_cast<void*>(sizeof info), error,
                    reinterpret_cast<void*>(sizeof error)};
  KLmodule m = nullptr;
  KC_ASSERT_OK(klModuleLoadDataEx(&m, image.data(), image.size(), 4, options, values));
  EXPECT_LT(strnlen(info, sizeof info), sizeof info) << "info log not NUL-terminated";
  EXPECT_LT(strnlen(error, sizeof error), sizeof error) << "error log not NUL-terminated";
  EXPECT_LE(reinterpret_cast<uintptr_t>(values[1]), sizeof info) << "info log size out of range";
  EXPECT_LE(reinterpret_cast<uintptr_t>(values[3]), sizeof error) << "error log size out of range";
  EXPECT_EQ(0u, strnlen(error, sizeof error)) << "a successful load logged an error: " << error;
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(m, 300));
  KC_EXPECT_OK(klModuleUnload(m));
}

TEST_P(ModuleVariant, LoadDataExNoOptions) {
  std::vector<char> image;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", value().name), &image));
  KLmodule m = nullptr;
  KC_ASSERT_OK(klModuleLoadDataEx(&m, image.data(), image.size(), 0, nullptr, nullptr));
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(m, 64));
  KC_EXPECT_OK(klModuleUnload(m));
}

TEST_P(ModuleVariant, AllModulesAllKernels) {
  for (const kc::ModuleInfo& info : kc::AllModules()) {
    const std::string module = info.name;
    // A module of an optional feature the device lacks need not load; the
    // tests of that feature skip, naming it.
    if (info.requires != KL_DEVICE_ATTRIBUTE_INVALID && Attr(info.requires) == 0) continue;
    std::string path = VariantPath(target(), module, value().name);
    if (path.empty()) continue;
    kc::Module m;
    ASSERT_NO_FATAL_FAILURE(m.LoadFile(path));
    for (const kc::KernelInfo& k : kc::AllKernels()) {
      if (module != k.module) continue;
      KLfunction f = nullptr;
      KC_EXPECT_OK(klModuleGetFunction(&f, m, k.name)) << module << "/" << k.name;
    }
  }
}

TEST_P(ModuleVariant, LoadTwiceIndependent) {
  std::string path = VariantPath(target(), "basic", value().name);
  ASSERT_FALSE(path.empty());
  kc::Module a, b;
  ASSERT_NO_FATAL_FAILURE(a.LoadFile(path));
  ASSERT_NO_FATAL_FAILURE(b.LoadFile(path));
  EXPECT_NE(a.get(), b.get());
  KLfunction fa = nullptr, fb = nullptr;
  ASSERT_NO_FATAL_FAILURE(a.GetFunction(&fa, "write_index"));
  ASSERT_NO_FATAL_FAILURE(b.GetFunction(&fb, "write_index"));
  a.Reset();
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(b, 500));
}

TEST_P(ModuleVariant, TruncatedFails) {
  std::vector<char> image;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", value().name), &image));
  // Text images may end in blank lines that a shorter copy can lose without
  // harm: for IL cut just before the last closing brace, for binaries drop
  // the last byte.
  size_t last = image.size() - 1;
  if (value().il) {
    std::string text(image.begin(), image.end());
    size_t brace = text.rfind('}');
    ASSERT_NE(brace, std::string::npos) << "the IL image has no closing brace";
    last = brace;
  }
  for (size_t keep : {image.size() / 2, size_t{16}, last}) {
    KLmodule m = nullptr;
    KLresult r = klModuleLoadData(&m, image.data(), keep);
    if (value().il) {
      // Truncated IL text surfaces when the JIT compiles it.
      KC_EXPECT_RESULT_IN(r, KL_ERROR_INVALID_IMAGE, KL_ERROR_COMPILE_FAILED) << "kept " << keep << " bytes";
    } else {
      KC_EXPECT_RESULT(KL_ERROR_INVALID_IMAGE, r) << "kept " << keep << " bytes";
    }
    if (r == KL_SUCCESS) klModuleUnload(m);
    else EXPECT_FALSE(kc::LastError().empty());
  }
}

KC_INSTANTIATE_PER_TARGET(Module, ModuleVariant, kc::ImageVariant, kc::ImageVariants);

// IL variants only (text compiled at load time).
std::vector<kc::ImageVariant> IlVariants(const kc::Target& t) {
  std::vector<kc::ImageVariant> out;
  for (const kc::ImageVariant& v : kc::ImageVariants(t))
    if (v.il) out.push_back(v);
  return out;
}

using ModuleIl = kc::ContextCaseTest<kc::ImageVariant>;

TEST_P(ModuleIl, SizeWithOrWithoutNul) {
  std::vector<char> image;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", value().name), &image));
  while (!image.empty() && image.back() == '\0') image.pop_back();
  KLmodule a = nullptr, b = nullptr;
  KC_ASSERT_OK(klModuleLoadData(&a, image.data(), image.size()));
  image.push_back('\0');
  KC_ASSERT_OK(klModuleLoadData(&b, image.data(), image.size()));
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(a, 100));
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(b, 100));
  klModuleUnload(a);
  klModuleUnload(b);
}

TEST_P(ModuleIl, CompileErrorHasLog) {
  std::string broken = kc::BrokenIL(target());
  ASSERT_FALSE(broken.empty());
  char error[8192];
  std::memset(error, 0, sizeof error);
  KLjit_option options[] = {KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {error, reinterpret_cast<void*>(sizeof error)};
  KLmodule m = nullptr;
  KC_EXPECT_RESULT(KL_ERROR_COMPILE_FAILED,
                   klModuleLoadDataEx(&m, broken.data(), broken.size(), 2, options, values));
  EXPECT_GT(strnlen(error, sizeof error), 0u) << "no JIT error log";
  std::string message = kc::LastError();
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(nullptr, m);
  if (m) klModuleUnload(m);
}

KC_INSTANTIATE_PER_TARGET(Module, ModuleIl, kc::ImageVariant, IlVariants);

// ---- broken images ---------------------------------------------------------------------

struct GarbageCase {
  std::string name;
  std::vector<uint8_t> prefix;  // magic bytes, followed by random bytes
};

using ModuleGarbage = kc::ContextCaseTest<GarbageCase>;

TEST_P(ModuleGarbage, LoadFailsWithMessage) {
  std::vector<uint8_t> image = rng().Bytes(4096);
  if (value().name == "zeros") std::fill(image.begin(), image.end(), 0);
  std::copy(value().prefix.begin(), value().prefix.end(), image.begin());
  KLmodule m = nullptr;
  KLresult r = klModuleLoadData(&m, image.data(), image.size());
  KC_EXPECT_RESULT(KL_ERROR_INVALID_IMAGE, r);
  if (r == KL_SUCCESS) klModuleUnload(m);
  EXPECT_FALSE(kc::LastError().empty());
}

std::vector<GarbageCase> GarbageCases() {
  return {
      {"random", {}},
      {"zeros", {}},
      {"elfMagic", {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}},
      {"spirvMagic", {0x03, 0x02, 0x23, 0x07, 0x00, 0x00, 0x01, 0x00}},
      {"fatbinMagic", {0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00}},
      {"text", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'}},
  };
}

KC_INSTANTIATE_CASES(Module, ModuleGarbage, GarbageCase, (GarbageCases()));

using Module = kc::ContextTest;

TEST_P(Module, LoadMissingFileFails) {
  KLmodule m = nullptr;
  KC_EXPECT_RESULT(KL_ERROR_FILE_NOT_FOUND, klModuleLoad(&m, "/nonexistent/keel/basic.bin"));
  EXPECT_EQ(nullptr, m);
  EXPECT_NE(std::string::npos, kc::LastError().find("/nonexistent/keel/basic.bin"))
      << "the message should name the file: " << kc::LastError();
}

TEST_P(Module, LoadEmptyFileFails) {
  char path[] = "/tmp/keel-conformance-empty-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  KLmodule m = nullptr;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_IMAGE, klModuleLoad(&m, path));
  unlink(path);
}

TEST_P(Module, LoadWrongFormatFails) {
  std::vector<char> foreign = kc::ForeignImage(target());
  ASSERT_FALSE(foreign.empty());
  KLmodule m = nullptr;
  KLresult r = klModuleLoadData(&m, foreign.data(), foreign.size());
  KC_EXPECT_RESULT(KL_ERROR_INVALID_IMAGE, r);
  if (r == KL_SUCCESS) klModuleUnload(m);
  EXPECT_FALSE(kc::LastError().empty());
}

TEST_P(Module, GetFunctionEveryBasicKernel) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  for (const char* name : {"empty", "vec_add", "add_scalar_f32", "fill_u32", "write_index",
                           "busy_loop", "coverage", "grid_dims"}) {
    KLfunction f = nullptr;
    KC_EXPECT_OK(klModuleGetFunction(&f, m, name)) << name;
    EXPECT_NE(nullptr, f) << name;
  }
}

TEST_P(Module, GetFunctionStable) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  KLfunction a = nullptr, b = nullptr;
  KC_ASSERT_OK(klModuleGetFunction(&a, m, "vec_add"));
  KC_ASSERT_OK(klModuleGetFunction(&b, m, "vec_add"));
  EXPECT_EQ(a, b) << "the same kernel should give the same handle";
}

TEST_P(Module, GetFunctionNotFound) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  KLfunction f = reinterpret_cast<KLfunction>(static_cast<uintptr_t>(0x42));
  KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klModuleGetFunction(&f, m, "no_such_kernel"));
  EXPECT_EQ(reinterpret_cast<KLfunction>(static_cast<uintptr_t>(0x42)), f) << "output written on failure";
  EXPECT_NE(std::string::npos, kc::LastError().find("no_such_kernel")) << kc::LastError();
}

TEST_P(Module, GetFunctionCaseSensitive) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  for (const char* name : {"VEC_ADD", "Vec_add", "vec_Add", "vec_add ", " vec_add", "vec_ad", "vec_addx"}) {
    KLfunction f = nullptr;
    KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klModuleGetFunction(&f, m, name)) << "'" << name << "'";
  }
}

TEST_P(Module, GetFunctionOfOtherModuleNotFound) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  KLfunction f = nullptr;
  KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klModuleGetFunction(&f, m, "matmul_tiled"));
}

TEST_P(Module, NativeHandle) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  void* native = nullptr;
  KC_ASSERT_OK(klModuleGetNativeHandle(&native, m));
  EXPECT_NE(nullptr, native);
}

TEST_P(Module, UnloadWhileWorkPending) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  KC_BUSY(busy, 100);
  ASSERT_NO_FATAL_FAILURE(m.GetFunction(&busy.fn, "busy_loop"));  // this module's kernel
  KC_ALLOC(out, 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_STREAM(s);
  KC_ASSERT_OK(busy.Enqueue(s, out.get()));
  KC_EXPECT_OK(klModuleUnload(m.Release()));
  KC_ASSERT_OK(klStreamSynchronize(s));
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 1));
  KC_EXPECT_ARRAYS_EQ(std::vector<uint32_t>{busy.Expected()}, got);
}

TEST_P(Module, GlobalMatchesAttribute) {
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "basic"));
  KLdeviceptr d = 0;
  size_t bytes = 0;
  KLresult r = klModuleGetGlobal(&d, &bytes, m, "g_values");
  if (Attr(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS) == 0) {
    KC_EXPECT_RESULT(KL_ERROR_NOT_SUPPORTED, r) << "the device reports no module globals";
  } else {
    KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, r) << "module basic has no g_values";
  }
}

TEST_P(Module, GlobalGetAndCopy) {
  KC_REQUIRE_ATTRIBUTE(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS);
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "globals"));
  KLdeviceptr g = 0;
  size_t bytes = 0;
  KC_ASSERT_OK(klModuleGetGlobal(&g, &bytes, m, "g_values"));
  EXPECT_EQ(64u, bytes);
  KC_EXPECT_OK(klModuleGetGlobal(nullptr, nullptr, m, "g_values")) << "both outputs may be NULL";
  std::vector<uint32_t> got(16), want(16);
  for (uint32_t i = 0; i < 16; ++i) want[i] = i;
  kc::PoisonHost(&got);
  KC_ASSERT_OK(klMemcpyDtoH(got.data(), g, 64));
  KC_EXPECT_ARRAYS_EQ(want, got);

  // Written by the host, read by a kernel.
  std::vector<uint32_t> values = rng().U32s(16);
  KC_ASSERT_OK(klMemcpyHtoD(g, values.data(), 64));
  KLfunction read = nullptr, write = nullptr;
  ASSERT_NO_FATAL_FAILURE(m.GetFunction(&read, "read_globals"));
  ASSERT_NO_FATAL_FAILURE(m.GetFunction(&write, "write_globals"));
  KC_ALLOC(out, 64);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(kc::Launch(read, {1}, {16}, 0, nullptr, out.get()));
  KC_ASSERT_OK(klCtxSynchronize());
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 16));
  for (uint32_t i = 0; i < 16; ++i) want[i] = values[i] * 2u;
  KC_EXPECT_ARRAYS_EQ(want, got);

  // Written by a kernel, read by the host.
  uint32_t v = rng().U32();
  KC_ASSERT_OK(kc::Launch(write, {1}, {16}, 0, nullptr, v));
  KC_ASSERT_OK(klCtxSynchronize());
  kc::PoisonHost(&got);
  KC_ASSERT_OK(klMemcpyDtoH(got.data(), g, 64));
  for (uint32_t i = 0; i < 16; ++i) want[i] = v + i;
  KC_EXPECT_ARRAYS_EQ(want, got);
}

TEST_P(Module, GlobalNotFound) {
  KC_REQUIRE_ATTRIBUTE(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS);
  kc::Module m;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&m, "globals"));
  KLdeviceptr g = 0;
  size_t bytes = 0;
  KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klModuleGetGlobal(&g, &bytes, m, "no_such_global"));
  KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND, klModuleGetGlobal(&g, &bytes, m, "G_VALUES"));
}

TEST_P(Module, GlobalsPerModuleInstance) {
  KC_REQUIRE_ATTRIBUTE(KL_DEVICE_ATTRIBUTE_MODULE_GLOBALS);
  kc::Module a, b;
  ASSERT_NO_FATAL_FAILURE(LoadModule(&a, "globals"));
  ASSERT_NO_FATAL_FAILURE(LoadModule(&b, "globals"));
  KLdeviceptr ga = 0, gb = 0;
  KC_ASSERT_OK(klModuleGetGlobal(&ga, nullptr, a, "g_values"));
  KC_ASSERT_OK(klModuleGetGlobal(&gb, nullptr, b, "g_values"));
  EXPECT_NE(ga, gb) << "two loads of a module share one global";
  uint32_t marker = 0xC0FFEEu;
  KC_ASSERT_OK(klMemcpyHtoD(ga, &marker, 4));
  uint32_t other = 0;
  KC_ASSERT_OK(klMemcpyDtoH(&other, gb, 4));
  EXPECT_EQ(0u, other);
}

// Modules of 1, 10, 100 and 1000 kernels (the generated many_kernels_<count>):
// every kernel is found by its name, and the first, the last and a few in
// between run and write their own result (out[gid] = gid * 3 + index), so a
// lookup that returns the wrong kernel shows. kernel_1 and kernel_10 share a
// prefix: names must match exactly.
TEST_P(Module, Kernels1_10_100_1000) {
  constexpr unsigned int kItems = 1000;
  KC_ALLOC(out, kItems * 4);
  for (unsigned int count : kc::kManyKernelCounts) {
    SCOPED_TRACE("module of " + std::to_string(count) + " kernels");
    std::string module_name = kc::ManyKernelsModule(count);
    KLmodule m = nullptr;
    std::string ptx = kc::ManyKernelsPtx(target(), count);
    if (!ptx.empty()) {
      KC_ASSERT_OK(klModuleLoadData(&m, ptx.c_str(), ptx.size() + 1)) << module_name << " (PTX)";
    } else {
      std::string searched;
      std::string path = kc::ImagePath(target(), module_name, "", &searched);
      ASSERT_FALSE(path.empty()) << "no image of " << module_name << " (tried " << searched << ")";
      KC_ASSERT_OK(klModuleLoad(&m, path.c_str())) << path;
    }
    std::vector<KLfunction> functions(count, nullptr);
    for (unsigned int i = 0; i < count; ++i) {
      std::string name = "kernel_" + std::to_string(i);
      KC_EXPECT_OK(klModuleGetFunction(&functions[i], m, name.c_str())) << name;
    }
    KLfunction beyond = nullptr;
    KC_EXPECT_RESULT(KL_ERROR_NOT_FOUND,
                     klModuleGetFunction(&beyond, m, ("kernel_" + std::to_string(count)).c_str()))
        << "a kernel past the last one";
    for (unsigned int i : {0u, count / 3, count / 2, count - 2, count - 1}) {
      if (i >= count || functions[i] == nullptr) continue;
      ASSERT_NO_FATAL_FAILURE(out.Poison());
      KC_ASSERT_OK(kc::Launch(functions[i], {kc::BlocksFor(kItems, 128)}, {128}, 0, nullptr, out.get(), kItems))
          << "kernel_" << i;
      KC_ASSERT_OK(klCtxSynchronize());
      std::vector<uint32_t> got, want(kItems);
      for (unsigned int g = 0; g < kItems; ++g) want[g] = g * 3u + i;
      ASSERT_NO_FATAL_FAILURE(out.Download(&got, kItems));
      KC_EXPECT_ARRAYS_EQ(want, got) << "kernel_" << i << " of " << module_name;
    }
    KC_EXPECT_OK(klModuleUnload(m)) << module_name;
  }
}

// Linking: backends with a linker link the IL of a module into a loadable
// image; the others answer NOT_SUPPORTED.
TEST_P(Module, LinkFlow) {
  KLjitInputType type;
  KLlinkState state = nullptr;
  char log[4096] = {0};
  KLjit_option options[] = {KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {log, reinterpret_cast<void*>(sizeof log)};
  KLresult r = klLinkCreate(2, options, values, &state);
  if (!kc::LinkInputType(target(), &type)) {
    KC_EXPECT_RESULT(KL_ERROR_NOT_SUPPORTED, r) << "the backend's format has no linkable IL";
    if (r == KL_SUCCESS) klLinkDestroy(state);
    return;
  }
  KC_ASSERT_OK(r);
  std::vector<char> il;
  ASSERT_TRUE(kc::ReadFile(VariantPath(target(), "basic", IlVariants(target()).at(0).name), &il));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klLinkAddData(state, type, nullptr, 10, "null", 0, nullptr, nullptr));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klLinkAddData(state, type, il.data(), 0, "empty", 0, nullptr, nullptr));
  KC_ASSERT_OK(klLinkAddData(state, type, il.data(), il.size(), "basic", 0, nullptr, nullptr)) << log;
  void* image = nullptr;
  size_t size = 0;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klLinkComplete(state, nullptr, &size));
  KC_ASSERT_OK(klLinkComplete(state, &image, &size)) << log;
  ASSERT_NE(nullptr, image);
  ASSERT_GT(size, 0u);
  KLmodule m = nullptr;
  KC_ASSERT_OK(klModuleLoadData(&m, image, size));
  KC_EXPECT_OK(klLinkDestroy(state));  // the loaded module does not need the image
  ASSERT_NO_FATAL_FAILURE(RunWriteIndex(m, 256));
  klModuleUnload(m);
}

TEST_P(Module, LinkGarbageFails) {
  KLjitInputType type;
  KLlinkState state = nullptr;
  KLresult r = klLinkCreate(0, nullptr, nullptr, &state);
  if (!kc::LinkInputType(target(), &type)) {
    KC_EXPECT_RESULT(KL_ERROR_NOT_SUPPORTED, r) << "the backend's format has no linkable IL";
    if (r == KL_SUCCESS) klLinkDestroy(state);
    return;
  }
  KC_ASSERT_OK(r);
  std::string broken = kc::BrokenIL(target());
  KC_EXPECT_RESULT_IN(klLinkAddData(state, type, broken.data(), broken.size(), "broken", 0, nullptr, nullptr),
                      KL_ERROR_COMPILE_FAILED, KL_ERROR_INVALID_IMAGE);
  EXPECT_FALSE(kc::LastError().empty());
  KC_EXPECT_OK(klLinkDestroy(state));
}

KC_INSTANTIATE(Module, Module);

}  // namespace
