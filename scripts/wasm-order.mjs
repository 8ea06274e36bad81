// Reorders the functions of a wasm module so that similar bodies sit next to each other, which
// gzip (a 32 KB window) then finds as repeats: about -2.7 KB gzip on free_router_bg.wasm with no
// change to any instruction but call targets (bench/RESULTS.md round 7).
//   node scripts/wasm-order.mjs pkg/free_router_bg.wasm      (in place; scripts/build.sh runs it)
// The module is read and rewritten whole: every function index (calls, ref.func, exports, the
// start function, element segments, global initialisers, function names) is mapped to the new
// order, and the result must pass WebAssembly.validate or nothing is written.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export class Reader {
  constructor(bytes, at = 0) {
    this.b = bytes;
    this.p = at;
  }
  u32() {
    let n = 0, shift = 0, x;
    do {
      x = this.b[this.p++];
      if (x === undefined) throw new Error("wasm-order: truncated LEB128");
      n += (x & 127) * 2 ** shift;
      shift += 7;
    } while (x & 128);
    return n;
  }
  /** Moves past `n` bytes (a separate call: `p += u32()` would add to the old `p`). */
  skip(n) {
    this.p += n;
  }
  /** A signed LEB128 of at most 32 bits. */
  i32() {
    let n = 0, shift = 0, x;
    do {
      x = this.b[this.p++];
      n |= (x & 127) << shift;
      shift += 7;
    } while (x & 128);
    return shift < 32 && x & 64 ? n | (-1 << shift) : n;
  }
  /** Skips a signed LEB128 (its value is never needed here). */
  skipLeb() {
    while (this.b[this.p++] & 128) if (this.p > this.b.length) throw new Error("wasm-order: truncated LEB128");
  }
}

export const leb = (n) => {
  const out = [];
  do {
    let x = n & 127;
    n = Math.floor(n / 128);
    if (n) x |= 128;
    out.push(x);
  } while (n);
  return out;
};

/** Value types written as one byte: i32 i64 f32 f64 v128 funcref externref. */
const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

/**
 * Copies one instruction sequence (a body after its locals, or a constant expression) up to and
 * including the `end` that closes it, with every function index passed through `map`, and
 * hands each `i32.const` value to `onI32` when given.
 */
function copyCode(r, end, map, out, onI32) {
  let depth = 0;
  while (r.p < end) {
    const at = r.p;
    const op = r.b[r.p++];
    const funcIndex = () => {
      out.push(...r.b.subarray(at, r.p));
      out.push(...leb(map(r.u32())));
    };
    switch (true) {
      case op === 0x10 || op === 0x12 || op === 0xd2: // call, return_call, ref.func
        funcIndex();
        continue;
      case op === 0x02 || op === 0x03 || op === 0x04: {
        const t = r.b[r.p];
        if (t === 0x40 || VALTYPES.has(t)) r.p++;
        else r.skipLeb(); // a type index (multi-value block)
        depth++;
        break;
      }
      case op === 0x0b:
        if (depth-- === 0) {
          out.push(op);
          return;
        }
        break;
      case op === 0x0c || op === 0x0d: // br, br_if
      case op >= 0x20 && op <= 0x26: // locals, globals, table.get/set
      case op === 0x3f || op === 0x40: // memory.size/grow
      case op === 0xd0: // ref.null
        if (op === 0xd0) r.p++;
        else r.u32();
        break;
      case op === 0x0e: // br_table
        for (let n = r.u32(); n >= 0; n--) r.u32();
        break;
      case op === 0x11 || op === 0x13: // call_indirect, return_call_indirect
        r.u32();
        r.u32();
        break;
      case op === 0x1c: // select with types
        for (let n = r.u32(); n > 0; n--) r.p++;
        break;
      case op >= 0x28 && op <= 0x3e: {
        const align = r.u32();
        if (align & 64) r.u32(); // memory index (multi-memory)
        r.u32();
        break;
      }
      case op === 0x41 && onI32 !== undefined:
        onI32(r.i32());
        break;
      case op === 0x41 || op === 0x42:
        r.skipLeb();
        break;
      case op === 0x43:
        r.p += 4;
        break;
      case op === 0x44:
        r.p += 8;
        break;
      case op === 0xfc: {
        const sub = r.u32();
        if (sub <= 7) break; // saturating truncations
        if (sub === 8 || sub === 10 || sub === 12 || sub === 14) r.u32(); // two immediates
        if (sub <= 17) {
          r.u32();
          break;
        }
        throw new Error(`wasm-order: unknown 0xfc ${sub} instruction`);
      }
      case op === 0x00 || op === 0x01 || op === 0x05 || op === 0x0f || op === 0x1a || op === 0x1b:
      case op >= 0x45 && op <= 0xc4:
      case op === 0xd1:
        break;
      default:
        throw new Error(`wasm-order: opcode 0x${op.toString(16)} is not handled (a feature the build did not use before?)`);
    }
    out.push(...r.b.subarray(at, r.p));
  }
  throw new Error("wasm-order: code ran past its end");
}

