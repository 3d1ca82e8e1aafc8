#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run), in three stages:
#   release  set up, build, and run the whole ctest suite (loader tests,
#            header compile tests, install tests, backend unit tests, the
#            conformance suite on every backend available here, samples, the
#            fuzz corpora and findings replayed);
#   asan     scripts/sanitizers.sh asan: AddressSanitizer + UBSan +
#            LeakSanitizer, the loader tests and the conformance suite on
#            Vulkan/lavapipe;
#   tsan     scripts/sanitizers.sh tsan: ThreadSanitizer, the loader tests and
#            the conformance suite's Threads area.
# Every stage runs even when an earlier one failed (once the release build
# succeeded); the exit status is non-zero if any stage failed.
#
# Arguments go to the release stage's ctest (e.g. -R loader). Developers can
# skip the two sanitizer stages with KEEL_SKIP_SANITIZERS=1; CI never sets it.
set -euo pipefail
cd "$(dirname "$0")/.."

total_start=$SECONDS
failed=()
stage_begin() { stage_start=$SECONDS; echo "keel test: [$1] started $(date -u +%H:%M:%S)"; }
stage_end() {
  local stage=$1 rc=$2 took=$((SECONDS - stage_start))
  if ((rc == 0)); then
    echo "keel test: [$stage] passed in $((took / 60)) min $((took % 60)) s"
  else
    echo "keel test: [$stage] FAILED (exit $rc) after $((took / 60)) min $((took % 60)) s" >&2
    failed+=("$stage")
  fi
}

stage_begin release
scripts/setup.sh release || { stage_end release $?; echo "keel test: the release build failed" >&2; exit 1; }
# lavapipe runs Vulkan on the CPU: keep it from oversubscribing 2 cores.
export LP_NUM_THREADS=${LP_NUM_THREADS:-2}
# Level Zero: a missing null driver or PoCL fails instead of skipping.
export KEEL_ZE_REQUIRE_NULL_DRIVER=1 KEEL_ZE_REQUIRE_POCL=1
set +e
ctest --preset release -j2 "$@"
stage_end release $?
set -e

if [ "${KEEL_SKIP_SANITIZERS:-0}" = 1 ]; then
  echo "keel test: [asan] [tsan] skipped (KEEL_SKIP_SANITIZERS=1; CI runs them)"
else
  for stage in asan tsan; do
    stage_begin "$stage"
    set +e
    scripts/sanitizers.sh "$stage"
    stage_end "$stage" $?
    set -e
  done
fi

took=$((SECONDS - total_start))
if ((${#failed[@]})); then
  echo "keel test: FAILED: ${failed[*]} (total $((took / 60)) min $((took % 60)) s)" >&2
  exit 1
fi
echo "keel test: all stages passed (total $((took / 60)) min $((took % 60)) s)"
