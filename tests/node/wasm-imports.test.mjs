// Unit tests of scripts/wasm-imports.mjs (postbuild renames snippet import modules with it):
//   node --test tests/node/
import { test } from "node:test";
import assert from "node:assert/strict";
import { importsOf, rewriteImports } from "../../scripts/wasm-imports.mjs";

const enc = new TextEncoder();
const str = (s) => [enc.encode(s).length, ...enc.encode(s)];
const section = (id, payload) => [id, payload.length, ...payload];

// A module importing one of each kind the parser skips over: a function, a table, a memory
// with a maximum, a global; then a type section after it must survive untouched.
function tinyModule(snippet) {
  const imports = [
    4,
    ...str(snippet), ...str("sleep"), 0, 0,
    ...str("wbg"), ...str("t"), 1, 0x70, 0, 1,
    ...str("wbg"), ...str("m"), 2, 1, 1, 2,
    ...str("wbg"), ...str("g"), 3, 0x7f, 0,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, imports),
  ]);
}

test("reads every import with its module", () => {
  const wasm = tinyModule("./snippets/free-router-0/src/js/transport.js");
  assert.deepEqual(importsOf(wasm), [
    ["./snippets/free-router-0/src/js/transport.js", "sleep"],
    ["wbg", "t"],
    ["wbg", "m"],
    ["wbg", "g"],
  ]);
});

test("an identity rewrite gives back the same bytes", () => {
  const wasm = tinyModule("./snippets/free-router-0/src/js/transport.js");
  assert.deepEqual(rewriteImports(wasm, (m) => m), wasm);
});

test("renamed modules are what the engine sees, the rest unchanged", async () => {
  const wasm = tinyModule("./snippets/free-router-0/src/js/transport.js");
  const out = rewriteImports(wasm, (m) => (m.startsWith("./snippets/") ? "transport" : m));
  assert.ok(out.length < wasm.length);
  const seen = WebAssembly.Module.imports(await WebAssembly.compile(out));
  assert.deepEqual(
    seen.map((i) => [i.module, i.name, i.kind]),
    [
      ["transport", "sleep", "function"],
      ["wbg", "t", "table"],
      ["wbg", "m", "memory"],
      ["wbg", "g", "global"],
    ],
  );
});

test("a longer name grows the section size", async () => {
  const wasm = tinyModule("a");
  const out = rewriteImports(wasm, (m) => (m === "a" ? "x".repeat(200) : m));
  const seen = WebAssembly.Module.imports(await WebAssembly.compile(out));
  assert.equal(seen[0].module, "x".repeat(200));
});
