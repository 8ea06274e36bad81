#!/usr/bin/env bash
# The free-router benchmark suite (issue #8), one command:  bash bench/run.sh [run.mjs options]
# Installs bench/ deps (npm ci, exact pins), builds pkg/ when it is missing (or BENCH_REBUILD=1),
# then runs bench/run.mjs in headless Chromium. Not part of the test command; ~5-8 minutes.
# Measure another build with FREE_ROUTER_PKG=/path/to/pkg or --pkg DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/node_modules/.bin/esbuild ] || [ ! -d bench/node_modules/playwright-core ]; then
  (cd bench && npm ci --no-audit --no-fund)
fi
pkg="${FREE_ROUTER_PKG:-pkg}"
if [ "${BENCH_REBUILD:-0}" = 1 ] || { [ -z "${FREE_ROUTER_PKG:-}" ] && [ ! -f pkg/free_router_bg.wasm ]; }; then
  [ -x node_modules/.bin/wasm-opt ] || npm ci --no-audit --no-fund
  bash scripts/build.sh
fi
[ -f "$pkg/free_router_bg.wasm" ] || { echo "no build at $pkg (run bash scripts/build.sh)" >&2; exit 1; }
exec node bench/run.mjs --pkg "$pkg" "$@"
