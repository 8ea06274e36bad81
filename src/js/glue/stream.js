// Response bodies read in batches (one wasm call per batch of arrived pieces, not one per
// piece), deltas, and the ChatStream users iterate (async iterable, single use, `break` aborts).

import { FreeRouterError } from "./error.js";
import { raceAbort } from "./transport.js";

/** A reader over the body, or null when there is no body to stream. */
export function bodyReader(r) {
  try {
    if (r && r.body && typeof r.body.getReader === "function") return r.body.getReader();
  } catch {
    /* a locked or broken body reads as empty */
  }
  return null;
}

/**
 * Read the body up to a decision: each batch of pieces (see readBatch) goes synchronously to
 * `feed(bytes)` (`feed(null)` at the end), which returns true once wasm has the first token, an
 * error or the end. One
 * promise and one abort listener per attempt instead of per piece. Rejects with a failed read,
 * or with the signal's reason the moment it aborts, whatever the reader does (it is cancelled,
 * and `feed` is never called after the promise settles: wasm may have dropped it).
 */
export function readUntil(reader, signal, feed) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    let settled = false;
    // Holds the reader and the reject function, never the stream or wasm state.
    const onAbort = () => {
      settle(reject, signal.reason);
      cancelReader(reader);
    };
    const settle = (f, v) => {
      if (settled) return;
      settled = true;
      if (signal) signal.removeEventListener("abort", onAbort);
      f(v);
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    (async () => {
      const rs = readState();
      try {
        for (;;) {
          const bytes = await readBatch(reader, rs, same);
          if (settled) return;
          if (feed(bytes) || bytes === null) return settle(resolve);
        }
      } catch (e) {
        settle(reject, e);
      }
    })();
  });
}

function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("the response body yielded something that is not bytes");
}

// Bytes of already-arrived pieces fed to wasm in one call: one crossing, not one per piece.
const BATCH = 65536;

const same = (p) => p;

// A read a batch left behind (not settled yet, or the end or a failure), by reader: whoever
// reads that body next (the live stream after the first token) takes it first.
const aheadOf = new WeakMap();

/** Per reading loop: a reused buffer, and where a peeked read lands (`r`; null if it failed). */
function readState() {
  const box = { r: undefined };
  box.ok = (r) => (box.r = r);
  box.fail = () => (box.r = null);
  return { box, buf: new Uint8Array(0), reader: null };
}

/**
 * The next piece of `reader` (its read passed through `first`), then every further piece that
 * has arrived already, up to BATCH bytes, as one array; null at the end. One wasm call per
 * batch instead of one per piece; nothing waits for a piece that is not there yet.
 */
async function readBatch(reader, rs, first) {
  let p = aheadOf.get(reader);
  aheadOf.delete(reader);
  // A read of an earlier body may still land in the old box: take a new one.
  if (rs.reader !== reader) Object.assign(rs, readState(), { reader });
  const r = await first(p || reader.read());
  if (r.done) return null;
  const bytes = bytesOf(r.value);
  let size = bytes.length;
  let n = 1;
  const box = rs.box;
  while (size < BATCH) {
    let b;
    try {
      p = reader.read();
      box.r = undefined;
      p.then(box.ok, box.fail);
      await undefined; // `p` settled already: its reaction ran before this one
      const next = box.r;
      if (next === undefined || next === null || next.done || typeof next !== "object") break;
      b = bytesOf(next.value);
    } catch (e) {
      // A read that throws, or a piece that is not bytes: fail after the pieces before it.
      p = Promise.reject(e);
      p.catch(() => {});
      break;
    }
    p = null;
    let buf = rs.buf;
    if (size + b.length > buf.length) {
      // Grown as needed: most bodies are a few KB.
      const grown = new Uint8Array(Math.max(2 * buf.length, size + b.length, 4096));
      grown.set(n > 1 ? buf.subarray(0, size) : bytes);
      rs.buf = buf = grown;
    } else if (n === 1) {
      buf.set(bytes);
    }
    buf.set(b, size);
    size += b.length;
    n++;
  }
  if (p) aheadOf.set(reader, p);
  return n > 1 ? rs.buf.subarray(0, size) : bytes;
}

/** A platform stream reader: cancelling it settles a pending read, so no race is needed. */
function isPlatformReader(r) {
  return typeof ReadableStreamDefaultReader === "function" && r instanceof ReadableStreamDefaultReader;
}

export function cancelReader(reader, reason) {
  try {
    const p = reader.cancel(reason);
    if (p && typeof p.catch === "function") p.catch(() => {});
  } catch {
    /* already closed */
  }
}

export function mkDelta(content, reasoning, finishReason, toolCallsJson, usageJson) {
  const d = {};
  if (content !== undefined) d.content = content;
  if (reasoning !== undefined) d.reasoning = reasoning;
  if (toolCallsJson !== undefined) d.toolCalls = JSON.parse(toolCallsJson);
  if (finishReason !== undefined) d.finishReason = finishReason;
  if (usageJson !== undefined) d.usage = JSON.parse(usageJson);
  return d;
}

/**
 * A huge text (a view of wasm memory, read at once) decoded in 64 KiB pieces: V8 decodes those
 * faster than one multi-megabyte call, and joins them without copying.
 */
