// Context: creation and destruction, the per-thread stack, primary contexts.
#include <thread>

#include "fixture.h"

namespace {

using Context = kc::DeviceTest;

// Pops whatever a test left on this thread's stack.
void ClearStack() {
  for (int i = 0; i < 64 && kc::CurrentContext() != nullptr; ++i) klCtxPopCurrent(nullptr);
}

TEST_P(Context, CreateDestroy) {
  KLcontext ctx = nullptr;
  KC_ASSERT_OK(klCtxCreate(&ctx, 0, device()));
  ASSERT_NE(nullptr, ctx);
  KC_EXPECT_OK(klCtxDestroy(ctx));
}

TEST_P(Context, CreateMakesCurrent) {
  kc::Context ctx;
  ASSERT_NO_FATAL_FAILURE(ctx.Create(device()));
  EXPECT_EQ(ctx.get(), kc::CurrentContext());
  KLdevice d = nullptr;
  KC_ASSERT_OK(klCtxGetDevice(&d));
  EXPECT_EQ(device(), d);
}

TEST_P(Context, DestroyCurrentClearsCurrent) {
  KLcontext ctx = nullptr;
  KC_ASSERT_OK(klCtxCreate(&ctx, 0, device()));
  KC_ASSERT_OK(klCtxDestroy(ctx));
  EXPECT_EQ(nullptr, kc::CurrentContext());
  KLdeviceptr p = 0;
  KC_EXPECT_RESULT(KL_ERROR_INVALID_CONTEXT, klMemAlloc(&p, 16));
}

TEST_P(Context, DestroyUncoversPrevious) {
  kc::Context outer;
  ASSERT_NO_FATAL_FAILURE(outer.Create(device()));
  KLcontext inner = nullptr;
  KC_ASSERT_OK(klCtxCreate(&inner, 0, device()));
  EXPECT_EQ(inner, kc::CurrentContext());
  KC_ASSERT_OK(klCtxDestroy(inner));
  EXPECT_EQ(outer.get(), kc::CurrentContext());
}

TEST_P(Context, DestroyNonCurrentKeepsCurrent) {
  kc::Context a;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  KLcontext b = nullptr;
  KC_ASSERT_OK(klCtxCreate(&b, 0, device()));
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));  // b off the stack; a current
  ASSERT_EQ(a.get(), kc::CurrentContext());
  KC_ASSERT_OK(klCtxDestroy(b));
  EXPECT_EQ(a.get(), kc::CurrentContext());
}

TEST_P(Context, Create100NoLeak) {
  size_t free_before = 0, free_after = 0, total = 0;
  kc::Context probe;
  ASSERT_NO_FATAL_FAILURE(probe.Create(device()));
  KC_ASSERT_OK(klMemGetInfo(&free_before, &total));
  for (int i = 0; i < 100; ++i) {
    KLcontext c = nullptr;
    KC_ASSERT_OK(klCtxCreate(&c, 0, device())) << "iteration " << i;
    KLdeviceptr p = 0;
    KC_ASSERT_OK(klMemAlloc(&p, 1 << 20)) << "iteration " << i;  // freed with the context
    KC_ASSERT_OK(klCtxDestroy(c)) << "iteration " << i;
  }
  KC_ASSERT_OK(klMemGetInfo(&free_after, &total));
  // 100 MiB were allocated in the destroyed contexts; far less may go missing.
  EXPECT_GE(free_after + (size_t{16} << 20), free_before) << "memory of destroyed contexts was not returned";
}

struct FlagCase {
  std::string name;
  unsigned int flags;
};

using ContextFlags = kc::DeviceCaseTest<FlagCase>;

TEST_P(ContextFlags, CreateWithFlags) {
  KLcontext ctx = nullptr;
  KC_ASSERT_OK(klCtxCreate(&ctx, value().flags, device()));
  KLdeviceptr p = 0;
  KC_EXPECT_OK(klMemAlloc(&p, 64));
  KC_EXPECT_OK(klMemFree(p));
  KC_EXPECT_OK(klCtxDestroy(ctx));
}

KC_INSTANTIATE_CASES(Context, ContextFlags, FlagCase,
                     ({{"auto", KL_CTX_SCHED_AUTO},
                       {"spin", KL_CTX_SCHED_SPIN},
                       {"yield", KL_CTX_SCHED_YIELD},
                       {"blockingSync", KL_CTX_SCHED_BLOCKING_SYNC}}));

