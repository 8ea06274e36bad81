// Arguments from JS: listeners, options bags and JSON, read so that nothing they throw crosses
// into wasm.

import { FreeRouterError, describe } from "./error.js";

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

/** Options bag -> JSON text for the Rust parser, plus the callables it cannot see. */
export function splitOptions(opts) {
  // Anything may throw here (a getter, a Proxy trap, a BigInt): the Rust side reads
  // `__unserializable` as "options could not be read", never an exception through wasm.
  try {
    if (opts === undefined || opts === null) return { json: "null" };
    if (typeof opts !== "object") return { json: typeof opts === "function" ? '"[function]"' : JSON.stringify(opts) ?? "null" };
    const { fetch, onEvent, signal, ...rest } = opts;
    // A toJSON that gives nothing (undefined, a Symbol) leaves no options, as `undefined` does.
    const json = JSON.stringify(rest, (k, v) => (typeof v === "function" ? `[function ${k}]` : v)) ?? "null";
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
