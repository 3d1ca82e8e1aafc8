// Access to the loader's services from backend code: errors and logging.
#ifndef KEEL_BACKENDS_COMMON_SERVICES_H_
#define KEEL_BACKENDS_COMMON_SERVICES_H_

#include <keel/keel_backend.h>

namespace keel {

// Stores the loader's services; called once from keelBackendNegotiate.
void SetServices(const KLloaderServices* services, const char* backend_name);

// The services passed at negotiation. Valid after SetServices.
const KLloaderServices& services();

// The backend's short name, for log lines.
const char* BackendName();

// Sets the calling thread's last-error message and returns `code`, so a
// failure reads `return Fail(KL_ERROR_INVALID_VALUE, "klMemAlloc: size is 0");`.
KLresult Fail(KLresult code, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Logs one line (prefixed with the backend name by the loader).
void Log(KLlogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));
bool LogEnabled(KLlogLevel level);

}  // namespace keel

#endif  // KEEL_BACKENDS_COMMON_SERVICES_H_
