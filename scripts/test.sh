#!/usr/bin/env bash
# Every test: set up, build, and run the whole ctest suite (loader tests,
# header compile tests, install tests, backend unit tests, the conformance
# suite on every backend available here, samples).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
# lavapipe runs Vulkan on the CPU: keep it from oversubscribing 2 cores.
export LP_NUM_THREADS=${LP_NUM_THREADS:-2}
# Level Zero: a missing null driver or PoCL fails instead of skipping.
export KEEL_ZE_REQUIRE_NULL_DRIVER=1 KEEL_ZE_REQUIRE_POCL=1
ctest --preset release -j2 "$@"
