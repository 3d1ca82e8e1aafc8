#!/usr/bin/env bash
# Builds the Level Zero project's null driver (libze_null.so.1) from Debian's
# own level-zero source package, for the plumbing test of the level_zero
# backend (ZE_ENABLE_NULL_DRIVER=1 makes libze_loader load it).
#
# Usage: scripts/build-ze-null-driver.sh [output dir]   (default: build/ze-null)
# Result: <output dir>/lib/libze_null.so.1 (and .so). Cached: a second run
# with the library present does nothing. Needs root or sudo for apt (it adds
# a deb-src entry for bookworm in /etc/apt/sources.list.d/keel-bookworm-src.sources).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/ze-null}")
if [ -e "$out/lib/libze_null.so.1" ]; then
  echo "ze-null: cached at $out/lib/libze_null.so.1"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

# The source package of the loader we run against (Debian bookworm: 1.8.12).
list=/etc/apt/sources.list.d/keel-bookworm-src.sources
if ! grep -qs '^Types: deb-src' "$list"; then
  echo "ze-null: adding deb-src for bookworm ($list)"
  $sudo tee "$list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $sudo apt-get update -qq
fi
for p in dpkg-dev cmake g++ libze-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -n "${missing[*]:-}" ]; then
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work="$out/work"
rm -rf "$work"
mkdir -p "$work" "$out/lib"
version=$(dpkg-query -W -f='${Version}' libze1 2>/dev/null || true)
echo "ze-null: fetching level-zero source ${version:+($version, matching libze1)}"
(cd "$work" && apt-get source -qq ${version:+level-zero=$version} 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
src=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'level-zero-*' | head -n1)
if [ -z "$src" ] || [ ! -f "$src/source/drivers/null/CMakeLists.txt" ]; then
  echo "ze-null: apt-get source level-zero did not produce the null driver sources" >&2
  exit 1
fi
echo "ze-null: building libze_null from $src"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -Wno-dev >/dev/null
cmake --build "$work/build" --target ze_null -j"$(nproc)" >/dev/null
lib=$(find "$work/build" -name 'libze_null.so.*' -type f | head -n1)
cp -a "$work/build"/lib/libze_null.so* "$out/lib/" 2>/dev/null || cp -a "$(dirname "$lib")"/libze_null.so* "$out/lib/"
rm -rf "$work"
ls -l "$out/lib"
echo "ze-null: done ($out/lib/libze_null.so.1)"
