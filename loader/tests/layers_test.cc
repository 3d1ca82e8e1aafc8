// Layers (KEEL_LAYERS) on the fake backends: off by default and then absent
// from the tables; the validation layer turning misuse into errors that name
// the call and the object, and reporting leaks; the trace layer's lines and
// summary; the chain trace -> validation -> backend.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <regex>
#include <thread>

#include "entry_points.h"
#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::Not;

// ---- helpers that run in the child -------------------------------------------------

KLcontext NewContext(int ordinal) {
  KLcontext ctx = nullptr;
  EXPECT_EQ(klCtxCreate(&ctx, 0, LoaderTest::Device(ordinal)), KL_SUCCESS) << LoaderTest::LastError();
  return ctx;
}
KLstream NewStream() {
  KLstream s = nullptr;
  EXPECT_EQ(klStreamCreate(&s, 0), KL_SUCCESS) << LoaderTest::LastError();
  return s;
}
KLevent NewEvent() {
  KLevent e = nullptr;
  EXPECT_EQ(klEventCreate(&e, 0), KL_SUCCESS) << LoaderTest::LastError();
  return e;
}
KLmodule NewModule() {
  KLmodule m = nullptr;
  const char image[] = "image";
  EXPECT_EQ(klModuleLoadData(&m, image, sizeof image), KL_SUCCESS) << LoaderTest::LastError();
  return m;
}
KLfunction NewFunction(KLmodule m, const char* name) {
  KLfunction f = nullptr;
  EXPECT_EQ(klModuleGetFunction(&f, m, name), KL_SUCCESS) << LoaderTest::LastError();
  return f;
}
KLdeviceptr NewMemory(size_t bytes) {
  KLdeviceptr p = 0;
  EXPECT_EQ(klMemAlloc(&p, bytes), KL_SUCCESS) << LoaderTest::LastError();
  return p;
}

// The fake backend's own object behind a handle (its native handle).
KeelFakeObject* Real(KLstream s) {
  void* n = nullptr;
  EXPECT_EQ(klStreamGetNativeHandle(&n, s), KL_SUCCESS) << LoaderTest::LastError();
  return LoaderTest::Fake(n);
}
KeelFakeObject* Real(KLevent e) {
  void* n = nullptr;
  EXPECT_EQ(klEventGetNativeHandle(&n, e), KL_SUCCESS) << LoaderTest::LastError();
  return LoaderTest::Fake(n);
}
KeelFakeObject* Real(KLmodule m) {
  void* n = nullptr;
  EXPECT_EQ(klModuleGetNativeHandle(&n, m), KL_SUCCESS) << LoaderTest::LastError();
  return LoaderTest::Fake(n);
}
KeelFakeObject* Real(KLcontext c) {
  void* n = nullptr;
  EXPECT_EQ(klCtxGetNativeHandle(&n, c), KL_SUCCESS) << LoaderTest::LastError();
  return LoaderTest::Fake(n);
}

std::string Hex(const void* p) {
  char text[32];
  std::snprintf(text, sizeof text, "%p", p);
  return text;
}
std::string Hex(KLdeviceptr p) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(p));
  return text;
}

// An `extra` list for a packed buffer of `size` bytes.
struct Extra {
  explicit Extra(size_t bytes) : size(bytes) {}
  void** get() { return list; }
  alignas(16) unsigned char buffer[64] = {};
  size_t size;
  void* list[5] = {KL_LAUNCH_PARAM_BUFFER_POINTER, buffer, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
};

KLresult Launch(KLfunction f, KLstream s, void** params, void** extra) {
  return klLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, params, extra);
}

// ---- layers off, layers on -------------------------------------------------------------

class Layers : public LoaderTest {};

