// Error: every documented error of every entry point, as tables of calls.
//   NullHandle: a NULL handle -> KL_ERROR_INVALID_HANDLE
//   NullOutput: a NULL required pointer -> KL_ERROR_INVALID_VALUE
//   BadValue: out-of-range values, unknown flags, zero sizes, bad addresses
//   NoContext: no current context -> KL_ERROR_INVALID_CONTEXT
// Every failing call must also leave a last-error message naming the function.
// Plus the names and strings of all result codes.
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>
#include <thread>

#include "fixture.h"

namespace {

// Valid objects the calls use besides the one they get wrong.
struct Objects {
  KLdevice dev = nullptr;
  KLcontext ctx = nullptr;
  KLmodule mod = nullptr;
  KLfunction fn = nullptr;  // basic/vec_add (4 parameters)
  KLstream stream = nullptr;
  KLevent event = nullptr;  // recorded and completed
  KLdeviceptr buf = 0;      // 4096 bytes
  std::string image_path;
  std::vector<char> image;
  std::vector<char> host = std::vector<char>(4096);
};

struct ErrorCase {
  std::string name;  // function name, optionally `_variant`
  KLresult expected;
  std::function<KLresult(Objects&)> call;
  // A second documented outcome: KL_ERROR_NOT_SUPPORTED for optional
  // functions (a backend without a linker, host registration or parameter
  // reflection), or a format-specific code. KL_SUCCESS means none.
  KLresult alternative = KL_SUCCESS;
};

std::string FunctionOf(const std::string& case_name) { return case_name.substr(0, case_name.find('_')); }

class ErrorTable : public kc::ContextCaseTest<ErrorCase> {
 protected:
  void SetUp() override {
    kc::ContextCaseTest<ErrorCase>::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    o_.dev = device();
    o_.ctx = ctx();
    std::string searched;
    o_.image_path = kc::ImagePath(target(), "basic", "", &searched);
    ASSERT_FALSE(o_.image_path.empty()) << "no basic module image (tried " << searched << ")";
    ASSERT_TRUE(kc::ReadFile(o_.image_path, &o_.image));
    ASSERT_NO_FATAL_FAILURE(module_.LoadFile(o_.image_path));
    o_.mod = module_.get();
    ASSERT_NO_FATAL_FAILURE(module_.GetFunction(&o_.fn, "vec_add"));
    ASSERT_NO_FATAL_FAILURE(stream_.Create());
    o_.stream = stream_.get();
    ASSERT_NO_FATAL_FAILURE(event_.Create());
    o_.event = event_.get();
    KC_ASSERT_OK(klEventRecord(o_.event, o_.stream));
    KC_ASSERT_OK(klEventSynchronize(o_.event));
    ASSERT_NO_FATAL_FAILURE(buffer_.Alloc(4096));
    o_.buf = buffer_.get();
  }

  void TearDown() override {
    // Before the context goes.
    buffer_.Reset();
    event_.Reset();
    stream_.Reset();
    module_.Reset();
    kc::ContextCaseTest<ErrorCase>::TearDown();
  }

  // Calls the case and checks its result and the last-error message.
  void Run() {
    const ErrorCase& c = value();
    // A known message first, so a call that sets none is caught.
    KLdevice unused = nullptr;
    klDeviceGet(&unused, -1);
    KLresult r = c.call(o_);
    if (c.alternative != KL_SUCCESS) {
      KC_EXPECT_RESULT_IN(r, c.expected, c.alternative) << c.name;
    } else {
      KC_EXPECT_RESULT(c.expected, r) << c.name;
    }
    // The error-reporting functions themselves leave the message alone, so
    // that formatting an error does not overwrite its message.
    const std::string fn = FunctionOf(c.name);
    bool reporting = fn == "klGetLastErrorMessage" || fn == "klGetErrorName" || fn == "klGetErrorString";
    if (r != KL_SUCCESS && !reporting) {
      std::string message = kc::LastError();
      EXPECT_NE(std::string::npos, message.find(FunctionOf(c.name)))
          << "the last-error message does not name " << FunctionOf(c.name) << ": \"" << message << "\"";
    }
  }

  Objects o_;

