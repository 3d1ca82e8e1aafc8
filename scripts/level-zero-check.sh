#!/usr/bin/env bash
# Everything the level_zero backend's verification needs, then (unless
# --deps-only) its tests on their own:
#   1. Debian packages: the Level Zero loader and headers (libze1 libze-dev,
#      which ship the validation and tracing layers), the kernel compilers
#      (clang-14 llvm-spirv-14), PoCL (pocl-opencl-icd ocl-icd-opencl-dev).
#   2. The Level Zero null driver, built once from Debian's level-zero source
#      into build/ze-null (scripts/build-ze-null-driver.sh; cached).
#   3. Without --deps-only: configure build/ze (level_zero only), build, and
#      run `ctest -L level_zero`, with the null driver and PoCL required
#      (KEEL_ZE_REQUIRE_NULL_DRIVER=1, KEEL_ZE_REQUIRE_POCL=1: a missing one
#      fails instead of skipping).
# Cost on 2 cores: packages ~1 min when missing, null driver ~10 s, build of
# the backend and its tests ~1-2 min, tests ~5 s.
# Usage: scripts/level-zero-check.sh [--deps-only]
set -euo pipefail
cd "$(dirname "$0")/.."
deps_only=0
[ "${1:-}" = "--deps-only" ] && deps_only=1

packages=(libze1 libze-dev clang-14 llvm-spirv-14 pocl-opencl-icd ocl-icd-opencl-dev
          cmake ninja-build g++ libgtest-dev dpkg-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "level-zero-check: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/build-ze-null-driver.sh build/ze-null

if ((deps_only)); then
  exit 0
fi
cmake -S . -B build/ze -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BACKEND_CUDA=OFF \
  -DKEEL_BACKEND_VULKAN=OFF -DKEEL_BACKEND_LEVEL_ZERO=ON -DKEEL_BUILD_CONFORMANCE=OFF \
  -DKEEL_BUILD_SAMPLES=OFF >/dev/null
cmake --build build/ze -j2
KEEL_ZE_REQUIRE_NULL_DRIVER=1 KEEL_ZE_REQUIRE_POCL=1 ctest --test-dir build/ze -L level_zero \
  --output-on-failure -j2