TEST_P(Context, PushPopOrder) {
  kc::Context a, b;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  ASSERT_NO_FATAL_FAILURE(b.Create(device()));
  ClearStack();
  KC_ASSERT_OK(klCtxPushCurrent(a));
  KC_ASSERT_OK(klCtxPushCurrent(b));
  KC_ASSERT_OK(klCtxPushCurrent(a));
  KLcontext popped = nullptr;
  KC_ASSERT_OK(klCtxPopCurrent(&popped));
  EXPECT_EQ(a.get(), popped);
  EXPECT_EQ(b.get(), kc::CurrentContext());
  KC_ASSERT_OK(klCtxPopCurrent(&popped));
  EXPECT_EQ(b.get(), popped);
  EXPECT_EQ(a.get(), kc::CurrentContext());
  KC_ASSERT_OK(klCtxPopCurrent(&popped));
  EXPECT_EQ(a.get(), popped);
  EXPECT_EQ(nullptr, kc::CurrentContext());
}

TEST_P(Context, PopEmptyFails) {
  ClearStack();
  KLcontext popped = reinterpret_cast<KLcontext>(static_cast<uintptr_t>(0x77));
  KC_EXPECT_RESULT(KL_ERROR_INVALID_CONTEXT, klCtxPopCurrent(&popped));
  EXPECT_EQ(reinterpret_cast<KLcontext>(static_cast<uintptr_t>(0x77)), popped);
}

TEST_P(Context, PopWithNullOutput) {
  kc::Context a;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  KC_EXPECT_OK(klCtxPopCurrent(nullptr));
  EXPECT_EQ(nullptr, kc::CurrentContext());
}

TEST_P(Context, SetCurrentReplacesTop) {
  kc::Context a, b;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  ASSERT_NO_FATAL_FAILURE(b.Create(device()));
  ClearStack();
  KC_ASSERT_OK(klCtxPushCurrent(a));
  KC_ASSERT_OK(klCtxSetCurrent(b));
  EXPECT_EQ(b.get(), kc::CurrentContext());
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  EXPECT_EQ(nullptr, kc::CurrentContext()) << "SetCurrent pushed instead of replacing the top";
}

TEST_P(Context, SetCurrentOnEmptyPushes) {
  kc::Context a;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  ClearStack();
  KC_ASSERT_OK(klCtxSetCurrent(a));
  EXPECT_EQ(a.get(), kc::CurrentContext());
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  EXPECT_EQ(nullptr, kc::CurrentContext());
}

TEST_P(Context, SetCurrentNullPops) {
  kc::Context a, b;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  ASSERT_NO_FATAL_FAILURE(b.Create(device()));
  ClearStack();
  KC_ASSERT_OK(klCtxPushCurrent(a));
  KC_ASSERT_OK(klCtxPushCurrent(b));
  KC_ASSERT_OK(klCtxSetCurrent(nullptr));
  EXPECT_EQ(a.get(), kc::CurrentContext());
  ClearStack();
  KC_EXPECT_OK(klCtxSetCurrent(nullptr)) << "NULL on an empty stack is a no-op";
  EXPECT_EQ(nullptr, kc::CurrentContext());
}

TEST_P(Context, GetCurrentEmptyIsNull) {
  ClearStack();
  KLcontext c = reinterpret_cast<KLcontext>(static_cast<uintptr_t>(0x99));
  KC_ASSERT_OK(klCtxGetCurrent(&c));
  EXPECT_EQ(nullptr, c);
}

TEST_P(Context, CurrentIsPerThread) {
  kc::Context a;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  KLcontext seen = reinterpret_cast<KLcontext>(static_cast<uintptr_t>(1));
  KLcontext seen_after_push = nullptr;
  KLresult alloc_without = KL_SUCCESS;
  std::thread t([&] {
    klCtxGetCurrent(&seen);
    KLdeviceptr p = 0;
    alloc_without = klMemAlloc(&p, 16);
    klCtxPushCurrent(a.get());
    klCtxGetCurrent(&seen_after_push);
    klCtxPopCurrent(nullptr);
  });
  t.join();
  EXPECT_EQ(nullptr, seen) << "a new thread has no current context";
  KC_EXPECT_RESULT(KL_ERROR_INVALID_CONTEXT, alloc_without);
  EXPECT_EQ(a.get(), seen_after_push);
  EXPECT_EQ(a.get(), kc::CurrentContext()) << "the other thread's push/pop changed this thread";
}

TEST_P(Context, SynchronizeWaitsAllStreams) {
  kc::Context c;
  ASSERT_NO_FATAL_FAILURE(c.Create(device()));
  kc::KernelCache kernels(&target());
  kc::BusyWork busy;
  ASSERT_NO_FATAL_FAILURE(kernels.PlanBusy(&busy, 100));
  KC_STREAM(s1);
  KC_STREAM(s2, KL_STREAM_NON_BLOCKING);
  KC_ALLOC(out, 8);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KC_ASSERT_OK(busy.Enqueue(s1, out.get()));
  KC_ASSERT_OK(busy.Enqueue(s2, out.at(4)));
  KC_ASSERT_OK(klCtxSynchronize());
  KC_EXPECT_OK(klStreamQuery(s1));
  KC_EXPECT_OK(klStreamQuery(s2));
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 2));
  std::vector<uint32_t> want = {busy.Expected(), busy.Expected()};
  KC_EXPECT_ARRAYS_EQ(want, got) << busy.launches << " launches of " << busy.iterations << " iterations";
  kernels.Clear();
}

