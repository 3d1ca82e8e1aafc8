// klInit: discovery, selection, dlopen, version negotiation, backend init and
// the device list; and the queries over their results.
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "layers/layer.h"
#include "loader_internal.h"

namespace keel::loader {

std::atomic<bool> g_initialized{false};

namespace {

// Default priority when KEEL_BACKENDS is unset; unknown names follow, sorted.
constexpr const char* kDefaultOrder[] = {"cuda", "level_zero", "vulkan"};

// A plugin claiming more devices than this is broken, not big.
constexpr int kMaxDevicesPerBackend = 4096;

// Written once under g_init_once and never destroyed: no static destructor
// may free what a late call (another thread, an atexit handler, a backend's
// own teardown) still reads, and the Backend records stay reachable.
std::vector<Backend*>& g_backends = *new std::vector<Backend*>();
std::vector<KLdevice>& g_devices = *new std::vector<KLdevice>();
KLresult g_init_result = KL_ERROR_NOT_INITIALIZED;
std::string& g_init_message = *new std::string();  // what every failing klInit call reports
std::once_flag g_init_once;

void ServicesLog(KLlogLevel level, const char* backend, const char* format, ...) {
  if (!LogEnabled(level)) return;
  char line[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  Log(level, "%s: %s", backend, line);
}

int ServicesLogEnabled(KLlogLevel level) { return LogEnabled(level) ? 1 : 0; }

KLresult ServicesSetError(KLresult code, const char* format, ...) {
  char message[4096];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return SetError(code, "%s", message);
}

// The candidates of the klInit in progress (for the same-library check).
std::vector<Backend*>& g_loading = *new std::vector<Backend*>();

// Why path cannot be a plugin file, or "" if it is a regular file.
std::string NotARegularFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    char target[4096];
    ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
    if (n >= 0) return "dangling symbolic link to " + std::string(target, static_cast<size_t>(n));
    return std::string("cannot open: ") + std::strerror(err);
  }
  if (S_ISREG(st.st_mode)) return "";
  const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device node"
                                                                  : "not a file";
  return std::string("not a regular file (") + kind + ")";
}

int DefaultRank(const std::string& name) {
  for (size_t i = 0; i < sizeof kDefaultOrder / sizeof kDefaultOrder[0]; ++i)
    if (name == kDefaultOrder[i]) return static_cast<int>(i);
  return static_cast<int>(sizeof kDefaultOrder / sizeof kDefaultOrder[0]);
}

// Opens, negotiates and initializes one plugin; fills b->status and reason.
void LoadBackend(Backend* b) {
  Log(KL_LOG_INFO, "loading backend %s from %s", b->name.c_str(), b->path.c_str());
  // dlopen of a FIFO blocks and of a directory fails obscurely: only regular
  // files (or links to them) are opened.
  if (std::string why = NotARegularFile(b->path); !why.empty()) {
    b->status = KL_BACKEND_STATUS_LOAD_FAILED;
    b->reason = why;
    return;
  }
  dlerror();
  void* lib = dlopen(b->path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    b->status = KL_BACKEND_STATUS_LOAD_FAILED;
    b->reason = std::string("dlopen failed: ") + (why ? why : "unknown error");
    return;
  }
  // The same file under two names (a link) is one library with one set of
  // globals: negotiating it twice would restamp the first backend's objects.
  for (const Backend* other : g_loading) {
    if (other != b && other->library == lib) {
      b->status = KL_BACKEND_STATUS_LOAD_FAILED;
      b->reason = "same library as backend " + other->name + " (" + other->path + "); skipped";
      return;
    }
  }
  b->library = lib;
  // Plugins are never closed: their objects may outlive any teardown order.
  auto negotiate =
      reinterpret_cast<PFN_keelBackendNegotiate>(dlsym(lib, KEEL_BACKEND_ENTRY_POINT));
  if (negotiate == nullptr) {
    b->status = KL_BACKEND_STATUS_LOAD_FAILED;
    b->reason = "not a Keel backend: missing entry point " KEEL_BACKEND_ENTRY_POINT;
    return;
  }
  // The table handles point at: allocated before negotiation so the backend
  // can stamp its address, filled from the backend's table afterwards.
  b->table = new KLdispatchTable();
  KLloaderServices* services = &b->services;
  services->structSize = sizeof(KLloaderServices);
  services->interfaceVersion = KEEL_BACKEND_INTERFACE_VERSION;
  services->dispatch = b->table;
  services->setError = ServicesSetError;
  services->log = ServicesLog;
  services->logEnabled = ServicesLogEnabled;

  KLbackendInterface& iface = b->iface;
  iface.structSize = sizeof(KLbackendInterface);
  ClearError();
  KLresult r = negotiate(services, &iface);
  if (r != KL_SUCCESS) {
    b->status = r == KL_ERROR_NOT_SUPPORTED ? KL_BACKEND_STATUS_VERSION_MISMATCH
                                            : KL_BACKEND_STATUS_LOAD_FAILED;
    char text[256];
    std::snprintf(text, sizeof text, "negotiation failed (loader speaks interface %d): ",
                  KEEL_BACKEND_INTERFACE_VERSION);
    b->reason = text + std::string(*LastErrorMessage() ? LastErrorMessage() : "no reason given");
    return;
  }
  if (iface.interfaceVersion < 1 || iface.interfaceVersion > KEEL_BACKEND_INTERFACE_VERSION) {
    b->status = KL_BACKEND_STATUS_VERSION_MISMATCH;
    b->reason = "plugin chose interface version " + std::to_string(iface.interfaceVersion) +
                ", loader speaks 1.." + std::to_string(KEEL_BACKEND_INTERFACE_VERSION);
    return;
  }
  if (iface.table == nullptr || iface.table->size < sizeof(size_t) || iface.init == nullptr ||
      iface.getDevices == nullptr) {
    b->status = KL_BACKEND_STATUS_LOAD_FAILED;
    b->reason = "plugin returned an incomplete interface (table, init or getDevices missing)";
    return;
  }
  b->interface_version = static_cast<int>(iface.interfaceVersion);
  if (iface.version != nullptr) b->version = iface.version;
  if (iface.name != nullptr && b->name != iface.name)
    Log(KL_LOG_WARN, "plugin %s calls itself '%s'; using the file name", b->path.c_str(),
        iface.name);
  // A shorter (older) table leaves the newer slots NULL: NOT_SUPPORTED. Only
  // whole slots are copied: a size that ends inside a slot must not yield
  // half a function pointer.
  size_t n = std::min(iface.table->size, sizeof(KLdispatchTable));
  n = sizeof(size_t) + (n - sizeof(size_t)) / sizeof(void (*)()) * sizeof(void (*)());
  std::memcpy(b->table, iface.table, n);
  b->table->size = sizeof(KLdispatchTable);
  Log(KL_LOG_DEBUG, "%s: interface %u, table %zu of %zu bytes, version '%s'", b->name.c_str(),
      iface.interfaceVersion, iface.table->size, sizeof(KLdispatchTable), b->version.c_str());

  ClearError();
  r = iface.init();
  if (r == KL_ERROR_NO_DEVICE) {
    b->status = KL_BACKEND_STATUS_NO_DEVICES;
    b->reason = *LastErrorMessage() ? LastErrorMessage() : "the backend found no device";
    return;
  }
  if (r != KL_SUCCESS) {
    const char* name = "?";
    klGetErrorName(r, &name);
    b->status = KL_BACKEND_STATUS_INIT_FAILED;
    b->reason = std::string("init failed (") + (name ? name : "?") +
                "): " + (*LastErrorMessage() ? LastErrorMessage() : "no reason given");
    return;
  }
  int count = 0;
  if (iface.getDevices(&count, nullptr) != KL_SUCCESS || count < 0 ||
      count > kMaxDevicesPerBackend) {
    b->status = KL_BACKEND_STATUS_INIT_FAILED;
    b->reason = std::string("device enumeration failed: ") +
                (*LastErrorMessage() ? LastErrorMessage() : "count " + std::to_string(count));
    return;
  }
  std::vector<KLdevice> devices(static_cast<size_t>(count));
  if (count > 0 && iface.getDevices(&count, devices.data()) != KL_SUCCESS) {
    b->status = KL_BACKEND_STATUS_INIT_FAILED;
    b->reason = std::string("device enumeration failed: ") + LastErrorMessage();
    return;
  }
  devices.resize(static_cast<size_t>(count));
  for (KLdevice d : devices) {
    // A hostile or broken plugin must not hand the application unusable handles.
    if (d == nullptr || TableOf(d) != b->table) {
      b->status = KL_BACKEND_STATUS_INIT_FAILED;
      b->reason = "plugin returned an invalid device handle";
      return;
    }
  }
  b->devices = std::move(devices);
  if (b->devices.empty()) {
    b->status = KL_BACKEND_STATUS_NO_DEVICES;
    b->reason = "the backend reported 0 devices";
    return;
  }
  if (iface.driverVersion != nullptr) {
    if (const char* dv = iface.driverVersion(); dv != nullptr && *dv) {
      b->version += b->version.empty() ? "" : "; ";
      b->version += dv;
    }
  }
  b->status = KL_BACKEND_STATUS_LOADED;
}

const char* StatusName(KLbackendStatus s) {
  switch (s) {
    case KL_BACKEND_STATUS_LOADED: return "loaded";
    case KL_BACKEND_STATUS_NO_DEVICES: return "no devices";
    case KL_BACKEND_STATUS_NOT_FOUND: return "not found";
    case KL_BACKEND_STATUS_LOAD_FAILED: return "failed to load";
    case KL_BACKEND_STATUS_VERSION_MISMATCH: return "version mismatch";
    case KL_BACKEND_STATUS_INIT_FAILED: return "init failed";
    case KL_BACKEND_STATUS_NOT_SELECTED: return "not selected";
    case KL_BACKEND_STATUS_INVALID: break;
  }
  return "invalid";
}

KLresult InitOnce() {
  std::vector<std::string> searched;
  std::vector<Candidate> found = DiscoverPlugins(&searched);
  std::vector<std::string> selected = SelectedBackendNames();

  // Order: KEEL_BACKENDS order when set, else the default priority.
  std::vector<Backend*> order;
  if (!selected.empty()) {
    for (const std::string& name : selected) {
      auto* b = new Backend();
      b->name = name;
      auto it = std::find_if(found.begin(), found.end(),
                             [&](const Candidate& c) { return c.name == name; });
      if (it == found.end()) {
        std::string dirs;
        for (const std::string& d : searched) dirs += (dirs.empty() ? "" : ", ") + d;
        b->status = KL_BACKEND_STATUS_NOT_FOUND;
        b->reason = "KEEL_BACKENDS names '" + name + "' but no libkeel_" + name +
                    ".so was found (searched: " + dirs + ")";
      } else {
        b->path = it->path;
      }
      order.push_back(b);
    }
    for (const Candidate& c : found) {
      if (std::find(selected.begin(), selected.end(), c.name) != selected.end()) continue;
      auto* b = new Backend();
      b->name = c.name;
      b->path = c.path;
      b->status = KL_BACKEND_STATUS_NOT_SELECTED;
      b->reason = "not listed in KEEL_BACKENDS; never opened";
      order.push_back(b);
    }
  } else {
    std::stable_sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
      int ra = DefaultRank(a.name), rb = DefaultRank(b.name);
      return ra != rb ? ra < rb : a.name < b.name;
    });
    for (const Candidate& c : found) {
      auto* b = new Backend();
      b->name = c.name;
      b->path = c.path;
      order.push_back(b);
    }
  }

  g_loading = order;
  for (Backend* b : order) {
    if (b->status == KL_BACKEND_STATUS_INVALID) LoadBackend(b);
    if (b->status == KL_BACKEND_STATUS_LOADED) {
      for (KLdevice d : b->devices) g_devices.push_back(d);
      Log(KL_LOG_INFO, "backend %s: loaded, %zu device(s)", b->name.c_str(), b->devices.size());
    } else if (b->status == KL_BACKEND_STATUS_NOT_SELECTED) {
      Log(KL_LOG_DEBUG, "backend %s (%s): %s", b->name.c_str(), b->path.c_str(),
          b->reason.c_str());
    } else {
      Log(KL_LOG_INFO, "backend %s: %s: %s", b->name.c_str(), StatusName(b->status),
          b->reason.c_str());
    }
  }
  g_backends = std::move(order);

  for (size_t i = 0; i < g_devices.size(); ++i) {
    char name[256] = "?";
    const KLdispatchTable* t = TableOf(g_devices[i]);
    if (t->klDeviceGetName) t->klDeviceGetName(name, sizeof name, g_devices[i]);
    Log(KL_LOG_INFO, "device %zu: %s (%s)", i, name, BackendOfTable(t)->name.c_str());
  }

  // Layers (KEEL_LAYERS) go in now: no handle of these backends exists yet
  // but their devices, which the layers learn here.
  for (Backend* b : g_backends)
    if (b->status == KL_BACKEND_STATUS_LOADED) layers::InstallLayers(*b);

  if (!g_devices.empty()) return KL_SUCCESS;

  // Nothing usable: the message lists every candidate and why.
  bool any_loaded = false;
  std::string summary;
  for (const Backend* b : g_backends) {
    if (b->status == KL_BACKEND_STATUS_NO_DEVICES) any_loaded = true;
    summary += "; " + b->name + ": " + StatusName(b->status) +
               (b->reason.empty() ? "" : " (" + b->reason + ")");
  }
  if (g_backends.empty()) {
    std::string dirs;
    for (const std::string& d : searched) dirs += (dirs.empty() ? "" : ", ") + d;
    summary = "; no backend plugin found (searched: " + dirs + ")";
  }
  KLresult code = any_loaded ? KL_ERROR_NO_DEVICE : KL_ERROR_NO_BACKEND;
  g_init_message = std::string("klInit: ") + (any_loaded ? "no device found" : "no backend loaded") +
                   summary;
  Log(KL_LOG_ERROR, "%s", g_init_message.c_str());
  return code;
}

}  // namespace

