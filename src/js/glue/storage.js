// Storage that never throws, with write-behind; seeds for the core's random draws.

// Storage that never throws: a full, disabled or missing localStorage reads as empty.
// `storageSetSoon` writes behind, for what need not be stored on the request path (model
// stats): the last value per key is stored once, soon, and at once when the page is hidden or
// closed; reads see it before then.
export const FLUSH_MS = 20;
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
export function onPageLeave(f) {
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
