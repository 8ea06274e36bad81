// Errors: the one Error class every rejection uses, and safe descriptions of thrown values.

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
