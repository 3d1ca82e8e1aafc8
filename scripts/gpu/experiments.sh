#!/usr/bin/env bash
# Runs a list of keel-bench experiments from a build packed by
# scripts/gpu/pack.sh, on the device, without building there:
#   run(command="scripts/gpu/experiments.sh scripts/gpu/experiments/NAME.txt",
#       carry=[".gl", ".gpubin"])
# Each line of the list is `label | VAR=value ... | keel-bench arguments`
# (# starts a comment). Every experiment is its own process, with its
# output in $OUT/<label>.txt (and .json), packed into $OUT/experiments.tgz
# at the end; the table rows and errors are echoed. A line
# whose arguments begin with `--child` prints the child's output instead
# (with KEEL_LOG=debug KEEL_LOG_TIME=1 in its variables, the start-up steps).
# A line whose arguments begin with `probe` runs keel-bandwidth-probe with
# the rest of them instead of keel-bench.
# Where nvidia-smi is present, each experiment also samples GPU $SMI_GPU
# (default 0) every 50 ms ($OUT/<label>.clocks.csv: P-state, SM and memory
# clocks, utilization, power and the active clock-event (throttle) reasons)
# and prints the last stretch of busy samples in time order: the SM clock
# during the experiment's last figure.
set -u
list=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
OUT_DEFAULT=build/gpu-experiments-out
# shellcheck source=scripts/gpu/packed_env.sh
source scripts/gpu/packed_env.sh
start=$(date +%s)
{ date -u; cat "$G/commit.txt"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } | tee "$OUT/info.txt"
# The reasons' field was renamed from clocks_throttle_reasons; ask for the one
# this nvidia-smi knows.
smi_fields=""
if command -v nvidia-smi >/dev/null; then
  for reasons in clocks_event_reasons.active clocks_throttle_reasons.active; do
    f="timestamp,pstate,clocks.sm,clocks.mem,utilization.gpu,power.draw,$reasons"
    if nvidia-smi --query-gpu="$f" --format=csv,noheader >/dev/null 2>&1; then
      smi_fields=$f; break
    fi
  done
fi
clocks_start() {  # label
  [ -n "$smi_fields" ] || return 0
  nvidia-smi -i "${SMI_GPU:-0}" --query-gpu="$smi_fields" --format=csv,noheader,nounits -lms 50 \
    </dev/null >"$OUT/$1.clocks.csv" 2>/dev/null &
  smi_pid=$!
}
# The last stretch of samples with the GPU in use (the process's last
# figure, as far as the sampling can tell: one idle sample between two busy
# ones does not end it), in time order, repeated readings merged. nvidia-smi
# refreshes clocks and utilization every 100-200 ms.
clocks_stop() {  # label
  [ -n "$smi_fields" ] || return 0
  kill "$smi_pid" 2>/dev/null; wait "$smi_pid" 2>/dev/null
  awk -F', ' '{ t[NR] = substr($1, 12); c[NR] = $3; u[NR] = $5 + 0; w[NR] = $6; r[NR] = $7 }
    END {
      e = NR; while (e > 0 && u[e] <= 0) e--
      if (e == 0) { print "  clocks: no busy samples"; exit }
      s = e; while (s > 1 && (u[s - 1] > 0 || (s > 2 && u[s - 2] > 0))) s--
      for (i = s; i <= e; i++)
        if (i == s || c[i] != c[i - 1] || u[i] != u[i - 1])
          printf "  clocks %s: SM %s MHz, busy %s %%, %s W, reasons %s\n", t[i], c[i], u[i], w[i], r[i]
    }' "$OUT/$1.clocks.csv"
}
while IFS='|' read -r label vars args; do
  label=${label#"${label%%[![:space:]]*}"}; label=${label%"${label##*[![:space:]]}"}
  [ -z "$label" ] || [ "${label:0:1}" = "#" ] && continue
  # Leading and trailing blanks off (vars and args stay one string each: they
  # are split into words, unquoted, when the program runs).
  vars=${vars#"${vars%%[![:space:]]*}"}; vars=${vars%"${vars##*[![:space:]]}"}
  args=${args#"${args%%[![:space:]]*}"}; args=${args%"${args##*[![:space:]]}"}
  program=keel-bench
  json=(--json "$OUT/$label.json")
  case "$args" in
    *--child*) json=() ;;
    probe | probe[[:space:]]*)
      program=keel-bandwidth-probe; json=()
      args=${args#probe}; args=${args#"${args%%[![:space:]]*}"} ;;
  esac
  echo "== [$(( $(date +%s) - start ))s] $label: ${vars} $program ${args}"
  clocks_start "$label"
  # shellcheck disable=SC2086
  env $vars timeout 120 "$G/bin/$program" $args "${json[@]}" >"$OUT/$label.txt" 2>&1
  echo "rc=$?" >>"$OUT/$label.txt"
  case "$program $args" in
    keel-bandwidth-probe*) grep -E "^probe: .*(dtod|copies done|FAILED|not usable|no )|rc=" "$OUT/$label.txt" ;;
    *--child*) grep -E "KEEL_BENCH_CHILD|keel: \+|rc=" "$OUT/$label.txt" | grep -v "candidate\|searching\|never opened" | head -30 ;;
    *) grep -E "^\| [a-z]|rc=[^0]|ERROR|rror:" "$OUT/$label.txt" | grep -v "^| figure" | head -40 ;;
  esac
  clocks_stop "$label"
done <"$list"
echo "== done in $(( $(date +%s) - start ))s"
# The device tool returns a limited number of files: one archive.
(cd "$OUT" && tar czf experiments.tgz --remove-files -- *.txt *.json *.csv 2>/dev/null)
