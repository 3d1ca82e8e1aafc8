/* Links Keel; the bundle is the point of this project. */
#include <keel/keel.h>
#include <stdio.h>

int main(void) {
  int version = 0;
  klDriverGetVersion(&version);
  printf("keel %d\n", version);
  return 0;
}
