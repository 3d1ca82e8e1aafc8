#!/usr/bin/env bash
# Builds Keel with the CUDA backend and checks it on a machine with an NVIDIA
# GPU: the backend's unit, stub and GPU tests, the CUDA samples, the
# conformance suite on the CUDA backend, and compute-sanitizer memcheck over
# the GPU tests, the samples and the suite. Logs go to $OUT (default
# build/gpu-check-logs), eight files at most:
#   build.log  info.txt (driver, keel-info, unit tests)  gpu.txt  samples.txt
#   memcheck.txt  conformance.txt  conformance.json  conformance_memcheck.txt
# Usage: backends/cuda/tests/gpu_check.sh [build-dir] [sm]
set -uo pipefail
BUILD=${1:-build/gpu-check}
SM=${2:-90}
OUT=${OUT:-build/gpu-check-logs}
mkdir -p "$OUT"
export PATH=/usr/local/cuda/bin:$PATH
export KEEL_BACKENDS=cuda
info="$OUT/info.txt"
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version --format=csv,noheader; nvcc --version | tail -2; } > "$info" 2>&1

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKEEL_BACKEND_VULKAN=OFF -DKEEL_BACKEND_LEVEL_ZERO=OFF \
  -DKEEL_BUILD_CONFORMANCE=ON -DKEEL_BUILD_SAMPLES=ON -DKEEL_CUDA_TEST_SM="$SM" > "$OUT/build.log" 2>&1 ||
  cmake -S . -B "$BUILD" -DKEEL_BUILD_CONFORMANCE=OFF >> "$OUT/build.log" 2>&1
if ! ninja -C "$BUILD" -j"$(nproc)" keel_cuda keel_cuda_unit_tests keel_cuda_gpu_tests keel-info >> "$OUT/build.log" 2>&1; then
  grep -E -B2 -A12 "error|Error" "$OUT/build.log" | head -120
  exit 1
fi
ninja -C "$BUILD" -j"$(nproc)" -k 0 vector_add cuda_interop >> "$OUT/build.log" 2>&1 || echo "samples: build failed"
ninja -C "$BUILD" -j"$(nproc)" -k 0 keel-conformance >> "$OUT/build.log" 2>&1 || echo "conformance: build failed"

summary() { echo "== $1"; grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|tests passed|Failed|Passed|rc=|ERROR SUMMARY" "$2" | head -40; }

"$BUILD/bin/keel-info" >> "$info" 2>&1
(cd "$BUILD" && ctest -R "keel_cuda_(unit_tests|stub_init)" --output-on-failure) >> "$info" 2>&1
head -12 "$info"
summary unit "$info"

"$BUILD/bin/keel_cuda_gpu_tests" > "$OUT/gpu.txt" 2>&1
echo "rc=$?" >> "$OUT/gpu.txt"
summary gpu "$OUT/gpu.txt"
grep -E "^\[ (message|timing|loading) " "$OUT/gpu.txt"

samples="$OUT/samples.txt"
(cd "$BUILD" && ctest -R "sample_(vector_add|cuda_interop)_cuda" --output-on-failure) > "$samples" 2>&1
summary samples "$samples"

have_sanitizer=0
command -v compute-sanitizer > /dev/null && have_sanitizer=1
if [ $have_sanitizer = 1 ]; then
  # The GPU tests call the driver wrongly on purpose (negative tests), so API
  # errors are not reported there: memory errors only. The samples make no
  # bad calls, so there every report counts, API errors included.
  timeout 120 compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 9 \
    "$BUILD/bin/keel_cuda_gpu_tests" > "$OUT/memcheck.txt" 2>&1
  echo "rc=$?" >> "$OUT/memcheck.txt"
  summary "memcheck (gpu tests)" "$OUT/memcheck.txt"
  for s in vector_add cuda_interop; do
    [ -x "$BUILD/bin/$s" ] || continue
    echo "--- memcheck $s" >> "$samples"
    (cd "$BUILD/bin" && timeout 60 compute-sanitizer --tool memcheck --error-exitcode 9 "./$s") >> "$samples" 2>&1
    echo "rc=$?" >> "$samples"
  done
  echo "== memcheck (samples)"; grep -E "ERROR SUMMARY|^rc=" "$samples"
fi

if [ -x "$BUILD/bin/keel-conformance" ]; then
  timeout 150 "$BUILD/bin/keel-conformance" --backend cuda --report "$OUT/conformance.json" \
    > "$OUT/conformance.txt" 2>&1
  echo "rc=$?" >> "$OUT/conformance.txt"
  echo "== conformance"; tail -45 "$OUT/conformance.txt"
  if [ $have_sanitizer = 1 ]; then
    timeout 150 compute-sanitizer --tool memcheck --report-api-errors no --error-exitcode 9 \
      "$BUILD/bin/keel-conformance" --backend cuda > "$OUT/conformance_memcheck.txt" 2>&1
    echo "rc=$?" >> "$OUT/conformance_memcheck.txt"
    echo "== conformance under memcheck"; grep -E "ERROR SUMMARY|^Total|Verdict|^rc=" "$OUT/conformance_memcheck.txt"
  fi
fi
