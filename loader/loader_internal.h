// Internal interfaces between the loader's files. Nothing here is exported.
#ifndef KEEL_LOADER_LOADER_INTERNAL_H_
#define KEEL_LOADER_LOADER_INTERNAL_H_

#include <keel/keel.h>
#include <keel/keel_backend.h>

#include <atomic>
#include <string>
#include <vector>

#define KEEL_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace keel::loader {

// ---- logging (log.cc) -------------------------------------------------------
// KEEL_LOG=error|warn|info|debug (default error), KEEL_LOG_FILE=path.
bool LogEnabled(KLlogLevel level);
void Log(KLlogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// ---- errors (errors.cc) -----------------------------------------------------
// Sets the calling thread's last-error message and returns code.
KLresult SetError(KLresult code, const char* format, ...) __attribute__((format(printf, 2, 3)));
// As SetError, without the log line (for errors already logged).
KLresult RecordError(KLresult code, const char* format, ...) __attribute__((format(printf, 2, 3)));
const char* LastErrorMessage();
void ClearError();

// ---- backends (backends.cc) -------------------------------------------------
struct Backend {
  std::string name;
  std::string path;
  KLbackendStatus status = KL_BACKEND_STATUS_INVALID;
  std::string reason;
  std::string version;
  int interface_version = 0;
  // Loader-owned copy of the backend's table; its address is the `dispatch`
  // word of every handle of this backend. Never freed (no unloading at exit).
  KLdispatchTable* table = nullptr;
  // What the loader offers this backend; must outlive the process's use of it.
  KLloaderServices services{};
  // The dlopen handle, kept to notice one file reached under two names.
  void* library = nullptr;
  KLbackendInterface iface{};
  std::vector<KLdevice> devices;
};

// True once klInit has run (whatever its result).
extern std::atomic<bool> g_initialized;

// All candidates in priority order; valid after klInit.
const std::vector<Backend*>& Backends();
// The backend whose table is `table`, or nullptr.
const Backend* BackendOfTable(const KLdispatchTable* table);
// Index of that backend in Backends(), or -1.
int BackendIndexOfTable(const KLdispatchTable* table);

// ---- discovery (discovery.cc) -----------------------------------------------
struct Candidate {
  std::string name;  // from libkeel_<name>.so
  std::string path;  // absolute path
};
// Finds plugins: KEEL_BACKEND_PATH, then keel/ beside libkeel, then the
// install prefix. First file per backend name wins.
std::vector<Candidate> DiscoverPlugins(std::vector<std::string>* searched_dirs);
// Parses KEEL_BACKENDS into names; empty when unset.
std::vector<std::string> SelectedBackendNames();

// ---- current context (context_stack.cc) ------------------------------------
// The top of the calling thread's context stack, cached in an initial-exec
// TLS word (libkeel is loaded with the program, so static TLS is available):
// reading the current context on every handle-less call costs one load, no
// call and no __tls_get_addr. Plain __thread (no dynamic initialization), so
// other files read it inline rather than through a C++ TLS wrapper call.
extern __thread KLcontext t_current_context __attribute__((tls_model("initial-exec")));
// The calling thread's current context, or nullptr.
inline KLcontext CurrentContext() { return t_current_context; }
// Removes ctx from the calling thread's stack (after it was destroyed).
void ForgetContext(KLcontext ctx);
// Pushes ctx (used by klCtxCreate).
void PushContext(KLcontext ctx);

// ---- slow paths shared by the exported functions (trampolines.cc) ----------
KLresult NullHandle(const char* function, const char* parameter);
KLresult NoCurrentContext(const char* function);
KLresult NotSupported(const char* function, const KLdispatchTable* table);

inline const KLdispatchTable* TableOf(const void* handle) {
  return static_cast<const KLobjectHeader*>(handle)->dispatch;
}

}  // namespace keel::loader

#endif  // KEEL_LOADER_LOADER_INTERNAL_H_
