#!/usr/bin/env bash
# keel-bench on the GPU machine (issue 8): builds Keel (Release, Ninja) on the
# device and runs keel-bench for every backend with a device there (CUDA and
# Vulkan on the NVIDIA GPU), writing into $OUT:
#   bench.json   the results (keel-bench --json)
#   bench.txt    the table, the run's progress lines and the device/driver
#   build.log    configure + build output (kept whether or not the build worked)
# Run from the repository root through the device tool, carrying the Vulkan
# loader packages:  run(command="scripts/gpu/bench.sh", carry=[".gl"])
# Extra arguments go to keel-bench (e.g. --filter memcpy, --reps 11).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/build/gpu-bench-out}
mkdir -p "$OUT"
BUILD=${KEEL_BENCH_BUILD_DIR:-build/gpu-bench}

# The image has no Vulkan loader: unpack the carried one (.gl/*.deb) and
# point it at the NVIDIA driver's ICD.
if compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
# The Vulkan backend builds only with the Vulkan headers and development
# library and the SPIR-V tools (its kernels and keel-bench's are compiled at
# build time). Missing any: build without it and say so.
vulkan=ON
missing=""
[ -f /usr/include/vulkan/vulkan.h ] || missing="$missing vulkan.h(libvulkan-dev)"
ldconfig -p | grep -q 'libvulkan\.so ' || [ -e /usr/lib/x86_64-linux-gnu/libvulkan.so ] ||
  missing="$missing libvulkan.so(libvulkan-dev)"
for tool in glslangValidator spirv-link spirv-val; do
  command -v "$tool" >/dev/null || missing="$missing $tool"
done
: >"$OUT/bench.txt"
if [ -n "$missing" ]; then
  vulkan=OFF
  echo "bench.sh: missing for the Vulkan backend:$missing -- building and measuring CUDA only" \
    | tee -a "$OUT/bench.txt"
fi

# `ninja keel-bench` also builds the backend plugins and the loader's
# keel-dispatch-bench (built with the tests, BUILD_TESTING=ON). If the tests
# cannot be configured here, configure again without them; keel-bench then
# reports the dispatch rows as skipped.
export PATH=/usr/local/cuda/bin:$PATH
configure() {
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING="$1" \
    -DKEEL_BUILD_CONFORMANCE=OFF -DKEEL_BUILD_SAMPLES=OFF -DKEEL_BACKEND_LEVEL_ZERO=OFF \
    -DKEEL_BACKEND_VULKAN="$vulkan"
}
{
  configure ON || { rm -rf "$BUILD"; configure OFF; }
  ninja -C "$BUILD" -j16 keel-bench
} >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem \
    --format=csv 2>&1 || true
  echo "== keel-bench --json $OUT/bench.json $*"
} >>"$OUT/bench.txt"
status=0
"$BUILD/bin/keel-bench" --json "$OUT/bench.json" "$@" >>"$OUT/bench.txt" 2>&1 || status=$?
cat "$OUT/bench.txt"
exit $status
