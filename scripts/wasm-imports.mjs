// The import section of a wasm binary: read the (module, name) of every import, and rewrite
// module names. Used by postbuild.mjs to give wasm-bindgen's snippet imports short module keys.

function readLeb(b, p) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[p++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, p];
  }
}

function leb(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

// Bytes of an import's descriptor after its kind byte: func, table, memory, global, tag.
function descriptorEnd(b, kind, p) {
  const limits = (q) => {
    const flags = b[q++];
    [, q] = readLeb(b, q);
    if (flags & 1) [, q] = readLeb(b, q);
    return q;
  };
  switch (kind) {
    case 0:
      return readLeb(b, p)[1];
    case 1:
      return limits(p + 1);
    case 2:
      return limits(p);
    case 3:
      return p + 2;
    case 4:
      return readLeb(b, p + 1)[1];
    default:
      throw new Error(`wasm-imports: unknown import kind ${kind}`);
  }
}

/** The imports as [module, name] pairs. */
export function importsOf(bytes) {
  const out = [];
  rewriteImports(bytes, (module, name) => {
    out.push([module, name]);
    return module;
  });
  return out;
}

/** A copy of `bytes` with each import's module name replaced by `rename(module, name)`. */
export function rewriteImports(bytes, rename) {
  const b = bytes;
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  const parts = [b.subarray(0, 8)];
  let p = 8;
  while (p < b.length) {
    const id = b[p];
    const [size, start] = readLeb(b, p + 1);
    const end = start + size;
    if (id !== 2) {
      parts.push(b.subarray(p, end));
      p = end;
      continue;
    }
    let [count, q] = readLeb(b, start);
    const body = [leb(count)];
    for (let i = 0; i < count; i++) {
      let n;
      [n, q] = readLeb(b, q);
      const module = dec.decode(b.subarray(q, q + n));
      q += n;
      const nameAt = q;
      [n, q] = readLeb(b, q);
      const name = dec.decode(b.subarray(q, q + n));
      q += n;
      const kind = b[q];
      q = descriptorEnd(b, kind, q + 1);
      const renamed = enc.encode(rename(module, name));
      body.push(leb(renamed.length), renamed, b.subarray(nameAt, q));
    }
    if (q !== end) throw new Error("wasm-imports: the import section did not parse to its end");
    const payload = concat(body);
    parts.push(Uint8Array.of(2, ...leb(payload.length)), payload);
    p = end;
  }
  return concat(parts);
}

function concat(parts) {
  const arrays = parts.map((x) => (x instanceof Uint8Array ? x : Uint8Array.from(x)));
  const out = new Uint8Array(arrays.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of arrays) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}
