/* Proves the compile test's flags are live: this file must FAIL to compile
 * under them (an unused variable is a warning, -Werror makes it an error). */
#include <keel/keel.h>

int keel_header_compile_must_fail(void);
int keel_header_compile_must_fail(void) {
  int unused;
  return KL_SUCCESS;
}