TEST_P(Context, StreamPriorityRange) {
  kc::Context c;
  ASSERT_NO_FATAL_FAILURE(c.Create(device()));
  int least = 12345, greatest = 12345;
  KC_ASSERT_OK(klCtxGetStreamPriorityRange(&least, &greatest));
  EXPECT_LE(greatest, least) << "greatest priority is numerically lowest";
  KC_EXPECT_OK(klCtxGetStreamPriorityRange(nullptr, &greatest));
  KC_EXPECT_OK(klCtxGetStreamPriorityRange(&least, nullptr));
  KC_EXPECT_OK(klCtxGetStreamPriorityRange(nullptr, nullptr));
}

TEST_P(Context, NativeHandle) {
  kc::Context c;
  ASSERT_NO_FATAL_FAILURE(c.Create(device()));
  void* native = nullptr;
  KC_ASSERT_OK(klCtxGetNativeHandle(&native, c));
  EXPECT_NE(nullptr, native);
}

TEST_P(Context, TwoContextsIndependent) {
  kc::Context a, b;
  ASSERT_NO_FATAL_FAILURE(a.Create(device()));
  KC_ALLOC(in_a, 256);
  std::vector<uint32_t> va = rng().U32s(64);
  ASSERT_NO_FATAL_FAILURE(in_a.Upload(va));
  ASSERT_NO_FATAL_FAILURE(b.Create(device()));
  KC_ALLOC(in_b, 256);
  std::vector<uint32_t> vb = rng().U32s(64);
  ASSERT_NO_FATAL_FAILURE(in_b.Upload(vb));
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(in_b.Download(&got, 64));
  KC_EXPECT_ARRAYS_EQ(vb, got);
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  ASSERT_EQ(a.get(), kc::CurrentContext());
  ASSERT_NO_FATAL_FAILURE(in_a.Download(&got, 64));
  KC_EXPECT_ARRAYS_EQ(va, got);
  KC_ASSERT_OK(klCtxPushCurrent(b));  // so in_b is freed in its context
}

TEST_P(Context, ObjectCallsUseTheirOwnContext) {
  // Calls on a handle act in the handle's context, whichever is current.
  kc::Context c;
  ASSERT_NO_FATAL_FAILURE(c.Create(device()));
  kc::KernelCache kernels(&target());
  KLfunction write = nullptr;
  ASSERT_NO_FATAL_FAILURE(kernels.GetKernel(&write, "basic", "write_index"));
  KC_STREAM(s);
  KC_EVENT(e);
  KC_ALLOC(out, 64 * 4);
  ASSERT_NO_FATAL_FAILURE(out.Poison());
  KLdeviceptr ptr = out.get();
  unsigned int n = 64;
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  ASSERT_EQ(nullptr, kc::CurrentContext());
  KC_EXPECT_OK(kc::Launch(write, {1}, {64}, 0, s, ptr, n));
  KC_EXPECT_OK(klEventRecord(e, s));
  KC_EXPECT_OK(klStreamSynchronize(s));
  KC_EXPECT_OK(klEventQuery(e));
  int regs = -1;
  KC_EXPECT_OK(klFuncGetAttribute(&regs, KL_FUNC_ATTRIBUTE_NUM_REGS, write));
  KC_ASSERT_OK(klCtxPushCurrent(c));
  std::vector<uint32_t> got;
  ASSERT_NO_FATAL_FAILURE(out.Download(&got, 64));
  std::vector<uint32_t> want(64);
  for (uint32_t i = 0; i < 64; ++i) want[i] = i;
  KC_EXPECT_ARRAYS_EQ(want, got);
  kernels.Clear();
}

KC_INSTANTIATE(Context, Context);

// ---- primary contexts ---------------------------------------------------------------

using PrimaryContext = kc::DeviceTest;

// Retains the primary context for a scope.
class PrimaryRetain {
 public:
  explicit PrimaryRetain(KLdevice dev) : dev_(dev) { r_ = klDevicePrimaryCtxRetain(&ctx_, dev); }
  ~PrimaryRetain() {
    if (r_ == KL_SUCCESS) klDevicePrimaryCtxRelease(dev_);
  }
  KLresult result() const { return r_; }
  KLcontext get() const { return ctx_; }

 private:
  KLdevice dev_;
  KLcontext ctx_ = nullptr;
  KLresult r_;
};

