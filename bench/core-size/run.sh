#!/usr/bin/env bash
# How big the sans-IO core is on its own (no web layer, no wasm-bindgen): copies the crate,
# drops `pub mod web`, links bench/core-size/probe.rs against it, and prints wasm-opt -Oz size
# raw and gzip -9. Evidence for where the 78 KB budget has to come from (bench/RESULTS.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${CORE_SIZE_DIR:-$root/target/core-size}"
rm -rf "$work/lib" "$work/probe/src"
mkdir -p "$work/lib" "$work/probe/src"
cp -r "$root/Cargo.toml" "$root/src" "$work/lib/"
# The web layer is the only code that touches JS; the probe measures everything else.
python3 - "$work/lib/src/lib.rs" <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
t = t.replace('#[cfg(target_arch = "wasm32")]\npub mod web;', '')
open(p, 'w').write(t)
PY
cp "$root/bench/core-size/probe.rs" "$work/probe/src/lib.rs"
cat > "$work/probe/Cargo.toml" <<TOML
[package]
name = "core-size-probe"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[dependencies]
free-router = { path = "../lib" }
[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = true
[workspace]
TOML
# Lints of the copied crate (dead code without the web layer) are not this probe's business.
(cd "$work/probe" && RUSTFLAGS="-A warnings" cargo build --quiet --release --target wasm32-unknown-unknown)
"$root/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$work/probe/target/wasm32-unknown-unknown/release/core_size_probe.wasm" -o "$work/core.wasm"
raw=$(wc -c < "$work/core.wasm"); gz=$(gzip -9c "$work/core.wasm" | wc -c)
echo "core alone (decode, ledger, catalog, options, classify; no web layer): $raw B raw, $gz B gzip -9"
