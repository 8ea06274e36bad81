#!/usr/bin/env bash
# The browser tests (wasm-bindgen-test in headless Chromium). wasm-bindgen-test-runner 0.2.130's
# local server sometimes stops answering the page's first requests (the page never gets past
# "Loading scripts..."); that is the runner, not a test, so such a run is tried again, up to
# three times. Any run that reports results counts as it is.
set -uo pipefail
cd "$(dirname "$0")/.."
for attempt in 1 2 3; do
  log=$(mktemp)
  env CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=180 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test web --test web_oauth "$@" >"$log" 2>&1
  rc=$?
  if [ "$rc" = 0 ] || ! grep -q "Failed to detect test as having been run" "$log"; then
    cat "$log"
    rm -f "$log"
    exit "$rc"
  fi
  # Not printed whole: a stalled run's other target may have passed, and counting its results
  # again would inflate the totals.
  grep -v "test result:" "$log" | tail -n 20
  rm -f "$log"
  echo "browser-tests: the test runner stalled before its tests ran (attempt $attempt of 3)"
done
exit 1