TEST_P(PrimaryContext, RetainRelease) {
  KLcontext ctx = nullptr;
  KC_ASSERT_OK(klDevicePrimaryCtxRetain(&ctx, device()));
  EXPECT_NE(nullptr, ctx);
  KC_EXPECT_OK(klDevicePrimaryCtxRelease(device()));
}

TEST_P(PrimaryContext, RetainDoesNotMakeCurrent) {
  ClearStack();
  PrimaryRetain p(device());
  KC_ASSERT_OK(p.result());
  EXPECT_EQ(nullptr, kc::CurrentContext());
}

TEST_P(PrimaryContext, RetainTwiceSameContext) {
  PrimaryRetain a(device()), b(device());
  KC_ASSERT_OK(a.result());
  KC_ASSERT_OK(b.result());
  EXPECT_EQ(a.get(), b.get());
}

TEST_P(PrimaryContext, StateFollowsRetains) {
  unsigned int flags = 0;
  int active = -1;
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  EXPECT_EQ(0, active) << "the primary context is active before this test retained it";
  {
    PrimaryRetain p(device());
    KC_ASSERT_OK(p.result());
    KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
    EXPECT_EQ(1, active);
  }
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  EXPECT_EQ(0, active) << "the last release did not deactivate it";
}

TEST_P(PrimaryContext, ReleaseNotRetainedFails) {
  int active = -1;
  unsigned int flags = 0;
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  ASSERT_EQ(0, active) << "precondition: not retained";
  KC_EXPECT_RESULT(KL_ERROR_INVALID_CONTEXT, klDevicePrimaryCtxRelease(device()));
}

TEST_P(PrimaryContext, UsableWhenPushed) {
  PrimaryRetain p(device());
  KC_ASSERT_OK(p.result());
  KC_ASSERT_OK(klCtxPushCurrent(p.get()));
  {
    KC_ALLOC(buf, 1024);
    std::vector<uint32_t> v = rng().U32s(256), got;
    ASSERT_NO_FATAL_FAILURE(buf.Upload(v));
    ASSERT_NO_FATAL_FAILURE(buf.Download(&got, 256));
    KC_EXPECT_ARRAYS_EQ(v, got);
  }
  KC_EXPECT_OK(klCtxPopCurrent(nullptr));
}

TEST_P(PrimaryContext, DestroyPrimaryFails) {
  PrimaryRetain p(device());
  KC_ASSERT_OK(p.result());
  KC_EXPECT_RESULT(KL_ERROR_INVALID_CONTEXT, klCtxDestroy(p.get()));
}

TEST_P(PrimaryContext, SetFlagsReportedByState) {
  KC_ASSERT_OK(klDevicePrimaryCtxSetFlags(device(), KL_CTX_SCHED_BLOCKING_SYNC));
  unsigned int flags = 0;
  int active = 0;
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  EXPECT_EQ(static_cast<unsigned>(KL_CTX_SCHED_BLOCKING_SYNC), flags & KL_CTX_SCHED_MASK);
  KC_ASSERT_OK(klDevicePrimaryCtxSetFlags(device(), KL_CTX_SCHED_AUTO));
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  EXPECT_EQ(static_cast<unsigned>(KL_CTX_SCHED_AUTO), flags & KL_CTX_SCHED_MASK);
}

TEST_P(PrimaryContext, ResetKeepsRetainAndEmpties) {
  PrimaryRetain p(device());
  KC_ASSERT_OK(p.result());
  KC_ASSERT_OK(klCtxPushCurrent(p.get()));
  KLdeviceptr leaked = 0;
  KC_ASSERT_OK(klMemAlloc(&leaked, 4096));
  KC_ASSERT_OK(klCtxPopCurrent(nullptr));
  KC_ASSERT_OK(klDevicePrimaryCtxReset(device()));
  unsigned int flags = 0;
  int active = 0;
  KC_ASSERT_OK(klDevicePrimaryCtxGetState(device(), &flags, &active));
  EXPECT_EQ(1, active) << "reset must keep the retain counted";
  // Usable again (recreated empty) through a fresh retain of the same device.
  KLcontext again = nullptr;
  KC_ASSERT_OK(klDevicePrimaryCtxRetain(&again, device()));
  KC_ASSERT_OK(klCtxPushCurrent(again));
  KLdeviceptr p2 = 0;
  KC_EXPECT_OK(klMemAlloc(&p2, 4096));
  KC_EXPECT_OK(klMemFree(p2));
  KC_EXPECT_OK(klCtxPopCurrent(nullptr));
  KC_EXPECT_OK(klDevicePrimaryCtxRelease(device()));
}

KC_INSTANTIATE(Context, PrimaryContext);

}  // namespace
