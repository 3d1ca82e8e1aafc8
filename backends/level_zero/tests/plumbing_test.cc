// Plumbing test of the level_zero backend on the Level Zero project's null
// driver (libze_null.so.1 from Debian's level-zero source, built by
// scripts/build-ze-null-driver.sh), through the public Keel API.
//
// What it checks: every entry point of the backend runs against a real Level
// Zero loader with the validation layer on (ZE_ENABLE_VALIDATION_LAYER=1,
// ZE_ENABLE_PARAMETER_VALIDATION=1), and
//   - no Level Zero call the backend makes fails (the validation layer of
//     loader 1.8 reports every violation as the call's result, which the
//     tracing layer shows us: zero non-success results);
//   - nothing leaks: every context, command list, event pool, event, module,
//     build log, kernel and allocation the backend creates is destroyed
//     (create and destroy calls counted by the tracing layer).
// What it does NOT check: results. The null driver executes nothing (copies,
// fills and kernels are no-ops; events are always signalled), so no value
// read back here means anything; the PoCL test checks the kernels' results.
//
// The ctest entry sets the environment (KEEL_BACKENDS=level_zero,
// ZE_ENABLE_NULL_DRIVER=1, the layers, LD_LIBRARY_PATH to the null driver).
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <level_zero/layers/zel_tracing_api.h>
#include <level_zero/ze_api.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// ---- what the tracing layer saw ---------------------------------------------

std::mutex g_mu;
std::map<std::string, long> g_live;              // object kind -> created - destroyed
std::map<std::string, long> g_calls;             // call name -> count
std::vector<std::string> g_failures;             // "call: result"

void Record(const char* call, ze_result_t r, bool not_ready_ok = false) {
  std::lock_guard<std::mutex> lock(g_mu);
  ++g_calls[call];
  if (r != ZE_RESULT_SUCCESS && !(not_ready_ok && r == ZE_RESULT_NOT_READY)) {
    char text[160];
    std::snprintf(text, sizeof text, "%s: 0x%x", call, static_cast<unsigned>(r));
    g_failures.push_back(text);
  }
}

void Live(const char* kind, long delta) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_live[kind] += delta;
}

// One typed epilogue per traced function (the callback signatures differ only
// in their params struct).
#define KEEL_TRACE(Group, Fn, Params, Body)                                        \
  cbs.Group.pfn##Fn##Cb = [](Params* p, ze_result_t r, void*, void**) {            \
    (void)p;                                                                       \
    Record(#Group "." #Fn, r);                                                     \
    Body;                                                                          \
  };