 private:
  kc::Module module_;
  kc::Stream stream_;
  kc::Event event_;
  kc::DeviceBuffer buffer_;
};

// Destroy objects a wrongly successful call created, so a failing test leaks nothing.
KLresult Created(KLresult r, KLcontext c) {
  if (r == KL_SUCCESS && c) klCtxDestroy(c);
  return r;
}
KLresult Created(KLresult r, KLmodule m) {
  if (r == KL_SUCCESS && m) klModuleUnload(m);
  return r;
}
KLresult Created(KLresult r, KLstream s) {
  if (r == KL_SUCCESS && s) klStreamDestroy(s);
  return r;
}
KLresult Created(KLresult r, KLevent e) {
  if (r == KL_SUCCESS && e) klEventDestroy(e);
  return r;
}

constexpr auto kMaxThreads = KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
constexpr auto kDynShared = KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
constexpr KLresult kNS = KL_ERROR_NOT_SUPPORTED;

// ---- NULL handles -----------------------------------------------------------------

using NullHandle = ErrorTable;
TEST_P(NullHandle, Fails) { Run(); }

std::vector<ErrorCase> NullHandleCases() {
  constexpr KLresult H = KL_ERROR_INVALID_HANDLE;
  return {
      {"klDeviceGetName", H, [](Objects&) { char n[64]; return klDeviceGetName(n, 64, nullptr); }},
      {"klDeviceGetUuid", H, [](Objects&) { KLuuid u; return klDeviceGetUuid(&u, nullptr); }},
      {"klDeviceGetPCIBusId", H, [](Objects&) { char b[32]; return klDeviceGetPCIBusId(b, 32, nullptr); }},
      {"klDeviceTotalMem", H, [](Objects&) { size_t s; return klDeviceTotalMem(&s, nullptr); }},
      {"klDeviceGetAttribute", H, [](Objects&) { int v; return klDeviceGetAttribute(&v, kMaxThreads, nullptr); }},
      {"klDeviceGetNativeHandle", H, [](Objects&) { void* n; return klDeviceGetNativeHandle(&n, nullptr); }},
      {"klCtxCreate", H, [](Objects&) { KLcontext c = nullptr; return Created(klCtxCreate(&c, 0, nullptr), c); }},
      {"klCtxDestroy", H, [](Objects&) { return klCtxDestroy(nullptr); }},
      {"klCtxPushCurrent", H, [](Objects&) { return klCtxPushCurrent(nullptr); }},
      {"klCtxGetNativeHandle", H, [](Objects&) { void* n; return klCtxGetNativeHandle(&n, nullptr); }},
      {"klDevicePrimaryCtxRetain", H, [](Objects&) { KLcontext c; return klDevicePrimaryCtxRetain(&c, nullptr); }},
      {"klDevicePrimaryCtxRelease", H, [](Objects&) { return klDevicePrimaryCtxRelease(nullptr); }},
      {"klDevicePrimaryCtxReset", H, [](Objects&) { return klDevicePrimaryCtxReset(nullptr); }},
      {"klDevicePrimaryCtxGetState", H, [](Objects&) { unsigned f; int a; return klDevicePrimaryCtxGetState(nullptr, &f, &a); }},
      {"klDevicePrimaryCtxSetFlags", H, [](Objects&) { return klDevicePrimaryCtxSetFlags(nullptr, 0); }},
      {"klModuleUnload", H, [](Objects&) { return klModuleUnload(nullptr); }},
      {"klModuleGetFunction", H, [](Objects&) { KLfunction f; return klModuleGetFunction(&f, nullptr, "vec_add"); }},
      {"klModuleGetGlobal", H, [](Objects&) { KLdeviceptr d; size_t s; return klModuleGetGlobal(&d, &s, nullptr, "g_values"); }},
      {"klModuleGetNativeHandle", H, [](Objects&) { void* n; return klModuleGetNativeHandle(&n, nullptr); }},
      {"klLinkAddData", H, [](Objects& o) { return klLinkAddData(nullptr, KL_JIT_INPUT_PTX, o.image.data(), o.image.size(), "x", 0, nullptr, nullptr); }},
      {"klLinkComplete", H, [](Objects&) { void* i; size_t s; return klLinkComplete(nullptr, &i, &s); }},
      {"klLinkDestroy", H, [](Objects&) { return klLinkDestroy(nullptr); }},
      {"klFuncGetAttribute", H, [](Objects&) { int v; return klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, nullptr); }},
      {"klFuncSetAttribute", H, [](Objects&) { return klFuncSetAttribute(nullptr, kDynShared, 0); }},
      {"klFuncGetParamCount", H, [](Objects&) { size_t c; return klFuncGetParamCount(nullptr, &c); }},
      {"klFuncGetParamInfo", H, [](Objects&) { size_t o, s; return klFuncGetParamInfo(nullptr, 0, &o, &s); }},
      {"klFuncGetNativeHandle", H, [](Objects&) { void* n; return klFuncGetNativeHandle(&n, nullptr); }},
      {"klStreamDestroy", H, [](Objects&) { return klStreamDestroy(nullptr); }},
      {"klStreamWaitEvent", H, [](Objects& o) { return klStreamWaitEvent(o.stream, nullptr, 0); }},
      {"klStreamWaitEvent_defaultStream", H, [](Objects&) { return klStreamWaitEvent(nullptr, nullptr, 0); }},
      {"klEventRecord", H, [](Objects& o) { return klEventRecord(nullptr, o.stream); }},
      {"klEventQuery", H, [](Objects&) { return klEventQuery(nullptr); }},
      {"klEventSynchronize", H, [](Objects&) { return klEventSynchronize(nullptr); }},
      {"klEventElapsedTime_start", H, [](Objects& o) { float ms; return klEventElapsedTime(&ms, nullptr, o.event); }},
      {"klEventElapsedTime_end", H, [](Objects& o) { float ms; return klEventElapsedTime(&ms, o.event, nullptr); }},
      {"klEventDestroy", H, [](Objects&) { return klEventDestroy(nullptr); }},
      {"klEventGetNativeHandle", H, [](Objects&) { void* n; return klEventGetNativeHandle(&n, nullptr); }},
      {"klLaunchKernel", H, [](Objects&) { return klLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr); }},
  };
}
KC_INSTANTIATE_CASES(Error, NullHandle, ErrorCase, (NullHandleCases()));