TEST_F(Layers, OffByDefaultHandlesAndTablesAreTheBackends) {
  KEEL_CHILD(Env().Path({"alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLdevice dev = Device(0);
  const KLdispatchTable* loader_table = Fake(dev)->header.dispatch;
  const KLdispatchTable* own = Stats("alpha")->own_table;
  // Every slot the exported functions jump through is the backend's own.
  for (const EntryPoint& ep : AllEntryPoints()) {
    void (*mine)(), (*theirs)();
    std::memcpy(&mine, reinterpret_cast<const char*>(loader_table) + ep.offset, sizeof mine);
    std::memcpy(&theirs, reinterpret_cast<const char*>(own) + ep.offset, sizeof theirs);
    EXPECT_EQ(mine, theirs) << ep.name;
  }
  NewContext(0);
  KLstream s = NewStream();
  EXPECT_STREQ(Fake(s)->kind, "stream");  // the backend's object itself
  EXPECT_EQ(Real(s), Fake(s));
}

TEST_F(Layers, OnEverySlotTheBackendFillsRunsTheLayer) {
  KEEL_CHILD(Env().Path({"partial"}).Var("KEEL_LAYERS", "trace,validation").Var("KEEL_TRACE_FILE", "@TMP@/trace"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  const KLdispatchTable* loader_table = Fake(Device(0))->header.dispatch;
  const KLdispatchTable* own = Stats("partial")->own_table;
  for (const EntryPoint& ep : AllEntryPoints()) {
    void (*mine)(), (*theirs)();
    std::memcpy(&mine, reinterpret_cast<const char*>(loader_table) + ep.offset, sizeof mine);
    std::memcpy(&theirs, reinterpret_cast<const char*>(own) + ep.offset, sizeof theirs);
    if (theirs == nullptr)
      EXPECT_EQ(mine, nullptr) << ep.name << ": an empty slot must stay empty";
    else
      EXPECT_NE(mine, theirs) << ep.name << ": the layer is not in the table";
  }
  // An empty slot still answers NOT_SUPPORTED with the backend named.
  NewContext(0);
  EXPECT_EQ(klMemGetInfo(nullptr, nullptr), KL_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(LastError(), "klMemGetInfo: not supported by the partial backend");
}

TEST_F(Layers, UnknownNamesAreIgnoredWithAWarning) {
  KEEL_CHILD(Env().Path({"alpha"}).Var("KEEL_LAYERS", " bogus , validation").Log("warn"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_THAT(ReadFile(Tmp("keel.log")),
              HasSubstr("KEEL_LAYERS: unknown layer 'bogus' ignored (known: trace, validation)"));
  NewContext(0);
  KLstream s = NewStream();
  EXPECT_NE(Real(s), Fake(s)) << "validation is on: handles are wrapped";
}

TEST_F(Layers, KeelValidateIsAnAliasForValidation) {
  KEEL_CHILD(Env().Path({"alpha"}).Var("KEEL_VALIDATE", "1"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS);
  EXPECT_EQ(klStreamDestroy(s), KL_ERROR_INVALID_HANDLE);
}

TEST_F(Layers, KeelValidateZeroLeavesValidationOff) {
  KEEL_CHILD(Env().Path({"alpha"}).Var("KEEL_VALIDATE", "0"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  EXPECT_EQ(Real(s), Fake(s));
}

// ---- validation: handles -----------------------------------------------------------------

class Validation : public LoaderTest {
 protected:
  // alpha (devices 0, 1) and beta (devices 2, 3), validation on, a report file.
  static Env On() {
    return Env()
        .Path({"alpha", "beta"})
        .Backends("alpha,beta")
        .Var("KEEL_LAYERS", "validation")
        .Var("KEEL_VALIDATION_REPORT", "@TMP@/report");
  }
};

TEST_F(Validation, HandlesAreWrappedAndCallsReachTheBackendsObject) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLstream s = NewStream();
  KeelFakeObject* real = Real(s);
  EXPECT_NE(static_cast<void*>(real), static_cast<void*>(s));
  EXPECT_STREQ(real->kind, "stream");
  EXPECT_EQ(klStreamSynchronize(s), KL_SUCCESS) << LastError();
  EXPECT_STREQ(real->last_call, "klStreamSynchronize");
  EXPECT_EQ(real->last_ctx, nullptr);
  // A context-dispatched call gets the backend's context, not the wrapper.
  KeelFakeObject* real_ctx = Real(ctx);
  EXPECT_EQ(klCtxSynchronize(), KL_SUCCESS) << LastError();
  EXPECT_STREQ(real_ctx->last_call, "klCtxSynchronize");
  EXPECT_EQ(real_ctx->last_ctx, reinterpret_cast<KLcontext>(real_ctx));
  // The loader's stack holds what the application got.
  KLcontext current = nullptr;
  ASSERT_EQ(klCtxGetCurrent(&current), KL_SUCCESS);
  EXPECT_EQ(current, ctx);
  EXPECT_GE(real_ctx->made_current, 1u);
}

TEST_F(Validation, UseAfterDestroyIsInvalidHandleNamingCallAndHandle) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  KeelFakeObject* real = Real(s);
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS);
  const unsigned long calls = real->calls;
  EXPECT_EQ(klStreamSynchronize(s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), ContainsRegex("^klStreamSynchronize: validation: use after destroy: hStream " +
                                         RegexEscape(Hex(s)) +
                                         " \\(stream #[0-9]+, created by klStreamCreate\\) was "
                                         "destroyed by klStreamDestroy$"));
  EXPECT_EQ(real->calls, calls) << "the backend must not see a destroyed object";
  EXPECT_THAT(ReadFile(Tmp("report")), HasSubstr("klStreamSynchronize: validation: use after destroy"));
}

TEST_F(Validation, DoubleDestroyIsReportedAndTheBackendDestroysOnce) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  KLevent e = NewEvent();
  KLmodule m = NewModule();
  KLlinkState link = nullptr;
  ASSERT_EQ(klLinkCreate(0, nullptr, nullptr, &link), KL_SUCCESS);
  KeelFakeObject *rs = Real(s), *re = Real(e), *rm = Real(m);
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS);
  ASSERT_EQ(klEventDestroy(e), KL_SUCCESS);
  ASSERT_EQ(klModuleUnload(m), KL_SUCCESS);
  ASSERT_EQ(klLinkDestroy(link), KL_SUCCESS);
  const unsigned long calls[] = {rs->calls, re->calls, rm->calls};
  EXPECT_EQ(klStreamDestroy(s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), ContainsRegex("^klStreamDestroy: validation: double destroy: hStream " +
                                         RegexEscape(Hex(s)) + " \\(stream #[0-9]+, created by "
                                         "klStreamCreate\\) was already destroyed by klStreamDestroy$"));
  EXPECT_EQ(klEventDestroy(e), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klEventDestroy: validation: double destroy: hEvent"));
  EXPECT_EQ(klModuleUnload(m), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klModuleUnload: validation: double destroy: hmod"));
  EXPECT_EQ(klLinkDestroy(link), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klLinkDestroy: validation: double destroy: state"));
  EXPECT_EQ(rs->calls, calls[0]);
  EXPECT_EQ(re->calls, calls[1]);
  EXPECT_EQ(rm->calls, calls[2]);
}

TEST_F(Validation, AHandleOfAnotherTypeIsReportedWithBothTypes) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLstream s = NewStream();
  KLevent e = NewEvent();
  KeelFakeObject* re = Real(e);
  const unsigned long calls = re->calls;
  EXPECT_EQ(klStreamSynchronize(reinterpret_cast<KLstream>(e)), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), ContainsRegex("^klStreamSynchronize: validation: wrong handle type: hStream " +
                                         RegexEscape(Hex(e)) + " is an event \\(event #[0-9]+, "
                                         "created by klEventCreate\\), not a stream$"));
  EXPECT_EQ(re->calls, calls);
  EXPECT_EQ(klEventQuery(reinterpret_cast<KLevent>(s)), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("is a stream (stream #"));
  EXPECT_EQ(klModuleUnload(reinterpret_cast<KLmodule>(ctx)), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klModuleUnload: validation: wrong handle type: hmod " + Hex(ctx) +
                                     " is a context"));
  EXPECT_EQ(klStreamQuery(reinterpret_cast<KLstream>(Device(1))), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("wrong handle type: hStream " + Hex(Device(1)) +
                                     " is a device, not a stream"));
  char name[64];
  EXPECT_EQ(klDeviceGetName(name, sizeof name, reinterpret_cast<KLdevice>(s)), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klDeviceGetName: validation: wrong handle type: dev " + Hex(s) +
                                     " is a stream"));
  // A secondary handle parameter is checked as well.
  EXPECT_EQ(klStreamWaitEvent(s, reinterpret_cast<KLevent>(s), 0), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klStreamWaitEvent: validation: wrong handle type: hEvent"));
}

TEST_F(Validation, APointerThatIsNoHandleIsReportedBeforeAnythingReadsIt) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  // Garbage that survives the exported function's read of the header: a
  // copy of a real handle's first word, anywhere else.
  static KeelFakeObject forged;
  std::memcpy(&forged.header, reinterpret_cast<const void*>(s), sizeof forged.header);
  EXPECT_EQ(klStreamQuery(reinterpret_cast<KLstream>(&forged)), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klStreamQuery: validation: hStream " + Hex(&forged) +
                                     " is not a Keel handle"));
  EXPECT_EQ(forged.calls, 0u);
}

TEST_F(Validation, FunctionsDieWithTheirModule) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLmodule m = NewModule();
  KLfunction f = NewFunction(m, "kernel");
  KLfunction again = NewFunction(m, "kernel");
  EXPECT_NE(f, again) << "the fake makes a new function each time";
  int value = 0;
  EXPECT_EQ(klFuncGetAttribute(&value, KL_FUNC_ATTRIBUTE_NUM_REGS, f), KL_SUCCESS) << LastError();
  ASSERT_EQ(klModuleUnload(m), KL_SUCCESS);
  EXPECT_EQ(klFuncGetAttribute(&value, KL_FUNC_ATTRIBUTE_NUM_REGS, f), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), ContainsRegex("^klFuncGetAttribute: validation: use after destroy: hfunc " +
                                         RegexEscape(Hex(f)) + " \\(function #[0-9]+, created by "
                                         "klModuleGetFunction for 'kernel'\\) was destroyed by "
                                         "klModuleUnload of its module$"));
}

TEST_F(Validation, ContextDestroyReportsLeaksAndEndsItsObjects) {
  KEEL_CHILD(On().Log("warn"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLstream s = NewStream();
  KLdeviceptr p = NewMemory(100);
  KLmodule m = NewModule();
  NewFunction(m, "kernel");  // not a leak: it goes with its module
  ASSERT_EQ(klCtxDestroy(ctx), KL_SUCCESS) << LastError();
  const std::string report = ReadFile(Tmp("report"));
  const std::string at = "validation: leak at klCtxDestroy of context " + Hex(ctx) + ": ";
  EXPECT_THAT(report, ContainsRegex(RegexEscape(at) + "stream " + RegexEscape(Hex(s)) +
                                    " \\(stream #[0-9]+, created by klStreamCreate\\) was never destroyed"));
  EXPECT_THAT(report, ContainsRegex(RegexEscape(at) + "module " + RegexEscape(Hex(m)) +
                                    " \\(module #[0-9]+, created by klModuleLoadData\\) was never destroyed"));
  EXPECT_THAT(report, ContainsRegex(RegexEscape(at) + "device memory " + RegexEscape(Hex(p)) +
                                    " \\(100 bytes, #[0-9]+, made by klMemAlloc in context " +
                                    RegexEscape(Hex(ctx)) + "\\) was never freed"));
  EXPECT_THAT(report, Not(ContainsRegex("leak at [^\n]*: function "))) << report;
  // The creation backtrace follows each leak.
  EXPECT_THAT(report, ContainsRegex("never destroyed\n    #0 "));
  EXPECT_THAT(ReadFile(Tmp("keel.log")), HasSubstr("keel: warn: " + at + "stream"));
  // Its objects went with it.
  NewContext(1);
  EXPECT_EQ(klStreamQuery(s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("was destroyed by klCtxDestroy of their context"));
  EXPECT_EQ(klCtxDestroy(ctx), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klCtxDestroy: validation: double destroy: ctx " + Hex(ctx)));
}

TEST_F(Validation, ADestroyedCurrentContextIsContextIsDestroyed) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KeelFakeObject* real = Real(ctx);
  ASSERT_EQ(klCtxDestroy(ctx), KL_SUCCESS);
  const unsigned long made_current = real->made_current;
  ASSERT_EQ(klCtxPushCurrent(ctx), KL_SUCCESS);  // the loader's own function: not checked
  EXPECT_EQ(real->made_current, made_current) << "the backend must not be told";
  KLdeviceptr p = 0;
  EXPECT_EQ(klMemAlloc(&p, 64), KL_ERROR_CONTEXT_IS_DESTROYED);
  EXPECT_THAT(LastError(), ContainsRegex("^klMemAlloc: validation: use after destroy: the current context " +
                                         RegexEscape(Hex(ctx)) + " \\(context #[0-9]+, created by "
                                         "klCtxCreate\\) was destroyed by klCtxDestroy$"));
  EXPECT_THAT(ReadFile(Tmp("report")),
              HasSubstr("klCtxPushCurrent/klCtxSetCurrent/klCtxPopCurrent: validation: use after destroy: ctx " +
                        Hex(ctx)));
}

// ---- validation: memory -----------------------------------------------------------------------

TEST_F(Validation, CopiesAndFillsMustStayInsideTheirAllocation) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  KLdeviceptr a = NewMemory(4096), b = NewMemory(256);
  std::vector<char> host(8192);
  EXPECT_EQ(klMemcpyHtoD(a, host.data(), 4096), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemcpyHtoD(a + 4000, host.data(), 96), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemcpyHtoD(a + 4000, host.data(), 200), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), ContainsRegex("^klMemcpyHtoD: validation: out of range: dstDevice " +
                                         RegexEscape(Hex(a + 4000)) + " \\+ 200 bytes runs 104 bytes past "
                                         "the end of device memory " + RegexEscape(Hex(a)) +
                                         " \\(4096 bytes, #[0-9]+, made by klMemAlloc\\)$"));
  EXPECT_EQ(klMemcpyDtoH(host.data(), b, 257), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyDtoH: validation: out of range: srcDevice"));
  EXPECT_EQ(klMemcpyDtoD(a, b, 300), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyDtoD: validation: out of range: srcDevice " + Hex(b)));
  EXPECT_EQ(klMemcpyDtoDAsync(b, a, 300, s), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyDtoDAsync: validation: out of range: dstDevice " + Hex(b)));
  EXPECT_EQ(klMemsetD32(a, 0, 1024), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemsetD32(a, 0, 1025), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("+ 4100 bytes runs 4 bytes past the end"));
  EXPECT_EQ(klMemsetD16Async(b + 2, 0, 128, s), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemsetD16Async: validation: out of range"));
  EXPECT_EQ(klMemsetD8Async(b, 0, 256, nullptr), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemsetD32(a, 0, SIZE_MAX / 2), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("overflow"));
  EXPECT_EQ(klMemcpyHtoD(a + 4096, host.data(), 0), KL_SUCCESS) << "0 bytes is a no-op";
}

TEST_F(Validation, UseAfterFreeAndDoubleFreeOfDeviceMemory) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLdeviceptr p = NewMemory(512);
  ASSERT_EQ(klMemFree(p), KL_SUCCESS);
  const unsigned long calls = Real(ctx)->calls;
  EXPECT_EQ(klMemFree(p), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), ContainsRegex("^klMemFree: validation: double free: dptr " + RegexEscape(Hex(p)) +
                                         " is device memory " + RegexEscape(Hex(p)) +
                                         " \\(512 bytes, #[0-9]+, made by klMemAlloc\\) that was freed "
                                         "by klMemFree$"));
  EXPECT_EQ(Real(ctx)->calls, calls + 1) << "only the klCtxGetNativeHandle of Real()";
  char host[16];
  EXPECT_EQ(klMemcpyDtoH(host, p + 8, sizeof host), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyDtoH: validation: use after free: srcDevice " + Hex(p + 8) +
                                     " lies in device memory " + Hex(p)));
}

TEST_F(Validation, FreeTakesTheStartOfAnAllocation) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLdeviceptr p = NewMemory(512);
  EXPECT_EQ(klMemFree(p + 16), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemFree: validation: dptr " + Hex(p + 16) +
                                     " is 16 bytes into device memory " + Hex(p)));
  EXPECT_EQ(klMemFree(p), KL_SUCCESS);
}

TEST_F(Validation, MemoryIsUsedInTheContextThatAllocatedIt) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = NewContext(0);
  KLdeviceptr p = NewMemory(256);
  KLcontext b = NewContext(1);  // same backend, now current
  char host[16];
  EXPECT_EQ(klMemcpyHtoD(p, host, sizeof host), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyHtoD: validation: wrong context: dstDevice " + Hex(p) +
                                     " lies in device memory of context " + Hex(a)));
  EXPECT_THAT(LastError(), HasSubstr("but the call runs in context " + Hex(b)));
  EXPECT_EQ(klMemFree(p), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemFree: validation: wrong context"));
  ASSERT_EQ(klCtxPushCurrent(a), KL_SUCCESS);
  EXPECT_EQ(klMemFree(p), KL_SUCCESS) << LastError();
}

TEST_F(Validation, AddressesKeelNeverHandedOutArePassedOn) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  char host[16];
  // Native interop (memory allocated through a native handle) is allowed.
  EXPECT_EQ(klMemcpyHtoD(0x1234500, host, sizeof host), KL_SUCCESS) << LastError();
}

