// scripts/wasm-abort.mjs: a panic traps at once, and nothing else in the module changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trapAt, functionNames } from "../../scripts/wasm-abort.mjs";
import { bodies } from "../../scripts/wasm-order.mjs";

const root = new URL("../../", import.meta.url).pathname;

/** A module shaped like a Rust panic path: the handler reports (here, to an import), then traps. */
const WAT = `(module
  (import "env" "hook" (func $hook (param i32)))
  (func $"core[c5930c85a12de822]::panicking::panic_fmt" (param i32)
    (call $hook (local.get 0))
    (unreachable))
  (func $checked (export "checked") (param i32) (result i32)
    (if (i32.gt_u (local.get 0) (i32.const 3))
      (then (call $"core[c5930c85a12de822]::panicking::panic_fmt" (i32.const 7))))
    (i32.add (local.get 0) (i32.const 1))))`;

function assemble(wat, keepNames) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-abort-"));
  try {
    writeFileSync(join(dir, "m.wat"), wat);
    const args = [join(dir, "m.wat"), "-o", join(dir, "m.wasm"), ...(keepNames ? ["-g"] : [])];
    execFileSync(join(root, "node_modules/.bin/wasm-as"), args);
    return readFileSync(join(dir, "m.wasm"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(bytes, arg) {
  const hooked = [];
  const { instance } = await WebAssembly.instantiate(bytes, { env: { hook: (v) => hooked.push(v) } });
  try {
    return { value: instance.exports.checked(arg), hooked };
  } catch (e) {
    return { trap: e, hooked };
  }
}

test("the panic entry traps without running what it ran before; other code is untouched", async () => {
  const before = assemble(WAT, true);
  const after = trapAt(before);
  assert.ok(WebAssembly.validate(after));
  assert.deepEqual(await run(after, 2), { value: 3, hooked: [] });
  const panicked = await run(after, 9);
  assert.ok(panicked.trap instanceof WebAssembly.RuntimeError, "a panic is still a trap");
  assert.deepEqual(panicked.hooked, [], "the panic path's own work is skipped");
  // The unpatched module did run it: the test would see a change.
  assert.deepEqual((await run(before, 9)).hooked, [7]);
  const [panicFmt, checked] = [0, 1];
  assert.deepEqual(bodies(after)[checked], bodies(before)[checked]);
  assert.deepEqual([...bodies(after)[panicFmt]], [0, 0x00, 0x0b]);
});

test("without the symbol the build stops with a reason", () => {
  const stripped = assemble(WAT, false);
  assert.equal(functionNames(stripped).size, 0);
  assert.throws(() => trapAt(stripped), /expected one function named like .*found 0.*stripping symbols/);
});
