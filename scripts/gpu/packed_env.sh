# shellcheck shell=bash
# Sourced by the scripts that run a build packed by scripts/gpu/pack.sh on
# the device (carried.sh, experiments.sh, probe.sh, final.sh), from the
# repository root, with OUT_DEFAULT set: unpacks the Vulkan loader packages
# carried in .gl/ (the device has no Vulkan loader), points Vulkan at the
# NVIDIA ICD and Keel at the packed libraries, and sets G (the packed tree)
# and OUT (the log folder, created).
G=$PWD/.gpubin
OUT=${OUT:-$PWD/$OUT_DEFAULT}
mkdir -p "$OUT"
if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export LD_LIBRARY_PATH=$G/lib KEEL_BACKEND_PATH=$G/lib/keel
export KEEL_DISPATCH_BENCH_BACKEND_DIR=$G/lib/dispatch-test