/** Sections of a module, each with its id and payload bounds. */
export function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error("wasm-order: not a wasm module");
  const r = new Reader(bytes, 8);
  const out = [];
  while (r.p < bytes.length) {
    const start = r.p;
    const id = bytes[r.p++];
    const size = r.u32();
    out.push({ id, start, payload: r.p, end: r.p + size });
    r.p += size;
  }
  return out;
}

/** How many functions the module imports (they come first in the index space). */
export function importedFunctions(bytes, s = sections(bytes).find((x) => x.id === 2)) {
  if (!s) return 0;
  const r = new Reader(bytes, s.payload);
  let funcs = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.skip(r.u32());
    r.skip(r.u32());
    const kind = bytes[r.p++];
    if (kind === 0) {
      r.u32();
      funcs++;
    } else if (kind === 1 || kind === 2) {
      if (kind === 1) r.p++;
      const flags = bytes[r.p++];
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 3) r.p += 2;
    else if (kind === 4) {
      r.p++;
      r.u32();
    } else throw new Error(`wasm-order: import kind ${kind}`);
  }
  return funcs;
}

/** The function bodies (locals and code) as slices of `bytes`. */
export function bodies(bytes) {
  const code = sections(bytes).find((s) => s.id === 10);
  if (!code) return [];
  const r = new Reader(bytes, code.payload);
  const out = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    out.push(bytes.subarray(r.p, r.p + size));
    r.p += size;
  }
  return out;
}

/**
 * Every `i32.const` value in the module's code, global initialisers and segment offsets: the
 * addresses code can name directly (no `i32.const`, no pointer to it).
 */
export function constants(bytes) {
  const found = new Set();
  const add = (v) => found.add(v >>> 0);
  const same = (i) => i;
  for (const s of sections(bytes)) {
    const r = new Reader(bytes, s.payload);
    if (s.id === 10) {
      for (let n = r.u32(); n > 0; n--) {
        const end = r.u32() + r.p;
        for (let groups = r.u32(); groups > 0; groups--) {
          r.u32();
          r.p++;
        }
        copyCode(r, end, same, [], add);
      }
    } else if (s.id === 6) {
      for (let n = r.u32(); n > 0; n--) {
        r.p += 2;
        copyCode(r, s.end, same, [], add);
      }
    } else if (s.id === 11) {
      for (let n = r.u32(); n > 0; n--) {
        const flags = r.u32();
        if (flags === 2) r.u32();
        if (flags !== 1) copyCode(r, s.end, same, [], add);
        r.skip(r.u32());
      }
    }
  }
  return found;
}

/**
 * The module with its defined functions in `order` (order[k] = the old position of the function
 * that goes to position k). Imports keep their indices.
 */
