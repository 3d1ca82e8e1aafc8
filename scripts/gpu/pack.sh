#!/usr/bin/env bash
# Packs a Release build of this machine into .gpubin/ (about 8 MiB) for the
# device tool, so a GPU session spends its device time measuring, not
# building: run(command="scripts/gpu/carried.sh", carry=[".gl", ".gpubin"]).
#   scripts/gpu/pack.sh [build-dir]     (default build/release, built first)
# The build must have the CUDA backend and nvcc (the conformance kernels'
# cubins); Level Zero is left out. .gpubin/ is ignored by git (.gitignore).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${1:-build/release}
cmake --build "$B" --target keel keel_cuda keel_vulkan keel-conformance keel-bench keel-info \
  keel-launch-overhead keel-bandwidth-probe keel-dispatch-bench vector_add streams_overlap >/dev/null
rm -rf .gpubin
mkdir -p .gpubin/bin .gpubin/lib .gpubin/kernels
cp -a "$B"/bin/{keel-conformance,keel-bench,keel-launch-overhead,keel-bandwidth-probe,keel-info,bench_kernels} .gpubin/bin/
cp -a "$B"/bin/{vector_add,streams_overlap,kernels} .gpubin/bin/  # samples and their bundles
# keel-bench's loader dispatch rows: keel-dispatch-bench and the test backend
# it calls (packed_env.sh points KEEL_DISPATCH_BENCH_BACKEND_DIR at it).
cp -a "$B"/bin/keel-dispatch-bench .gpubin/bin/
mkdir -p .gpubin/lib/dispatch-test
cp -a "$B"/loader/tests/fakes/alpha/libkeel_alpha.so .gpubin/lib/dispatch-test/
cp -a "$B"/lib/libkeel.so* "$B"/lib/keel .gpubin/lib/
rm -f .gpubin/lib/keel/libkeel_level_zero.so
cp -a "$B"/null_cuda .gpubin/null_cuda
cp -a "$B"/conformance/kernels/{cuda,vulkan} .gpubin/kernels/
strip .gpubin/bin/keel-* .gpubin/lib/keel/*.so 2>/dev/null || true
git log -1 --format='%h %s' > .gpubin/commit.txt
git status --short --untracked-files=no | sed 's/^/dirty: /' >> .gpubin/commit.txt
echo "pack.sh: .gpubin/ ($(du -sh .gpubin | cut -f1)) from $B at $(head -1 .gpubin/commit.txt)"
