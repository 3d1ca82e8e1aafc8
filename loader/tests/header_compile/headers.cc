// Compiled as C++11, C++17 and C++20 with -Wall -Wextra -Werror -pedantic:
// the public headers must not warn in a C++ program.
#include <keel/keel.h>
#include <keel/keel_backend.h>

int keel_header_compile_test_cxx();
int keel_header_compile_test_cxx() {
  KLdispatchTable table{};
  KLbackendInterface iface{};
  KLresult (*init)(unsigned int) = klInit;
  table.size = sizeof table;
  iface.table = &table;
  static_assert(KL_SUCCESS == 0, "KL_SUCCESS is 0");
  return static_cast<int>(iface.table->size) + (init != nullptr) + KEEL_API_VERSION;
}