// ---- NULL outputs and required pointers ------------------------------------------

using NullOutput = ErrorTable;
TEST_P(NullOutput, Fails) { Run(); }

std::vector<ErrorCase> NullOutputCases() {
  constexpr KLresult V = KL_ERROR_INVALID_VALUE;
  return {
      {"klDriverGetVersion", V, [](Objects&) { return klDriverGetVersion(nullptr); }},
      {"klGetBackendCount", V, [](Objects&) { return klGetBackendCount(nullptr); }},
      {"klGetBackendProperties", V, [](Objects&) { return klGetBackendProperties(nullptr, 0); }},
      {"klGetErrorName", V, [](Objects&) { return klGetErrorName(KL_SUCCESS, nullptr); }},
      {"klGetErrorString", V, [](Objects&) { return klGetErrorString(KL_SUCCESS, nullptr); }},
      {"klGetLastErrorMessage", V, [](Objects&) { return klGetLastErrorMessage(nullptr); }},
      {"klDeviceGetCount", V, [](Objects&) { return klDeviceGetCount(nullptr); }},
      {"klDeviceGet", V, [](Objects&) { return klDeviceGet(nullptr, 0); }},
      {"klDeviceGetName", V, [](Objects& o) { return klDeviceGetName(nullptr, 64, o.dev); }},
      {"klDeviceGetUuid", V, [](Objects& o) { return klDeviceGetUuid(nullptr, o.dev); }},
      // A device without a PCI address may answer NOT_SUPPORTED first.
      {"klDeviceGetPCIBusId", V, [](Objects& o) { return klDeviceGetPCIBusId(nullptr, 32, o.dev); }, kNS},
      {"klDeviceTotalMem", V, [](Objects& o) { return klDeviceTotalMem(nullptr, o.dev); }},
      {"klDeviceGetAttribute", V, [](Objects& o) { return klDeviceGetAttribute(nullptr, kMaxThreads, o.dev); }},
      {"klDeviceGetAttribute_backend", V, [](Objects& o) { return klDeviceGetAttribute(nullptr, KL_DEVICE_ATTRIBUTE_BACKEND, o.dev); }},
      {"klDeviceGetNativeHandle", V, [](Objects& o) { return klDeviceGetNativeHandle(nullptr, o.dev); }},
      {"klCtxCreate", V, [](Objects& o) { return klCtxCreate(nullptr, 0, o.dev); }},
      {"klCtxGetCurrent", V, [](Objects&) { return klCtxGetCurrent(nullptr); }},
      {"klCtxGetDevice", V, [](Objects&) { return klCtxGetDevice(nullptr); }},
      {"klCtxGetNativeHandle", V, [](Objects& o) { return klCtxGetNativeHandle(nullptr, o.ctx); }},
      {"klDevicePrimaryCtxRetain", V, [](Objects& o) { return klDevicePrimaryCtxRetain(nullptr, o.dev); }},
      {"klDevicePrimaryCtxGetState_flags", V, [](Objects& o) { int a; return klDevicePrimaryCtxGetState(o.dev, nullptr, &a); }},
      {"klDevicePrimaryCtxGetState_active", V, [](Objects& o) { unsigned f; return klDevicePrimaryCtxGetState(o.dev, &f, nullptr); }},
      {"klModuleLoad_module", V, [](Objects& o) { return klModuleLoad(nullptr, o.image_path.c_str()); }},
      {"klModuleLoad_fname", V, [](Objects&) { KLmodule m = nullptr; return Created(klModuleLoad(&m, nullptr), m); }},
      {"klModuleLoadData_module", V, [](Objects& o) { return klModuleLoadData(nullptr, o.image.data(), o.image.size()); }},
      {"klModuleLoadData_image", V, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadData(&m, nullptr, o.image.size()), m); }},
      {"klModuleLoadDataEx_module", V, [](Objects& o) { return klModuleLoadDataEx(nullptr, o.image.data(), o.image.size(), 0, nullptr, nullptr); }},
      {"klModuleLoadDataEx_options", V, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadDataEx(&m, o.image.data(), o.image.size(), 1, nullptr, nullptr), m); }},
      {"klModuleGetFunction_hfunc", V, [](Objects& o) { return klModuleGetFunction(nullptr, o.mod, "vec_add"); }},
      {"klModuleGetFunction_name", V, [](Objects& o) { KLfunction f; return klModuleGetFunction(&f, o.mod, nullptr); }},
      // Backends without module globals answer NOT_SUPPORTED (documented).
      {"klModuleGetGlobal_name", V, [](Objects& o) { KLdeviceptr d; size_t s; return klModuleGetGlobal(&d, &s, o.mod, nullptr); }, kNS},
      {"klModuleGetNativeHandle", V, [](Objects& o) { return klModuleGetNativeHandle(nullptr, o.mod); }},
      {"klLinkCreate", V, [](Objects&) { return klLinkCreate(0, nullptr, nullptr, nullptr); }, kNS},
      {"klFuncGetAttribute", V, [](Objects& o) { return klFuncGetAttribute(nullptr, KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, o.fn); }},
      {"klFuncGetParamCount", V, [](Objects& o) { return klFuncGetParamCount(o.fn, nullptr); }, kNS},
      {"klFuncGetNativeHandle", V, [](Objects& o) { return klFuncGetNativeHandle(nullptr, o.fn); }},
      {"klMemAlloc", V, [](Objects&) { return klMemAlloc(nullptr, 256); }},
      {"klMemHostAlloc", V, [](Objects&) { return klMemHostAlloc(nullptr, 256, 0); }},
      {"klMemHostRegister", V, [](Objects&) { return klMemHostRegister(nullptr, 4096, 0); }, kNS},
      {"klMemHostUnregister", V, [](Objects&) { return klMemHostUnregister(nullptr); }, kNS},
      {"klMemcpyHtoD", V, [](Objects& o) { return klMemcpyHtoD(o.buf, nullptr, 16); }},
      {"klMemcpyDtoH", V, [](Objects& o) { return klMemcpyDtoH(nullptr, o.buf, 16); }},
      {"klMemcpyHtoDAsync", V, [](Objects& o) { return klMemcpyHtoDAsync(o.buf, nullptr, 16, o.stream); }},
      {"klMemcpyDtoHAsync", V, [](Objects& o) { return klMemcpyDtoHAsync(nullptr, o.buf, 16, o.stream); }},
      {"klStreamCreate", V, [](Objects&) { return klStreamCreate(nullptr, 0); }},
      {"klStreamCreateWithPriority", V, [](Objects&) { return klStreamCreateWithPriority(nullptr, 0, 0); }},
      {"klStreamGetPriority", V, [](Objects& o) { return klStreamGetPriority(o.stream, nullptr); }},
      {"klStreamGetFlags", V, [](Objects& o) { return klStreamGetFlags(o.stream, nullptr); }},
      {"klLaunchHostFunc", V, [](Objects& o) { return klLaunchHostFunc(o.stream, nullptr, nullptr); }},
      {"klStreamGetNativeHandle", V, [](Objects& o) { return klStreamGetNativeHandle(nullptr, o.stream); }},
      {"klEventCreate", V, [](Objects&) { return klEventCreate(nullptr, 0); }},
      {"klEventElapsedTime", V, [](Objects& o) { return klEventElapsedTime(nullptr, o.event, o.event); }},
      {"klEventGetNativeHandle", V, [](Objects& o) { return klEventGetNativeHandle(nullptr, o.event); }},
  };
}
KC_INSTANTIATE_CASES(Error, NullOutput, ErrorCase, (NullOutputCases()));