TEST_F(Validation, PinnedHostMemory) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  void* pinned = nullptr;
  ASSERT_EQ(klMemHostAlloc(&pinned, 100, 0), KL_SUCCESS);
  KLdeviceptr d = NewMemory(4096);
  EXPECT_EQ(klMemcpyHtoD(d, pinned, 100), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemcpyHtoD(d, pinned, 101), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemcpyHtoD: validation: out of range: srcHost " + Hex(pinned) +
                                     " + 101 bytes runs 1 bytes past the end of pinned host memory"));
  EXPECT_EQ(klMemFreeHost(static_cast<char*>(pinned) + 4), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("is 4 bytes into pinned host memory"));
  ASSERT_EQ(klMemFreeHost(pinned), KL_SUCCESS);
  EXPECT_EQ(klMemFreeHost(pinned), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klMemFreeHost: validation: double free: p " + Hex(pinned)));
}

TEST_F(Validation, ModuleGlobalsAreCheckedAndGoWithTheirModule) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLmodule m = NewModule();
  KLdeviceptr g = 0;
  ASSERT_EQ(klModuleGetGlobal(&g, nullptr, m, "g_values"), KL_SUCCESS);  // size asked by the layer
  char host[512];
  EXPECT_EQ(klMemcpyHtoD(g, host, 256), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemcpyHtoD(g, host, 257), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("past the end of module global " + Hex(g)));
  EXPECT_EQ(klMemFree(g), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("is a global of module " + Hex(m)));
  ASSERT_EQ(klModuleUnload(m), KL_SUCCESS);
  EXPECT_EQ(klMemcpyHtoD(g, host, 4), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("use after free: dstDevice " + Hex(g)));
  EXPECT_THAT(LastError(), HasSubstr("freed by klModuleUnload"));
}

