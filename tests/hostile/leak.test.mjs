// Runs the leak probe (leak.mjs) in a child Node with --expose-gc: every way of ending a call
// stays within 64 B of wasm memory and 512 B of JS heap per call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const probe = fileURLToPath(new URL("./leak.mjs", import.meta.url));

test("leak probe: every way of ending a stream releases what it holds", async (t) => {
  let out;
  try {
    out = await promisify(execFile)(process.execPath, ["--expose-gc", probe], { timeout: 170_000, maxBuffer: 1 << 20 });
  } catch (e) {
    assert.fail(`the leak probe failed:\n${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
  }
  for (const line of out.stdout.trim().split("\n")) t.diagnostic(line);
  assert.match(out.stdout, /chat\(\)/);
});
