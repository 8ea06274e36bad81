// The quota ledger shared across tabs: a BroadcastChannel, storage events, the Web Lock.

import { FLUSH_MS, onPageLeave } from "./storage.js";

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