// ---- validation: launches and contexts of objects --------------------------------------------

TEST_F(Validation, LaunchArgumentSizeIsCheckedAgainstTheParameterInfo) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLfunction f = NewFunction(NewModule(), "args:8,8,4");  // 20 bytes, 24 with tail padding
  for (size_t ok : {20, 24}) {
    Extra extra(ok);
    EXPECT_EQ(Launch(f, nullptr, nullptr, extra.get()), KL_SUCCESS) << ok << ": " << LastError();
  }
  for (size_t bad : {16, 28}) {
    Extra extra(bad);
    EXPECT_EQ(Launch(f, nullptr, nullptr, extra.get()), KL_ERROR_INVALID_VALUE) << bad;
    EXPECT_THAT(LastError(), ContainsRegex("^klLaunchKernel: validation: wrong argument size: the extra "
                                           "buffer holds " + std::to_string(bad) + " bytes, but f " +
                                           RegexEscape(Hex(f)) + " \\(function #[0-9]+, created by "
                                           "klModuleGetFunction for 'args:8,8,4'\\) takes 3 parameter\\(s\\) "
                                           "in 20 to 24 bytes \\(klFuncGetParamInfo\\)$"));
  }
  int x = 0;
  void* params[] = {&x, &x, &x};
  EXPECT_EQ(Launch(f, nullptr, params, nullptr), KL_SUCCESS) << LastError();
  params[2] = nullptr;
  EXPECT_EQ(Launch(f, nullptr, params, nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_THAT(LastError(), HasSubstr("klLaunchKernel: validation: kernelParams[2] is NULL, but f " + Hex(f)));
}

TEST_F(Validation, LaunchesOfKernelsWithoutParameterInfoAreLeftToTheBackend) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLfunction f = NewFunction(NewModule(), "noinfo");
  EXPECT_EQ(klMemAlloc(nullptr, 0), KL_ERROR_INVALID_VALUE);
  const std::string before = LastError();
  Extra extra(3);
  EXPECT_EQ(Launch(f, nullptr, nullptr, extra.get()), KL_SUCCESS) << LastError();
  // The layer's failed parameter query did not replace the caller's message.
  EXPECT_EQ(LastError(), before);
}