// ---- out-of-range values, unknown flags, zero sizes, bad addresses ----------------

using BadValue = ErrorTable;
TEST_P(BadValue, Fails) { Run(); }

std::vector<ErrorCase> BadValueCases() {
  constexpr KLresult V = KL_ERROR_INVALID_VALUE;
  constexpr unsigned kBadFlags = 0x100;
  return {
      {"klInit_flags", V, [](Objects&) { return klInit(1); }},
      {"klDeviceGet_negative", KL_ERROR_INVALID_DEVICE, [](Objects&) { KLdevice d; return klDeviceGet(&d, -1); }},
      {"klDeviceGet_count", KL_ERROR_INVALID_DEVICE, [](Objects&) { int n = 0; klDeviceGetCount(&n); KLdevice d; return klDeviceGet(&d, n); }},
      {"klGetBackendProperties_negative", V, [](Objects&) { KLbackendProperties p; return klGetBackendProperties(&p, -1); }},
      {"klGetErrorName_unknown", V, [](Objects&) { const char* s; return klGetErrorName(static_cast<KLresult>(12345), &s); }},
      {"klGetErrorString_unknown", V, [](Objects&) { const char* s; return klGetErrorString(static_cast<KLresult>(12345), &s); }},
      {"klDeviceGetName_len0", V, [](Objects& o) { char n[8]; return klDeviceGetName(n, 0, o.dev); }},
      {"klDeviceGetName_lenNegative", V, [](Objects& o) { char n[8]; return klDeviceGetName(n, -1, o.dev); }},
      {"klDeviceGetPCIBusId_len0", V, [](Objects& o) { char b[8]; return klDeviceGetPCIBusId(b, 0, o.dev); }, kNS},
      {"klDeviceGetAttribute_invalid", V, [](Objects& o) { int v; return klDeviceGetAttribute(&v, KL_DEVICE_ATTRIBUTE_INVALID, o.dev); }},
      {"klDeviceGetAttribute_count", V, [](Objects& o) { int v; return klDeviceGetAttribute(&v, KL_DEVICE_ATTRIBUTE_COUNT_, o.dev); }},
      {"klDeviceGetAttribute_large", V, [](Objects& o) { int v; return klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(9999), o.dev); }},
      {"klDeviceGetAttribute_negative", V, [](Objects& o) { int v; return klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(-1), o.dev); }},
      {"klCtxCreate_flags", V, [](Objects& o) { KLcontext c = nullptr; return Created(klCtxCreate(&c, kBadFlags, o.dev), c); }},
      {"klDevicePrimaryCtxSetFlags_flags", V, [](Objects& o) { return klDevicePrimaryCtxSetFlags(o.dev, kBadFlags); }},
      {"klModuleLoad_missingFile", KL_ERROR_FILE_NOT_FOUND, [](Objects&) { KLmodule m = nullptr; return Created(klModuleLoad(&m, "/nonexistent/keel/no_such_module.bin"), m); }},
      {"klModuleLoadData_size0", KL_ERROR_INVALID_IMAGE, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadData(&m, o.image.data(), 0), m); }},
      {"klModuleLoadDataEx_size0", KL_ERROR_INVALID_IMAGE, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadDataEx(&m, o.image.data(), 0, 0, nullptr, nullptr), m); }},
      {"klModuleLoadDataEx_unknownOption", V, [](Objects& o) {
         KLjit_option opt = static_cast<KLjit_option>(999);
         void* val = nullptr;
         KLmodule m = nullptr;
         return Created(klModuleLoadDataEx(&m, o.image.data(), o.image.size(), 1, &opt, &val), m);
       }},
      {"klModuleGetFunction_unknown", KL_ERROR_NOT_FOUND, [](Objects& o) { KLfunction f; return klModuleGetFunction(&f, o.mod, "no_such_kernel"); }},
      {"klModuleGetFunction_empty", KL_ERROR_NOT_FOUND, [](Objects& o) { KLfunction f; return klModuleGetFunction(&f, o.mod, ""); }},
      {"klFuncGetAttribute_invalid", V, [](Objects& o) { int v; return klFuncGetAttribute(&v, KL_FUNC_ATTRIBUTE_INVALID, o.fn); }},
      {"klFuncGetAttribute_large", V, [](Objects& o) { int v; return klFuncGetAttribute(&v, static_cast<KLfunction_attribute>(99), o.fn); }},
      {"klFuncSetAttribute_readOnly", V, [](Objects& o) { return klFuncSetAttribute(o.fn, KL_FUNC_ATTRIBUTE_NUM_REGS, 1); }},
      {"klFuncSetAttribute_negative", V, [](Objects& o) { return klFuncSetAttribute(o.fn, kDynShared, -1); }},
      {"klFuncSetAttribute_overOptin", V, [](Objects& o) {
         int optin = 0;
         klDeviceGetAttribute(&optin, KL_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, o.dev);
         return klFuncSetAttribute(o.fn, kDynShared, optin + 1);
       }},
      {"klFuncGetParamInfo_index", V, [](Objects& o) { size_t off, size; return klFuncGetParamInfo(o.fn, 4, &off, &size); }, kNS},
      {"klMemAlloc_zero", V, [](Objects&) { KLdeviceptr p = 0; KLresult r = klMemAlloc(&p, 0); if (r == KL_SUCCESS) klMemFree(p); return r; }},
      {"klMemFree_interior", V, [](Objects& o) { return klMemFree(o.buf + 16); }},
      {"klMemFree_unknown", V, [](Objects&) { return klMemFree(0x7ead00000000ull); }},
      {"klMemGetAddressRange_unknown", KL_ERROR_NOT_FOUND, [](Objects&) { KLdeviceptr b; size_t s; return klMemGetAddressRange(&b, &s, 0x10); }},
      {"klMemHostAlloc_zero", V, [](Objects&) { void* p = nullptr; KLresult r = klMemHostAlloc(&p, 0, 0); if (r == KL_SUCCESS) klMemFreeHost(p); return r; }},
      {"klMemHostAlloc_flags", V, [](Objects&) { void* p = nullptr; KLresult r = klMemHostAlloc(&p, 64, kBadFlags); if (r == KL_SUCCESS) klMemFreeHost(p); return r; }},
      {"klMemFreeHost_foreign", V, [](Objects& o) { return klMemFreeHost(o.host.data()); }},
      {"klMemHostRegister_zero", V, [](Objects& o) { return klMemHostRegister(o.host.data(), 0, 0); }, kNS},
      {"klMemHostUnregister_notRegistered", KL_ERROR_HOST_MEMORY_NOT_REGISTERED, [](Objects& o) { return klMemHostUnregister(o.host.data()); }, kNS},
      {"klMemsetD16_misaligned", V, [](Objects& o) { return klMemsetD16(o.buf + 1, 0, 4); }},
      {"klMemsetD32_misaligned", V, [](Objects& o) { return klMemsetD32(o.buf + 2, 0, 4); }},
      {"klMemsetD16Async_misaligned", V, [](Objects& o) { return klMemsetD16Async(o.buf + 1, 0, 4, o.stream); }},
      {"klMemsetD32Async_misaligned", V, [](Objects& o) { return klMemsetD32Async(o.buf + 2, 0, 4, o.stream); }},
      {"klStreamCreate_flags", V, [](Objects&) { KLstream s = nullptr; return Created(klStreamCreate(&s, kBadFlags), s); }},
      {"klStreamCreateWithPriority_flags", V, [](Objects&) { KLstream s = nullptr; return Created(klStreamCreateWithPriority(&s, kBadFlags, 0), s); }},
      {"klStreamWaitEvent_flags", V, [](Objects& o) { return klStreamWaitEvent(o.stream, o.event, 1); }},
      {"klEventCreate_flags", V, [](Objects&) { KLevent e = nullptr; return Created(klEventCreate(&e, kBadFlags), e); }},
      {"klLaunchKernel_noArguments", V, [](Objects& o) { return klLaunchKernel(o.fn, 1, 1, 1, 1, 1, 1, 0, o.stream, nullptr, nullptr); }},
  };
}
KC_INSTANTIATE_CASES(Error, BadValue, ErrorCase, (BadValueCases()));