const std::vector<Backend*>& Backends() { return g_backends; }

const Backend* BackendOfTable(const KLdispatchTable* table) {
  for (const Backend* b : g_backends)
    if (b->table == table) return b;
  return nullptr;
}

int BackendIndexOfTable(const KLdispatchTable* table) {
  for (size_t i = 0; i < g_backends.size(); ++i)
    if (g_backends[i]->table == table) return static_cast<int>(i);
  return -1;
}

}  // namespace keel::loader

using namespace keel::loader;

KLresult klInit(unsigned int flags) {
  if (flags != 0) return SetError(KL_ERROR_INVALID_VALUE, "klInit: flags must be 0 (got %u)", flags);
  std::call_once(g_init_once, [] {
    g_init_result = InitOnce();
    g_initialized.store(true, std::memory_order_release);
  });
  // Every failing call, on any thread, gets the whole story: each candidate
  // and why it is not usable.
  if (g_init_result != KL_SUCCESS) RecordError(g_init_result, "%s", g_init_message.c_str());
  return g_init_result;
}

KLresult klDriverGetVersion(int* version) {
  if (version == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klDriverGetVersion: version is NULL");
  *version = KEEL_API_VERSION;
  return KL_SUCCESS;
}

KLresult klGetBackendCount(int* count) {
  if (count == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klGetBackendCount: count is NULL");
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klGetBackendCount: call klInit first");
  *count = static_cast<int>(g_backends.size());
  return KL_SUCCESS;
}

KLresult klGetBackendProperties(KLbackendProperties* props, int index) {
  if (props == nullptr)
    return SetError(KL_ERROR_INVALID_VALUE, "klGetBackendProperties: props is NULL");
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klGetBackendProperties: call klInit first");
  if (index < 0 || static_cast<size_t>(index) >= g_backends.size())
    return SetError(KL_ERROR_INVALID_VALUE, "klGetBackendProperties: index %d out of range (0..%zu)",
                    index, g_backends.size());
  const Backend* b = g_backends[static_cast<size_t>(index)];
  std::memset(props, 0, sizeof *props);
  std::snprintf(props->name, sizeof props->name, "%s", b->name.c_str());
  props->status = b->status;
  props->deviceCount = static_cast<int>(b->devices.size());
  props->interfaceVersion = b->interface_version;
  std::snprintf(props->version, sizeof props->version, "%s", b->version.c_str());
  std::snprintf(props->path, sizeof props->path, "%s", b->path.c_str());
  std::snprintf(props->reason, sizeof props->reason, "%s", b->reason.c_str());
  return KL_SUCCESS;
}

KLresult klDeviceGetCount(int* count) {
  if (count == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klDeviceGetCount: count is NULL");
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klDeviceGetCount: call klInit first");
  *count = static_cast<int>(g_devices.size());
  return KL_SUCCESS;
}

KLresult klDeviceGet(KLdevice* device, int ordinal) {
  if (device == nullptr) return SetError(KL_ERROR_INVALID_VALUE, "klDeviceGet: device is NULL");
  if (!g_initialized.load(std::memory_order_acquire))
    return SetError(KL_ERROR_NOT_INITIALIZED, "klDeviceGet: call klInit first");
  if (ordinal < 0 || static_cast<size_t>(ordinal) >= g_devices.size())
    return SetError(KL_ERROR_INVALID_DEVICE, "klDeviceGet: ordinal %d out of range (%zu device(s))",
                    ordinal, g_devices.size());
  *device = g_devices[static_cast<size_t>(ordinal)];
  return KL_SUCCESS;
}
