#!/usr/bin/env bash
# Builds pkg/ (the npm package): wasm-pack --target web, then wasm-opt from npm's binaryen.
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:---release}"
# src/js/glue.js, the one glue module the wasm imports, from the modules in src/js/glue/.
node scripts/bundle-glue.mjs
wasm-pack build --target web "$profile" --mode no-install --out-dir pkg --out-name free_router >/dev/null 2>build.log || { cat build.log >&2; exit 1; }
if [ "$profile" = "--release" ]; then
  # A panic traps at once instead of formatting a message nobody sees (reads the symbol names the
  # release profile keeps for it; wasm-opt drops them after).
  node scripts/wasm-abort.mjs pkg/free_router_bg.wasm
  # Debian's wasm-opt is too old for current wasm-bindgen output; this one comes from npm.
  # Rust puts the stack first (data starts at 1 MiB), so the low 1 KiB is never used, and a
  # fresh instance's memory is zeroed: both let wasm-opt fold more. Then flatten + rereloop
  # rebuilds each function's control flow from scratch, twice, and -Os folds what that exposes
  # (-1.5 KB gzip, ~30 s more; bench/RESULTS.md round 6).
  # -iit: Rust checks bounds, zero divisors and overflow itself, so no load or division is ever
  # relied on to trap (-170 B gzip; round 7).
  node_modules/.bin/wasm-opt -iit --merge-similar-functions -Os --low-memory-unused --zero-filled-memory \
    --flatten --rereloop -Os --flatten --rereloop -Os -Os --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    pkg/free_router_bg.wasm -o pkg/free_router_bg.wasm
  # The panic sites are gone: so is any reason to keep their file/line/column records.
  node scripts/wasm-abort.mjs --locations pkg/free_router_bg.wasm
  # Similar functions side by side, where gzip's window finds them (-2.9 KB gzip; round 7).
  node scripts/wasm-order.mjs pkg/free_router_bg.wasm
fi
node scripts/postbuild.mjs
rm -f build.log
wasm=$(wc -c < pkg/free_router_bg.wasm)
echo "built pkg/: free_router_bg.wasm $wasm bytes"
