// The per-thread context stack the loader owns: the CUDA Driver API's
// push/pop/set/get semantics, per thread; klCtxCreate pushes, klCtxDestroy
// removes; keelBackendCtxMadeCurrent follows every change of the current
// context; calls without a handle go to the current context's backend.
#include <thread>

#include "loader_test.h"

namespace keel::test {
namespace {

class ContextStack : public LoaderTest {
 protected:
  // Every test: alpha (devices 0, 1) and beta (devices 2, 3).
  static Env Two() { return Env().Path({"alpha", "beta"}).Backends("alpha,beta"); }
  static KLcontext Create(int ordinal) {
    KLcontext ctx = nullptr;
    EXPECT_EQ(klCtxCreate(&ctx, 0, Device(ordinal)), KL_SUCCESS) << LastError();
    return ctx;
  }
  static KLcontext Current() {
    KLcontext ctx = reinterpret_cast<KLcontext>(0x1);
    EXPECT_EQ(klCtxGetCurrent(&ctx), KL_SUCCESS) << LastError();
    return ctx;
  }
  static KLcontext Pop() {
    KLcontext ctx = nullptr;
    EXPECT_EQ(klCtxPopCurrent(&ctx), KL_SUCCESS) << LastError();
    return ctx;
  }
  // The context a handle-less call (klCtxSynchronize) reaches, checked by the backend's record.
  static void ExpectCallsReach(KLcontext ctx) {
    unsigned long before = Fake(ctx)->calls;
    EXPECT_EQ(klCtxSynchronize(), KL_SUCCESS) << LastError();
    EXPECT_EQ(Fake(ctx)->calls, before + 1);
    EXPECT_EQ(Fake(ctx)->last_call_by, Fake(ctx)->header.dispatch);
  }
};

TEST_F(ContextStack, NoContextIsCurrentAtFirst) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(Current(), nullptr);
  EXPECT_EQ(klCtxSynchronize(), KL_ERROR_INVALID_CONTEXT);
}

TEST_F(ContextStack, CreatePushesTheNewContextAndTellsTheBackend) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = Create(0);
  EXPECT_EQ(Current(), ctx);
  EXPECT_EQ(Fake(ctx)->made_current, 1u);
}

TEST_F(ContextStack, PopUncoversThePreviousContext) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  EXPECT_EQ(Pop(), b);
  EXPECT_EQ(Current(), a);
  EXPECT_EQ(Fake(a)->made_current, 2u);  // created, then uncovered
}

TEST_F(ContextStack, PopOfTheLastLeavesNoneAndThenFails) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  EXPECT_EQ(Pop(), a);
  EXPECT_EQ(Current(), nullptr);
  EXPECT_EQ(klCtxPopCurrent(nullptr), KL_ERROR_INVALID_CONTEXT);
  EXPECT_EQ(LastError(), "klCtxPopCurrent: the context stack of this thread is empty");
}

TEST_F(ContextStack, PopWithoutAnOutputPointerStillPops) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  Create(1);
  EXPECT_EQ(klCtxPopCurrent(nullptr), KL_SUCCESS);
  EXPECT_EQ(Current(), a);
}

TEST_F(ContextStack, PushMakesCurrentAndNests) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  ASSERT_EQ(klCtxPushCurrent(a), KL_SUCCESS);  // a b a
  EXPECT_EQ(Pop(), a);
  EXPECT_EQ(Pop(), b);
  EXPECT_EQ(Pop(), a);
}

TEST_F(ContextStack, SetCurrentReplacesTheTop) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(1), c = Create(2);
  EXPECT_EQ(Pop(), c);                          // a b
  ASSERT_EQ(klCtxSetCurrent(c), KL_SUCCESS);    // a c
  EXPECT_EQ(Pop(), c);
  EXPECT_EQ(Current(), a);
  EXPECT_EQ(Fake(b)->made_current, 2u);         // created, uncovered by the first pop
}

TEST_F(ContextStack, SetCurrentOnAnEmptyStackPushes) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  EXPECT_EQ(Pop(), a);
  ASSERT_EQ(klCtxSetCurrent(a), KL_SUCCESS);
  EXPECT_EQ(Pop(), a);
  EXPECT_EQ(Current(), nullptr);
}

TEST_F(ContextStack, SetCurrentNullPopsTheTopAndIsANoOpWhenEmpty) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  Create(2);
  ASSERT_EQ(klCtxSetCurrent(nullptr), KL_SUCCESS);
  EXPECT_EQ(Current(), a);
  ASSERT_EQ(klCtxSetCurrent(nullptr), KL_SUCCESS);
  EXPECT_EQ(Current(), nullptr);
  EXPECT_EQ(klCtxSetCurrent(nullptr), KL_SUCCESS);
}

TEST_F(ContextStack, CallsWithoutAHandleGoToTheCurrentContextsBackend) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  ExpectCallsReach(b);
  Pop();
  ExpectCallsReach(a);
}

