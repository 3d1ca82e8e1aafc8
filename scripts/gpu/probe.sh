#!/usr/bin/env bash
# Runs keel-bandwidth-probe (bench/bandwidth_probe.cc) from a build packed by
# scripts/gpu/pack.sh, once per backend, each in its own process:
#   run(command="scripts/gpu/probe.sh", carry=[".gl", ".gpubin"])
# Environment: PROBE_SIZE (MiB, default 256), PROBE_STEPS (default all),
# PROBE_BACKENDS (default "vulkan cuda"). Each run is cut off after 60 s.
# Output goes to stdout and to $OUT/probe-<backend>.txt.
set -u
cd "$(dirname "$0")/../.." || exit 1
G=$PWD/.gpubin
OUT=${OUT:-$PWD/build/gpu-probe-out}
mkdir -p "$OUT"
if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export LD_LIBRARY_PATH=$G/lib KEEL_BACKEND_PATH=$G/lib/keel
head -2 "$G/commit.txt"
for b in ${PROBE_BACKENDS:-vulkan cuda}; do
  KEEL_BACKENDS=$b timeout 60 "$G/bin/keel-bandwidth-probe" --backend "$b" \
    --size "${PROBE_SIZE:-256}" ${PROBE_STEPS:+--steps "$PROBE_STEPS"} 2>&1 | tee "$OUT/probe-$b.txt"
  echo "rc=${PIPESTATUS[0]}" | tee -a "$OUT/probe-$b.txt"
done
exit 0
