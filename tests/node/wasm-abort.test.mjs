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

test("dead panic locations and their paths are zeroed; anything still pointed at stays", async () => {
  const { dropDeadLocations } = await import("../../scripts/wasm-abort.mjs");
  // 1024 "src/dead.rs", 1040 "src/live.rs", 1056 "src/both.rs" (11 bytes each), then records:
  // 1072 Location(dead.rs, 12, 5): nothing points at it
  // 1088 Location(live.rs, 30, 9): named by an i32.const in code
  // 1104 Location(both.rs, 40, 2): nothing points at it, but 1120 holds another &str of both.rs
  // 1120 [1056, 11]: a &str, not a location
  // 1128 Location(live.rs, 50, 1): pointed at by the data word at 1144
  // (Both segments start 4 bytes early: segment offsets count as names, conservatively.)
  const le = (...words) =>
    words.map((w) => [0, 8, 16, 24].map((s) => `\\${((w >>> s) & 255).toString(16).padStart(2, "0")}`).join("")).join("");
  const wat = `(module
    (memory (export "memory") 1)
    (data (i32.const 1020) "\\ff\\ff\\ff\\ffsrc/dead.rs\\00\\00\\00\\00\\00src/live.rs\\00\\00\\00\\00\\00src/both.rs\\00\\00\\00\\00\\00")
    (data (i32.const 1068) "${le(0xffffffff, 1024, 11, 12, 5, 1040, 11, 30, 9, 1056, 11, 40, 2, 1056, 11, 1040, 11, 50, 1, 1128)}")
    (func (export "live") (result i32) (i32.const 1088)))`;
  const before = assemble(wat, false);
  const { bytes, zeroed } = dropDeadLocations(before);
  assert.ok(WebAssembly.validate(bytes));
  const memory = async (b) => {
    const { instance } = await WebAssembly.instantiate(b, {});
    return Buffer.from(instance.exports.memory.buffer);
  };
  const [was, now] = [await memory(before), await memory(bytes)];
  const range = (m, from, n) => [...m.subarray(from, from + n)];
  const zeros = (n) => new Array(n).fill(0);
  assert.deepEqual(range(now, 1024, 11), zeros(11), "a path only dead records pointed at is zeroed");
  assert.deepEqual(range(now, 1072, 16), zeros(16), "a record nothing points at is zeroed");
  assert.deepEqual(range(now, 1104, 16), zeros(16), "so is one whose path is also held elsewhere");
  for (const [at, n, why] of [
    [1040, 11, "a path live records point at stays"],
    [1056, 11, "a path another pointer holds stays"],
    [1088, 16, "a record code names stays"],
    [1120, 8, "a plain &str stays"],
    [1128, 20, "a record a data word points at stays"],
  ]) assert.deepEqual(range(now, at, n), range(was, at, n), why);
  assert.equal(zeroed, 16 + 16 + 11);
  assert.equal(bytes.length, before.length);
});
