// What the loader tests can see of the fake backends (loader/tests/fakes).
//
// Every handle a fake returns points at a KeelFakeObject. Each entry point the
// fake implements records itself on the object it was dispatched on (the
// handle for H kinds, the stream or the context for S, the context for C), so
// a test can check which function ran, in which backend, on which object.
// Objects are never freed: a test may read the record of a destroyed one.
// klXxxGetNativeHandle returns the object itself, so a test can reach it
// through a handle the validation layer wraps.
#ifndef KEEL_LOADER_TESTS_FAKES_FAKE_BACKEND_H_
#define KEEL_LOADER_TESTS_FAKES_FAKE_BACKEND_H_

#include <keel/keel_backend.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KeelFakeObject {
  KLobjectHeader header;      /* loader-owned dispatch word, offset 0 */
  const char* kind;           /* "device", "context", "stream", ... */
  int index;                  /* device ordinal in its backend, else a serial number */
  struct KeelFakeObject* device;  /* the device of a context; NULL otherwise */
  int destroyed;              /* set by Destroy/Unload/Free-like entry points */
  /* The last entry point dispatched on this object. */
  const char* last_call;
  const KLdispatchTable* last_call_by; /* services->dispatch of the backend whose code ran */
  KLcontext last_ctx;         /* the ctx argument it received (C, C0 and S kinds) */
  unsigned long calls;        /* entry points dispatched on this object */
  unsigned long made_current; /* keelBackendCtxMadeCurrent calls on this context */
  /* A function's parameters (klFuncGetParamCount/Info): from its name when it
     is "args:<size>,<size>,..." (each aligned to its size); none for "noinfo"
     (the queries fail); else 16 of 8 bytes. */
  size_t param_count;
  size_t param_sizes[16];
} KeelFakeObject;

typedef struct KeelFakeStats {
  int negotiate_calls;
  int init_calls;
  const KLdispatchTable* own_table;  /* the table the fake handed over (not the loader's copy) */
  const KLdispatchTable* services_dispatch; /* the loader's table pointer it stamps on objects */
} KeelFakeStats;

/* Exported by every fake besides keelBackendNegotiate. */
#define KEEL_FAKE_STATS_SYMBOL "keelFakeStats"
typedef KeelFakeStats* (*PFN_keelFakeStats)(void);

#ifdef __cplusplus
}
#endif

#endif /* KEEL_LOADER_TESTS_FAKES_FAKE_BACKEND_H_ */