export function reorder(bytes, order) {
  const secs = sections(bytes);
  const imp = secs.find((s) => s.id === 2);
  const imported = importedFunctions(bytes, imp);
  const defined = order.length;
  const to = new Array(defined);
  order.forEach((old, k) => {
    if (to[old] !== undefined || old >= defined) throw new Error("wasm-order: the order is not a permutation");
    to[old] = k;
  });
  const map = (i) => {
    if (i < imported) return i;
    const k = to[i - imported];
    if (k === undefined) throw new Error(`wasm-order: function index ${i} is out of range`);
    return imported + k;
  };
  const parts = [bytes.subarray(0, 8)];
  const emit = (id, payload) => parts.push(Buffer.from([id, ...leb(payload.length)]), Buffer.from(payload));
  for (const s of secs) {
    const r = new Reader(bytes, s.payload);
    const out = [];
    if (s.id === 3) {
      const types = [];
      for (let n = r.u32(); n > 0; n--) types.push(r.u32());
      if (types.length !== defined) throw new Error("wasm-order: the order does not cover every function");
      out.push(...leb(defined));
      for (const old of order) out.push(...leb(types[old]));
    } else if (s.id === 10) {
      const old = [];
      for (let n = r.u32(); n > 0; n--) {
        const size = r.u32();
        old.push([r.p, r.p + size]);
        r.p += size;
      }
      out.push(...leb(defined));
      for (const k of order) {
        const [from, end] = old[k];
        const br = new Reader(bytes, from);
        const body = [];
        let groups = br.u32();
        body.push(...leb(groups));
        for (; groups > 0; groups--) {
          body.push(...leb(br.u32()));
          body.push(bytes[br.p++]);
        }
        copyCode(br, end, map, body);
        if (br.p !== end) throw new Error("wasm-order: a body has bytes after its end");
        out.push(...leb(body.length), ...body);
      }
    } else if (s.id === 7) {
      out.push(...leb(r.u32()));
      while (r.p < s.end) {
        const n = r.u32();
        out.push(...leb(n), ...bytes.subarray(r.p, r.p + n));
        r.p += n;
        const kind = bytes[r.p++];
        const idx = r.u32();
        out.push(kind, ...leb(kind === 0 ? map(idx) : idx));
      }
    } else if (s.id === 8) {
      out.push(...leb(map(r.u32())));
    } else if (s.id === 6) {
      out.push(...leb(r.u32()));
      while (r.p < s.end) {
        out.push(bytes[r.p++], bytes[r.p++]); // value type, mutability
        copyCode(r, s.end, map, out);
      }
    } else if (s.id === 9) {
      let n = r.u32();
      out.push(...leb(n));
      for (; n > 0; n--) {
        const flags = r.u32();
        out.push(...leb(flags));
        if (flags & 2 && !(flags & 1)) out.push(...leb(r.u32())); // table index
        if (!(flags & 1)) copyCode(r, s.end, map, out); // offset
        if (flags & 3) out.push(bytes[r.p++]); // element kind or reference type
        let items = r.u32();
        out.push(...leb(items));
        for (; items > 0; items--) {
          if (flags & 4) copyCode(r, s.end, map, out);
          else out.push(...leb(map(r.u32())));
        }
      }
    } else if (s.id === 0 && customName(bytes, s) === "name") {
      out.push(...renamed(bytes, s, map));
    } else {
      parts.push(bytes.subarray(s.start, s.end));
      continue;
    }
    if (r.p > s.end) throw new Error(`wasm-order: section ${s.id} ran past its end`);
    emit(s.id, out);
  }
  return Buffer.concat(parts);
}

function customName(bytes, s) {
  const r = new Reader(bytes, s.payload);
  const n = r.u32();
  return bytes.subarray(r.p, r.p + n).toString();
}

/** The name section with function and local names moved to the new indices. */
function renamed(bytes, s, map) {
  const r = new Reader(bytes, s.payload);
  const out = [];
  const n = r.u32();
  out.push(...leb(n), ...bytes.subarray(r.p, r.p + n));
  r.p += n;
  while (r.p < s.end) {
    const id = bytes[r.p++];
    const size = r.u32();
    const end = r.p + size;
    if (id !== 1 && id !== 2) {
      out.push(id, ...leb(size), ...bytes.subarray(r.p, end));
      r.p = end;
      continue;
    }
    const entries = [];
    for (let k = r.u32(); k > 0; k--) {
      const idx = map(r.u32());
      const from = r.p;
      if (id === 1) r.skip(r.u32());
      else for (let m = r.u32(); m > 0; m--) {
        r.u32();
        r.skip(r.u32());
      }
      entries.push([idx, bytes.subarray(from, r.p)]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const sub = [...leb(entries.length)];
    for (const [idx, rest] of entries) sub.push(...leb(idx), ...rest);
    out.push(id, ...leb(sub.length), ...sub);
    r.p = end;
  }
  return out;
}

/**
 * A greedy chain: from the first function, always go on to the unplaced body whose 4-byte
 * sequences the current one covers best. Measured against other keys and windows in round 7.
 */
export function similarOrder(list) {
  const grams = list.map((body) => {
    const seen = new Set();
    for (let i = 0; i + 4 <= body.length; i++) seen.add(body.readUInt32LE(i));
    return seen;
  });
  const placed = new Uint8Array(list.length);
  const order = [];
  for (let cur = 0; cur >= 0; ) {
    placed[cur] = 1;
    order.push(cur);
    const here = grams[cur];
    let best = -1, score = -1;
    for (let j = 0; j < list.length; j++) {
      if (placed[j]) continue;
      const there = grams[j];
      let shared = 0;
      if (here.size < there.size) {
        for (const g of here) if (there.has(g)) shared++;
      } else for (const g of there) if (here.has(g)) shared++;
      const s = shared / (there.size + 1);
      if (s > score) {
        score = s;
        best = j;
      }
    }
    cur = best;
  }
  return order;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node scripts/wasm-order.mjs FILE.wasm");
  const before = readFileSync(file);
  const after = reorder(before, similarOrder(bodies(before)));
  if (!WebAssembly.validate(after)) throw new Error("wasm-order: the reordered module does not validate; left as it was");
  writeFileSync(file, after);
}
