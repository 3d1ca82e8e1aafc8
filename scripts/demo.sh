#!/usr/bin/env bash
# The main job: set up, build, and run the vector-add sample on the default
# backend. It prints the backend and the device it ran on, and the result.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
echo
build/release/bin/keel-info || true
echo
exec build/release/bin/vector_add "$@"
