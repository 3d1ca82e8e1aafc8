#include "probes.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <keel/keel.h>

#include "options.h"

namespace kc {
namespace {

int g_failures = 0;

void Check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++g_failures;
}

std::string Name(KLresult r) {
  const char* n = nullptr;
  klGetErrorName(r, &n);
  return n ? n : std::to_string(static_cast<int>(r));
}

void Expect(KLresult got, KLresult want, const char* call) {
  Check(got == want, std::string(call) + " -> " + Name(got) + " (want " + Name(want) + ")");
}

// Every function that needs klInit fails with NOT_INITIALIZED before it;
// the few that work before it do.
void BeforeInit() {
  int n = 0;
  KLdevice dev = nullptr;
  KLcontext ctx = nullptr;
  KLdeviceptr p = 0;
  KLbackendProperties props{};
  const char* s = nullptr;
  Expect(klDriverGetVersion(&n), KL_SUCCESS, "klDriverGetVersion");
  Check(n == KEEL_API_VERSION, "klDriverGetVersion reports KEEL_API_VERSION");
  Expect(klGetErrorName(KL_ERROR_INVALID_VALUE, &s), KL_SUCCESS, "klGetErrorName");
  Expect(klGetErrorString(KL_ERROR_INVALID_VALUE, &s), KL_SUCCESS, "klGetErrorString");
  Expect(klGetLastErrorMessage(&s), KL_SUCCESS, "klGetLastErrorMessage");
  Expect(klGetBackendCount(&n), KL_ERROR_NOT_INITIALIZED, "klGetBackendCount");
  Expect(klGetBackendProperties(&props, 0), KL_ERROR_NOT_INITIALIZED, "klGetBackendProperties");
  Expect(klDeviceGetCount(&n), KL_ERROR_NOT_INITIALIZED, "klDeviceGetCount");
  Expect(klDeviceGet(&dev, 0), KL_ERROR_NOT_INITIALIZED, "klDeviceGet");
  Expect(klCtxGetCurrent(&ctx), KL_ERROR_NOT_INITIALIZED, "klCtxGetCurrent");
  Expect(klCtxPopCurrent(&ctx), KL_ERROR_NOT_INITIALIZED, "klCtxPopCurrent");
  Expect(klCtxSetCurrent(nullptr), KL_ERROR_NOT_INITIALIZED, "klCtxSetCurrent");
  Expect(klMemAlloc(&p, 16), KL_ERROR_NOT_INITIALIZED, "klMemAlloc");
  Expect(klCtxSynchronize(), KL_ERROR_NOT_INITIALIZED, "klCtxSynchronize");
  Expect(klStreamSynchronize(nullptr), KL_ERROR_NOT_INITIALIZED, "klStreamSynchronize(NULL)");
  Expect(klGetLastErrorMessage(&s), KL_SUCCESS, "klGetLastErrorMessage after failures");
  Check(s != nullptr && std::strlen(s) > 0, "last-error message is set after a failure");
}

// KEEL_BACKENDS names a backend that does not exist: klInit fails with
// NO_BACKEND, and the candidate is reported as not found with a reason.
void UnknownBackend() {
  std::string wanted = Env("KEEL_BACKENDS");
  Expect(klInit(0), KL_ERROR_NO_BACKEND, "klInit");
  const char* message = nullptr;
  klGetLastErrorMessage(&message);
  Check(message != nullptr && std::strlen(message) > 0, "klInit left a last-error message");
  int count = 0;
  Expect(klGetBackendCount(&count), KL_SUCCESS, "klGetBackendCount");
  bool found = false;
  for (int i = 0; i < count; ++i) {
    KLbackendProperties p{};
    if (klGetBackendProperties(&p, i) != KL_SUCCESS || wanted != p.name) continue;
    found = true;
    Check(p.status == KL_BACKEND_STATUS_NOT_FOUND, "status is KL_BACKEND_STATUS_NOT_FOUND");
    Check(std::strlen(p.reason) > 0, std::string("reason is given: ") + p.reason);
    Check(p.deviceCount == 0, "deviceCount is 0");
  }
  Check(found, "the backend named in KEEL_BACKENDS is listed as a candidate");
  int devices = -1;
  Expect(klDeviceGetCount(&devices), KL_SUCCESS, "klDeviceGetCount");
  Check(devices == 0, "no devices");
  KLdevice dev = nullptr;
  Expect(klDeviceGet(&dev, 0), KL_ERROR_INVALID_DEVICE, "klDeviceGet(0)");
}

// klInit raced from several threads: every caller gets the same result.
void InitRace() {
  constexpr int kThreads = 8;
  std::vector<KLresult> results(kThreads, KL_ERROR_UNKNOWN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back([&results, i] { results[i] = klInit(0); });
  for (std::thread& t : threads) t.join();
  bool same = true;
  for (KLresult r : results) same = same && r == results[0];
  Check(same, "every thread got the same klInit result (" + Name(results[0]) + ")");
  Expect(klInit(0), results[0], "a later klInit returns the first result");
  int count = -1;
  Expect(klDeviceGetCount(&count), KL_SUCCESS, "klDeviceGetCount");
  Check(count >= 0, "device count is known");
}

}  // namespace

bool MaybeRunProbe(int argc, char** argv, int* exit_code) {
  std::string probe;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--keel-probe=", 13) == 0) probe = argv[i] + 13;
  if (probe.empty()) return false;
  if (probe == "before-init") BeforeInit();
  else if (probe == "unknown-backend") UnknownBackend();
  else if (probe == "init-race") InitRace();
  else Check(false, "unknown probe " + probe);
  std::printf("probe %s: %s\n", probe.c_str(), g_failures ? "FAILED" : "passed");
  *exit_code = g_failures ? 1 : 0;
  return true;
}

int RunProbe(const std::string& name, const std::string& env, std::string* output) {
  std::string exe = GlobalOptions().executable;
  std::string quoted = "'";
  for (char c : exe) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  std::string command = "env " + env + " " + quoted + " --keel-probe=" + name + " 2>&1";
  output->clear();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace kc
