#!/usr/bin/env bash
# The GPU verification run (device machine, one NVIDIA H100/H200): builds all
# of Keel (CUDA and Vulkan backends, conformance, samples) and runs
#   - keel-info;
#   - the conformance suite on the CUDA backend, plain and under
#     compute-sanitizer memcheck;
#   - the conformance suite on the Vulkan backend (NVIDIA driver);
#   - every sample through ctest on both backends;
#   - the validation layer's planted-misuse tests on CUDA and on Vulkan
#     (layers.txt);
#   - the conformance stress area (threads, soak, exhaustion) on CUDA and on
#     Vulkan (stress.txt).
# Logs go to $OUT (at most 8 files). Run from the repository root:
#   run(command="scripts/gpu/verify.sh", carry=[".gl"])
# VERIFY_ONLY=cuda runs just the CUDA suite; VERIFY_ONLY=reliability just the
# layer tests and the stress area, VERIFY_SKIP=reliability all but those (each
# a separate device call fits its limit). VERIFY_SKIP is a comma-separated
# list: reliability, memcheck (the compute-sanitizer run of the CUDA suite).
# Extra arguments are passed to keel-conformance (e.g. --gtest_filter=...).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/build/gpu-verify-out}
BUILD=${KEEL_GPU_BUILD_DIR:-build/gpu}
mkdir -p "$OUT"
start=$(date +%s)
stamp() { echo "[$(( $(date +%s) - start ))s] $*"; }

# The image has no Vulkan loader or SPIR-V tools: unpack the carried packages.
if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export PATH=/usr/local/cuda/bin:$PATH

info="$OUT/info.txt"
{ date -u; nvidia-smi -L; nvidia-smi --query-gpu=driver_version --format=csv,noheader;
  nvcc --version | tail -2; git log -1 --oneline 2>/dev/null; } > "$info" 2>&1

stamp "configure + build"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BACKEND_LEVEL_ZERO=OFF \
  > "$OUT/build.log" 2>&1
if ! ninja -C "$BUILD" -j"$(nproc)" -k 0 >> "$OUT/build.log" 2>&1; then
  echo "BUILD FAILED"; grep -E -A8 "FAILED|error" "$OUT/build.log" | head -80
fi
stamp "built"
"$BUILD/bin/keel-info" >> "$info" 2>&1
cat "$info"

conformance() {  # backend, log name, report dir, extra runner in front
  local backend=$1 log=$2 reports=$3; shift 3
  KEEL_BACKENDS=$backend timeout 280 "$@" "$BUILD/bin/keel-conformance" --backend "$backend" \
    --report "$reports/$log.json" $EXTRA > "$OUT/$log.txt" 2>&1
  echo "rc=$?" >> "$OUT/$log.txt"
  stamp "conformance $backend ($log)"
  grep -E "^(Total|Verdict|Area)|^[A-Za-z]+ +[0-9]+ +[0-9]+|passed|^rc=" "$OUT/$log.txt" | tail -40
  grep -E -A7 "^\[ *[0-9]+/[0-9]+\] (Fail|Crash|Timeout|XPass)" "$OUT/$log.txt" | head -60
}
EXTRA="$*"

# The validation layer over the real backends: planted misuse (use after
# destroy, double free, out-of-range copy, wrong argument size, leaked stream)
# must be reported by name. Both backends into one log.
layers() {
  local log="$OUT/layers.txt"
  : > "$log"
  local out rc
  for backend in cuda vulkan; do
    out=$(KEEL_BACKENDS=$backend timeout 120 "$BUILD/bin/keel_loader_layers_backend_test" --gtest_color=no 2>&1)
    rc=$?
    printf '=== KEEL_BACKENDS=%s keel_loader_layers_backend_test\n%s\nrc=%d\n' "$backend" "$out" "$rc" >> "$log"
    # The summary after the last "ran." line is the test program's own; the
    # ones before it come from the child process of each test.
    echo "layers on $backend (rc=$rc):"
    printf '%s\n' "$out" | awk '/^\[==========\] .* ran\./ { tail = "" } { tail = tail $0 "\n" } END { printf "%s", tail }' |
      grep -E "^\[  (PASSED|FAILED|SKIPPED) +\]"
  done
  stamp "validation layer tests"
}

# The stress area (the conformance suite's stress tier, filtered to it): 16
# threads for KEEL_CONFORMANCE_STRESS_SECONDS (10 s by default) per layout,
# the million-launch soak with its RSS figures, exhaustion of memory, streams
# and events. Both backends into one log.
stress() {
  local log="$OUT/stress.txt"
  : > "$log"
  for backend in cuda vulkan; do
    echo "=== KEEL_BACKENDS=$backend keel-conformance --tier stress --gtest_filter='Stress/*'" >> "$log"
    KEEL_BACKENDS=$backend timeout 270 "$BUILD/bin/keel-conformance" --backend "$backend" --tier stress \
      --gtest_filter='Stress/*' --report "$BUILD/stress-$backend.json" >> "$log" 2>&1
    echo "rc=$?" >> "$log"
    stamp "stress $backend"
  done
  grep -E "^===|thread stress|handed around|soak:|exhaustion:|first refusal|streams created|events created|^Total|^Verdict|^rc=" "$log"
  grep -E -A7 "^\[ *[0-9]+/[0-9]+\] (Fail|Crash|Timeout|XPass)" "$log" | head -60
}

if [ "${VERIFY_ONLY:-}" = reliability ]; then
  layers
  stress
  exit 0
fi
# VERIFY_ONLY=cuda runs just the CUDA suite (a quick look at failures).
conformance cuda conformance-cuda "$BUILD"
[ "${VERIFY_ONLY:-}" = cuda ] && exit 0
conformance vulkan conformance-vulkan "$BUILD"
skips() { case ",${VERIFY_SKIP:-}," in *",$1,"*) return 0 ;; esac; return 1; }
if command -v compute-sanitizer >/dev/null && ! skips memcheck; then
  conformance cuda memcheck-cuda "$BUILD" compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 9
  grep -E "ERROR SUMMARY" "$OUT/memcheck-cuda.txt"
fi
(cd "$BUILD" && timeout 120 ctest -L samples --output-on-failure -V) > "$OUT/samples.txt" 2>&1
stamp "samples"
grep -E "Test +#|PASSED|FAILED|GFLOP|speed-up|Vector addition|backend|tests passed" "$OUT/samples.txt" | head -60
# VERIFY_SKIP=reliability leaves the layer and stress steps to a separate
# VERIFY_ONLY=reliability call (the whole run can pass one call's limit).
if ! skips reliability; then
  layers
  stress
fi