TEST_F(ContextStack, EachThreadHasItsOwnStack) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  std::thread([&] {
    EXPECT_EQ(Current(), nullptr);
    EXPECT_EQ(klCtxSynchronize(), KL_ERROR_INVALID_CONTEXT);
    ASSERT_EQ(klCtxPushCurrent(a), KL_SUCCESS);
    ExpectCallsReach(a);
  }).join();
  EXPECT_EQ(Current(), b);
  EXPECT_EQ(Pop(), b);
  EXPECT_EQ(Pop(), a);
}

TEST_F(ContextStack, AContextHandedBetweenThreadsWithPopAndPush) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  EXPECT_EQ(Pop(), a);
  std::thread([&] { ASSERT_EQ(klCtxPushCurrent(a), KL_SUCCESS); ExpectCallsReach(a); EXPECT_EQ(Pop(), a); }).join();
  EXPECT_EQ(Fake(a)->made_current, 2u);
}

TEST_F(ContextStack, DestroyRemovesTheContextFromThisThreadsStack) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  ASSERT_EQ(klCtxPushCurrent(a), KL_SUCCESS);  // a b a
  ASSERT_EQ(klCtxDestroy(a), KL_SUCCESS);      // b
  EXPECT_EQ(Pop(), b);
  EXPECT_EQ(klCtxPopCurrent(nullptr), KL_ERROR_INVALID_CONTEXT);
}

TEST_F(ContextStack, DestroyingTheCurrentMakesTheNextOneCurrent) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  ASSERT_EQ(klCtxDestroy(b), KL_SUCCESS);
  EXPECT_EQ(Current(), a);
  EXPECT_EQ(Fake(a)->made_current, 2u);
  EXPECT_TRUE(Fake(b)->destroyed);
}

TEST_F(ContextStack, DestroyOfAContextBelowTheTopKeepsTheTop) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0), b = Create(2);
  ASSERT_EQ(klCtxDestroy(a), KL_SUCCESS);
  EXPECT_EQ(Current(), b);
  EXPECT_EQ(Fake(b)->made_current, 1u);  // nothing changed for b
}

TEST_F(ContextStack, FailedCreateLeavesTheStackAlone) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext a = Create(0);
  EXPECT_EQ(klCtxCreate(nullptr, 0, Device(2)), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(Current(), a);
}

TEST_F(ContextStack, PrimaryContextRetainDoesNotMakeItCurrent) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext primary = nullptr;
  ASSERT_EQ(klDevicePrimaryCtxRetain(&primary, Device(0)), KL_SUCCESS);
  EXPECT_EQ(Current(), nullptr);
  ASSERT_EQ(klCtxSetCurrent(primary), KL_SUCCESS);
  ExpectCallsReach(primary);
}

TEST_F(ContextStack, TheMadeCurrentHookIsOptional) {
  KEEL_CHILD(Env().Path({"partial"}));  // its keelBackendCtxMadeCurrent slot is NULL
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = Create(0);
  EXPECT_EQ(Current(), ctx);
  EXPECT_EQ(Fake(ctx)->made_current, 0u);
}

TEST_F(ContextStack, ANullContextFromABrokenBackendIsNeverPushed) {
  KEEL_CHILD(Env().Path({"nullcontexts"}));
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  KLcontext ctx = reinterpret_cast<KLcontext>(0x1);
  EXPECT_EQ(klCtxCreate(&ctx, 0, Device(0)), KL_ERROR_UNKNOWN);
  EXPECT_EQ(LastError(), "klCtxCreate: the nullcontexts backend returned an invalid context handle");
  EXPECT_EQ(ctx, reinterpret_cast<KLcontext>(0x1));  // no output on failure
  EXPECT_EQ(Current(), nullptr);
}

TEST_F(ContextStack, NullArgumentsAreRejected) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  EXPECT_EQ(klCtxPushCurrent(nullptr), KL_ERROR_INVALID_HANDLE);
  EXPECT_EQ(klCtxGetCurrent(nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klCtxDestroy(nullptr), KL_ERROR_INVALID_HANDLE);
}

TEST_F(ContextStack, ThreadsWorkOnTheirOwnContextsAtOnce) {
  KEEL_CHILD(Two());
  ASSERT_EQ(Init(), KL_SUCCESS) << LastError();
  std::vector<KLcontext> contexts;
  for (int t = 0; t < 8; ++t) contexts.push_back(Create(t % 4));  // made here: the fake devices are not thread-safe
  while (Current() != nullptr) Pop();
  std::vector<std::thread> threads;
  for (KLcontext mine : contexts) {
    threads.emplace_back([mine] {
      for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(klCtxPushCurrent(mine), KL_SUCCESS);
        ASSERT_EQ(klCtxSynchronize(), KL_SUCCESS);
        ASSERT_EQ(Pop(), mine);
      }
      EXPECT_EQ(Fake(mine)->calls, 1000u);
      EXPECT_EQ(Current(), nullptr);
    });
  }
  for (std::thread& th : threads) th.join();
}

}  // namespace
}  // namespace keel::test
