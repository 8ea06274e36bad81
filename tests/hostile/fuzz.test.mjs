// The generative bad-input harness: seeded hostile values at every public entry point, and
// hostile upstreams behind an injected fetch. Every case must end in a valid result or a
// FreeRouterError within its timeout (never a raw TypeError, a wasm trap or a hang), the client
// must still answer afterwards, and no text the library emits may hold a key it was given.
// HOSTILE_CASES sets the cases per entry point (2,000 for the full run), HOSTILE_SEED the seed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import {
  REPO, loadPackage, rng, SEED, CASES, KEYS, fakeFetch, customOptions, goodStream, sse, json, chunk, enc, HI,
  assertNoKey, within,
} from "./lib.mjs";

let FreeRouterClient, FreeRouterError;
const uncaught = [];
const onUncaught = (e) => {
  // Errors thrown by a listener are re-thrown on a timer on purpose (as the DOM reports them);
  // the harness's own listeners never throw, so anything here is the library's.
  uncaught.push(e);
};

before(async () => {
  ({ FreeRouterClient, FreeRouterError } = await loadPackage());
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
});

after(() => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
});

const CASE_MS = 5000;

// ---- hostile values ----

const thrower = (what) => () => {
  throw new Error(`hostile ${what}`);
};

function hostileProxy(r) {
  const traps = ["get", "has", "ownKeys", "getOwnPropertyDescriptor", "getPrototypeOf"];
  const handler = {};
  for (const t of traps) if (r() < 0.5) handler[t] = thrower(`proxy ${t}`);
  return new Proxy(r() < 0.5 ? {} : [], handler);
}

function hostileSignal(r) {
  return r.pick([
    () => new Proxy({}, { get: thrower("signal get") }),
    () => ({ get aborted() { throw new Error("aborted getter"); }, addEventListener() {}, removeEventListener() {} }),
    () => ({ aborted: false, addEventListener: thrower("addEventListener"), removeEventListener() {} }),
    () => ({ aborted: r() < 0.5, addEventListener() {}, removeEventListener() {}, get reason() { throw new Error("reason"); } }),
    () => AbortSignal.abort(),
    () => AbortSignal.timeout(r.int(20)),
    () => new AbortController().signal,
  ])();
}

const STRINGS = [
  "", " ", "x", "auto", "openrouter", "local", "m1", "attempt", "error", "fallback", "a".repeat(300),
  "\ud83d", "\ude00x", "😀", "\u0000", "\u200b", "__proto__", "constructor", "toString", KEYS.custom,
  "http://127.0.0.1:99999/v1", "http://[::1/v1", "javascript:alert(1)", "%00", "\\", '"', "{}", "[DONE]",
];

const NUMBERS = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, 3e9, 2 ** 53, 1e308, -1e308, 99999999999999999999];

function anyValue(r, depth = 0) {
  const kinds = [
    () => undefined, () => null, () => r() < 0.5, () => r.pick(NUMBERS), () => r.pick(STRINGS),
    () => Symbol("s"), () => BigInt(r.int(100)), () => () => {}, () => class {}, () => new Date(NaN),
    () => new Map([[1, 2]]), () => /x/, () => new Uint8Array(r.int(8)), () => hostileProxy(r),
    () => hostileSignal(r), () => ({ toJSON: thrower("toJSON") }), () => Object.create(null),
    () => ({ get x() { throw new Error("getter"); } }),
    () => { const o = {}; o.self = o; return o; },
    () => JSON.parse('{"__proto__": {"polluted": true}}'),
  ];
  if (depth < 3) {
    kinds.push(
      () => Array.from({ length: r.int(4) }, () => anyValue(r, depth + 1)),
      () => Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(STRINGS), anyValue(r, depth + 1)])),
    );
  }
  return r.pick(kinds)();
}

/** A valid value with one place replaced by something hostile: reaches deeper checks. */
function mutate(r, valid) {
  if (valid === null || typeof valid !== "object" || r() < 0.2) return anyValue(r);
  const copy = Array.isArray(valid) ? [...valid] : { ...valid };
  const keys = Object.keys(copy);
  if (keys.length === 0 || r() < 0.2) {
    copy[r.pick(STRINGS)] = anyValue(r);
  } else {
    const k = r.pick(keys);
    copy[k] = r() < 0.5 ? mutate(r, copy[k]) : anyValue(r);
  }
  return copy;
}

const validRequest = () => ({
  messages: [{ role: "user", content: "Hi" }],
  max_tokens: 20,
  temperature: 0.5,
  response_format: { type: "json_object" },
  tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
});
const validCallOptions = () => ({ timeoutMs: 2000, fallback: true, models: ["m1"], maxAttempts: 2 });

