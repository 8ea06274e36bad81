#!/usr/bin/env bash
# Builds pkg/, writes the static playground to dist/playground/ and serves it at
# http://127.0.0.1:8080/ (works offline, with no key). dist/playground/ is self-contained:
# copy it to any static host (GitHub Pages, `python3 -m http.server`) as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
node scripts/build-demo.mjs
exec node scripts/serve.mjs --host 127.0.0.1 --port "${PORT:-8080}" --root dist/playground
