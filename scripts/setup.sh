#!/usr/bin/env bash
# Installs what building and testing need, skipping whatever is already there.
#   scripts/setup.sh            Rust target, wasm-pack, wasm-bindgen CLI, npm devDependencies
#   scripts/setup.sh --browser  ... and Debian's chromium + chromium-driver for browser tests
#   scripts/setup.sh --litellm  ... and the LiteLLM proxy of the real-server tests (a Python venv)
# The flags combine: scripts/test.sh passes both.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wbg_version" ] || { echo "could not read the wasm-bindgen version from Cargo.lock" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

cargo_install() {
  # --locked first; a registry mirror can lack a locked dependency, so retry unlocked.
  cargo install "$@" --locked || cargo install "$@"
}

if ! have wasm-pack; then
  say "installing wasm-pack (a few minutes, once)"
  cargo_install wasm-pack
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg_version" ]; then
  say "installing wasm-bindgen-cli $wbg_version (a few minutes, once)"
  cargo_install wasm-bindgen-cli --version "$wbg_version" --force
fi

want_browser=false; want_litellm=false
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=true ;;
    --litellm) want_litellm=true ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done

if $want_browser; then
  if ! have chromium || ! have chromedriver; then
    say "installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

if $want_litellm; then
  bash scripts/litellm-venv.sh install
fi

# npm devDependencies (wasm-opt from the npm binaryen package, playwright-core, typescript...).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm devDependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The real SDKs client.fetch is tested under (openai 6 and 7, AI SDK 7), pinned by their own lockfile.
if [ ! -d tests/sdk/node_modules ] || [ tests/sdk/package-lock.json -nt tests/sdk/node_modules/.package-lock.json ]; then
  say "installing the SDKs of tests/sdk"
  (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
fi
say "ready"
