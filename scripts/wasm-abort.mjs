// Makes a Rust panic trap at once, as nightly's `panic_immediate_abort` does, on stable Rust:
// the body of `core::panicking::panic_fmt`, which every panic passes through, becomes
// `unreachable`. With `panic = "abort"` a panic already ends in that trap; on the way, std ran its
// hook and formatted a message for a stderr that wasm32-unknown-unknown does not have. Nothing
// observable changes, and wasm-opt then drops the hook, the message formatting and each panic
// site's arguments (-1.6 KB gzip; bench/RESULTS.md round 7).
//   node scripts/wasm-abort.mjs pkg/free_router_bg.wasm   (before wasm-opt; reads the name section)
// After wasm-opt, the panic sites' `Location`s (file, line, column) are data no code can reach any
// more; `--locations` zeroes them and their file paths (-1.4 KB gzip):
//   node scripts/wasm-abort.mjs --locations pkg/free_router_bg.wasm
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Reader, constants, importedFunctions, leb, sections } from "./wasm-order.mjs";

const PANIC_FMT = /^core(\[[0-9a-f]+\])?::panicking::panic_fmt(::h[0-9a-f]{16})?$/;

/** Function names by index (whole index space) from the name section; an empty map without one. */
export function functionNames(bytes) {
  const names = new Map();
  for (const s of sections(bytes)) {
    if (s.id !== 0) continue;
    const r = new Reader(bytes, s.payload);
    const n = r.u32();
    if (bytes.subarray(r.p, r.p + n).toString() !== "name") continue;
    r.skip(n);
    while (r.p < s.end) {
      const id = bytes[r.p++];
      const size = r.u32();
      const end = r.p + size;
      if (id === 1) {
        for (let k = r.u32(); k > 0; k--) {
          const index = r.u32();
          const len = r.u32();
          names.set(index, bytes.subarray(r.p, r.p + len).toString());
          r.skip(len);
        }
      }
      r.p = end;
    }
  }
  return names;
}

/** The module with the one function named like `pattern` reduced to `unreachable`. */
export function trapAt(bytes, pattern = PANIC_FMT) {
  const hits = [...functionNames(bytes)].filter(([, name]) => pattern.test(name));
  if (hits.length !== 1) {
    throw new Error(
      `wasm-abort: expected one function named like ${pattern} in the name section, found ${hits.length} ` +
        "(is the release profile stripping symbols, or did the toolchain rename it?)",
    );
  }
  const target = hits[0][0] - importedFunctions(bytes);
  if (target < 0) throw new Error("wasm-abort: the panic function is an import");
  const code = sections(bytes).find((s) => s.id === 10);
  const r = new Reader(bytes, code.payload);
  const count = r.u32();
  const parts = [Buffer.from(leb(count))];
  for (let i = 0; i < count; i++) {
    const from = r.p;
    r.skip(r.u32());
    // No locals; `unreachable`; `end`.
    parts.push(i === target ? Buffer.from([3, 0, 0x00, 0x0b]) : bytes.subarray(from, r.p));
  }
  const payload = Buffer.concat(parts);
  return Buffer.concat([
    bytes.subarray(0, code.start),
    Buffer.from([10, ...leb(payload.length)]),
    payload,
    bytes.subarray(code.end),
  ]);
}

/** Active data segments (`i32.const` offset) as {addr, at, len}: `at` is the bytes' position in
 * the module; null when there is a passive one (its address is only known at run time). */
function segments(bytes) {
  const data = sections(bytes).find((x) => x.id === 11);
  if (!data) return [];
  const r = new Reader(bytes, data.payload);
  const out = [];
  for (let n = r.u32(); n > 0; n--) {
    if (r.u32() !== 0 || bytes[r.p] !== 0x41) return null;
    r.p++;
    const addr = r.i32() >>> 0;
    if (bytes[r.p++] !== 0x0b) return null;
    const len = r.u32();
    out.push({ addr, at: r.p, len });
    r.skip(len);
  }
  return out;
}

/**
 * Zeroes each panic `Location` ({ file: &str, line: u32, col: u32 }) that no `i32.const` and no
 * data word points into any more, and each file path only such dead records pointed at. A record
 * is recognised only when its pointer and length give exactly a printable path ending in `.rs`
 * and its line and column are plausible. Returns the module and how many bytes it zeroed.
 */
export function dropDeadLocations(bytes) {
  const segs = segments(bytes);
  if (!segs || segs.length === 0) return { bytes, zeroed: 0 };
  const lo = Math.min(...segs.map((g) => g.addr));
  const hi = Math.max(...segs.map((g) => g.addr + g.len));
  const mem = Buffer.alloc(hi - lo);
  for (const g of segs) bytes.copy(mem, g.addr - lo, g.at, g.at + g.len);
  const word = (a) => (a >= lo && a + 4 <= hi ? mem.readUInt32LE(a - lo) : -1);
  const pointers = new Map(); // value -> addresses of the data words holding it
  for (let a = lo; a + 4 <= hi; a++) {
    const v = word(a);
    if (v >= lo && v <= hi) (pointers.get(v) ?? pointers.set(v, []).get(v)).push(a);
  }
  const named = constants(bytes);
  const reached = (from, to, except) => {
    for (let v = from; v < to; v++) {
      if (named.has(v)) return true;
      for (const a of pointers.get(v) ?? []) if (!except(a)) return true;
    }
    return false;
  };
  const isPath = (p, n) =>
    n > 3 && n < 256 && p >= lo && p + n <= hi && /^[\x20-\x7e]+\.rs$/.test(mem.toString("latin1", p - lo, p - lo + n));
  const dead = new Set();
  for (let a = lo - (lo % 4); a + 16 <= hi; a += 4) {
    const [p, n, line, col] = [word(a), word(a + 4), word(a + 8), word(a + 12)];
    if (!isPath(p, n) || line < 1 || line >= 1e6 || col < 1 || col >= 1e4) continue;
    if (!reached(a, a + 16, () => false)) dead.add(a);
  }
  const out = Buffer.from(bytes);
  let zeroed = 0;
  const zero = (addr, n) => {
    for (const g of segs) {
      const from = Math.max(addr, g.addr), to = Math.min(addr + n, g.addr + g.len);
      if (from < to) out.fill(0, g.at + from - g.addr, g.at + to - g.addr);
    }
    zeroed += n;
  };
  const paths = new Map();
  for (const a of dead) {
    zero(a, 16);
    paths.set(word(a), word(a + 4));
  }
  // A path stays while anything but a dead record's file field points into it (or one past it).
  for (const [p, n] of paths) if (!reached(p, p + n + 1, (a) => dead.has(a))) zero(p, n);
  return { bytes: out, zeroed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const locations = process.argv[2] === "--locations";
  const file = process.argv[locations ? 3 : 2];
  if (!file) throw new Error("usage: node scripts/wasm-abort.mjs [--locations] FILE.wasm");
  const after = locations ? dropDeadLocations(readFileSync(file)).bytes : trapAt(readFileSync(file));
  if (!WebAssembly.validate(after)) throw new Error("wasm-abort: the patched module does not validate; left as it was");
  writeFileSync(file, after);
}
