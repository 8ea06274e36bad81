// Fetch, responses, signals and timers: nothing awaits forever, nothing throws into wasm.

import { describe } from "./error.js";

// The longest delay a timer takes (2^31 - 1 ms); longer ones overflow and fire at once.
const MAX_DELAY = 2147483647;
const delay = (ms) => Math.min(Math.max(0, Number(ms) || 0), MAX_DELAY);

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

/** The body as bytes: no UTF-8 -> UTF-16 -> UTF-8 round trip for a 1-2 MB model list. */
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

/**
 * A whole request under a timeout and the caller's `signal`, in one promise that never rejects
 * (catalog, key info, OAuth key exchange): `{ status, fail, body }`. `fail` is 0 when the body
 * arrived (text, or bytes when `bytes`); else 1 timeout, 2 aborted, 3 network failure before
 * the answer, and 4, 5, 6 the same while reading its body, with `body` saying what went wrong.
 */
export async function fetchWhole(fetchFn, url, method, headers, body, signal, ms, bytes) {
  const a = attemptStart(signal || new AbortController().signal, ms);
  const out = { status: 0, fail: 0 };
  try {
    const r = await callFetch(fetchFn, url, method, headers, body || null, a.signal);
    out.status = responseStatus(r);
    out.fail = 3;
    out.body = await (bytes ? responseBytes : responseText)(r, a.signal);
    out.fail = 0;
  } catch (e) {
    out.fail += a.late ? 1 : a.signal.aborted ? 2 : 3;
    out.body = describe(e);
  }
  attemptStop(a);
  return out;
}
