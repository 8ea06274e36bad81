// JavaScript that the wasm binding imports. Kept small: things that are awkward or slow to do
// through wasm-bindgen (Error subclassing, async iteration, racing promises against a signal).

const EXTRA_KEYS = ["status", "provider", "model", "retryAfterMs", "attempts", "partial"];

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
  return e instanceof FreeRouterError;
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
  if (opts === undefined || opts === null) return { json: "null" };
  if (typeof opts !== "object") return { json: JSON.stringify(opts) ?? "null" };
  const { fetch, onEvent, signal, ...rest } = opts;
  let json;
  try {
    json = JSON.stringify(rest, (k, v) => (typeof v === "function" ? `[function ${k}]` : v));
  } catch (e) {
    json = JSON.stringify({ __unserializable: describe(e) });
  }
  return { json, fetch, onEvent, signal };
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
export function raceAbort(p, signal) {
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
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Forward a user's AbortSignal to our controller; returns the function that unlinks it. */
export function linkSignal(signal, onAbort) {
  if (!signal || typeof signal.addEventListener !== "function") return () => {};
  if (signal.aborted) {
    onAbort(signal.reason);
    return () => {};
  }
  const h = () => onAbort(signal.reason);
  signal.addEventListener("abort", h, { once: true });
  return () => signal.removeEventListener("abort", h);
}

export function isAbortSignal(s) {
  return !!s && typeof s === "object" && typeof s.aborted === "boolean" && typeof s.addEventListener === "function";
}

export function startTimer(ms, f) {
  return setTimeout(f, ms);
}

export function stopTimer(t) {
  clearTimeout(t);
}

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
  return r && typeof r.status === "number" ? r.status : 0;
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

/** Next body piece as Uint8Array, or null at the end. */
export async function readPiece(reader, signal) {
  if (signal && signal.aborted) throw signal.reason;
  const { done, value } = await raceAbort(reader.read(), signal);
  return done ? null : bytesOf(value);
}

function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("the response body yielded something that is not bytes");
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
      f(ev);
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

  constructor(handle) {
    this.#h = handle;
  }

  get model() {
    return this.#h.model();
  }

  get provider() {
    return this.#h.provider();
  }

  get route() {
    return JSON.parse(this.#h.routeJson());
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
      const r = this.#h.poll();
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

  /** One read of the body, fed to wasm as it settles (the handle expects exactly one call). */
  async #read(reader) {
    let bytes = null;
    try {
      let r;
      if (isPlatformReader(reader)) {
        this.#cur.reader = reader;
        this.#listen();
        r = await reader.read();
      } else {
        // Anything else may ignore cancel(): race it against the signal, as before.
        r = await raceAbort(reader.read(), this.#h.signal());
      }
      if (!r.done) bytes = bytesOf(r.value);
    } catch (e) {
      this.#h.failRead(e);
      return;
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
    return JSON.parse(this.#h.finalJson());
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
    this.#h.abort(reason);
  }
}

export function wrapStream(handle) {
  return new ChatStream(handle);
}

// Storage that never throws: a full, disabled or missing localStorage reads as empty.
export function storageGet(key) {
  try {
    const s = globalThis.localStorage;
    return s ? s.getItem(key) : null;
  } catch {
    return null;
  }
}

export function storageSet(key, value) {
  try {
    const s = globalThis.localStorage;
    if (!s) return false;
    s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export function storageRemove(key) {
  try {
    const s = globalThis.localStorage;
    if (s) s.removeItem(key);
  } catch {
    /* nothing to do */
  }
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
// Workers) and storage events. Returns { post, stop }.
export function listenShared(name, storageKey, onMessage) {
  const stop = [];
  let ch = null;
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
  return {
    // The sender's own channel object does not receive its messages.
    post(message) {
      try {
        if (ch) ch.postMessage(message);
      } catch {
        /* best effort: storage events carry it too */
      }
    },
    stop() {
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
