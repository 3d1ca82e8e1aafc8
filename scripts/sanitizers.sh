#!/usr/bin/env bash
# The sanitizer stage of CI (issue 9); every report fails it.
#
#   asan  the `asan` preset (AddressSanitizer + UndefinedBehaviorSanitizer,
#         LeakSanitizer at exit): the loader tests (fake backends, the layers,
#         the validation layer on Vulkan) and the conformance suite on
#         Vulkan/lavapipe: ctest -L 'loader|conformance-vulkan'.
#   tsan  the `tsan` preset (ThreadSanitizer): the loader tests (concurrent
#         klInit, per-thread context stacks, the validation layer under 8
#         threads) and the conformance suite's Threads area on lavapipe.
#
# Lean on purpose (CI has 2 cores): only the CUDA-less, Level-Zero-less,
# sample-less configuration, only the targets those tests run (no samples,
# benchmarks or fuzzers), compiled at -O1 with line tables only (-g1: enough
# for the sanitizers' stack traces, and much less to compile and link than
# the preset's -O2 -g); the install test (it needs the whole tree built) is
# left to the main stage. scripts/test.sh runs both stages after the release
# suite (CI: .ci/run).
# Each stage has its own build directory (build/ci-asan, build/ci-tsan) so
# that a developer's `cmake --preset asan` tree is not reconfigured.
#
# Usage: scripts/sanitizers.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

# The compilers and the sanitizer runtimes (g++ brings libasan, libubsan,
# liblsan and libtsan) are Debian packages that setup.sh installs.
scripts/setup.sh --packages-only

stages=("$@")
((${#stages[@]})) || stages=(asan tsan)

# lavapipe runs Vulkan on the CPU: keep it from oversubscribing 2 cores.
export LP_NUM_THREADS=${LP_NUM_THREADS:-2}
# Reports are failures: UBSan stops at the first (the preset also compiles
# with -fno-sanitize-recover), ASan and LeakSanitizer exit non-zero, TSan
# exits 66 after reporting.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1:halt_on_error=1}

# No nvcc, no OpenCL clang: the CUDA and Level Zero conformance kernels are not
# needed here.
lean=(-DKEEL_BACKEND_CUDA=OFF -DKEEL_BACKEND_LEVEL_ZERO=OFF -DKEEL_BUILD_SAMPLES=OFF -DKEEL_NVCC=OFF -DKEEL_ZE_CLANG=OFF
      "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
# Everything the loader tests and the Vulkan conformance run need: the loader
# test directory (its suites, fakes, test libkeels, keel-info), the Vulkan
# plugin, and keel-conformance with its kernels.
targets=(loader/tests/all keel_vulkan keel-conformance keel_conformance_kernels)

configure_and_build() {
  local preset=$1 dir=$2
  echo "keel sanitizers: [$preset] configuring in $dir"
  cmake --preset "$preset" -B "$dir" "${lean[@]}" >/dev/null
  grep -q '^KEEL_BACKEND_VULKAN:BOOL=ON' "$dir/CMakeCache.txt" || {
    echo "keel sanitizers: the Vulkan backend is not configured (libvulkan-dev missing?)" >&2
    exit 1
  }
  echo "keel sanitizers: [$preset] building ${targets[*]}"
  cmake --build "$dir" --target "${targets[@]}"
}

run_stage() {
  case $1 in
    asan)
      configure_and_build asan build/ci-asan
      echo "keel sanitizers: [asan] running the loader tests and conformance-vulkan"
      # The Vulkan suite once, isolated and under the validation layer
      # (conformance-vulkan); its plain in-process twin is left to the
      # release stage to keep this stage's time bounded.
      ctest --test-dir build/ci-asan --output-on-failure -j2 \
        -L 'loader|conformance-vulkan' -LE install -E '^conformance-vulkan-plain$'
      ;;
    tsan)
      configure_and_build tsan build/ci-tsan
      echo "keel sanitizers: [tsan] running the loader tests"
      ctest --test-dir build/ci-tsan --output-on-failure -j2 -L loader -LE install
      echo "keel sanitizers: [tsan] running the conformance Threads area on lavapipe"
      KEEL_BACKENDS=vulkan build/ci-tsan/bin/keel-conformance --backend vulkan \
        --no-device-exit-code 1 --gtest_filter='*Threads.*' \
        --report build/ci-tsan/conformance-threads.json
      ;;
  esac
}

for stage in "${stages[@]}"; do
  case $stage in
    asan|tsan) ;;
    *) echo "usage: scripts/sanitizers.sh [asan|tsan]..." >&2; exit 2 ;;
  esac
done

# Every stage runs, even after a failure; the exit status is non-zero if any
# failed.
failed=()
for stage in "${stages[@]}"; do
  start=$SECONDS
  set +e
  (set -e; run_stage "$stage")
  rc=$?
  set -e
  if ((rc == 0)); then
    echo "keel sanitizers: [$stage] passed in $((SECONDS - start)) s"
  else
    echo "keel sanitizers: [$stage] FAILED (exit $rc) after $((SECONDS - start)) s" >&2
    failed+=("$stage")
  fi
done
if ((${#failed[@]})); then
  echo "keel sanitizers: failed: ${failed[*]}" >&2
  exit 1
fi