zel_tracer_handle_t InstallTracer() {
  zel_tracer_desc_t desc{};
  desc.stype = ZEL_STRUCTURE_TYPE_TRACER_EXP_DESC;
  zel_tracer_handle_t tracer = nullptr;
  if (zelTracerCreate(&desc, &tracer) != ZE_RESULT_SUCCESS) return nullptr;
  static zel_core_callbacks_t cbs{};
  KEEL_TRACE(Driver, Get, ze_driver_get_params_t, {})
  KEEL_TRACE(Driver, GetApiVersion, ze_driver_get_api_version_params_t, {})
  KEEL_TRACE(Driver, GetProperties, ze_driver_get_properties_params_t, {})
  KEEL_TRACE(Device, Get, ze_device_get_params_t, {})
  KEEL_TRACE(Device, GetProperties, ze_device_get_properties_params_t, {})
  KEEL_TRACE(Device, GetComputeProperties, ze_device_get_compute_properties_params_t, {})
  KEEL_TRACE(Device, GetModuleProperties, ze_device_get_module_properties_params_t, {})
  KEEL_TRACE(Device, GetMemoryProperties, ze_device_get_memory_properties_params_t, {})
  KEEL_TRACE(Device, GetCommandQueueGroupProperties,
             ze_device_get_command_queue_group_properties_params_t, {})
  KEEL_TRACE(Context, Create, ze_context_create_params_t, if (r == ZE_RESULT_SUCCESS) Live("context", 1))
  KEEL_TRACE(Context, Destroy, ze_context_destroy_params_t, if (r == ZE_RESULT_SUCCESS) Live("context", -1))
  KEEL_TRACE(CommandList, CreateImmediate, ze_command_list_create_immediate_params_t,
             if (r == ZE_RESULT_SUCCESS) Live("command list", 1))
  KEEL_TRACE(CommandList, Destroy, ze_command_list_destroy_params_t,
             if (r == ZE_RESULT_SUCCESS) Live("command list", -1))
  KEEL_TRACE(CommandList, AppendBarrier, ze_command_list_append_barrier_params_t, {})
  KEEL_TRACE(CommandList, AppendMemoryCopy, ze_command_list_append_memory_copy_params_t, {})
  KEEL_TRACE(CommandList, AppendMemoryFill, ze_command_list_append_memory_fill_params_t, {})
  KEEL_TRACE(CommandList, AppendLaunchKernel, ze_command_list_append_launch_kernel_params_t, {})
  KEEL_TRACE(CommandList, AppendSignalEvent, ze_command_list_append_signal_event_params_t, {})
  KEEL_TRACE(CommandList, AppendWaitOnEvents, ze_command_list_append_wait_on_events_params_t, {})
  KEEL_TRACE(CommandList, AppendWriteGlobalTimestamp,
             ze_command_list_append_write_global_timestamp_params_t, {})
  KEEL_TRACE(EventPool, Create, ze_event_pool_create_params_t, if (r == ZE_RESULT_SUCCESS) Live("event pool", 1))
  KEEL_TRACE(EventPool, Destroy, ze_event_pool_destroy_params_t,
             if (r == ZE_RESULT_SUCCESS) Live("event pool", -1))
  KEEL_TRACE(Event, Create, ze_event_create_params_t, if (r == ZE_RESULT_SUCCESS) Live("event", 1))
  KEEL_TRACE(Event, Destroy, ze_event_destroy_params_t, if (r == ZE_RESULT_SUCCESS) Live("event", -1))
  KEEL_TRACE(Event, HostSignal, ze_event_host_signal_params_t, {})
  KEEL_TRACE(Event, HostSynchronize, ze_event_host_synchronize_params_t, {})
  KEEL_TRACE(Event, HostReset, ze_event_host_reset_params_t, {})
  cbs.Event.pfnQueryStatusCb = [](ze_event_query_status_params_t*, ze_result_t r, void*, void**) {
    Record("Event.QueryStatus", r, /*not_ready_ok=*/true);
  };
  KEEL_TRACE(Module, Create, ze_module_create_params_t, {
    if (r == ZE_RESULT_SUCCESS) Live("module", 1);
    if (*p->pphBuildLog != nullptr && **p->pphBuildLog != nullptr) Live("build log", 1);
  })
  KEEL_TRACE(Module, Destroy, ze_module_destroy_params_t, if (r == ZE_RESULT_SUCCESS) Live("module", -1))
  KEEL_TRACE(Module, GetGlobalPointer, ze_module_get_global_pointer_params_t, {})
  KEEL_TRACE(ModuleBuildLog, GetString, ze_module_build_log_get_string_params_t, {})
  KEEL_TRACE(ModuleBuildLog, Destroy, ze_module_build_log_destroy_params_t,
             if (r == ZE_RESULT_SUCCESS) Live("build log", -1))
  KEEL_TRACE(Kernel, Create, ze_kernel_create_params_t, if (r == ZE_RESULT_SUCCESS) Live("kernel", 1))
  KEEL_TRACE(Kernel, Destroy, ze_kernel_destroy_params_t, if (r == ZE_RESULT_SUCCESS) Live("kernel", -1))
  KEEL_TRACE(Kernel, SetGroupSize, ze_kernel_set_group_size_params_t, {})
  KEEL_TRACE(Kernel, SetArgumentValue, ze_kernel_set_argument_value_params_t, {})
  KEEL_TRACE(Kernel, GetProperties, ze_kernel_get_properties_params_t, {})
  KEEL_TRACE(Mem, AllocDevice, ze_mem_alloc_device_params_t, if (r == ZE_RESULT_SUCCESS) Live("allocation", 1))
  KEEL_TRACE(Mem, AllocHost, ze_mem_alloc_host_params_t, if (r == ZE_RESULT_SUCCESS) Live("allocation", 1))
  KEEL_TRACE(Mem, Free, ze_mem_free_params_t, if (r == ZE_RESULT_SUCCESS) Live("allocation", -1))
  if (zelTracerSetEpilogues(tracer, &cbs) != ZE_RESULT_SUCCESS ||
      zelTracerSetEnabled(tracer, true) != ZE_RESULT_SUCCESS)
    return nullptr;
  return tracer;
}

// ---- helpers -----------------------------------------------------------------

std::string LastError() {
  const char* text = nullptr;
  klGetLastErrorMessage(&text);
  return text ? text : "";
}

