// Issue 18 at the JS boundary, one regression test per finding, over the built package (pkg/).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import {
  loadPackage, fakeFetch, customOptions, goodStream, sse, json, chunk, HI, KEYS, assertNoKey, within,
} from "./lib.mjs";

let FreeRouterClient, FreeRouterError;
before(async () => {
  ({ FreeRouterClient, FreeRouterError } = await loadPackage());
});

const good = () => fakeFetch(() => goodStream());

function assertInvalid(e, ...words) {
  assert.ok(e instanceof FreeRouterError, `not a FreeRouterError: ${e && e.stack}`);
  assert.equal(e.code, "invalid_argument", e.message);
  for (const w of words) assert.ok(e.message.includes(w), `"${e.message}" does not name ${w}`);
}

async function rejects(p, ...words) {
  const r = await within(p, 5000, "call");
  assert.equal(r.ok, false, "resolved instead of rejecting");
  assertInvalid(r.error, ...words);
}

function throwsInvalid(f, ...words) {
  let caught;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, "did not throw");
  assertInvalid(caught, ...words);
}

test("item 1: non-string arguments are invalid_argument naming the argument", async () => {
  const c = new FreeRouterClient(customOptions(good()));
  await rejects(c.getModel(123), "id");
  await rejects(c.getModel(null), "id");
  await rejects(c.getModel("x", 5), "provider");
  throwsInvalid(() => c.session(5), "id");
  throwsInvalid(() => c.session({}), "id");
  const f = () => {};
  throwsInvalid(() => c.removeEventListener(Symbol("s"), f), "type");
  throwsInvalid(() => c.addEventListener(null, f), "type");
  // Still answers.
  assert.equal((await c.chat(HI)).choices[0].message.content, "Hello");
});

test("item 2: a listener that cannot be called is refused at once; handleEvent objects work", async () => {
  const c = new FreeRouterClient(customOptions(good()));
  for (const bad of [null, {}, "f", 5, class A {}]) throwsInvalid(() => c.addEventListener("attempt", bad), "listener");
  const seen = [];
  const obj = { handleEvent(e) { seen.push([this === obj, e.type]); } };
  c.addEventListener("attempt", obj);
  await c.chat(HI);
  assert.deepEqual(seen, [[true, "attempt"]]);
  c.removeEventListener("attempt", obj);
  await c.chat(HI);
  assert.equal(seen.length, 1);
});

function hostileSignals() {
  const thrower = () => {
    throw new Error("hostile getter");
  };
  return [
    new Proxy({}, { get: thrower }),
    { get aborted() { return thrower(); }, addEventListener() {}, removeEventListener() {} },
    { aborted: false, addEventListener: thrower, removeEventListener() {} },
    Object.create(null, { aborted: { get: thrower } }),
  ];
}

test("item 3: a signal that throws is an invalid_argument rejection, and stalls nothing", async () => {
  const c = new FreeRouterClient(customOptions(good()));
  for (const signal of hostileSignals()) {
    await rejects(c.chat(HI, { signal }), "signal");
    await rejects(c.chatStream(HI, { signal }), "signal");
    const r = await within(c.batch([HI], { signal }), 5000, "batch");
    if (r.ok) assert.equal(r.value[0].ok, false);
    else assertInvalid(r.error, "signal");
    // The next call, even from a new client, settles at once.
    const fresh = new FreeRouterClient(customOptions(good()));
    const next = await within(fresh.chat(HI), 2000, "the next call");
    assert.ok(next.ok, next.error && next.error.stack);
  }
});

test("item 4: a timeout above 2^31-1 ms does not fire at once", async () => {
  const slow = fakeFetch(() => new Promise((r) => setTimeout(() => r(goodStream()), 50)));
  const c = new FreeRouterClient(customOptions(slow, { timeoutMs: 3e9 }));
  const a = await within(c.chat(HI), 5000, "client option");
  assert.ok(a.ok, a.error && a.error.message);
  const b = await within(c.chat(HI, { timeoutMs: 1e12 }), 5000, "call option");
  assert.ok(b.ok, b.error && b.error.message);
});

