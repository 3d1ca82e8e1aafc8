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
# Where nvidia-smi is present, each experiment also samples the GPU every
# 50 ms ($OUT/<label>.clocks.csv: P-state, SM and memory clocks, utilization,
# power and the active clock-event (throttle) reasons) and prints the SM clock
# and reasons of the last busy samples, those of the experiment's last figure.
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
  nvidia-smi --query-gpu="$smi_fields" --format=csv,noheader,nounits -lms 50 \
    </dev/null >"$OUT/$1.clocks.csv" 2>/dev/null &
  smi_pid=$!
}
clocks_stop() {  # label: the last 8 samples with the GPU over 50 % busy
  [ -n "$smi_fields" ] || return 0
  kill "$smi_pid" 2>/dev/null; wait "$smi_pid" 2>/dev/null
  awk -F', ' '$5 > 50 { print $3 " MHz (" $2 ", mem " $4 ", " $6 " W, reasons " $7 ")" }' \
    "$OUT/$1.clocks.csv" | tail -8 | sort | uniq -c |
    sed -E "s/^ *([0-9]+) /  clocks, last busy samples: \1x /"
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
