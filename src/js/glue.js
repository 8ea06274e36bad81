// JavaScript that the wasm binding imports. Kept small: things that are awkward or slow to do
// through wasm-bindgen (Error subclassing, async iteration, racing promises against a signal).

const EXTRA_KEYS = ["status", "provider", "model", "retryAfterMs", "attempts", "partial", "scope"];

/** Every rejection from free-router is one of these. */
export class FreeRouterError extends Error {
  constructor(code, message, extra) {
    super(message, extra && extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = code === "aborted" ? "AbortError" : code === "timeout" ? "TimeoutError" : "FreeRouterError";
    this.code = code;
    if (extra) {
      for (const k of EXTRA_KEYS) {
        if (extra[k] !== undefined && extra[k] !== null) this[k] = extra[k];
      }
    }
  }
}

export function makeError(code, message, extraJson, cause) {
  const extra = extraJson ? JSON.parse(extraJson) : {};
  if (cause !== undefined && cause !== null) extra.cause = cause;
  return new FreeRouterError(code, message, extra);
}

export function isFreeRouterError(e) {
  try {
    return e instanceof FreeRouterError;
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws
  }
}

// The longest delay a timer takes (2^31 - 1 ms); longer ones overflow and fire at once.
const MAX_DELAY = 2147483647;
const delay = (ms) => Math.min(Math.max(0, Number(ms) || 0), MAX_DELAY);

/** A listener the DOM would take: a function (not a class), or an object with handleEvent. */
export function isListener(v) {
  try {
    if (typeof v === "function") return !/^class[\s{]/.test(Function.prototype.toString.call(v));
    return !!v && typeof v === "object" && typeof v.handleEvent === "function";
  } catch {
    return false;
  }
}

/** A session's call options: its defaults, then the call's, then its id. Never throws. */
export function sessionOptions(defaults, options, id) {
  try {
    return { ...(defaults && typeof defaults === "object" ? defaults : {}), ...(options && typeof options === "object" ? options : {}), sessionId: id };
  } catch (e) {
    return { __unserializable: describe(e) };
  }
}

/** A short, safe description of a thrown value (never its stack, never headers). */
export function describe(e) {
  try {
    if (e && typeof e === "object") {
      const name = typeof e.name === "string" ? e.name : "Error";
      const msg = typeof e.message === "string" ? e.message : String(e);
      return `${name}: ${msg}`.slice(0, 300);
    }
    return String(e).slice(0, 300);
  } catch {
    return "unknown error";
  }
}

/** Options bag -> JSON text for the Rust parser, plus the callables it cannot see. */
export function splitOptions(opts) {
  // Anything may throw here (a getter, a Proxy trap, a BigInt): the Rust side reads
  // `__unserializable` as "options could not be read", never an exception through wasm.
  try {
    if (opts === undefined || opts === null) return { json: "null" };
    if (typeof opts !== "object") return { json: typeof opts === "function" ? '"[function]"' : JSON.stringify(opts) ?? "null" };
    const { fetch, onEvent, signal, ...rest } = opts;
    const json = JSON.stringify(rest, (k, v) => (typeof v === "function" ? `[function ${k}]` : v));
    return { json, fetch, onEvent, signal };
  } catch (e) {
    return { json: JSON.stringify({ __unserializable: describe(e) }) };
  }
}

export function jsonStringify(v) {
  try {
    const s = JSON.stringify(v === undefined ? null : v);
    return s === undefined ? "null" : s;
  } catch (e) {
    throw new FreeRouterError("invalid_argument", `request is not JSON-serialisable: ${describe(e)}`);
  }
}

export function jsonParse(s) {
  return JSON.parse(s);
}

/** Resolve with `p`, or reject as soon as `signal` aborts: nothing awaits forever. */
function raceAbort(p, signal) {
  if (!signal) return Promise.resolve(p);
  if (signal.aborted) {
    // `p` may still reject (a read on an aborted body): handle it, or it is reported unhandled.
    Promise.resolve(p).catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(p).then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, delay(ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Forward a user's AbortSignal to our controller; returns the function that unlinks it. */
export function linkSignal(signal, onAbort) {
  // A foreign signal may throw from any getter or method (a Proxy, a polyfill): whatever it
  // does, nothing thrown here may cross into wasm. isAbortSignal vetted it just before.
  const reason = () => {
    try {
      return signal.reason;
    } catch {
      return undefined;
    }
  };
  try {
    if (!signal || typeof signal.addEventListener !== "function") return () => {};
    if (signal.aborted) {
      onAbort(reason());
      return () => {};
    }
    const h = () => onAbort(reason());
    signal.addEventListener("abort", h, { once: true });
    return () => {
      try {
        signal.removeEventListener("abort", h);
      } catch {
        /* its own problem */
      }
    };
  } catch {
    return () => {};
  }
}

/** An AbortSignal, or something that behaves like one when read and listened to. */
export function isAbortSignal(s) {
  try {
    if (!s || typeof s !== "object" || typeof s.aborted !== "boolean") return false;
    if (typeof s.addEventListener !== "function" || typeof s.removeEventListener !== "function") return false;
    const probe = () => {};
    s.addEventListener("abort", probe, { once: true });
    s.removeEventListener("abort", probe);
    return true;
  } catch {
    return false;
  }
}

export function startTimer(ms, f) {
  return setTimeout(f, delay(ms));
}

export function stopTimer(t) {
  clearTimeout(t);
}

/**
 * One attempt's own abort signal: it follows the call's `signal`, and fires by itself after
 * `ms` unless `attemptStop` runs first (the first delta came). Its fetch is really cancelled.
 */
export function attemptStart(signal, ms) {
  const c = new AbortController();
  const a = { signal: c.signal, late: false };
  const follow = () => c.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener("abort", follow, { once: true });
  a.timer = setTimeout(() => {
    a.late = true;
    abortController(c, "timeout");
  }, delay(ms));
  return a;
}

export const attemptSignal = (a) => a.signal;
export const attemptStop = (a) => clearTimeout(a.timer);
export const attemptLate = (a) => a.late;

export function newController() {
  return new AbortController();
}

export function abortController(c, kind) {
  try {
    const name = kind === "timeout" ? "TimeoutError" : "AbortError";
    c.abort(typeof DOMException === "function" ? new DOMException(`free-router: ${kind}`, name) : new Error(kind));
  } catch {
    /* already aborted */
  }
}

/** Call fetch (global or injected). Synchronous throws become rejections. */
export function callFetch(fetchFn, url, method, headers, body, signal) {
  try {
    const init = { method, headers, signal };
    if (body !== undefined && body !== null) init.body = body;
    const f = fetchFn || globalThis.fetch;
    if (typeof f !== "function") {
      return Promise.reject(new TypeError("no fetch function: pass options.fetch or run where globalThis.fetch exists"));
    }
    return raceAbort(f.call(globalThis, url, init), signal);
  } catch (e) {
    return Promise.reject(e);
  }
}

export function responseStatus(r) {
  try {
    const s = r && r.status;
    return Number.isInteger(s) && s >= 0 && s <= 999 ? s : 0;
  } catch {
    return 0;
  }
}

/** Response headers as JSON pairs with lowercased names (what CORS lets us see). */
export function responseHeaders(r) {
  const out = [];
  try {
    if (r && r.headers && typeof r.headers.forEach === "function") {
      r.headers.forEach((v, k) => out.push([String(k).toLowerCase(), String(v)]));
    }
  } catch {
    /* unreadable headers are as good as none */
  }
  return JSON.stringify(out);
}

export function responseText(r, signal) {
  try {
    if (!r || typeof r.text !== "function") return Promise.resolve("");
    return raceAbort(r.text(), signal);
  } catch (e) {
    return Promise.reject(e);
  }
}

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

/** Call each listener; a throwing listener must not break the client or the other listeners. */
export function dispatch(listeners, json) {
  if (!listeners.length) return;
  let ev;
  try {
    ev = JSON.parse(json);
  } catch {
    return;
  }
  for (const f of listeners) {
    try {
      if (typeof f === "function") f(ev);
      else f.handleEvent(ev);
    } catch (e) {
      setTimeout(() => {
        throw e;
      });
    }
  }
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

// Storage that never throws: a full, disabled or missing localStorage reads as empty.
// `storageSetSoon` writes behind, for what need not be stored on the request path (model
// stats): the last value per key is stored once, soon, and at once when the page is hidden or
// closed; reads see it before then.
const FLUSH_MS = 20;
const soon = new Map();
let soonTimer = null;
let soonHooked = false;

function write(key, value) {
  try {
    const s = globalThis.localStorage;
    if (!s) return false;
    s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

function flushSoon() {
  if (soonTimer !== null) clearTimeout(soonTimer);
  soonTimer = null;
  const all = [...soon];
  soon.clear();
  for (const [k, v] of all) write(k, v);
}

export function storageGet(key) {
  if (soon.has(key)) return soon.get(key);
  try {
    const s = globalThis.localStorage;
    return s ? s.getItem(key) : null;
  } catch {
    return null;
  }
}

export function storageSet(key, value) {
  soon.delete(key);
  return write(key, value);
}

export function storageSetSoon(key, value) {
  soon.set(key, value);
  if (!soonHooked) {
    soonHooked = true;
    onPageLeave(flushSoon);
  }
  if (soonTimer === null) {
    soonTimer = setTimeout(flushSoon, FLUSH_MS);
    // In Node a pending timer would keep the process alive.
    if (soonTimer && typeof soonTimer.unref === "function") soonTimer.unref();
  }
}

export function storageRemove(key) {
  soon.delete(key);
  try {
    const s = globalThis.localStorage;
    if (s) s.removeItem(key);
  } catch {
    /* nothing to do */
  }
}

/** Call `f` when the page is hidden or goes away (the last moment to store); returns unhook. */
function onPageLeave(f) {
  const off = [];
  try {
    if (typeof addEventListener === "function") {
      addEventListener("pagehide", f);
      off.push(() => removeEventListener("pagehide", f));
    }
    if (typeof document !== "undefined" && document && typeof document.addEventListener === "function") {
      const hidden = () => {
        if (document.visibilityState === "hidden") f();
      };
      document.addEventListener("visibilitychange", hidden);
      off.push(() => document.removeEventListener("visibilitychange", hidden));
    }
  } catch {
    /* no page lifecycle: timers still flush */
  }
  return () => off.forEach((g) => g());
}

/** 32 random bits for seeds (routing randomness lives in core, seeded from here). */
export function randomU32() {
  try {
    const a = new Uint32Array(1);
    globalThis.crypto.getRandomValues(a);
    return a[0];
  } catch {
    return Math.floor(Math.random() * 4294967296);
  }
}

// Cross-tab sharing of the quota ledger: one long-lived BroadcastChannel per ledger (also in
// Workers) and storage events, plus write-behind: `later()` asks for one coalesced
// `onFlush()` soon, under the ledger's Web Lock (so it never overwrites a locked reservation),
// and a page being hidden or unloaded flushes at once. `onFlush` stores the ledger and returns
// the text to announce, or null. Returns { post, later, stop }.
export function listenShared(name, storageKey, onMessage, onFlush) {
  const stop = [];
  let ch = null;
  let timer = null;
  try {
    if (typeof BroadcastChannel === "function") {
      ch = new BroadcastChannel(name);
      ch.onmessage = (e) => {
        if (typeof e.data === "string") onMessage(e.data);
      };
      // In Node an open channel would keep the process alive.
      if (typeof ch.unref === "function") ch.unref();
      stop.push(() => ch.close());
    }
  } catch {
    ch = null;
  }
  // A channel object never receives its own messages: posting on the listening one means this
  // tab does not parse its own state back.
  const post = (message) => {
    try {
      if (ch) ch.postMessage(message);
    } catch {
      /* best effort: storage events carry it too */
    }
  };
  const flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    let m = null;
    try {
      m = onFlush();
    } catch {
      /* the client was freed */
    }
    if (typeof m === "string") post(m);
  };
  try {
    if (typeof addEventListener === "function" && typeof localStorage !== "undefined") {
      const h = (e) => {
        if (e.key === storageKey && typeof e.newValue === "string") onMessage(e.newValue);
      };
      addEventListener("storage", h);
      stop.push(() => removeEventListener("storage", h));
    }
  } catch {
    /* no storage events */
  }
  // The last chance to store what a closing or backgrounded page counted.
  stop.push(onPageLeave(flush));
  return {
    post,
    later() {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        withLock(name, flush).catch(flush);
      }, FLUSH_MS);
      // In Node a pending timer would keep the process alive.
      if (timer && typeof timer.unref === "function") timer.unref();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      stop.forEach((f) => f());
    },
  };
}

/** Run `f` while holding the Web Lock `name` (other tabs wait); without Web Locks, just run it. */
export function withLock(name, f) {
  try {
    const locks = globalThis.navigator && globalThis.navigator.locks;
    if (locks && typeof locks.request === "function") return locks.request(name, () => f());
  } catch {
    /* fall through */
  }
  return Promise.resolve().then(() => f());
}

// ---------------------------------------------------------------------------------------------
// Catalog: the body as bytes, and ModelInfo objects built once per catalog version.

/** The model-list body as bytes: no UTF-8 -> UTF-16 -> UTF-8 round trip for a 1-2 MB list. */
export function responseBytes(r, signal) {
  try {
    if (r && typeof r.arrayBuffer === "function") return raceAbort(r.arrayBuffer().then((b) => new Uint8Array(b)), signal);
    // A hand-made fetch may only offer text().
    if (r && typeof r.text === "function") return raceAbort(r.text().then((t) => new TextEncoder().encode(String(t))), signal);
    return Promise.resolve(new Uint8Array(0));
  } catch (e) {
    return Promise.reject(e);
  }
}

const MODEL_STATUS = ["available", "cooling_down", "evicted"];
const orNull = (x) => (x === x ? x : null); // NaN stands for null

/**
 * listModels/getModel results. `cache` holds this catalog version's models by catalog index,
 * parsed once; `rows` has 5 numbers per hit (index, status, ttftMsP50, tokensPerSec,
 * successRate; NaN = null); `added` is the JSON array of the hits not in `cache` yet, in row
 * order. Callers get copies: mutating a result must not change the next one.
 */
export function catalogModels(cache, rows, added) {
  const add = added ? JSON.parse(added) : [];
  const out = new Array(rows.length / 5);
  for (let i = 0, r = 0, k = 0; r < rows.length; i++, r += 5) {
    let t = cache[rows[r]];
    if (t === undefined) cache[rows[r]] = t = add[k++];
    const c = t.capabilities;
    const p = t.pricing;
    out[i] = {
      id: t.id,
      provider: t.provider,
      name: t.name,
      description: t.description,
      free: t.free,
      contextLength: t.contextLength,
      maxOutputTokens: t.maxOutputTokens,
      inputModalities: t.inputModalities.slice(),
      outputModalities: t.outputModalities.slice(),
      capabilities: {
        tools: c.tools,
        toolChoice: c.toolChoice,
        structuredOutputs: c.structuredOutputs,
        jsonMode: c.jsonMode,
        reasoning: c.reasoning,
        vision: c.vision,
      },
      pricing: { promptPerMTok: p.promptPerMTok, completionPerMTok: p.completionPerMTok, request: p.request },
      expiresAt: t.expiresAt,
      created: t.created,
      status: MODEL_STATUS[rows[r + 1]],
      stats: { ttftMsP50: orNull(rows[r + 2]), tokensPerSec: orNull(rows[r + 3]), successRate: orNull(rows[r + 4]) },
    };
  }
  return out;
}
