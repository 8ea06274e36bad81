#!/usr/bin/env bash
# A build of the library that keeps wasm function names, for reading CPU profiles:
#   bash bench/prof-build.sh && bash bench/run.sh --profile decode64 --prof-pkg bench/out/pkg-prof
# Same code and opt-level as the release build; symbols kept (strip off), its own target dir so
# the normal build cache is untouched, and wasm-opt -Oz run with -g so names survive.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/pkg-prof
mkdir -p bench/out
CARGO_TARGET_DIR=bench/out/target-prof CARGO_PROFILE_RELEASE_STRIP=none \
  wasm-pack build --target web --release --mode no-install --out-dir "$out" --out-name free_router >/dev/null 2>bench/out/prof-build.log \
  || { cat bench/out/prof-build.log >&2; exit 1; }
if [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue "$out/free_router_bg.wasm" -o "$out/free_router_bg.wasm"
fi
echo "built $out ($(wc -c < "$out/free_router_bg.wasm") bytes, names kept)"