#define OK(call) ASSERT_EQ((call), KL_SUCCESS) << #call << ": " << LastError()
#define EXPECT_CODE(code, call) EXPECT_EQ((call), (code)) << #call << ": " << LastError()

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

std::string KernelPath(const char* module) {
  return std::string(KEEL_ZE_KERNEL_DIR) + "/" + module + ".ze.spv";
}

std::atomic<int> g_host_calls{0};
void HostCallback(void* data) {
  ++*static_cast<std::atomic<int>*>(data);
}

class NullDriver : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::printf("[ NOTE     ] Level Zero null driver: results are not expected to hold (it executes "
                "nothing); checked: every entry point succeeds, zero validation errors, no leaks\n");
    // zeInit first, so the tracer sees the backend's every call from klInit on.
    init_result_ = zeInit(ZE_INIT_FLAG_GPU_ONLY);
    if (init_result_ == ZE_RESULT_SUCCESS) tracer_ = InstallTracer();
    kl_init_ = klInit(0);
  }
  static void TearDownTestSuite() {
    if (tracer_ != nullptr) {
      zelTracerSetEnabled(tracer_, false);
      zelTracerDestroy(tracer_);
      tracer_ = nullptr;
    }
  }
  void SetUp() override {
    const bool required = std::getenv("KEEL_ZE_REQUIRE_NULL_DRIVER") != nullptr;
    if (init_result_ != ZE_RESULT_SUCCESS || kl_init_ != KL_SUCCESS) {
      std::string why = "no Level Zero null driver (build it with scripts/build-ze-null-driver.sh): "
                        "zeInit " + std::to_string(init_result_) + ", klInit: " + LastError();
      if (required) FAIL() << why;
      GTEST_SKIP() << why;
    }
    ASSERT_NE(tracer_, nullptr) << "the Level Zero tracing layer (ZE_ENABLE_TRACING_LAYER=1, "
                                   "libze_tracing_layer.so.1) did not load";
    OK(klDeviceGet(&dev_, 0));
  }
  static ze_result_t init_result_;
  static KLresult kl_init_;
  static zel_tracer_handle_t tracer_;
  KLdevice dev_ = nullptr;
};
ze_result_t NullDriver::init_result_ = ZE_RESULT_ERROR_UNINITIALIZED;
KLresult NullDriver::kl_init_ = KL_ERROR_NOT_INITIALIZED;
zel_tracer_handle_t NullDriver::tracer_ = nullptr;

// ---- the tests (run in this order; the last checks the tracer's counts) ------

// The check below is only worth something if the validation layer is really
// there: a zero-byte allocation passes the null driver but not the layer.
TEST_F(NullDriver, A_ValidationLayerIsActive) {
  KLcontext ctx;
  OK(klCtxCreate(&ctx, 0, dev_));
  void* zectx = nullptr;
  void* zedev = nullptr;
  OK(klCtxGetNativeHandle(&zectx, ctx));
  OK(klDeviceGetNativeHandle(&zedev, dev_));
  ze_device_mem_alloc_desc_t desc{};
  desc.stype = ZE_STRUCTURE_TYPE_DEVICE_MEM_ALLOC_DESC;
  void* p = nullptr;
  EXPECT_EQ(zeMemAllocDevice(static_cast<ze_context_handle_t>(zectx), &desc, 0, 0,
                             static_cast<ze_device_handle_t>(zedev), &p),
            ZE_RESULT_ERROR_UNSUPPORTED_SIZE)
      << "ZE_ENABLE_VALIDATION_LAYER=1 / ZE_ENABLE_PARAMETER_VALIDATION=1 did not take effect";
  {
    std::lock_guard<std::mutex> lock(g_mu);
    ASSERT_EQ(g_failures.size(), 1u) << "the tracer did not see the rejected call";
    g_failures.clear();  // that failure was ours, on purpose
  }
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, DeviceQueries) {
  char name[256];
  OK(klDeviceGetName(name, sizeof name, dev_));
  EXPECT_STREQ(name, "Null Device");
  KLbackendProperties props;
  int backend = -1;
  OK(klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, dev_));
  OK(klGetBackendProperties(&props, backend));
  EXPECT_STREQ(props.name, "level_zero");
  KLuuid uuid;
  OK(klDeviceGetUuid(&uuid, dev_));
  char pci[32];
  KLresult pr = klDeviceGetPCIBusId(pci, sizeof pci, dev_);
  EXPECT_TRUE(pr == KL_SUCCESS || pr == KL_ERROR_NOT_SUPPORTED) << LastError();
  size_t total = 0;
  OK(klDeviceTotalMem(&total, dev_));
  for (int a = 1; a < KL_DEVICE_ATTRIBUTE_COUNT_; ++a) {
    int v = 0;
    OK(klDeviceGetAttribute(&v, static_cast<KLdevice_attribute>(a), dev_));
  }
  int v;
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klDeviceGetAttribute(&v, KL_DEVICE_ATTRIBUTE_COUNT_, dev_));
  void* native = nullptr;
  OK(klDeviceGetNativeHandle(&native, dev_));
  EXPECT_NE(native, nullptr);
}

