/* Compiled as C99 and C11 with -Wall -Wextra -Werror -pedantic (and
 * -Wstrict-prototypes): the public headers must not warn in a C program. */
#include <keel/keel.h>
#include <keel/keel_backend.h>

/* Use a little of everything so that the declarations are really checked. */
int keel_header_compile_test_c(void);
int keel_header_compile_test_c(void) {
  KLdispatchTable table = {0};
  KLbackendInterface iface = {0};
  KLresult (*init)(unsigned int) = klInit;
  table.size = sizeof table;
  iface.table = &table;
  return (int)iface.table->size + (init != 0) + KEEL_API_VERSION + KEEL_BACKEND_INTERFACE_VERSION;
}