TEST_F(Validation, ObjectsAreUsedWithTheirOwnContext) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = NewContext(0);
  KLfunction f = NewFunction(NewModule(), "args:4");
  KLevent e = NewEvent();
  KLcontext b = NewContext(1);
  KLstream s = NewStream();
  Extra extra(4);
  EXPECT_EQ(Launch(f, s, nullptr, extra.get()), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klLaunchKernel: validation: wrong context: hStream " + Hex(s) +
                                     " (stream #"));
  EXPECT_THAT(LastError(), HasSubstr("belongs to context " + Hex(b) + ", but f " + Hex(f)));
  EXPECT_THAT(LastError(), HasSubstr("to context " + Hex(a)));
  EXPECT_EQ(klEventRecord(e, s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(LastError(), HasSubstr("klEventRecord: validation: wrong context: hStream " + Hex(s)));
  EXPECT_EQ(klEventRecord(e, nullptr), KL_SUCCESS) << LastError();
}

TEST_F(Validation, PrimaryContextObjectsEndAtTheLastRelease) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext p = nullptr, again = nullptr;
  ASSERT_EQ(klDevicePrimaryCtxRetain(&p, Device(0)), KL_SUCCESS);
  ASSERT_EQ(klDevicePrimaryCtxRetain(&again, Device(0)), KL_SUCCESS);
  EXPECT_EQ(p, again) << "one handle per primary context";
  ASSERT_EQ(klCtxPushCurrent(p), KL_SUCCESS);
  KLstream s = NewStream();
  ASSERT_EQ(klDevicePrimaryCtxRelease(Device(0)), KL_SUCCESS);
  EXPECT_EQ(klStreamQuery(s), KL_SUCCESS) << "still retained once: " << LastError();
  ASSERT_EQ(klDevicePrimaryCtxRelease(Device(0)), KL_SUCCESS);
  EXPECT_EQ(klStreamQuery(s), KL_ERROR_INVALID_HANDLE);
  EXPECT_THAT(ReadFile(Tmp("report")),
              HasSubstr("validation: leak at klDevicePrimaryCtxRelease of primary context " + Hex(p) +
                        ": stream " + Hex(s)));
}

