#!/usr/bin/env bash
# One device call that verifies a packed build (scripts/gpu/pack.sh) end to
# end, for when device time allows a single run:
#   run(command="scripts/gpu/final.sh", carry=[".gl", ".gpubin"], timeout_s=600)
# 1. the experiment list $EXPERIMENTS (scripts/gpu/experiments.sh), if set
#    (after the table with BENCH_FIRST=1, below);
# 2. the whole conformance suite of each backend in $SUITES (default
#    "vulkan cuda"), one after the other (CONF_FILTER_cuda=... runs the
#    tests of that suite that match this --gtest_filter only)
#    (CONF_PARALLEL=1 runs them at once, about 140 s faster, but then
#    Context.Create100NoLeak, which compares the device's free memory,
#    sees the other suite's allocations and fails);
# 3. the whole keel-bench table, alone on the machine; with BENCH_FIRST=1
#    before the suites instead, and after each suite the machine's load, its
#    busiest processes and the latency figures again, with keel-bench's
#    progress lines and exit status (after-<suite>.txt; with CONF_PARALLEL=1
#    once, after both suites: after-parallel.txt): on 2026-12-07 a table
#    taken after the Vulkan suite had raw Vulkan's small copies and round
#    trip 2x slower than a run before it; NO_BENCH=1 leaves the table out
#    (a second call that runs only the suites);
# 4. the vector_add sample on the default backend and streams_overlap on
#    each backend (Vulkan with 4 queues and with 1).
# Logs in $OUT: info.txt, conf-{vulkan,cuda}.txt, bench.{txt,json},
# after-{vulkan,cuda}.txt or after-parallel.txt (BENCH_FIRST=1), samples.txt,
# experiments.tgz.
set -u
cd "$(dirname "$0")/../.." || exit 1
OUT_DEFAULT=build/gpu-final-out
# shellcheck source=scripts/gpu/packed_env.sh
source scripts/gpu/packed_env.sh
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }
machine() { uptime; ps -eo pid,pcpu,etimes,comm --sort=-pcpu | head -6; }
bench() {
  timeout "${BENCH_TIMEOUT:-220}" "$G/bin/keel-bench" --json "$OUT/bench.json" >"$OUT/bench.txt" 2>&1
  echo "bench rc=$?" >>"$OUT/bench.txt"
  stamp bench
  grep -E "^\| |rc=|ERROR" "$OUT/bench.txt" | head -110
}
export KEEL_CONFORMANCE_KERNEL_DIR=$G/kernels
{ date -u; cat "$G/commit.txt"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  "$G/bin/keel-info"; } >"$OUT/info.txt" 2>&1
head -4 "$OUT/info.txt"
BENCH_FIRST=${BENCH_FIRST:-0}
if [ "$BENCH_FIRST" = 1 ]; then machine; bench; fi
if [ -n "${EXPERIMENTS:-}" ]; then
  OUT=$OUT scripts/gpu/experiments.sh "$EXPERIMENTS" | grep -v "^keel: " | tail -60
  stamp experiments
fi
suite() {  # CONF_FILTER_<backend>: a --gtest_filter for that suite
  local filter="CONF_FILTER_$1"
  KEEL_BACKENDS=$1 timeout "${CONF_TIMEOUT:-260}" "$G/bin/keel-conformance" --backend "$1" \
    ${!filter:+"--gtest_filter=${!filter}"} >"$OUT/conf-$1.txt" 2>&1
  echo "rc=$?" >>"$OUT/conf-$1.txt"
}
after() {  # BENCH_FIRST=1: the machine and the latency figures, into after-$1.txt
  [ "$BENCH_FIRST" = 1 ] || return 0
  { machine; timeout 60 "$G/bin/keel-bench" \
      --filter launch.roundtrip,memcpy.htod.pinned.4B,pageable.256MiB 2>&1 |
      grep -E "^\| [a-z]|^keel-bench: "
    echo "keel-bench rc=${PIPESTATUS[0]}"  # 124: the timeout
  } >"$OUT/after-$1.txt" 2>&1
}
SUITES=${SUITES:-vulkan cuda}
if [ "${CONF_PARALLEL:-0}" = 1 ]; then
  # One check, once all are done: beside a running suite it would measure it.
  for b in $SUITES; do suite "$b" & done; wait
  afters=parallel; after parallel
else
  for b in $SUITES; do suite "$b"; after "$b"; done
  afters=$SUITES
fi
stamp conformance
for b in $SUITES; do
  echo "-- $b"; grep -E "^Total|^Verdict|passed,|^rc=|^Wall" "$OUT/conf-$b.txt"
  grep -E -A7 "^\[ *[0-9]+/[0-9]+\] (Fail|Crash|Timeout)" "$OUT/conf-$b.txt" | head -30
done
if [ "$BENCH_FIRST" = 1 ]; then
  for a in $afters; do echo "-- after $a"; cat "$OUT/after-$a.txt"; done
elif [ "${NO_BENCH:-0}" != 1 ]; then
  bench
fi
export KEEL_SAMPLE_KERNEL_DIR=$G/bin/kernels
{ echo "== vector_add (default backend)"; timeout 30 "$G/bin/vector_add"
  for q in 4 1; do echo "== streams_overlap vulkan, KEEL_VULKAN_QUEUES=$q"
    KEEL_BACKENDS=vulkan KEEL_VULKAN_QUEUES=$q timeout 30 "$G/bin/streams_overlap"; done
  echo "== streams_overlap cuda"; KEEL_BACKENDS=cuda timeout 30 "$G/bin/streams_overlap"
} >"$OUT/samples.txt" 2>&1
tail -30 "$OUT/samples.txt"
stamp finished
