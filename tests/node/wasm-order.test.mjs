// scripts/wasm-order.mjs moves functions, so it must change nothing but indices. Checked on the
// built pkg/free_router_bg.wasm against binaryen's disassembler, an independent reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bodies, reorder, similarOrder, sections } from "../../scripts/wasm-order.mjs";

const root = new URL("../../", import.meta.url).pathname;
const wasm = readFileSync(join(root, "pkg/free_router_bg.wasm"));
const count = bodies(wasm).length;

/** A fixed pseudo-random permutation (no Math.random: a failure must repeat). */
function shuffled(n, seed) {
  const order = [...Array(n).keys()];
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** binaryen's text of a module, one entry per defined function, with function indices mapped by
 * `rename` (new index -> old) so the two modules' texts can be compared function by function. */
function functions(bytes, rename = (i) => i) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-order-"));
  try {
    writeFileSync(join(dir, "m.wasm"), bytes);
    const wat = execFileSync(join(root, "node_modules/.bin/wasm-dis"), [join(dir, "m.wasm")], {
      maxBuffer: 64 << 20,
    })
      .toString()
      .replace(/\n\)\s*$/, ""); // the module's closing paren, after whichever function is last
    const fix = (s) => s.replace(/(\(func |call |ref\.func |return_call )\$(\d+)\b/g, (_, k, n) => `${k}$${rename(+n)}`);
    const byIndex = new Map();
    const other = [];
    for (const block of wat.split(/\n(?= \()/)) {
      const head = /^ \(func \$(\d+)\b/.exec(block);
      if (head) byIndex.set(rename(+head[1]), fix(block));
      else if (block.startsWith(" (elem")) {
        const at = block.indexOf(" func ");
        other.push(block.slice(0, at) + block.slice(at).replace(/ \$(\d+)\b/g, (_, n) => ` $${rename(+n)}`));
      }
      else other.push(fix(block));
    }
    return { byIndex, other };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the order the build uses changes nothing but function indices", () => {
  const order = similarOrder(bodies(wasm));
  assert.equal(new Set(order).size, count, "the order is a permutation of every function");
  const after = reorder(wasm, order);
  assert.ok(WebAssembly.validate(after));
  // wasm-dis names defined functions $0, $1, ... (imports are $fimport$N).
  const a = functions(wasm);
  const b = functions(after, (k) => order[k]);
  assert.equal(b.byIndex.size, a.byIndex.size);
  for (const [i, text] of a.byIndex) assert.equal(b.byIndex.get(i), text, `function ${i} differs after the move`);
  // binaryen numbers types by first use, which follows the function order: types as a set.
  const split = (other) => {
    const lines = other.flatMap((block) => block.split("\n"));
    const sig = (l) => l.replace(/^ \(type \$\d+ /, "");
    return {
      types: lines.filter((l) => l.startsWith(" (type $")).map(sig).sort(),
      rest: lines.filter((l) => !l.startsWith(" (type $")),
    };
  };
  assert.deepEqual(split(b.other), split(a.other));
});

test("a module moved by a permutation and back is the same bytes", () => {
  const order = shuffled(count, 7);
  const inverse = new Array(count);
  order.forEach((old, k) => (inverse[k] = old));
  const undo = new Array(count);
  order.forEach((old, k) => (undo[old] = k));
  const moved = reorder(wasm, order);
  assert.ok(WebAssembly.validate(moved));
  assert.notDeepEqual(moved, wasm);
  assert.deepEqual(reorder(moved, undo), wasm);
  assert.deepEqual(reorder(wasm, [...Array(count).keys()]), wasm, "the identity order rewrites nothing");
});

test("orders that are not permutations are refused", () => {
  const dup = [...Array(count).keys()];
  dup[1] = 0;
  assert.throws(() => reorder(wasm, dup), /not a permutation/);
  assert.throws(() => reorder(wasm, [0, 1]), /does not cover every function/);
  assert.ok(sections(wasm).some((s) => s.id === 10));
});