// ---- no current context -------------------------------------------------------------

using NoContext = ErrorTable;
TEST_P(NoContext, Fails) {
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  ASSERT_EQ(nullptr, kc::CurrentContext());
  Run();
  KC_EXPECT_OK(klCtxPushCurrent(ctx()));
}

std::vector<ErrorCase> NoContextCases() {
  constexpr KLresult C = KL_ERROR_INVALID_CONTEXT;
  return {
      {"klCtxPopCurrent", C, [](Objects&) { return klCtxPopCurrent(nullptr); }},
      {"klCtxGetDevice", C, [](Objects&) { KLdevice d; return klCtxGetDevice(&d); }},
      {"klCtxSynchronize", C, [](Objects&) { return klCtxSynchronize(); }},
      {"klCtxGetStreamPriorityRange", C, [](Objects&) { int a, b; return klCtxGetStreamPriorityRange(&a, &b); }},
      {"klModuleLoad", C, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoad(&m, o.image_path.c_str()), m); }},
      {"klModuleLoadData", C, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadData(&m, o.image.data(), o.image.size()), m); }},
      {"klModuleLoadDataEx", C, [](Objects& o) { KLmodule m = nullptr; return Created(klModuleLoadDataEx(&m, o.image.data(), o.image.size(), 0, nullptr, nullptr), m); }},
      {"klLinkCreate", C, [](Objects&) { KLlinkState s = nullptr; KLresult r = klLinkCreate(0, nullptr, nullptr, &s); if (r == KL_SUCCESS) klLinkDestroy(s); return r; }},
      {"klMemAlloc", C, [](Objects&) { KLdeviceptr p = 0; return klMemAlloc(&p, 256); }},
      {"klMemFree", C, [](Objects& o) { return klMemFree(o.buf); }},
      {"klMemGetInfo", C, [](Objects&) { size_t f, t; return klMemGetInfo(&f, &t); }},
      {"klMemGetAddressRange", C, [](Objects& o) { KLdeviceptr b; size_t s; return klMemGetAddressRange(&b, &s, o.buf); }},
      {"klMemHostAlloc", C, [](Objects&) { void* p = nullptr; return klMemHostAlloc(&p, 256, 0); }},
      {"klMemFreeHost", C, [](Objects& o) { return klMemFreeHost(o.host.data()); }},
      {"klMemHostRegister", C, [](Objects& o) { return klMemHostRegister(o.host.data(), o.host.size(), 0); }},
      {"klMemHostUnregister", C, [](Objects& o) { return klMemHostUnregister(o.host.data()); }},
      {"klMemcpyHtoD", C, [](Objects& o) { return klMemcpyHtoD(o.buf, o.host.data(), 16); }},
      {"klMemcpyDtoH", C, [](Objects& o) { return klMemcpyDtoH(o.host.data(), o.buf, 16); }},
      {"klMemcpyDtoD", C, [](Objects& o) { return klMemcpyDtoD(o.buf, o.buf + 64, 16); }},
      {"klMemcpyHtoDAsync", C, [](Objects& o) { return klMemcpyHtoDAsync(o.buf, o.host.data(), 16, nullptr); }},
      {"klMemcpyDtoHAsync", C, [](Objects& o) { return klMemcpyDtoHAsync(o.host.data(), o.buf, 16, nullptr); }},
      {"klMemcpyDtoDAsync", C, [](Objects& o) { return klMemcpyDtoDAsync(o.buf, o.buf + 64, 16, nullptr); }},
      {"klMemsetD8", C, [](Objects& o) { return klMemsetD8(o.buf, 1, 16); }},
      {"klMemsetD16", C, [](Objects& o) { return klMemsetD16(o.buf, 1, 8); }},
      {"klMemsetD32", C, [](Objects& o) { return klMemsetD32(o.buf, 1, 4); }},
      {"klMemsetD8Async", C, [](Objects& o) { return klMemsetD8Async(o.buf, 1, 16, nullptr); }},
      {"klMemsetD16Async", C, [](Objects& o) { return klMemsetD16Async(o.buf, 1, 8, nullptr); }},
      {"klMemsetD32Async", C, [](Objects& o) { return klMemsetD32Async(o.buf, 1, 4, nullptr); }},
      {"klStreamCreate", C, [](Objects&) { KLstream s = nullptr; return Created(klStreamCreate(&s, 0), s); }},
      {"klStreamCreateWithPriority", C, [](Objects&) { KLstream s = nullptr; return Created(klStreamCreateWithPriority(&s, 0, 0), s); }},
      {"klStreamSynchronize", C, [](Objects&) { return klStreamSynchronize(nullptr); }},
      {"klStreamQuery", C, [](Objects&) { return klStreamQuery(nullptr); }},
      {"klStreamWaitEvent", C, [](Objects& o) { return klStreamWaitEvent(nullptr, o.event, 0); }},
      {"klStreamGetPriority", C, [](Objects&) { int p; return klStreamGetPriority(nullptr, &p); }},
      {"klStreamGetFlags", C, [](Objects&) { unsigned f; return klStreamGetFlags(nullptr, &f); }},
      {"klLaunchHostFunc", C, [](Objects&) { return klLaunchHostFunc(nullptr, [](void*) {}, nullptr); }},
      {"klStreamGetNativeHandle", C, [](Objects&) { void* n; return klStreamGetNativeHandle(&n, nullptr); }},
      {"klEventCreate", C, [](Objects&) { KLevent e = nullptr; return Created(klEventCreate(&e, 0), e); }},
  };
}
KC_INSTANTIATE_CASES(Error, NoContext, ErrorCase, (NoContextCases()));

