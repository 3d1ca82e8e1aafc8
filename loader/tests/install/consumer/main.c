/* An application outside the Keel tree, built against an installed Keel
 * (find_package(Keel) or pkg-config). It prints what it sees for the install
 * test to check; it fails only if the API version is wrong. */
#define _GNU_SOURCE
#include <keel/keel.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int version = 0;
  if (klDriverGetVersion(&version) != KL_SUCCESS || version != KEEL_API_VERSION) {
    fprintf(stderr, "klDriverGetVersion: %d, header says %d\n", version, KEEL_API_VERSION);
    return 1;
  }
  KLresult r = klInit(0);
  const char* name = "?";
  const char* message = "";
  int devices = -1;
  klGetErrorName(r, &name);
  klGetLastErrorMessage(&message);
  klDeviceGetCount(&devices);

  Dl_info info;
  char where[PATH_MAX] = "?";
  if (dladdr((void*)&klInit, &info) != 0 && info.dli_fname != NULL) realpath(info.dli_fname, where);
  printf("keel_api_version=%d\nklInit=%s\ndevices=%d\nlibkeel=%s\nmessage=%s\n", version, name,
         devices, where, message);
  return 0;
}
