#!/usr/bin/env bash
# Builds pkg/ and serves the demo at http://127.0.0.1:8080/www/ (works offline, with no key).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/serve.mjs --host 127.0.0.1 --port "${PORT:-8080}"