TEST_F(NullDriver, ContextsAndPrimaryContexts) {
  KLcontext ctx = nullptr;
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klCtxCreate(&ctx, 0x100, dev_));
  OK(klCtxCreate(&ctx, KL_CTX_SCHED_YIELD, dev_));
  KLdevice d = nullptr;
  OK(klCtxGetDevice(&d));
  EXPECT_EQ(d, dev_);
  int least = 0, greatest = 0;
  OK(klCtxGetStreamPriorityRange(&least, &greatest));
  EXPECT_EQ(least, 1);
  EXPECT_EQ(greatest, -1);
  void* native = nullptr;
  OK(klCtxGetNativeHandle(&native, ctx));
  EXPECT_NE(native, nullptr);
  OK(klCtxSynchronize());

  unsigned flags = 99;
  int active = 1;
  OK(klDevicePrimaryCtxSetFlags(dev_, KL_CTX_SCHED_SPIN));
  OK(klDevicePrimaryCtxGetState(dev_, &flags, &active));
  EXPECT_EQ(flags, static_cast<unsigned>(KL_CTX_SCHED_SPIN));
  EXPECT_EQ(active, 0);
  EXPECT_CODE(KL_ERROR_INVALID_CONTEXT, klDevicePrimaryCtxRelease(dev_));
  KLcontext primary = nullptr, again = nullptr;
  OK(klDevicePrimaryCtxRetain(&primary, dev_));
  OK(klDevicePrimaryCtxRetain(&again, dev_));
  EXPECT_EQ(primary, again);
  OK(klDevicePrimaryCtxGetState(dev_, &flags, &active));
  EXPECT_EQ(active, 1);
  EXPECT_CODE(KL_ERROR_INVALID_CONTEXT, klCtxDestroy(primary));
  OK(klCtxPushCurrent(primary));
  KLdeviceptr p = 0;
  OK(klMemAlloc(&p, 4096));
  OK(klDevicePrimaryCtxReset(dev_));  // frees p with everything else
  size_t size = 0;
  EXPECT_CODE(KL_ERROR_NOT_FOUND, klMemGetAddressRange(nullptr, &size, p));
  OK(klMemAlloc(&p, 4096));           // the same handle works after a reset
  OK(klCtxPopCurrent(nullptr));
  OK(klDevicePrimaryCtxRelease(dev_));
  OK(klDevicePrimaryCtxRelease(dev_));  // last release frees p
  OK(klDevicePrimaryCtxGetState(dev_, &flags, &active));
  EXPECT_EQ(active, 0);
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, ModulesFunctionsAndErrors) {
  KLcontext ctx;
  OK(klCtxCreate(&ctx, 0, dev_));
  KLmodule basic = nullptr, args = nullptr, shared = nullptr, globals = nullptr;
  OK(klModuleLoad(&basic, KernelPath("basic").c_str()));
  std::vector<char> image = ReadFile(KernelPath("args"));
  OK(klModuleLoadData(&args, image.data(), image.size()));
  image = ReadFile(KernelPath("shared"));
  char info[256] = "x", error[256] = "x";
  KLjit_option options[] = {KL_JIT_INFO_LOG_BUFFER, KL_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            KL_JIT_ERROR_LOG_BUFFER, KL_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            KL_JIT_WALL_TIME, KL_JIT_OPTIMIZATION_LEVEL};
  void* values[] = {info, reinterpret_cast<void*>(sizeof info), error,
                    reinterpret_cast<void*>(sizeof error), nullptr, reinterpret_cast<void*>(2)};
  OK(klModuleLoadDataEx(&shared, image.data(), image.size(), 6, options, values));
  EXPECT_STREQ(error, "");
  image = ReadFile(KernelPath("globals"));
  OK(klModuleLoadData(&globals, image.data(), image.size()));

  // Errors the backend finds itself, before the driver.
  KLmodule bad = nullptr;
  EXPECT_CODE(KL_ERROR_FILE_NOT_FOUND, klModuleLoad(&bad, "/nonexistent/k.ze.spv"));
  const char ptx[] = ".version 8.0\n.target sm_80\n";
  EXPECT_CODE(KL_ERROR_INVALID_IMAGE, klModuleLoadData(&bad, ptx, sizeof ptx));
  EXPECT_NE(LastError().find("PTX"), std::string::npos) << LastError();
  std::vector<char> truncated = ReadFile(KernelPath("basic"));
  truncated.resize(truncated.size() / 2 & ~size_t{3});
  EXPECT_CODE(KL_ERROR_INVALID_IMAGE, klModuleLoadData(&bad, truncated.data(), truncated.size()));
  EXPECT_CODE(KL_ERROR_INVALID_IMAGE, klModuleLoadData(&bad, ptx, 0));
  KLjit_option unknown = static_cast<KLjit_option>(77);
  void* unknown_value = nullptr;
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klModuleLoadDataEx(&bad, image.data(), image.size(), 1, &unknown, &unknown_value));
  KLlinkState link = nullptr;
  EXPECT_CODE(KL_ERROR_NOT_SUPPORTED, klLinkCreate(0, nullptr, nullptr, &link));

  // Every kernel of every module, with its reflected parameters.
  struct Expect { KLmodule m; const char* name; size_t count; size_t last_offset; size_t last_size; };
  const Expect kernels[] = {
      {basic, "empty", 0, 0, 0},          {basic, "vec_add", 4, 24, 4},
      {basic, "add_scalar_f32", 3, 12, 4}, {basic, "fill_u32", 3, 12, 4},
      {basic, "write_index", 2, 8, 4},    {basic, "busy_loop", 2, 8, 4},
      {basic, "coverage", 4, 16, 4},      {basic, "grid_dims", 1, 0, 8},
      {args, "args_i8", 3, 8, 8},         {args, "args_i16", 3, 8, 8},
      {args, "args_i32_f32", 4, 16, 8},   {args, "args_i64", 3, 16, 8},
      {args, "args_f64", 2, 8, 8},        {args, "many_args_16", 16, 64, 4},
      {args, "many_args_64", 64, 256, 4}, {args, "struct_arg_16", 2, 16, 8},
      {args, "struct_arg_256", 2, 256, 8}, {shared, "reverse_dynamic", 3, 16, 4},
      {shared, "dynamic_shared_fill", 2, 8, 4}, {shared, "static_plus_dynamic", 2, 8, 4},
      {shared, "reduce_sum_u32", 3, 16, 4}, {globals, "read_globals", 1, 0, 8},
      {globals, "write_globals", 1, 0, 4},
  };
  for (const Expect& e : kernels) {
    KLfunction f = nullptr, same = nullptr;
    OK(klModuleGetFunction(&f, e.m, e.name));
    OK(klModuleGetFunction(&same, e.m, e.name));
    EXPECT_EQ(f, same);
    size_t count = 99, offset = 0, size = 0;
    OK(klFuncGetParamCount(f, &count));
    EXPECT_EQ(count, e.count) << e.name;
    if (count > 0) {
      OK(klFuncGetParamInfo(f, count - 1, &offset, &size));
      EXPECT_EQ(offset, e.last_offset) << e.name;
      EXPECT_EQ(size, e.last_size) << e.name;
    }
    EXPECT_CODE(KL_ERROR_INVALID_VALUE, klFuncGetParamInfo(f, count, &offset, &size));
    for (int a = KL_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK; a <= KL_FUNC_ATTRIBUTE_BINARY_VERSION; ++a) {
      int v = -1;
      OK(klFuncGetAttribute(&v, static_cast<KLfunction_attribute>(a), f));
    }
    void* native = nullptr;
    OK(klFuncGetNativeHandle(&native, f));
    EXPECT_NE(native, nullptr);
  }
  KLfunction f = nullptr;
  EXPECT_CODE(KL_ERROR_NOT_FOUND, klModuleGetFunction(&f, basic, "no_such_kernel"));
  EXPECT_NE(LastError().find("vec_add"), std::string::npos) << LastError();
  OK(klModuleGetFunction(&f, shared, "reverse_dynamic"));
  OK(klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klFuncSetAttribute(f, KL_FUNC_ATTRIBUTE_NUM_REGS, 1));
  KLdeviceptr g = 0;
  size_t gsize = 0;
  OK(klModuleGetGlobal(&g, &gsize, globals, "g_values"));
  void* native = nullptr;
  OK(klModuleGetNativeHandle(&native, globals));
  EXPECT_NE(native, nullptr);

  OK(klModuleUnload(basic));
  OK(klModuleUnload(args));
  OK(klModuleUnload(shared));
  // `globals` is left for klCtxDestroy to unload.
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, MemoryInEveryDirection) {
  KLcontext ctx;
  OK(klCtxCreate(&ctx, 0, dev_));
  const size_t n = 1 << 16;
  KLdeviceptr a = 0, b = 0;
  OK(klMemAlloc(&a, n));
  OK(klMemAlloc(&b, n));
  // (The 256-byte alignment is the driver's to honour; the null driver's malloc does not.)
  KLdeviceptr base = 0;
  size_t size = 0;
  OK(klMemGetAddressRange(&base, &size, a + 100));
  EXPECT_EQ(base, a);
  EXPECT_EQ(size, n);
  size_t free_bytes = 0, total = 0;
  OK(klMemGetInfo(&free_bytes, &total));
  void* pinned = nullptr;
  OK(klMemHostAlloc(&pinned, n, KL_MEMHOSTALLOC_WRITECOMBINED));
  std::vector<unsigned char> host(n, 7);
  EXPECT_CODE(KL_ERROR_NOT_SUPPORTED, klMemHostRegister(host.data(), n, 0));
  EXPECT_CODE(KL_ERROR_HOST_MEMORY_NOT_REGISTERED, klMemHostUnregister(host.data()));

  OK(klMemcpyHtoD(a, host.data(), n));
  OK(klMemcpyDtoD(b, a, n));
  OK(klMemcpyDtoH(host.data(), b, n));
  OK(klMemsetD8(a, 1, n));
  OK(klMemsetD16(a, 2, n / 2));
  OK(klMemsetD32(a, 3, n / 4));
  KLstream s;
  OK(klStreamCreate(&s, KL_STREAM_NON_BLOCKING));
  OK(klMemcpyHtoDAsync(a, host.data(), n, s));  // pageable: staged
  OK(klMemcpyHtoDAsync(a, pinned, n, s));       // pinned: direct
  OK(klMemcpyDtoDAsync(b, a, n, s));
  OK(klMemcpyDtoHAsync(pinned, b, n, s));
  OK(klMemcpyDtoHAsync(host.data(), b, n, nullptr));
  OK(klMemsetD8Async(a, 1, n, s));
  OK(klMemsetD16Async(a, 2, n / 2, s));
  OK(klMemsetD32Async(a, 3, n / 4, nullptr));
  OK(klStreamSynchronize(s));
  OK(klStreamSynchronize(nullptr));

  // Errors found by the range map and the argument checks.
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(a + n - 8, host.data(), 16));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemcpyDtoH(host.data(), 0x10, 4));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemsetD32(a + 2, 0, 1));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemsetD16(a + 1, 0, 1));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemcpyHtoD(a, nullptr, 4));
  OK(klMemcpyHtoD(a, nullptr, 0));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemFree(a + 4));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemAlloc(&base, 0));
  EXPECT_CODE(KL_ERROR_NOT_FOUND, klMemGetAddressRange(&base, &size, 0x10));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klMemFreeHost(host.data()));

  OK(klMemFree(a));
  OK(klMemFree(0));
  OK(klMemFreeHost(pinned));
  OK(klStreamDestroy(s));
  // b is left for klCtxDestroy to free.
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, StreamsEventsAndHostFunctions) {
  KLcontext ctx;
  OK(klCtxCreate(&ctx, 0, dev_));
  KLstream s1, s2, s3;
  OK(klStreamCreate(&s1, KL_STREAM_DEFAULT));
  OK(klStreamCreateWithPriority(&s2, KL_STREAM_NON_BLOCKING, -5));
  OK(klStreamCreateWithPriority(&s3, KL_STREAM_DEFAULT, 3));
  int priority = 0;
  unsigned flags = 0;
  OK(klStreamGetPriority(s2, &priority));
  EXPECT_EQ(priority, -1);  // clamped to the range
  OK(klStreamGetFlags(s2, &flags));
  EXPECT_EQ(flags, static_cast<unsigned>(KL_STREAM_NON_BLOCKING));
  OK(klStreamGetPriority(nullptr, &priority));
  OK(klStreamGetFlags(nullptr, &flags));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klStreamCreate(&s1, 0x8));
  void* native = nullptr;
  OK(klStreamGetNativeHandle(&native, s1));
  EXPECT_NE(native, nullptr);
  OK(klStreamGetNativeHandle(&native, nullptr));

  KLdeviceptr buf;
  OK(klMemAlloc(&buf, 4096));
  KLevent start, stop, plain;
  OK(klEventCreate(&start, KL_EVENT_DEFAULT));
  OK(klEventCreate(&stop, KL_EVENT_BLOCKING_SYNC));
  OK(klEventCreate(&plain, KL_EVENT_DISABLE_TIMING));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klEventCreate(&plain, 0x40));
  OK(klEventQuery(plain));  // never recorded: complete
  OK(klEventGetNativeHandle(&native, plain));
  EXPECT_NE(native, nullptr);
  float ms = 0;
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klEventElapsedTime(&ms, start, stop));  // never recorded

  // Work on blocking streams, the NULL stream between them (legacy joins),
  // cross-stream waits, re-records, host functions in stream order.
  OK(klEventRecord(start, s1));
  OK(klMemsetD32Async(buf, 1, 1024, s1));
  OK(klMemsetD32Async(buf, 2, 1024, nullptr));  // joins s1, s3
  OK(klMemsetD32Async(buf, 3, 1024, s3));       // joins the NULL stream
  OK(klEventRecord(plain, s3));
  OK(klStreamWaitEvent(s2, plain, 0));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klStreamWaitEvent(s2, plain, 1));
  OK(klLaunchHostFunc(s2, HostCallback, &g_host_calls));
  OK(klMemsetD32Async(buf, 4, 1024, s2));
  OK(klLaunchHostFunc(nullptr, HostCallback, &g_host_calls));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klLaunchHostFunc(s2, nullptr, nullptr));
  OK(klEventRecord(plain, s2));  // re-record moves it
  OK(klEventRecord(stop, s2));
  KLresult q = klStreamQuery(s2);
  EXPECT_TRUE(q == KL_SUCCESS || q == KL_ERROR_NOT_READY) << LastError();
  OK(klEventSynchronize(stop));
  KLresult e = klEventElapsedTime(&ms, start, stop);
  // The null device reports no timer resolution: that is the documented error.
  EXPECT_TRUE(e == KL_SUCCESS || e == KL_ERROR_NOT_SUPPORTED) << LastError();
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klEventElapsedTime(&ms, start, plain));
  OK(klEventQuery(stop));
  OK(klStreamSynchronize(s2));
  OK(klStreamQuery(s2));
  OK(klStreamQuery(nullptr));
  OK(klCtxSynchronize());
  // Host functions ran (on the null driver, their start events are signalled at once).
  for (int i = 0; i < 200 && g_host_calls.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(g_host_calls.load(), 2);

  // Many events and markers: pools grow and slots are recycled.
  for (int i = 0; i < 300; ++i) {
    OK(klEventRecord(start, s1));
    OK(klMemsetD8Async(buf, 0, 16, s1));
    KLresult sq = klStreamQuery(s1);
    ASSERT_TRUE(sq == KL_SUCCESS || sq == KL_ERROR_NOT_READY) << LastError();
  }
  OK(klStreamSynchronize(s1));

  OK(klEventDestroy(start));
  OK(klEventDestroy(plain));
  OK(klStreamDestroy(s1));
  OK(klStreamDestroy(s2));
  // s3, stop and buf are left for klCtxDestroy.
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, Launches) {
  KLcontext ctx;
  OK(klCtxCreate(&ctx, 0, dev_));
  KLmodule basic, args, shared;
  OK(klModuleLoad(&basic, KernelPath("basic").c_str()));
  OK(klModuleLoad(&args, KernelPath("args").c_str()));
  OK(klModuleLoad(&shared, KernelPath("shared").c_str()));
  KLdeviceptr a, b, c;
  OK(klMemAlloc(&a, 4096));
  OK(klMemAlloc(&b, 4096));
  OK(klMemAlloc(&c, 4096));
  KLstream s;
  OK(klStreamCreate(&s, 0));

  KLfunction vec_add, empty, reverse, many, s256, i8;
  OK(klModuleGetFunction(&vec_add, basic, "vec_add"));
  OK(klModuleGetFunction(&empty, basic, "empty"));
  OK(klModuleGetFunction(&reverse, shared, "reverse_dynamic"));
  OK(klModuleGetFunction(&many, args, "many_args_64"));
  OK(klModuleGetFunction(&s256, args, "struct_arg_256"));
  OK(klModuleGetFunction(&i8, args, "args_i8"));

  int n = 1024;
  void* params[] = {&a, &b, &c, &n};
  OK(klLaunchKernel(vec_add, 4, 1, 1, 256, 1, 1, 0, s, params, nullptr));
  struct { KLdeviceptr a, b, c; int n; } packed{a, b, c, n};
  size_t size = sizeof packed;
  void* extra[] = {KL_LAUNCH_PARAM_BUFFER_POINTER, &packed, KL_LAUNCH_PARAM_BUFFER_SIZE, &size,
                   KL_LAUNCH_PARAM_END};
  OK(klLaunchKernel(vec_add, 4, 1, 1, 256, 1, 1, 0, nullptr, nullptr, extra));
  OK(klLaunchKernel(vec_add, 2, 2, 1, 128, 2, 1, 0, s, params, nullptr));  // new group size
  OK(klLaunchKernel(empty, 1, 1, 1, 1, 1, 1, 0, s, nullptr, nullptr));
  unsigned nu = 1024;
  void* rparams[] = {&a, &b, &nu};
  OK(klLaunchKernel(reverse, 4, 1, 1, 256, 1, 1, 256 * 4, s, rparams, nullptr));
  OK(klLaunchKernel(reverse, 4, 1, 1, 256, 1, 1, 0, s, rparams, nullptr));
  uint32_t values[63];
  void* mparams[64] = {&a};
  for (int i = 0; i < 63; ++i) {
    values[i] = static_cast<uint32_t>(i);
    mparams[i + 1] = &values[i];
  }
  OK(klLaunchKernel(many, 1, 1, 1, 64, 1, 1, 0, s, mparams, nullptr));
  uint32_t big[64] = {};
  void* sparams[] = {big, &a};
  OK(klLaunchKernel(s256, 1, 1, 1, 1, 1, 1, 0, s, sparams, nullptr));
  int8_t x = -5;
  uint8_t y = 250;
  void* iparams[] = {&x, &y, &a};
  OK(klLaunchKernel(i8, 1, 1, 1, 1, 1, 1, 0, s, iparams, nullptr));

  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klLaunchKernel(vec_add, 0, 1, 1, 256, 1, 1, 0, s, params, nullptr));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klLaunchKernel(vec_add, 1, 1, 1, 256, 1, 1, 0, s, params, extra));
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klLaunchKernel(vec_add, 1, 1, 1, 256, 1, 1, 0, s, nullptr, nullptr));
  size = 8;
  EXPECT_CODE(KL_ERROR_INVALID_VALUE, klLaunchKernel(vec_add, 1, 1, 1, 256, 1, 1, 0, s, nullptr, extra));
  OK(klStreamSynchronize(s));
  OK(klCtxSynchronize());
  OK(klStreamDestroy(s));
  OK(klModuleUnload(basic));
  OK(klMemFree(a));
  // args, shared, b and c are left for klCtxDestroy.
  OK(klCtxDestroy(ctx));
}