export function setBigContent(d, bytes) {
  const dec = new TextDecoder();
  let s = "";
  for (let i = 0; i < bytes.length; i += 65536) s += dec.decode(bytes.subarray(i, i + 65536), { stream: true });
  d.content = s + dec.decode();
}

class ChatStream {
  #h;
  #used = false;
  #queue = [];
  #qi = 0;
  #done = false;
  // The reader the abort listener cancels. A holder rather than `this`: the signal belongs to
  // wasm, so a listener holding the stream would keep it (and its wasm state) alive forever.
  #cur = { reader: null };
  #listening = false;
  #rs = readState();
  // Once the stream is over (read to the end, failed, aborted, cancelled): what the getters and
  // final() still need, and the wasm handle is freed at once. Garbage collection alone did not
  // free it (issue 18: ~2.5 KB of wasm memory per stream).
  #over = null;

  constructor(handle) {
    this.#h = handle;
  }

  get model() {
    return this.#over ? this.#over.model : this.#h.model();
  }

  get provider() {
    return this.#over ? this.#over.provider : this.#h.provider();
  }

  get route() {
    return JSON.parse(this.#over ? this.#over.route : this.#h.routeJson());
  }

  /** Keep what is left to ask once the stream is over, and free its wasm state. */
  #release() {
    const h = this.#h;
    if (this.#over || !h.over()) return;
    const over = { model: h.model(), provider: h.provider(), route: h.routeJson(), final: null, error: null };
    try {
      over.final = h.finalJson();
    } catch (e) {
      over.error = e;
    }
    this.#over = over;
    this.#cur.reader = null;
    h.free();
  }

  /** The handle's poll(), or the end once released; releases as soon as the stream is over. */
  #poll() {
    if (this.#over) {
      if (this.#over.error) throw this.#over.error;
      return null;
    }
    let r;
    try {
      r = this.#h.poll();
    } catch (e) {
      this.#release();
      throw e;
    }
    if (r === null) this.#release();
    return r;
  }

  #claim() {
    if (this.#used) {
      throw new FreeRouterError(
        "invalid_argument",
        "this ChatStream was already consumed; a stream can be read once (use stream.final() or stream.text() after iterating)",
      );
    }
    this.#used = true;
  }

  async #next() {
    for (;;) {
      if (this.#qi < this.#queue.length) {
        const value = this.#queue[this.#qi];
        this.#queue[this.#qi++] = undefined;
        return { done: false, value };
      }
      if (this.#done) return { done: true, value: undefined };
      // Deltas, the end, or the reader to read: no promise from wasm per piece.
      const r = this.#poll();
      if (r === false) {
        await this.#h.pull(); // resuming on another candidate
      } else if (r === null) {
        this.#done = true;
      } else if (Array.isArray(r)) {
        this.#queue = r;
        this.#qi = 0;
      } else {
        await this.#read(r);
      }
    }
  }

  /** One batch of the body (see readBatch), fed to wasm: the handle expects exactly one call. */
  async #read(reader) {
    let bytes;
    try {
      let first = same;
      if (isPlatformReader(reader)) {
        this.#cur.reader = reader;
        this.#listen();
      } else {
        // Anything else may ignore cancel(): race it against the signal, as before.
        first = (p) => raceAbort(p, this.#h.signal());
      }
      bytes = await readBatch(reader, this.#rs, first);
    } catch (e) {
      return this.#h.failRead(e);
    }
    if (bytes === null) this.#h.end();
    else this.#h.feed(bytes);
  }

  /** One abort listener per stream: it cancels the reader, which ends a pending read. */
  #listen() {
    if (this.#listening) return;
    this.#listening = true;
    const s = this.#h.signal();
    const cur = this.#cur;
    if (s && typeof s.addEventListener === "function") {
      s.addEventListener("abort", () => cancelReader(cur.reader), { once: true });
    }
  }

  [Symbol.asyncIterator]() {
    this.#claim();
    return {
      next: () => this.#next(),
      return: (value) => {
        this.abort();
        return Promise.resolve({ done: true, value });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  async text() {
    this.#claim();
    let s = "";
    for (;;) {
      const { done, value } = await this.#next();
      if (done) return s;
      if (value.content !== undefined) s += value.content;
    }
  }

  async final() {
    // Iterating first and then asking for the final result is the common pattern.
    if (!this.#used) this.#used = true;
    while (!this.#done) await this.#next();
    if (!this.#over) return JSON.parse(this.#h.finalJson());
    if (this.#over.error) throw this.#over.error;
    return JSON.parse(this.#over.final);
  }

  #readable(map) {
    this.#claim();
    return new ReadableStream({
      pull: async (controller) => {
        for (;;) {
          const { done, value } = await this.#next();
          if (done) return controller.close();
          const out = map(value);
          if (out !== undefined) return controller.enqueue(out);
        }
      },
      cancel: (reason) => this.abort(reason),
    });
  }

  textStream() {
    return this.#readable((d) => d.content);
  }

  toReadableStream() {
    return this.#readable((d) => d);
  }

  abort(reason) {
    if (this.#over) return;
    this.#h.abort(reason);
    this.#release();
  }
}

export function wrapStream(handle) {
  return new ChatStream(handle);
}