test("items 5 and 6: a garbage reset is bounded, retryAfterMs is a timer delay", async () => {
  for (const reset of ["99999999999999999999", "18446744073709551615"]) {
    const f = fakeFetch(() =>
      json(429, { error: { message: "Rate limit exceeded", code: 429 } }, {
        "x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": reset,
        "retry-after": reset,
      }),
    );
    const c = new FreeRouterClient(customOptions(f, { strategy: "ordered" }));
    const r = await within(c.chat(HI, { fallback: false }), 5000, "429");
    assert.equal(r.ok, false);
    const ms = r.error.retryAfterMs;
    if (ms !== undefined) assert.ok(Number.isInteger(ms) && ms >= 0 && ms <= 2147483647, `retryAfterMs ${ms}`);
    const day = Date.now() + 86_400_000 + 60_000;
    for (const s of c.quota().scopes) assert.ok(s.resetsAt <= day, `window ${s.window} resets at ${s.resetsAt}`);
    const again = await within(c.chat(HI, { fallback: false }), 5000, "again");
    if (!again.ok) {
      const ms2 = again.error.retryAfterMs;
      if (ms2 !== undefined) assert.ok(ms2 <= 2147483647, `retryAfterMs ${ms2}`);
      assert.ok(!/\d{6,} h/.test(again.error.message), again.error.message);
    }
  }
});

test("item 7: an empty 200 is counted in the ledger", async () => {
  for (const empty of [[""], ["data: [DONE]\n\n"]]) {
    const f = fakeFetch((url, init, n) => (n === 0 ? sse(empty) : goodStream()));
    const opts = customOptions(f, { strategy: "ordered" });
    opts.providers[0].limits = { rpm: 100 };
    const c = new FreeRouterClient(opts);
    const r = await c.chat(HI);
    assert.equal(r.route.attempts.length, 2, JSON.stringify(r.route.attempts));
    const minute = c.quota().scopes.find((s) => s.window === "minute" && s.unit === "requests");
    assert.equal(minute.used, 2, JSON.stringify(c.quota().scopes));
  }
});

test("item 8: a key echoed back is redacted by value from errors and events", async () => {
  const k = KEYS.custom;
  const bodies = [
    json(401, { error: { message: `invalid key=${k}` } }),
    json(401, { key: k }),
    json(401, `<html><b>${k}</b></html>`),
    json(401, { error: { message: `GET /v1/x?key=${k}&y=1` } }),
    json(401, { error: { message: `invalid key=${KEYS.openrouter}` } }),
  ];
  for (const body of bodies) {
    const events = [];
    const c = new FreeRouterClient(customOptions(fakeFetch(() => body.clone()), { onEvent: (e) => events.push(e) }));
    const r = await within(c.chat(HI), 5000, "401");
    assert.equal(r.ok, false);
    assertNoKey(r.error, "error");
    assertNoKey(events, "events");
    const s = await within(c.chatStream(HI), 5000, "401 stream");
    assertNoKey(s.error, "stream error");
  }
});

test("item 8: an OAuth failure shows neither the code, the verifier nor a new key", async () => {
  const store = new Map();
  globalThis.sessionStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null),
    setItem: (k, v) => store.set(k, String(v)),
    removeItem: (k) => store.delete(k),
  };
  try {
    await FreeRouterClient.openRouterAuthUrl({ callbackUrl: "http://127.0.0.1:5173/cb" });
    const verifier = [...store.values()].find((v) => v.length >= 32) ?? "";
    const code = "code-0123456789abcdefXYZ";
    const newKey = "sk-or-v1-NEWKEY0123456789abcdef";
    const f = fakeFetch(() =>
      json(500, `<html><body><pre>{"key":"${newKey}"}</pre> code=${code} verifier ${verifier}</body></html>`),
    );
    const r = await within(FreeRouterClient.completeOpenRouterAuth(`http://127.0.0.1:5173/cb?code=${code}`, { fetch: f }), 5000, "oauth");
    assert.equal(r.ok, false);
    for (const t of [String(r.error), r.error.message, r.error.stack]) {
      assert.ok(!t.includes(newKey) && !t.includes(code) && (verifier === "" || !t.includes(verifier)), t);
    }
  } finally {
    delete globalThis.sessionStorage;
  }
});