TEST_F(Validation, HandlesOfTwoBackendsWorkSideBySide) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = NewContext(0);
  KLstream sa = NewStream();
  KLcontext b = NewContext(2);  // beta
  KLstream sb = NewStream();
  EXPECT_EQ(Real(sa)->last_call_by, Fake(Device(0))->header.dispatch);
  EXPECT_EQ(Real(sb)->last_call_by, Fake(Device(2))->header.dispatch);
  EXPECT_EQ(klStreamSynchronize(sa), KL_SUCCESS);
  EXPECT_EQ(klStreamSynchronize(sb), KL_SUCCESS);
  EXPECT_EQ(klCtxDestroy(b), KL_SUCCESS);
  EXPECT_EQ(klCtxDestroy(a), KL_SUCCESS);
  EXPECT_THAT(ReadFile(Tmp("report")), HasSubstr("klCtxDestroy of context " + Hex(b) + ": stream " + Hex(sb)));
}

TEST_F(Validation, ManyThreadsGetNoFalseReports) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      if (klCtxPushCurrent(ctx) != KL_SUCCESS) ++failures;
      char host[64] = {};
      for (int i = 0; i < 200; ++i) {
        KLstream s = nullptr;
        KLevent e = nullptr;
        KLdeviceptr p = 0;
        bool ok = klStreamCreate(&s, 0) == KL_SUCCESS && klEventCreate(&e, 0) == KL_SUCCESS &&
                  klMemAlloc(&p, 64) == KL_SUCCESS && klMemcpyHtoDAsync(p, host, 64, s) == KL_SUCCESS &&
                  klEventRecord(e, s) == KL_SUCCESS && klStreamWaitEvent(nullptr, e, 0) == KL_SUCCESS &&
                  klMemFree(p) == KL_SUCCESS && klEventDestroy(e) == KL_SUCCESS &&
                  klStreamDestroy(s) == KL_SUCCESS;
        if (!ok) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << LastError();
  EXPECT_EQ(ReadFile(Tmp("report")), "");
}

