// Makes a Rust panic trap at once, as nightly's `panic_immediate_abort` does, on stable Rust:
// the body of `core::panicking::panic_fmt`, which every panic passes through, becomes
// `unreachable`. With `panic = "abort"` a panic already ends in that trap; on the way, std ran its
// hook and formatted a message for a stderr that wasm32-unknown-unknown does not have. Nothing
// observable changes, and wasm-opt then drops the hook, the message formatting and each panic
// site's arguments (-1.5 KB gzip; bench/RESULTS.md round 7).
//   node scripts/wasm-abort.mjs pkg/free_router_bg.wasm   (before wasm-opt; reads the name section)
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Reader, importedFunctions, leb, sections } from "./wasm-order.mjs";

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node scripts/wasm-abort.mjs FILE.wasm");
  const after = trapAt(readFileSync(file));
  if (!WebAssembly.validate(after)) throw new Error("wasm-abort: the patched module does not validate; left as it was");
  writeFileSync(file, after);
}