TEST_F(NullDriver, ZZ_NoValidationErrorsAndNothingLeaked) {
  std::lock_guard<std::mutex> lock(g_mu);
  long calls = 0;
  for (const auto& [name, count] : g_calls) calls += count;
  std::printf("[ NOTE     ] the tracing layer saw %ld Level Zero calls of %zu kinds\n", calls,
              g_calls.size());
  EXPECT_GT(calls, 1000);
  for (const char* must : {"CommandList.AppendLaunchKernel", "CommandList.AppendMemoryCopy",
                           "CommandList.AppendMemoryFill", "CommandList.AppendWriteGlobalTimestamp",
                           "Event.HostSignal", "Module.Create", "Kernel.SetArgumentValue",
                           "Mem.AllocDevice", "Mem.AllocHost", "Context.Destroy"})
    EXPECT_GT(g_calls[must], 0) << must << " was never called";
  std::string failures;
  for (const std::string& f : g_failures) failures += "\n  " + f;
  EXPECT_TRUE(g_failures.empty()) << g_failures.size() << " Level Zero call(s) failed (validation):"
                                  << failures;
  for (const auto& [kind, live] : g_live)
    EXPECT_EQ(live, 0) << live << " " << kind << "(s) leaked";
  EXPECT_GE(g_live.size(), 8u) << "creations of some object kinds were not traced";
}

}  // namespace