// ---- names and strings of every code --------------------------------------------------

struct CodeCase {
  std::string name;
  KLresult code;
};

#define KC_CODE(c) CodeCase{#c, c}
std::vector<CodeCase> AllCodes() {
  return {KC_CODE(KL_SUCCESS),
          KC_CODE(KL_ERROR_INVALID_VALUE),
          KC_CODE(KL_ERROR_OUT_OF_MEMORY),
          KC_CODE(KL_ERROR_NOT_INITIALIZED),
          KC_CODE(KL_ERROR_NO_BACKEND),
          KC_CODE(KL_ERROR_NO_DEVICE),
          KC_CODE(KL_ERROR_INVALID_DEVICE),
          KC_CODE(KL_ERROR_INVALID_IMAGE),
          KC_CODE(KL_ERROR_INVALID_CONTEXT),
          KC_CODE(KL_ERROR_NO_BINARY_FOR_DEVICE),
          KC_CODE(KL_ERROR_UNSUPPORTED_IMAGE_VERSION),
          KC_CODE(KL_ERROR_COMPILE_FAILED),
          KC_CODE(KL_ERROR_FILE_NOT_FOUND),
          KC_CODE(KL_ERROR_INVALID_HANDLE),
          KC_CODE(KL_ERROR_NOT_FOUND),
          KC_CODE(KL_ERROR_NOT_READY),
          KC_CODE(KL_ERROR_ILLEGAL_ADDRESS),
          KC_CODE(KL_ERROR_LAUNCH_OUT_OF_RESOURCES),
          KC_CODE(KL_ERROR_LAUNCH_TIMEOUT),
          KC_CODE(KL_ERROR_PRIMARY_CONTEXT_ACTIVE),
          KC_CODE(KL_ERROR_CONTEXT_IS_DESTROYED),
          KC_CODE(KL_ERROR_HOST_MEMORY_ALREADY_REGISTERED),
          KC_CODE(KL_ERROR_HOST_MEMORY_NOT_REGISTERED),
          KC_CODE(KL_ERROR_LAUNCH_FAILED),
          KC_CODE(KL_ERROR_NOT_PERMITTED),
          KC_CODE(KL_ERROR_NOT_SUPPORTED),
          KC_CODE(KL_ERROR_DEVICE_LOST),
          KC_CODE(KL_ERROR_UNKNOWN)};
}
#undef KC_CODE

