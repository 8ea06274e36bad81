// Where the wasm's bytes go: function body sizes from the code section, named from the name
// section of a build that keeps names (bench/prof-build.sh), grouped by crate and by module.
//   node bench/wasm-sizes.mjs [bench/out/pkg-prof/free_router_bg.wasm] [top]
import { readFileSync } from "node:fs";

const file = process.argv[2] || new URL("./out/pkg-prof/free_router_bg.wasm", import.meta.url).pathname;
const top = +(process.argv[3] || 25);
const b = readFileSync(file);

let p = 8;
const u32 = () => {
  let n = 0, s = 0, x;
  do {
    x = b[p++];
    n += (x & 127) * 2 ** s;
    s += 7;
  } while (x & 128);
  return n;
};
const str = () => {
  const n = u32();
  const s = b.subarray(p, p + n).toString();
  p += n;
  return s;
};

let imported = 0;
let bodies = [];
const names = new Map();
const sections = {};
while (p < b.length) {
  const id = b[p++];
  const size = u32();
  const end = p + size;
  if (id === 2) {
    for (let n = u32(), i = 0; i < n; i++) {
      str();
      str();
      const kind = b[p++];
      if (kind === 0) {
        u32();
        imported++;
      } else if (kind === 1) {
        p++;
        const f = b[p++];
        u32();
        if (f & 1) u32();
      } else if (kind === 2) {
        const f = b[p++];
        u32();
        if (f & 1) u32();
      } else if (kind === 3) p += 2;
    }
  } else if (id === 10) {
    for (let n = u32(), i = 0; i < n; i++) {
      const sz = u32();
      bodies.push(sz);
      p += sz;
    }
  } else if (id === 0) {
    const name = str();
    sections[`custom:${name}`] = size;
    if (name === "name") {
      while (p < end) {
        const sub = b[p++];
        const len = u32();
        const subEnd = p + len;
        if (sub === 1) for (let n = u32(), i = 0; i < n; i++) names.set(u32(), str());
        p = subEnd;
      }
    }
  }
  sections[id] = (sections[id] ?? 0) + size;
  p = end;
}

const demangle = (s) => s.replace(/::h[0-9a-f]{16}$/, "");
const rows = bodies.map((sz, i) => ({ sz, name: demangle(names.get(i + imported) ?? `func${i + imported}`) }));
const total = rows.reduce((a, r) => a + r.sz, 0);
const group = (key) => {
  const m = new Map();
  for (const r of rows) m.set(key(r.name), (m.get(key(r.name)) ?? 0) + r.sz);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
// The crate that owns the code: the last path's first segment inside `<impl X for Y>` is noisy,
// so take the innermost `free_router::...` path if there is one, else the first segment.
const crate = (n) => {
  const fr = /free_router::(\w+)::(\w+)/.exec(n);
  if (fr) return `free_router::${fr[1]}::${fr[2]}`;
  const m = /^<?([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(n.replace(/^<+/, ""));
  return m ? m[1] : "(other)";
};
const pct = (x) => `${((100 * x) / total).toFixed(1)}%`;
console.log(`${file}: ${b.length} B, code ${sections[10]} B in ${rows.length} functions, data ${sections[11] ?? 0} B`);
console.log(`\nby owner (free_router module, else crate):`);
for (const [k, v] of group(crate).slice(0, top)) console.log(`  ${String(v).padStart(7)}  ${pct(v).padStart(6)}  ${k}`);
console.log(`\nlargest functions:`);
for (const r of [...rows].sort((a, b) => b.sz - a.sz).slice(0, top)) console.log(`  ${String(r.sz).padStart(7)}  ${r.name.slice(0, 150)}`);