function arg(r, valid) {
  return r() < 0.5 ? mutate(r, valid) : anyValue(r);
}

// ---- checking outcomes ----

function checkThrown(e, where) {
  assert.ok(e instanceof FreeRouterError, `${where}: threw a raw ${e && e.name}: ${e && (e.stack || e)}`);
  assert.equal(typeof e.code, "string", where);
  if (e.retryAfterMs !== undefined) {
    assert.ok(Number.isInteger(e.retryAfterMs) && e.retryAfterMs >= 0 && e.retryAfterMs <= 2147483647, `${where}: retryAfterMs ${e.retryAfterMs}`);
  }
  assertNoKey(e, where);
}

/** Run a sync-or-async entry point; whatever it does must be a result or a FreeRouterError. */
async function exercise(where, f) {
  let v;
  try {
    v = f();
  } catch (e) {
    checkThrown(e, where);
    return undefined;
  }
  if (v && typeof v.then === "function") {
    const r = await within(v, CASE_MS, where);
    if (!r.ok) {
      checkThrown(r.error, where);
      return undefined;
    }
    v = r.value;
  }
  assertNoKey(v, where);
  return v;
}

/** Drain a stream a random way; every step is checked like a call. */
async function drain(r, s, where) {
  if (!s || typeof s[Symbol.asyncIterator] !== "function") return;
  const way = r.int(4);
  await exercise(`${where} (stream)`, async () => {
    if (way === 0) return s.text();
    if (way === 1) {
      for await (const d of s) if (r() < 0.3) break;
      return undefined;
    }
    if (way === 2) {
      s.abort(anyValue(r));
      return s.final();
    }
    const reader = s.textStream().getReader();
    await reader.read();
    return reader.cancel(anyValue(r));
  });
}

async function stillAnswers(client, where) {
  const r = await within(client.chat(HI), CASE_MS, `${where}: the client afterwards`);
  assert.ok(r.ok, `${where}: the client no longer answers: ${r.error && r.error.stack}`);
}

function noPollution(where) {
  assert.equal({}.polluted, undefined, `${where}: Object.prototype was polluted`);
  assert.deepEqual(uncaught.map((e) => String(e && e.stack ? e.stack : e)), [], `${where}: uncaught`);
}

const goodClient = () => new FreeRouterClient(customOptions(fakeFetch(() => goodStream())));

// ---- entry points ----

const ENTRY_POINTS = {
  constructor: async (r) => {
    const valid = customOptions(fakeFetch(() => goodStream()));
    const opts = r() < 0.6 ? { ...valid, providers: [mutate(r, valid.providers[0])] } : arg(r, valid);
    const c = await exercise("constructor", () => new FreeRouterClient(opts));
    if (c) await exercise("constructor then chat", () => c.chat(HI, { timeoutMs: 2000 }));
  },
  chat: async (r, c) => {
    await exercise("chat", () => c.chat(arg(r, validRequest()), r() < 0.5 ? arg(r, validCallOptions()) : undefined));
  },
  chatStream: async (r, c) => {
    const s = await exercise("chatStream", () => c.chatStream(arg(r, validRequest()), r() < 0.5 ? arg(r, validCallOptions()) : undefined));
    await drain(r, s, "chatStream");
  },
  listModels: async (r, c) => {
    await exercise("listModels", () => c.listModels(arg(r, { free: true, tools: true, minContext: 1000, sort: "context", search: "m" })));
  },
  getModel: async (r, c) => {
    await exercise("getModel", () => c.getModel(r() < 0.5 ? r.pick(STRINGS) : anyValue(r), anyValue(r)));
  },
  session: async (r, c) => {
    const s = await exercise("session", () => c.session(r() < 0.5 ? r.pick(STRINGS) : anyValue(r), arg(r, validCallOptions())));
    if (s) {
      await exercise("session.chat", () => s.chat(arg(r, validRequest()), anyValue(r)));
      const st = await exercise("session.chatStream", () => s.chatStream(HI, anyValue(r)));
      await drain(r, st, "session.chatStream");
    }
  },
  batch: async (r, c) => {
    const reqs = r() < 0.5 ? [validRequest(), arg(r, validRequest())] : anyValue(r);
    await exercise("batch", () => c.batch(reqs, arg(r, { concurrency: 2, onProgress: () => {} })));
  },
  addEventListener: async (r, c) => {
    const listener = r() < 0.3 ? () => {} : anyValue(r);
    await exercise("addEventListener", () => c.addEventListener(r() < 0.5 ? r.pick(STRINGS) : anyValue(r), listener));
  },
  removeEventListener: async (r, c) => {
    await exercise("removeEventListener", () => c.removeEventListener(r() < 0.5 ? r.pick(STRINGS) : anyValue(r), anyValue(r)));
  },
  openRouterAuthUrl: async (r) => {
    await exercise("openRouterAuthUrl", () => FreeRouterClient.openRouterAuthUrl(arg(r, { callbackUrl: "http://127.0.0.1:5173/cb", keyLabel: "x" })));
  },
  completeOpenRouterAuth: async (r) => {
    const href = r() < 0.5 ? r.pick(["http://127.0.0.1/cb?code=abcdefgh", "http://x", "", "not a url"]) : anyValue(r);
    const fetch = fakeFetch(() => json(r.pick([200, 400, 403, 500]), r() < 0.5 ? { key: KEYS.openrouter } : "<html>x</html>"));
    await exercise("completeOpenRouterAuth", () => FreeRouterClient.completeOpenRouterAuth(href, r() < 0.5 ? { fetch, timeoutMs: 2000 } : arg(r, { fetch })));
  },
  // client.fetch (issue 17) is built by the "fetch" engineer. Once it exists, this entry point
  // runs against it; until then it checks that it is still absent, so it cannot be forgotten.
  "client.fetch": async (r, c) => {
    if (typeof c.fetch !== "function") return;
    // HOSTILE: add client.fetch's hostile cases here (bad URLs, init objects, bodies, signals).
    await exercise("client.fetch", () => c.fetch(anyValue(r), anyValue(r)));
  },
};

