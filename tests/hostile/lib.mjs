// Helpers of the hostile-input tests (not a test file): the built package loaded with initSync,
// a seeded random source, and fake upstreams (an injected fetch) that answer well or badly.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// HOSTILE_PKG points at another build (e.g. one from before a fix, to see a test fail).
const PKG = process.env.HOSTILE_PKG ? path.resolve(process.env.HOSTILE_PKG) : path.join(REPO, "pkg");

/** The package as users get it (pkg/ from scripts/build.sh), initialised synchronously. */
export async function loadPackage() {
  const js = path.join(PKG, "free_router.js");
  if (!existsSync(js)) throw new Error("pkg/ is missing: run bash scripts/build.sh first");
  const mod = await import(js);
  const exports = mod.initSync({ module: readFileSync(path.join(PKG, "free_router_bg.wasm")) });
  // `__wasm.memory`: the leak probe measures it.
  return { ...mod, __wasm: exports };
}

/** The seed from HOSTILE_SEED (fixed by default, so a failure reproduces). */
export const SEED = Number(process.env.HOSTILE_SEED ?? 18);
/** Cases per entry point: HOSTILE_CASES, or a bounded count for the test command. */
export const CASES = Number(process.env.HOSTILE_CASES ?? 150);
/** Calls per way of ending a stream in the leak probe. */
export const LEAK_CALLS = Number(process.env.HOSTILE_LEAK_CALLS ?? 300);

/** mulberry32: small, seeded, good enough to pick cases. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (xs) => xs[next.int(xs.length)];
  return next;
}

// Keys the tests hand the client: every text the library emits is scanned for them.
export const KEYS = {
  openrouter: "sk-or-v1-0123456789abcdefHOSTILE",
  custom: "customKEY-5f1e2d3c4b5a69788796", // no known prefix: only redaction by value hides it
};

export const enc = new TextEncoder();

export const chunk = (content, extra = {}) =>
  `data: ${JSON.stringify({ id: "gen-1", object: "chat.completion.chunk", model: "m1", choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra })}\n\n`;

/** A body of SSE pieces (strings or bytes), one per read. */
export function streamOf(pieces) {
  const queue = pieces.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  return new ReadableStream({
    pull(c) {
      const next = queue.shift();
      if (next === undefined) c.close();
      else c.enqueue(next);
    },
  });
}

export function sse(pieces, status = 200, headers = {}) {
  return new Response(streamOf(pieces), { status, headers: { "content-type": "text/event-stream", ...headers } });
}

export const json = (status, body, headers = {}) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A good upstream: `words` streamed, then a stop chunk, usage and [DONE]. */
export function goodStream(words = ["Hel", "lo"]) {
  return sse([
    ...words.map((w) => chunk(w)),
    `data: ${JSON.stringify({ id: "gen-1", object: "chat.completion.chunk", model: "m1", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`,
    "data: [DONE]\n\n",
  ]);
}

/** A fetch that answers each call with `answer(url, init, n)` (a Response or a promise). */
export function fakeFetch(answer) {
  let n = 0;
  const f = async (url, init) => answer(String(url), init, n++);
  return f;
}

/** Client options for one custom provider with a configured model (no catalog fetch needed). */
export function customOptions(fetch, extra = {}) {
  return {
    providers: [
      { id: "local", kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", apiKey: KEYS.custom, models: ["m1", "m2"], free: true },
    ],
    storage: "memory",
    fetch,
    ...extra,
  };
}

export const HI = { messages: [{ role: "user", content: "Hi" }] };

/** Every string in a thrown value or result that could reach a page. */
export function textsOf(v, out = [], seen = new Set()) {
  if (typeof v === "string") out.push(v);
  else if (v && typeof v === "object" && !seen.has(v)) {
    seen.add(v);
    if (v instanceof Error) {
      out.push(String(v), v.message, v.stack ?? "");
      if (v.cause !== undefined) textsOf(v.cause, out, seen);
    }
    for (const k of Object.keys(v)) {
      try {
        textsOf(v[k], out, seen);
      } catch {
        /* a getter of the caller's own object */
      }
    }
  }
  return out;
}

/** Throws if any held key shows up in `v`'s texts. */
export function assertNoKey(v, where) {
  for (const t of textsOf(v)) {
    for (const k of Object.values(KEYS)) {
      if (t.includes(k)) throw new Error(`${where}: a key leaked into emitted text: ${t.slice(0, 200)}`);
    }
  }
}

/** `p` settled within `ms`, as { ok, value } or { ok: false, error }; a timeout throws. */
export async function within(p, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([
      Promise.resolve(p).then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
