#!/usr/bin/env bash
# Measures the GPU's performance state and clocks while keel-bench's
# bandwidth figures run on each backend (device machine), to find out whether
# a backend's bandwidth gap comes from the kernel or from the clocks the
# driver grants that API. For each (backend, figure) it prints the samples'
# P-state and the median and maximum SM and memory clocks next to the figure.
#
#   run(command="scripts/gpu/clocks_probe.sh", carry=[".gl"])
#
# Builds keel-bench through scripts/gpu/bench.sh's build (KEEL_BENCH_BUILD_DIR,
# default build/gpu-bench) when it is not there yet. Logs go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/build/gpu-clocks-out}
BUILD=${KEEL_BENCH_BUILD_DIR:-build/gpu-bench}
mkdir -p "$OUT"
if [ ! -x "$BUILD/bin/keel-bench" ]; then
  KEEL_BENCH_BUILD_DIR=$BUILD scripts/gpu/bench.sh --list >/dev/null 2>&1 || {
    echo "clocks_probe: keel-bench did not build (see $OUT/build.log)"; exit 1; }
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}

probe() {  # backend figure-filter
  local backend=$1 filter=$2 log="$OUT/clocks-$1-$2.csv"
  nvidia-smi --query-gpu=pstate,clocks.sm,clocks.mem,utilization.gpu,utilization.memory \
    --format=csv,noheader,nounits -lms 50 > "$log" 2>/dev/null &
  local smi=$!
  sleep 0.3
  local line
  line=$("$BUILD/bin/keel-bench" --backend "$backend" --filter "$filter" 2>&1 |
         grep -E "keel-bench: $backend " | tail -3)
  kill "$smi" 2>/dev/null; wait "$smi" 2>/dev/null
  # Only samples taken while the GPU was busy tell the clocks the work got.
  local busy
  busy=$(awk -F', ' '$4 > 50' "$log")
  echo "$line"
  if [ -z "$busy" ]; then
    echo "    clocks: no busy samples ($(wc -l < "$log") samples taken)"
  else
    # Medians through sort (the device image's awk is mawk: no asort).
    local n ps sm_med mem_med sm_max mem_max
    n=$(echo "$busy" | wc -l)
    ps=$(echo "$busy" | cut -d, -f1 | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')
    sm_med=$(echo "$busy" | cut -d, -f2 | sort -n | sed -n "$(((n + 1) / 2))p")
    mem_med=$(echo "$busy" | cut -d, -f3 | sort -n | sed -n "$(((n + 1) / 2))p")
    sm_max=$(echo "$busy" | cut -d, -f2 | sort -n | tail -1)
    mem_max=$(echo "$busy" | cut -d, -f3 | sort -n | tail -1)
    echo "    clocks while busy ($n samples): pstate $ps SM median$sm_med max$sm_max MHz, memory median$mem_med max$mem_max MHz"
  fi
}

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv 2>&1
  for backend in cuda vulkan; do
    for figure in vecadd memcpy.dtod.256MiB memset.d32.256MiB; do
      probe "$backend" "$figure"
    done
  done
} 2>&1 | tee "$OUT/clocks.txt"
