#!/usr/bin/env bash
# Shared by demo.sh and test.sh: installs the Debian packages Keel needs when
# they are missing, then configures and builds the `release` preset.
# Usage: scripts/setup.sh [preset]          (default: release)
#        scripts/setup.sh --packages-only   (the Debian packages only; used by
#                                            scripts/sanitizers.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}

# Build tools, GoogleTest, Vulkan (headers, loader, lavapipe, validation
# layers, GLSL and SPIR-V tools), pkg-config for the install test, clang and
# its runtimes for the fuzz targets. The sanitizer stages (asan, tsan presets)
# build with g++, whose libgcc-*-dev brings libasan, libubsan, liblsan and
# libtsan.
packages=(cmake ninja-build g++ pkg-config libgtest-dev libgmock-dev
          libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers
          glslc glslang-tools spirv-tools doxygen
          clang-14 libclang-rt-14-dev llvm-spirv-14)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "keel setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$preset" = "--packages-only" ] && exit 0

# Level Zero backend: its loader and headers, the kernel compilers, PoCL, and
# the Level Zero null driver built from Debian's source (cached in build/ze-null).
scripts/level-zero-check.sh --deps-only

# The CUDA toolkit is not a Debian package we install: when nvcc exists
# (/usr/local/cuda) the CUDA backend and kernels are built, otherwise the
# backend is off and the checked-in prebuilt kernels are used.
export PATH="$PATH:/usr/local/cuda/bin"

echo "keel setup: configuring preset '$preset'"
cmake --preset "$preset" >/dev/null
echo "keel setup: building (this takes a few minutes on 2 cores)"
cmake --build --preset "$preset"
