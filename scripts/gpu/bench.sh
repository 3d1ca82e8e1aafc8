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
#
# Optional runs, by environment variable:
#   KEEL_BENCH_AA=1    after the main run, an A/A run of the CUDA launch and
#                      event figures (keel-bench --aa --filter launch,event
#                      --backend cuda: the raw target against itself), the
#                      noise floor of those ratios: bench-aa.txt, bench-aa.json
#   KEEL_BENCH_NULL=1  keel-launch-overhead --driver <null libcuda>: Keel's own
#                      CPU cost per launch against the null CUDA driver (the
#                      GPU is not used): launch-overhead.txt
#   KEEL_BENCH_MAIN=0  skip the main run (only the optional ones)
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
targets=keel-bench
[ "${KEEL_BENCH_NULL:-0}" = 1 ] && targets="$targets keel-launch-overhead"
{
  configure ON || { rm -rf "$BUILD"; configure OFF; }
  # keel-launch-overhead exists only with the tests (BUILD_TESTING=ON).
  ninja -C "$BUILD" -t targets all | grep -q '^keel-launch-overhead:' || targets=keel-bench
  ninja -C "$BUILD" -j16 $targets
} >"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 1; }

{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem \
    --format=csv 2>&1 || true
  echo "== keel-bench --json $OUT/bench.json $*"
} >>"$OUT/bench.txt"
status=0
if [ "${KEEL_BENCH_MAIN:-1}" != 0 ]; then
  "$BUILD/bin/keel-bench" --json "$OUT/bench.json" "$@" >>"$OUT/bench.txt" 2>&1 || status=$?
  cat "$OUT/bench.txt"
fi
if [ "${KEEL_BENCH_AA:-0}" = 1 ]; then
  aa=(--aa --filter launch,event --backend cuda --json "$OUT/bench-aa.json")
  echo "== keel-bench ${aa[*]}" >"$OUT/bench-aa.txt"
  "$BUILD/bin/keel-bench" "${aa[@]}" >>"$OUT/bench-aa.txt" 2>&1 || status=$?
  cat "$OUT/bench-aa.txt"
fi
if [ "${KEEL_BENCH_NULL:-0}" = 1 ]; then
  if [ -x "$BUILD/bin/keel-launch-overhead" ]; then
    {
      echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(grep -m1 'model name' /proc/cpuinfo)"
      echo "== keel-launch-overhead (null CUDA driver: the GPU is not used)"
      "$BUILD/bin/keel-launch-overhead"
    } >"$OUT/launch-overhead.txt" 2>&1 || status=$?
  else
    echo "bench.sh: keel-launch-overhead was not built (BUILD_TESTING=OFF)" >"$OUT/launch-overhead.txt"
  fi
  cat "$OUT/launch-overhead.txt"
fi
exit $status