for (const [name, run] of Object.entries(ENTRY_POINTS)) {
  test(`hostile arguments: ${name} (${CASES} cases, seed ${SEED})`, async () => {
    const r = rng(SEED ^ [...name].reduce((h, ch) => Math.imul(h, 31) + ch.charCodeAt(0), 7));
    const client = goodClient();
    for (let i = 0; i < CASES; i++) {
      await run(r, client, i);
    }
    await stillAnswers(client, name);
    await stillAnswers(goodClient(), `${name} (a new client)`);
    noPollution(name);
  });
}

// ---- hostile upstreams ----

// Real recorded answers (tests/fixtures): SSE transcripts and provider error bodies, mutated below.
const FIXTURES = path.join(REPO, "tests/fixtures");
const TRANSCRIPTS = readdirSync(FIXTURES)
  .filter((f) => f.startsWith("sse_") && f.endsWith(".txt"))
  .map((f) => readFileSync(path.join(FIXTURES, f)));
const ERRORS = readFileSync(path.join(FIXTURES, "errors.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

const RECORDED = [
  chunk("Hel", { provider: "Acme" }),
  chunk("lo"),
  `data: ${JSON.stringify({ id: "gen-1", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`,
  "data: [DONE]\n\n",
];

function mutatedBody(r) {
  let bytes = r() < 0.5 ? enc.encode(RECORDED.join("")) : new Uint8Array(r.pick(TRANSCRIPTS));
  const ops = r.int(4);
  for (let i = 0; i < ops; i++) {
    const at = r.int(bytes.length + 1);
    const op = r.int(4);
    if (op === 0) bytes = new Uint8Array([...bytes.slice(0, at), r.int(256), ...bytes.slice(at)]);
    else if (op === 1) bytes = new Uint8Array([...bytes.slice(0, at), ...bytes.slice(at + 1 + r.int(8))]);
    else if (op === 2 && bytes.length) bytes[at % bytes.length] = r.int(256);
    else bytes = new Uint8Array([...bytes.slice(0, at), ...enc.encode(r.pick(['"\\ud83d"', "\n\n", "data: ", "{", "\r", "\xff"])), ...bytes.slice(at)]);
  }
  const pieces = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + r.int(40);
    pieces.push(bytes.slice(i, i + n));
    i += n;
  }
  return pieces;
}

const GARBAGE_HEADERS = ["99999999999999999999", "18446744073709551615", "-5", "NaN", "1e400", "", "abc", "0", "Sun, 06 Nov 1994 08:49:37 GMT", "3600"];

function endless() {
  let cancelled = false;
  return new ReadableStream({
    pull(c) {
      return new Promise((res) => setTimeout(() => {
        if (!cancelled) c.enqueue(enc.encode(chunk("x")));
        res();
      }, 1));
    },
    cancel() {
      cancelled = true;
    },
  });
}

function hostileAnswer(r) {
  const status = r.pick([200, 200, 200, 400, 401, 402, 403, 404, 408, 413, 429, 500, 502, 503, 0, 999]);
  const headers = {};
  for (const h of ["retry-after", "x-ratelimit-reset", "x-ratelimit-reset-requests", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests"]) {
    if (r() < 0.3) headers[h] = r.pick(GARBAGE_HEADERS);
  }
  const kind = r.int(10);
  if (kind === 9) {
    // A recorded error body, sometimes with a key pasted into it and a byte flipped.
    const e = r.pick(ERRORS);
    let body = String(e.body);
    if (r() < 0.5) body = body.replace(/"message":"/, `"message":"key ${KEYS.custom} `);
    if (r() < 0.3 && body.length) body = body.slice(0, r.int(body.length));
    return json(r() < 0.8 ? e.status : r.pick([200, 429, 500]), body, headers);
  }
  if (kind === 0) return sse(mutatedBody(r), status, headers);
  if (kind === 1) return json(status, { error: { message: `bad key ${KEYS.custom} or ${KEYS.openrouter}`, code: status } }, headers);
  if (kind === 2) return new Response(endless(), { status: 200, headers: { "content-type": "text/event-stream" } });
  if (kind === 3) return json(status, r.pick(["", "null", "[]", "<html>oops</html>", '{"choices":[]}', '{"error":"x"}', "data: [DONE]\n\n"]), headers);
  if (kind === 4) return Promise.reject(r.pick([new TypeError("Failed to fetch"), "a string", null, hostileProxy(r)]));
  if (kind === 5) return r.pick([null, undefined, 5, {}, { status: 200, body: null }, hostileProxy(r), { status: 200, headers: hostileProxy(r), body: { getReader: thrower("getReader") } }]);
  if (kind === 6) {
    const body = new ReadableStream({ pull(c) { c.error(new Error("reset by peer")); } });
    return new Response(body, { status: 200 });
  }
  if (kind === 7) return sse(RECORDED, status, headers);
  return goodStream();
}

test(`hostile upstreams (${CASES} cases, seed ${SEED})`, async () => {
  const r = rng(SEED * 7919);
  const events = [];
  const shared = new FreeRouterClient(
    customOptions(fakeFetch(() => hostileAnswer(r)), { onEvent: (e) => events.push(e), timeoutMs: 1500 }),
  );
  for (let i = 0; i < CASES; i++) {
    // Mostly a fresh client (a cooled-down one would not reach the upstream again), sometimes
    // the shared one, whose ledger and health pile up what every answer taught it.
    const client =
      r() < 0.7
        ? new FreeRouterClient(customOptions(fakeFetch(() => hostileAnswer(r)), { onEvent: (e) => events.push(e), timeoutMs: 1500 }))
        : shared;
    if (r() < 0.5) {
      await exercise("upstream chat", () => client.chat(HI, { timeoutMs: 1500 }));
    } else {
      const s = await exercise("upstream chatStream", () => client.chatStream(HI, { timeoutMs: 1500 }));
      await drain(r, s, "upstream chatStream");
    }
    assertNoKey(events, "events");
    events.length = 0;
  }
  const c2 = goodClient();
  await stillAnswers(c2, "after hostile upstreams");
  noPollution("upstreams");
});

test(`hostile catalogs (${Math.ceil(CASES / 4)} cases)`, async () => {
  const r = rng(SEED * 104729);
  for (let i = 0; i < Math.ceil(CASES / 4); i++) {
    const models = Array.from({ length: r.int(5) }, () => (r() < 0.7 ? { id: r.pick(["m1", "m2", "m1", "\ud83d", ""]) } : anyValue(r)));
    let body;
    try {
      body = r() < 0.7 ? JSON.stringify({ data: models }, (k, v) => (typeof v === "bigint" ? null : v)) : r.pick(["", "<html>", "{", "null"]);
    } catch {
      body = '{"data":[{"id":"m1"},{"id":"m1"}]}';
    }
    const f = fakeFetch((url) => (url.endsWith("/models") ? json(r.pick([200, 200, 500, 429]), body) : goodStream()));
    const opts = customOptions(f);
    delete opts.providers[0].models;
    const c = new FreeRouterClient(opts);
    const list = await exercise("catalog", () => c.listModels());
    if (Array.isArray(list)) {
      const keys = list.map((m) => `${m.provider}/${m.id}`);
      assert.equal(new Set(keys).size, keys.length, `a model listed twice: ${keys}`);
    }
  }
  noPollution("catalogs");
});