test("also: a lone surrogate in a message is sent; one in an upstream chunk passes through", async () => {
  let sent;
  const f = fakeFetch((url, init) => {
    sent = init.body;
    return sse([chunk("x\ud83d"), chunk("y"), "data: [DONE]\n\n"]);
  });
  const c = new FreeRouterClient(customOptions(f));
  const r = await c.chat({ messages: [{ role: "user", content: "cut mid-emoji \ud83d" }] });
  assert.ok(JSON.parse(sent).messages[0].content.startsWith("cut mid-emoji "));
  assert.equal(r.choices[0].message.content, "x\ufffdy");
});

test("also: JSON nested deeper than 128 names the field", async () => {
  let schema = { type: "string" };
  for (let i = 0; i < 200; i++) schema = { type: "object", properties: { a: schema } };
  const c = new FreeRouterClient(customOptions(good()));
  await rejects(c.chat({ ...HI, response_format: { type: "json_schema", json_schema: { name: "x", schema } } }), "request.response_format.json_schema.schema.properties.a");
});

test("also: an option whose getter throws is reported as unreadable options", async () => {
  const c = new FreeRouterClient(customOptions(good()));
  const opts = { get timeoutMs() { throw new Error("getter threw"); } };
  await rejects(c.chat(HI, opts), "options could not be read", "getter threw");
  throwsInvalid(() => new FreeRouterClient({ get providers() { throw new Error("nope"); } }), "could not be read");
  throwsInvalid(() => c.session(undefined, new Proxy({}, { ownKeys() { throw new Error("keys"); } })), "could not be read");
});

test("also: a catalog listing a model twice lists it once", async () => {
  const f = fakeFetch((url) =>
    url.endsWith("/models") ? json(200, { data: [{ id: "m1" }, { id: "m2" }, { id: "m1" }] }) : goodStream(),
  );
  const opts = customOptions(f);
  delete opts.providers[0].models;
  const c = new FreeRouterClient(opts);
  const ids = (await c.listModels()).map((m) => m.id);
  assert.deepEqual(ids.sort(), ["m1", "m2"]);
});

test("also: an apiKey no header can carry is refused in the constructor, naming the provider", () => {
  const opts = customOptions(good());
  opts.providers[0].apiKey = "customKEY\u200b";
  throwsInvalid(() => new FreeRouterClient(opts), '"local"', "U+200B");
});

test("also: baseUrls that are not URLs are refused", () => {
  for (const baseUrl of ["http://127.0.0.1:99999/v1", "http://[::1/v1"]) {
    const opts = customOptions(good());
    opts.providers[0].baseUrl = baseUrl;
    throwsInvalid(() => new FreeRouterClient(opts), "baseUrl");
  }
});

test("options whose toJSON gives nothing are no options, never a raw TypeError", async () => {
  // JSON.stringify of such a bag is undefined, which once reached wasm as a string: chat threw a
  // TypeError and batch threw one from a microtask, uncaught.
  const nothing = () => ({ toJSON: () => undefined });
  const c = new FreeRouterClient(customOptions(good()));
  assert.equal((await c.chat(HI, nothing())).choices[0].message.content, "Hello");
  assert.equal(await (await c.chatStream(HI, nothing())).text(), "Hello");
  const items = await within(c.batch([HI], nothing()), 5000, "batch");
  assert.ok(items.ok && items.value[0].ok, items.error && items.error.stack);
  const s = c.session(undefined, nothing());
  assert.equal((await s.chat(HI, { toJSON: () => Symbol("s") })).choices[0].message.content, "Hello");
  throwsInvalid(() => new FreeRouterClient({ ...customOptions(good()), toJSON: () => undefined }));
});
