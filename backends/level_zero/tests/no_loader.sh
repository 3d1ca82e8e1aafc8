#!/bin/sh
# keel-info without libze_loader.so.1: hides the loader in a private mount
# namespace (bind-mounts /dev/null over it) and checks the backend's reason.
# Needs unshare(1) and the right to create a mount namespace (root, as in CI);
# otherwise exits 77, which ctest reports as skipped.
# Usage: no_loader.sh <keel-info>
keel_info=$1
loader=$(ldconfig -p 2>/dev/null | awk '/libze_loader\.so\.1 .*x86-64|libze_loader\.so\.1 / {print $NF; exit}')
[ -n "$loader" ] || { echo "libze_loader.so.1 is not installed: nothing to hide"; exit 77; }
unshare -m true 2>/dev/null || { echo "cannot create a mount namespace here"; exit 77; }
out=$(KEEL_BACKENDS=level_zero unshare -m sh -c "mount --bind /dev/null '$(readlink -f "$loader")' && '$keel_info'" 2>&1)
echo "$out"
echo "$out" | grep -q "reason: Level Zero loader not found (libze_loader.so.1)"
