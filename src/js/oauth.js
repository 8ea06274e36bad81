// JavaScript the OAuth PKCE binding (src/web/oauth.rs) imports: URL parsing, random bytes and
// sessionStorage. Nothing here throws except where the Rust side imports with `catch`.

/** What oauth.rs needs to know about a URL, as JSON; null when it is not an absolute URL. */
export function urlParts(input) {
  try {
    const href = typeof input === "string" ? input : input && typeof input.href === "string" ? input.href : null;
    if (href === null) return null;
    const u = new URL(href);
    return JSON.stringify({
      protocol: u.protocol,
      hostname: u.hostname,
      origin: u.origin,
      pathname: u.pathname,
      hash: u.hash,
      code: u.searchParams.get("code"),
      error: u.searchParams.get("error"),
    });
  } catch {
    return null;
  }
}

/** Why PKCE cannot run here, or null when `crypto.getRandomValues` exists (the hash is in wasm). */
export function cryptoMissing() {
  const c = globalThis.crypto;
  return c && typeof c.getRandomValues === "function" ? null : "crypto.getRandomValues is missing";
}

export function randomBytes(n) {
  const a = new Uint8Array(n);
  globalThis.crypto.getRandomValues(a);
  return a;
}

function session() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // access can throw when storage is disabled
  }
}

export function sessionGet(key) {
  try {
    const s = session();
    return s ? s.getItem(key) : null;
  } catch {
    return null;
  }
}

export function sessionSet(key, value) {
  try {
    const s = session();
    if (!s) return false;
    s.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export function sessionRemove(key) {
  try {
    const s = session();
    if (s) s.removeItem(key);
  } catch {
    /* nothing to remove */
  }
}
