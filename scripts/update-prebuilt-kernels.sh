#!/usr/bin/env bash
# Regenerates conformance/kernels/prebuilt/ from the kernel sources with the
# compilers found here (nvcc for CUDA; the Vulkan kernel tools for SPIR-V) and
# rewrites prebuilt/MANIFEST.txt. Formats whose compiler is missing keep their
# prebuilt files and manifest records untouched.
#   scripts/update-prebuilt-kernels.sh [build-dir]   (default build/prebuilt-kernels)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${1:-build/prebuilt-kernels}
export PATH="$PATH:/usr/local/cuda/bin"

# Only the kernels are built: samples and backends are off.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BUILD_SAMPLES=OFF \
  -DKEEL_BACKEND_CUDA=OFF -DKEEL_BACKEND_VULKAN=OFF -DKEEL_BACKEND_LEVEL_ZERO=OFF >/dev/null
cmake --build "$build" --target keel_conformance_kernels
kernels_build="$(cd "$build" && pwd)/conformance/kernels"
tools=$(head -n1 "$kernels_build/tool_versions.txt")
if [ -z "$tools" ]; then
  echo "update-prebuilt-kernels: no kernel compiler found (nvcc, glslc); nothing to do" >&2
  exit 1
fi

prebuilt="$root/conformance/kernels/prebuilt"
IFS=';' read -ra entries <<<"$tools"
for entry in "${entries[@]}"; do
  format=${entry%%=*}
  echo "update-prebuilt-kernels: $format (${entry#*=})"
  rm -rf "${prebuilt:?}/$format"
  mkdir -p "$prebuilt/$format"
  cp "$kernels_build/$format"/* "$prebuilt/$format/"
done

cmake -DMODE=write -DKERNEL_SOURCE_DIR="$root/conformance/kernels" "-DTOOL_VERSIONS=$tools" \
  -P "$root/conformance/kernels/prebuilt.cmake"
cmake -DMODE=check -DKERNEL_SOURCE_DIR="$root/conformance/kernels" \
  -DKERNEL_BUILD_DIR="$kernels_build" "-DTOOL_VERSIONS=$tools" \
  -P "$root/conformance/kernels/prebuilt.cmake"
echo "update-prebuilt-kernels: done; commit conformance/kernels/prebuilt/"