using ErrorCode = kc::DeviceCaseTest<CodeCase>;

TEST_P(ErrorCode, NameAndString) {
  const char* name = nullptr;
  const char* text = nullptr;
  KC_ASSERT_OK(klGetErrorName(value().code, &name));
  KC_ASSERT_OK(klGetErrorString(value().code, &text));
  ASSERT_NE(nullptr, name);
  ASSERT_NE(nullptr, text);
  EXPECT_EQ(value().name, name);
  EXPECT_GT(std::strlen(text), 5u) << "a sentence describing the code";
  EXPECT_NE(value().name, text) << "the string should describe the code, not repeat its name";
}

KC_INSTANTIATE_CASES(Error, ErrorCode, CodeCase, (AllCodes()));

using ErrorMisc = kc::ContextTest;

TEST_P(ErrorMisc, UnknownCodeSetsNull) {
  const char* s = "untouched";
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klGetErrorName(static_cast<KLresult>(4242), &s));
  EXPECT_EQ(nullptr, s);
  s = "untouched";
  KC_EXPECT_RESULT(KL_ERROR_INVALID_VALUE, klGetErrorString(static_cast<KLresult>(4242), &s));
  EXPECT_EQ(nullptr, s);
}

TEST_P(ErrorMisc, NamesAreDistinct) {
  std::set<std::string> seen;
  for (const CodeCase& c : AllCodes()) {
    const char* name = nullptr;
    KC_ASSERT_OK(klGetErrorName(c.code, &name));
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
  }
}

