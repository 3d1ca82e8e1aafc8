// Dispatch of every entry point (driven by KEEL_ENTRY_POINTS): to the backend
// that owns the handle or the current context, NOT_SUPPORTED for empty and
// missing slots, the common errors, and attributes the loader answers itself.
#include <atomic>
#include <deque>
#include <set>
#include <thread>

#include "entry_points.h"
#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::ElementsAre;
using ::testing::Each;
using ::testing::Eq;

class EntryPointTest : public LoaderTest, public ::testing::WithParamInterface<EntryPoint> {
 protected:
  // Handles of every kind on device `ordinal`: made through the API where the
  // backend can make them, else forged (a bare object stamped with the
  // backend's table: enough for calls the loader must refuse).
  static Handles Open(int ordinal) {
    Handles h;
    h.dev = Device(ordinal);
    EXPECT_EQ(klCtxCreate(&h.ctx, 0, h.dev), KL_SUCCESS) << LastError();
    const char image[] = "image";
    KLresult r = klModuleLoadData(&h.mod, image, sizeof image);
    h.mod = Made(r, h.mod, h.dev);
    r = klModuleGetFunction(&h.func, h.mod, "kernel");
    h.func = Made(r, h.func, h.dev);
    r = klLinkCreate(0, nullptr, nullptr, &h.link);
    h.link = Made(r, h.link, h.dev);
    r = klStreamCreate(&h.stream, 0);
    h.stream = Made(r, h.stream, h.dev);
    r = klEventCreate(&h.event, 0);
    h.event = Made(r, h.event, h.dev);
    return h;
  }
  // The handle a create call made, or a forged one if the backend cannot.
  template <typename H>
  static H Made(KLresult r, H made, KLdevice dev) {
    if (r == KL_SUCCESS) return made;
    static std::deque<KeelFakeObject> forged;  // lives to the end of the (child) process
    forged.emplace_back();
    forged.back().header.dispatch = Fake(dev)->header.dispatch;
    forged.back().kind = "forged";
    return reinterpret_cast<H>(&forged.back());
  }
  static std::string BackendOf(KLdevice dev) {
    int index = -1;
    EXPECT_EQ(klDeviceGetAttribute(&index, KL_DEVICE_ATTRIBUTE_BACKEND, dev), KL_SUCCESS);
    return Backends().at(static_cast<size_t>(index)).name;
  }

  // Calls the entry point with h's handles (for S kinds: through the stream,
  // then through the current context) and checks where it landed: the
  // backend's own code ran on the object it was dispatched on, or, for a slot
  // the backend's table leaves empty or does not reach, NOT_SUPPORTED.
  static void ExpectDispatched(const EntryPoint& ep, Handles h) {
    const std::string backend = BackendOf(h.dev);
    KeelFakeStats* stats = Stats(backend);
    ASSERT_NE(stats, nullptr) << backend;
    const bool supported = SlotFilled(stats->own_table, ep.offset);
    for (bool through_stream : {true, false}) {
      if (!through_stream && ep.kind != 'S') break;
      SCOPED_TRACE(std::string(ep.name) + " on " + backend + (through_stream ? "" : " (NULL stream)"));
      h.stream_arg = through_stream ? h.stream : nullptr;
      ASSERT_EQ(klCtxSetCurrent(h.ctx), KL_SUCCESS);
      const bool on_ctx = ep.handle == nullptr || !through_stream;
      KeelFakeObject* target = Fake(on_ctx ? static_cast<const void*>(h.ctx) : ep.handle(h));
      const unsigned long calls = target->calls;
      KLresult r = ep.call(h);
      if (supported) {
        EXPECT_EQ(r, KL_SUCCESS) << LastError();
        EXPECT_STREQ(target->last_call, ep.name);
        EXPECT_EQ(target->last_call_by, target->header.dispatch) << "ran in another backend";
        EXPECT_EQ(target->calls, calls + 1);
        bool gets_ctx = ep.kind == 'C' || ep.kind == '0' || (ep.kind == 'S' && !through_stream);
        EXPECT_EQ(target->last_ctx, gets_ctx ? h.ctx : nullptr);
      } else {
        EXPECT_EQ(r, KL_ERROR_NOT_SUPPORTED);
        EXPECT_EQ(LastError(), std::string(ep.name) + ": not supported by the " + backend + " backend");
        EXPECT_EQ(target->calls, calls);
      }
    }
  }
};

