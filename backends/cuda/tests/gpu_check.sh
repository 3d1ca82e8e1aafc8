#!/usr/bin/env bash
# Builds the CUDA backend and runs its tests on a machine with an NVIDIA GPU:
# unit tests, stub test, GPU tests, the CUDA samples, keel-info, and the GPU
# tests again under compute-sanitizer memcheck. Logs go to $OUT (default
# build/gpu-check-logs). Usage: backends/cuda/tests/gpu_check.sh [build-dir] [sm]
set -uo pipefail
BUILD=${1:-build/gpu-check}
SM=${2:-90}
OUT=${OUT:-build/gpu-check-logs}
mkdir -p "$OUT"
export PATH=/usr/local/cuda/bin:$PATH
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version --format=csv,noheader; nvcc --version | tail -2; } > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BACKEND_VULKAN=OFF -DKEEL_BACKEND_LEVEL_ZERO=OFF \
  -DKEEL_BUILD_CONFORMANCE=OFF -DKEEL_BUILD_SAMPLES=ON -DKEEL_CUDA_TEST_SM="$SM" > "$OUT/build.log" 2>&1 &&
  ninja -C "$BUILD" -j"$(nproc)" keel_cuda keel_cuda_unit_tests keel_cuda_gpu_tests keel-info >> "$OUT/build.log" 2>&1
if [ $? -ne 0 ]; then
  grep -E -B2 -A12 "error|Error" "$OUT/build.log" | head -120
  exit 1
fi
ninja -C "$BUILD" -j"$(nproc)" vector_add cuda_interop > "$OUT/samples_build.log" 2>&1 || echo "samples: build failed (see samples_build.log)"

summary() { echo "== $1"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|tests passed|Failed|Passed|rc=" "$2" | head -40; }

KEEL_BACKENDS=cuda "$BUILD/bin/keel-info" > "$OUT/keel_info.txt" 2>&1
cat "$OUT/keel_info.txt" | head -30
(cd "$BUILD" && ctest -R "keel_cuda_(unit_tests|stub_init)" --output-on-failure) > "$OUT/unit.txt" 2>&1
summary unit "$OUT/unit.txt"
KEEL_BACKENDS=cuda "$BUILD/bin/keel_cuda_gpu_tests" > "$OUT/gpu.txt" 2>&1
echo "rc=$?" >> "$OUT/gpu.txt"
summary gpu "$OUT/gpu.txt"
grep -E "^\[ (message|timing) " "$OUT/gpu.txt"
(cd "$BUILD" && KEEL_BACKENDS=cuda ctest -R "sample_(vector_add|cuda_interop)_cuda" --output-on-failure) > "$OUT/samples.txt" 2>&1
summary samples "$OUT/samples.txt"
if command -v compute-sanitizer > /dev/null; then
  KEEL_BACKENDS=cuda timeout 240 compute-sanitizer --tool memcheck --error-exitcode 9 \
    "$BUILD/bin/keel_cuda_gpu_tests" > "$OUT/memcheck.txt" 2>&1
  echo "rc=$?" >> "$OUT/memcheck.txt"
  summary memcheck "$OUT/memcheck.txt"
  grep -E "ERROR SUMMARY" "$OUT/memcheck.txt"
else
  echo "compute-sanitizer not found"
fi
