#!/usr/bin/env bash
# Runs keel-bandwidth-probe (bench/bandwidth_probe.cc) from a build packed by
# scripts/gpu/pack.sh, once per backend, each in its own process:
#   run(command="scripts/gpu/probe.sh", carry=[".gl", ".gpubin"])
# Environment: PROBE_SIZE (MiB, default 256), PROBE_STEPS (default all),
# PROBE_BACKENDS (default "vulkan cuda"). Each run is cut off after 60 s.
# Output goes to stdout and to $OUT/probe-<backend>.txt.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT_DEFAULT=build/gpu-probe-out
# shellcheck source=scripts/gpu/packed_env.sh
source scripts/gpu/packed_env.sh
head -2 "$G/commit.txt"
for b in ${PROBE_BACKENDS:-vulkan cuda}; do
  KEEL_BACKENDS=$b timeout 60 "$G/bin/keel-bandwidth-probe" --backend "$b" \
    --size "${PROBE_SIZE:-256}" ${PROBE_STEPS:+--steps "$PROBE_STEPS"} 2>&1 | tee "$OUT/probe-$b.txt"
  echo "rc=${PIPESTATUS[0]}" | tee -a "$OUT/probe-$b.txt"
done
exit 0
