// Holds the code to its layout rules (see DESIGN.md):
// - src/core is sans-IO: no wasm-bindgen, js-sys or web-sys, no clock, no randomness;
// - src/js/glue.js is the bundle of src/js/glue/ (scripts/bundle-glue.mjs);
// - src/web has no import cycle between its modules (a module names another through
//   `crate::web::NAME`; submodules count as their parent).
// Exits 1 naming what breaks a rule.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { GLUE, bundledGlue } from "./bundle-glue.mjs";

const root = join(fileURLToPath(import.meta.url), "..", "..");

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...rustFiles(p));
    else if (name.endsWith(".rs")) out.push(p);
  }
  return out;
}

/// Code without comments and string literals, so prose and messages cannot trip a rule.
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/[^\n]*/g, "")
    .replace(/r#*"[\s\S]*?"#*/g, '""')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/// The part of a file that is not its `#[cfg(test)] mod tests { ... }` (tests may use a clock).
function withoutTests(text) {
  const at = text.search(/#\[cfg\(test\)\]\s*mod\s+\w+\s*\{/);
  return at < 0 ? text : text.slice(0, at);
}

const problems = [];

// ---- src/js/glue.js is the bundle of src/js/glue/ (scripts/bundle-glue.mjs)
if (readFileSync(GLUE, "utf8") !== (await bundledGlue())) {
  problems.push("src/js/glue.js is not the bundle of src/js/glue/: run node scripts/bundle-glue.mjs");
}

// ---- core is sans-IO
const forbidden = [
  [/\bwasm_bindgen\b/, "wasm-bindgen"],
  [/\bjs_sys\b/, "js-sys"],
  [/\bweb_sys\b/, "web-sys"],
  [/\bInstant::now\b|\bSystemTime\b|\bstd::time\b/, "a clock"],
  [/\bDate::now\b|\bperformance\b/, "a clock"],
  [/\brand::|\bgetrandom\b|\bMath::random\b|\bRandomState\b|\bthread_rng\b/, "randomness"],
  [/\bstd::env\b|\bstd::fs\b|\bstd::net\b|\bstd::process\b/, "the environment"],
];
for (const file of rustFiles(join(root, "src", "core"))) {
  // A module's tests in their own file (`#[cfg(test)] mod tests;`) are tests too.
  if (/(^|_)tests\.rs$/.test(file.split(sep).pop())) continue;
  const text = code(withoutTests(readFileSync(file, "utf8")));
  for (const [re, what] of forbidden) {
    const m = text.match(re);
    if (m) problems.push(`${relative(root, file)} uses ${what} (${m[0]}): src/core must stay sans-IO`);
  }
}

// ---- src/web has no import cycle
const webDir = join(root, "src", "web");
const edges = new Map();
for (const file of rustFiles(webDir)) {
  const rel = relative(webDir, file).split(sep);
  const name = rel[0].replace(/\.rs$/, "");
  if (name === "mod") continue;
  const text = code(readFileSync(file, "utf8"));
  const deps = edges.get(name) ?? new Set();
  // `crate::web::a::...`, `crate::web::{a, b::c}` and `super::a` from a top-level module.
  for (const m of text.matchAll(/crate::web::(\{[^}]*\}|\w+)/g)) {
    const names = m[1].startsWith("{") ? m[1].slice(1, -1).split(",").map((s) => s.trim().split("::")[0]) : [m[1]];
    for (const n of names) if (n && n !== name && n !== "self") deps.add(n);
  }
  if (rel.length === 1) {
    for (const m of text.matchAll(/\bsuper::(\w+)/g)) if (m[1] !== name) deps.add(m[1]);
  }
  edges.set(name, deps);
}

const state = new Map();
const stack = [];
function visit(n) {
  state.set(n, "open");
  stack.push(n);
  for (const d of edges.get(n) ?? []) {
    if (!edges.has(d)) continue;
    if (state.get(d) === "open") {
      const cycle = stack.slice(stack.indexOf(d)).concat(d);
      problems.push(`src/web import cycle: ${cycle.join(" -> ")}`);
    } else if (!state.has(d)) {
      visit(d);
    }
  }
  stack.pop();
  state.set(n, "done");
}
for (const n of [...edges.keys()].sort()) if (!state.has(n)) visit(n);

if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`layout ok: src/core sans-IO, src/web has ${edges.size} modules and no import cycle`);