// Leaks at exit: the child leaks and exits; the parent reads the report.
TEST_F(Validation, LeaksAtExitAreReportedWithWhereTheyWereMade) {
  if (RunInChild(On())) {
    if (HasFailure()) return;
    const std::string report = ReadFile(Tmp("report"));
    EXPECT_THAT(report, ContainsRegex("validation: leak at exit: context 0x[0-9a-f]+ \\(context #1, "
                                      "created by klCtxCreate\\) was never destroyed\n    #0 "));
    EXPECT_THAT(report, ContainsRegex("validation: leak at exit: stream 0x[0-9a-f]+ \\(stream #2, "
                                      "created by klStreamCreate\\) was never destroyed"));
    EXPECT_THAT(report, ContainsRegex("validation: leak at exit: event 0x[0-9a-f]+ \\(event #3, "
                                      "created by klEventCreate\\) was never destroyed"));
    EXPECT_THAT(report, ContainsRegex("validation: leak at exit: device memory 0x[0-9a-f]+ \\(64 bytes, "
                                      "#4, made by klMemAlloc in context 0x[0-9a-f]+\\) was never freed"));
    EXPECT_THAT(report, ContainsRegex("validation: leak at exit: pinned host memory 0x[0-9a-f]+ \\(32 "
                                      "bytes, #5, made by klMemHostAlloc\\) was never freed"));
    EXPECT_THAT(report, Not(HasSubstr("(stream #6")));  // the destroyed stream
    EXPECT_THAT(report, HasSubstr("validation: summary: 0 error(s), 5 leak(s)\n"));
    return;
  }
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  NewStream();
  NewEvent();
  NewMemory(64);
  void* pinned = nullptr;
  ASSERT_EQ(klMemHostAlloc(&pinned, 32, 0), KL_SUCCESS);
  ASSERT_EQ(klStreamDestroy(NewStream()), KL_SUCCESS);
}

TEST_F(Validation, ACleanRunReportsOnlyTheSummary) {
  if (RunInChild(On())) {
    if (HasFailure()) return;
    EXPECT_EQ(ReadFile(Tmp("report")), "validation: summary: 0 error(s), 0 leak(s)\n");
    return;
  }
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLstream s = NewStream();
  KLdeviceptr p = NewMemory(64);
  ASSERT_EQ(klMemFree(p), KL_SUCCESS);
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS);
  ASSERT_EQ(klCtxDestroy(ctx), KL_SUCCESS);
}

// ---- trace ------------------------------------------------------------------------------------

class Trace : public LoaderTest {
 protected:
  static Env On(const std::string& layers = "trace") {
    return Env().Path({"alpha"}).Var("KEEL_LAYERS", layers).Var("KEEL_TRACE_FILE", "@TMP@/trace");
  }
};

