#!/usr/bin/env bash
# Runs a build packed by scripts/gpu/pack.sh on the device (no build there):
#   run(command="scripts/gpu/carried.sh", carry=[".gl", ".gpubin"])
# Environment (each step is skipped when its variable is empty):
#   VK_FILTER     gtest filter of the Vulkan conformance run ('*' = all)
#   CUDA_FILTER   the same for CUDA
#   BENCH_FILTER  keel-bench --filter (comma-separated ids or parts; '.' = all)
#   VK_TIMEOUT, CUDA_TIMEOUT, BENCH_TIMEOUT  seconds per step (80, 30, 140)
# Logs go to $OUT: info.txt, conf-vulkan.txt, conf-cuda.txt, bench.txt/json.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT_DEFAULT=build/gpu-carried-out
# shellcheck source=scripts/gpu/packed_env.sh
source scripts/gpu/packed_env.sh
export KEEL_CONFORMANCE_KERNEL_DIR=$G/kernels
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }
{ date -u; cat "$G/commit.txt"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  "$G/bin/keel-info"; } >"$OUT/info.txt" 2>&1
head -6 "$OUT/info.txt"
conformance() {  # backend, filter, seconds
  KEEL_BACKENDS=$1 timeout "$3" "$G/bin/keel-conformance" --backend "$1" --gtest_filter="$2" \
    >"$OUT/conf-$1.txt" 2>&1
  echo "rc=$?" >>"$OUT/conf-$1.txt"
  stamp "conformance $1"
  grep -E "^Total|^Verdict|passed,|^rc=" "$OUT/conf-$1.txt"
  grep -E -A7 "^\[ *[0-9]+/[0-9]+\] (Fail|Crash|Timeout)" "$OUT/conf-$1.txt" | head -40
}
[ -n "${VK_FILTER:-}" ] && conformance vulkan "$VK_FILTER" "${VK_TIMEOUT:-80}"
if [ -n "${BENCH_FILTER:-}" ]; then
  timeout "${BENCH_TIMEOUT:-140}" "$G/bin/keel-bench" --json "$OUT/bench.json" --filter "$BENCH_FILTER" \
    >"$OUT/bench.txt" 2>&1
  echo "bench rc=$?" >>"$OUT/bench.txt"
  stamp bench
  grep -E "^\| |rc=|ERROR" "$OUT/bench.txt" | head -120
fi
[ -n "${CUDA_FILTER:-}" ] && conformance cuda "$CUDA_FILTER" "${CUDA_TIMEOUT:-30}"
exit 0
