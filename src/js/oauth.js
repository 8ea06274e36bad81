// JavaScript the OAuth PKCE binding (src/web/oauth.rs) imports: URL parsing, random bytes and
// sessionStorage. Nothing here throws except where the Rust side imports with `catch`.

/**
 * What oauth.rs needs to know about a URL, one a line (protocol, hostname, origin, then `?code=`,
 * "" when absent); null when it is not an absolute URL.
 */
export function urlParts(input) {
  try {
    const href = typeof input === "string" ? input : input && typeof input.href === "string" ? input.href : null;
    if (href === null) return null;
    const u = new URL(href);
    return [u.protocol, u.hostname, u.origin, u.searchParams.get("code") ?? ""].join("\n");
  } catch {
    return null;
  }
}

/** `n` random bytes, or null without `crypto.getRandomValues` (the hash is done in wasm). */
export function randomBytes(n) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== "function") return null;
  return c.getRandomValues(new Uint8Array(n));
}

function session() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // access can throw when storage is disabled
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

/** The value under `key`, removed as it is read (the verifier is single use); null if none. */
export function sessionTake(key) {
  const s = session();
  let v = null;
  try {
    v = s ? s.getItem(key) : null;
    if (v !== null) s.removeItem(key);
  } catch {
    /* unreadable storage has no verifier; one that cannot be removed is still taken */
  }
  return v;
}