TEST_F(Trace, OneLinePerCallWithArgumentsResultAndDuration) {
  KEEL_CHILD(On());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = NewContext(0);
  KLdeviceptr p = NewMemory(4096);
  KLstream s = NewStream();
  char host[16];
  ASSERT_EQ(klMemcpyDtoHAsync(host, p, sizeof host, s), KL_SUCCESS);
  KLmodule m = NewModule();
  KLfunction f = NewFunction(m, "args:4");
  char name[64];
  ASSERT_EQ(klDeviceGetName(name, sizeof name, Device(1)), KL_SUCCESS);
  EXPECT_EQ(klFuncGetParamInfo(f, 3, nullptr, nullptr), KL_ERROR_INVALID_VALUE);
  const std::string trace = ReadFile(Tmp("trace"));
  const std::string line = "keel-trace: [0-9]+ ";
  const std::string took = " \\([0-9]+\\.[0-9]{3} us\\)\n";
  EXPECT_THAT(trace, ContainsRegex(line + "klCtxCreate\\(pctx=0x[0-9a-f]+ -> " + RegexEscape(Hex(ctx)) +
                                   ", flags=0, dev=" + RegexEscape(Hex(Device(0))) + "\\) = KL_SUCCESS" + took));
  EXPECT_THAT(trace, ContainsRegex(line + "klMemAlloc\\(ctx=" + RegexEscape(Hex(ctx)) + ", dptr=0x[0-9a-f]+ -> " +
                                   RegexEscape(Hex(p)) + ", bytesize=4096\\) = KL_SUCCESS" + took));
  EXPECT_THAT(trace, ContainsRegex(line + "klMemcpyDtoHAsync\\(ctx=NULL, dstHost=" + RegexEscape(Hex(host)) +
                                   ", srcDevice=" + RegexEscape(Hex(p)) + ", ByteCount=16, hStream=" +
                                   RegexEscape(Hex(s)) + "\\) = KL_SUCCESS" + took));
  EXPECT_THAT(trace, ContainsRegex(line + "klModuleLoadData\\(ctx=" + RegexEscape(Hex(ctx)) +
                                   ", module=0x[0-9a-f]+ -> " + RegexEscape(Hex(m)) + ", image=0x[0-9a-f]+, size=6\\)"));
  EXPECT_THAT(trace, ContainsRegex(line + "klModuleGetFunction\\(hfunc=0x[0-9a-f]+ -> " + RegexEscape(Hex(f)) +
                                   ", hmod=" + RegexEscape(Hex(m)) + ", name=\"args:4\"\\) = KL_SUCCESS"));
  EXPECT_THAT(trace, ContainsRegex(line + "klDeviceGetName\\(name=0x[0-9a-f]+ -> \"alpha device 1\", len=64, dev=" +
                                   RegexEscape(Hex(Device(1))) + "\\) = KL_SUCCESS"));
  EXPECT_THAT(trace, ContainsRegex(line + "klFuncGetParamInfo\\(hfunc=" + RegexEscape(Hex(f)) +
                                   ", paramIndex=3, paramOffset=NULL, paramSize=NULL\\) = "
                                   "KL_ERROR_INVALID_VALUE" + took));
}

TEST_F(Trace, SummaryAtExitCountsCallsErrorsAndTime) {
  if (RunInChild(On())) {
    if (HasFailure()) return;
    const std::string trace = ReadFile(Tmp("trace"));
    EXPECT_THAT(trace, ContainsRegex("keel-trace: summary: 7 calls of 3 entry points, [0-9]+\\.[0-9]{3} ms in Keel\n"));
    EXPECT_THAT(trace, ContainsRegex("keel-trace: summary: +calls +errors +total ms +mean us  entry point\n"));
    EXPECT_THAT(trace, ContainsRegex("keel-trace: summary: +5 +0 +[0-9]+\\.[0-9]{3} +[0-9]+\\.[0-9]{3}  klStreamCreate\n"));
    EXPECT_THAT(trace, ContainsRegex("keel-trace: summary: +1 +1 +[0-9.]+ +[0-9.]+  klMemAlloc\n"));
    EXPECT_THAT(trace, ContainsRegex("keel-trace: summary: +1 +0 +[0-9.]+ +[0-9.]+  klCtxCreate\n"));
    return;
  }
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  for (int i = 0; i < 5; ++i) NewStream();
  EXPECT_EQ(klMemAlloc(nullptr, 0), KL_ERROR_INVALID_VALUE);
}

TEST_F(Trace, SeesTheValidationLayerBelowIt) {
  KEEL_CHILD(On("validation,trace"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  KLstream s = NewStream();
  ASSERT_EQ(klStreamDestroy(s), KL_SUCCESS);
  EXPECT_EQ(klStreamQuery(s), KL_ERROR_INVALID_HANDLE);
  // The application's handle, and the validation layer's verdict.
  EXPECT_THAT(ReadFile(Tmp("trace")),
              ContainsRegex("klStreamQuery\\(ctx=NULL, hStream=" + RegexEscape(Hex(s)) +
                            "\\) = KL_ERROR_INVALID_HANDLE"));
}

TEST_F(Trace, WritesToStderrByDefault) {
  KEEL_CHILD(Env().Path({"alpha"}).Var("KEEL_LAYERS", "trace"));
  const std::string file = Tmp("stderr");
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_GE(dup2(fd, 2), 0);
  close(fd);
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  NewContext(0);
  EXPECT_THAT(ReadFile(file), ContainsRegex("keel-trace: [0-9]+ klCtxCreate\\("));
}

}  // namespace
}  // namespace keel::test