TEST_P(ErrorMisc, LastErrorSurvivesSuccess) {
  KLdeviceptr p = 0;
  KC_ASSERT_RESULT(KL_ERROR_INVALID_VALUE, klMemAlloc(&p, 0));
  std::string failed = kc::LastError();
  EXPECT_FALSE(failed.empty());
  int count = 0;
  KC_ASSERT_OK(klDeviceGetCount(&count));
  EXPECT_EQ(failed, kc::LastError()) << "a successful call changed the last-error message";
}

TEST_P(ErrorMisc, LastErrorIsPerThread) {
  KLdevice d = nullptr;
  KC_ASSERT_RESULT(KL_ERROR_INVALID_DEVICE, klDeviceGet(&d, -7));
  std::string mine = kc::LastError();
  ASSERT_FALSE(mine.empty());
  std::string other_before, other_after;
  std::thread t([&] {
    const char* s = nullptr;
    klGetLastErrorMessage(&s);
    other_before = s ? s : "<null>";
    KLdeviceptr p = 0;
    klMemAlloc(&p, 16);  // no context on this thread
    klGetLastErrorMessage(&s);
    other_after = s ? s : "<null>";
  });
  t.join();
  EXPECT_EQ("", other_before) << "a new thread starts with an empty message";
  EXPECT_NE(std::string::npos, other_after.find("klMemAlloc")) << other_after;
  EXPECT_EQ(mine, kc::LastError()) << "another thread's failure changed this thread's message";
}

TEST_P(ErrorMisc, NoOutputWrittenOnFailure) {
  // Global rule: on failure no output parameter is written.
  auto poison = reinterpret_cast<KLdevice>(static_cast<uintptr_t>(0x1234));
  KLdevice d = poison;
  EXPECT_NE(KL_SUCCESS, klDeviceGet(&d, -1));
  EXPECT_EQ(poison, d);
  KLdeviceptr p = 0xABCD;
  EXPECT_NE(KL_SUCCESS, klMemAlloc(&p, 0));
  EXPECT_EQ(0xABCDu, p);
  KLstream s = reinterpret_cast<KLstream>(static_cast<uintptr_t>(0x5678));
  EXPECT_NE(KL_SUCCESS, klStreamCreate(&s, 0x100));
  EXPECT_EQ(reinterpret_cast<KLstream>(static_cast<uintptr_t>(0x5678)), s);
  KLmodule m = reinterpret_cast<KLmodule>(static_cast<uintptr_t>(0x9abc));
  EXPECT_NE(KL_SUCCESS, klModuleLoad(&m, "/nonexistent/keel/x.bin"));
  EXPECT_EQ(reinterpret_cast<KLmodule>(static_cast<uintptr_t>(0x9abc)), m);
}

KC_INSTANTIATE(Error, ErrorMisc);

}  // namespace