TEST_P(EntryPointTest, ReachesTheBackendThatOwnsTheHandle) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends("alpha,beta"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  for (int ordinal : {0, 3}) ExpectDispatched(GetParam(), Open(ordinal));
}

TEST_P(EntryPointTest, EmptyOrMissingSlotIsNotSupported) {
  KEEL_CHILD(Env().Path({"partial", "shorttable"}).Backends("partial,shorttable"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  for (int ordinal : {0, 2}) ExpectDispatched(GetParam(), Open(ordinal));
}

TEST_P(EntryPointTest, BeforeInitIsNotInitialized) {
  Handles none;  // this process never calls klInit
  EXPECT_EQ(GetParam().call(none), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(LastError(), std::string(GetParam().name) + ": call klInit first");
}

TEST_P(EntryPointTest, NullHandleOrNoCurrentContextIsReported) {
  KEEL_CHILD(Env().Path({"alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  Handles none;
  bool needs_ctx = GetParam().kind == 'C' || GetParam().kind == '0' || GetParam().kind == 'S';
  EXPECT_EQ(GetParam().call(none), needs_ctx ? KL_ERROR_INVALID_CONTEXT : KL_ERROR_INVALID_HANDLE);
  EXPECT_EQ(LastError(), std::string(GetParam().name) + (needs_ctx ? ": no context is current on this thread"
                                                                   : ": " + std::string(GetParam().dispatch) + " is NULL"));
}

INSTANTIATE_TEST_SUITE_P(All, EntryPointTest, ::testing::ValuesIn(AllEntryPoints()),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- the slots the variants leave out, spelled out once -----------------------------------

class Slots : public LoaderTest {};

TEST_F(Slots, EmptySlotIsNotSupportedWithTheFunctionAndBackendNamed) {
  KEEL_CHILD(Env().Path({"partial"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx;
  ASSERT_EQ(klCtxCreate(&ctx, 0, Device(0)), KL_SUCCESS) << LastError();
  EXPECT_EQ(klMemGetInfo(nullptr, nullptr), KL_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(LastError(), "klMemGetInfo: not supported by the partial backend");
}

TEST_F(Slots, SlotsPastAShortTableAreNotSupported) {
  KEEL_CHILD(Env().Path({"shorttable"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx;
  KLstream stream;
  ASSERT_EQ(klCtxCreate(&ctx, 0, Device(0)), KL_SUCCESS) << LastError();  // inside the table
  EXPECT_EQ(klStreamCreate(&stream, 0), KL_ERROR_NOT_SUPPORTED);           // the torn slot
  EXPECT_EQ(klEventCreate(nullptr, 0), KL_ERROR_NOT_SUPPORTED);            // past the end
}

TEST_F(Slots, BackendAttributeIsAnsweredByTheLoaderOthersByTheBackend) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}).Backends("beta,alpha"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  int backend = -1, threads = -1;
  EXPECT_EQ(klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, Device(2)), KL_SUCCESS);
  EXPECT_EQ(klDeviceGetAttribute(&threads, KL_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, Device(2)), KL_SUCCESS);
  EXPECT_EQ(backend, 1);       // alpha is second
  EXPECT_EQ(threads, 1001);    // the fake's 1000 + attribute
}

TEST_F(Slots, BackendAttributeWorksWhereTheBackendHasNoGetAttribute) {
  KEEL_CHILD(Env().Path({"alpha", "partial"}).Backends("alpha,partial"));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  int backend = -1;
  EXPECT_EQ(klDeviceGetAttribute(&backend, KL_DEVICE_ATTRIBUTE_BACKEND, Device(2)), KL_SUCCESS);
  EXPECT_EQ(backend, 1);
}

TEST_F(Slots, BackendAttributeChecksItsOutputPointer) {
  KEEL_CHILD(Env().Path({"alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(klDeviceGetAttribute(nullptr, KL_DEVICE_ATTRIBUTE_BACKEND, Device(0)), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(LastError(), "klDeviceGetAttribute: pi is NULL");
}

// ---- functions the loader implements itself -------------------------------------------------

class LoaderFunctions : public LoaderTest {};

TEST_F(LoaderFunctions, BeforeInitAreNotInitialized) {
  int n;
  KLdevice dev;
  KLcontext ctx;
  KLbackendProperties props;
  EXPECT_EQ(klDeviceGetCount(&n), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klDeviceGet(&dev, 0), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klGetBackendCount(&n), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klGetBackendProperties(&props, 0), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klCtxGetCurrent(&ctx), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klCtxSetCurrent(nullptr), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klCtxPopCurrent(&ctx), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(klCtxPushCurrent(nullptr), KL_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(LastError(), "klCtxPushCurrent: call klInit first");
}

TEST_F(LoaderFunctions, DriverVersionWorksBeforeInit) {
  int version = 0;
  EXPECT_EQ(klDriverGetVersion(&version), KL_SUCCESS);
  EXPECT_EQ(version, KEEL_API_VERSION);
  EXPECT_EQ(klDriverGetVersion(nullptr), KL_ERROR_INVALID_VALUE);
}

TEST_F(LoaderFunctions, InitRejectsFlags) {
  KEEL_CHILD(Env().Path({"alpha"}));
  EXPECT_EQ(klInit(1), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(Init(), KL_SUCCESS) << LastError();  // the bad call did not initialize anything
}

TEST_F(LoaderFunctions, DeviceAndBackendQueriesCheckTheirArguments) {
  KEEL_CHILD(Env().Path({"alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLdevice dev;
  KLbackendProperties props;
  EXPECT_EQ(klDeviceGet(&dev, 2), KL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(klDeviceGet(&dev, -1), KL_ERROR_INVALID_DEVICE);
  EXPECT_EQ(klDeviceGet(nullptr, 0), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klDeviceGetCount(nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klGetBackendCount(nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klGetBackendProperties(&props, 1), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klGetBackendProperties(nullptr, 0), KL_ERROR_INVALID_VALUE);
}

TEST_F(LoaderFunctions, LoadedBackendPropertiesCarryVersionsAndDeviceCount) {
  KEEL_CHILD(Env().Path({"alpha"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Props("alpha").status, KL_BACKEND_STATUS_LOADED);
  EXPECT_EQ(Props("alpha").version, "fake alpha 1.0; fake driver 1.0");
  EXPECT_EQ(Props("alpha").devices, 2);
  EXPECT_EQ(Props("alpha").interface_version, KEEL_BACKEND_INTERFACE_VERSION);
}

// ---- concurrent initialization -------------------------------------------------------------

class ConcurrentInit : public LoaderTest {
 protected:
  // Starts n threads that call klInit at the same moment; returns the results.
  static std::vector<KLresult> InitFromThreads(int n, std::vector<std::string>* messages = nullptr) {
    std::vector<KLresult> results(static_cast<size_t>(n), KL_ERROR_UNKNOWN);
    std::vector<std::string> texts(static_cast<size_t>(n));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < n) std::this_thread::yield();
        results[static_cast<size_t>(i)] = Init();
        texts[static_cast<size_t>(i)] = LastError();
      });
    }
    for (std::thread& t : threads) t.join();
    if (messages) *messages = texts;
    return results;
  }
};

TEST_F(ConcurrentInit, ManyThreadsGetOneInitAndTheSameResult) {
  KEEL_CHILD(Env().Path({"alpha", "beta"}));
  EXPECT_THAT(InitFromThreads(16), Each(Eq(KL_SUCCESS)));
  EXPECT_EQ(Stats("alpha")->negotiate_calls + Stats("beta")->negotiate_calls, 2);
  EXPECT_EQ(Stats("alpha")->init_calls + Stats("beta")->init_calls, 2);
}

TEST_F(ConcurrentInit, ManyThreadsGetTheSameFailureAndMessage) {
  KEEL_CHILD(Env().Path({"nodevice"}));
  std::vector<std::string> messages;
  EXPECT_THAT(InitFromThreads(16, &messages), Each(Eq(KL_ERROR_NO_DEVICE)));
  EXPECT_THAT(messages, Each(Eq("klInit: no device found; nodevice: no devices (nodevice: no device (simulated: driver not installed))")));
}

}  // namespace
}  // namespace keel::test
