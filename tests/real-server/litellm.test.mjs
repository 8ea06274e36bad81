// The built package (pkg/, from bash scripts/build.sh) against a real LiteLLM proxy on 127.0.0.1
// with mock models (config.yaml), from Node (initSync) and from headless Chromium on a page served
// from another loopback port, so every call is cross-origin with real CORS preflights.
//   node --test tests/real-server/      (needs bash scripts/setup.sh --litellm and pkg/)
// The tests for issue 15 item 4's bugs state the correct behaviour; each failed before the call
// loop moved into the core.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { recordExchanges } from "./exchanges.mjs";
import { GOOD_KEY, HERE, REPO, awayFromMinuteEdge, canTrace, freePort, startLiteLLM } from "./litellm.mjs";
import { runScenario } from "./scenarios.js";

const PKG = path.join(REPO, "pkg");
const LAB_MODELS = [
  "lab-broken",
  "lab-limited",
  "lab-limited-fixture",
  "lab-limited-page",
  "lab-limited-wait",
  "lab-midstream",
  "lab-slow",
  "lab-small",
  "lab-text",
];
const SLOW_CHUNKS = 40; // lab_provider.py's slow stream: 40 chunks, 100 ms apart

let server;
let site;
let browser;
let page;
let lib;
let downUrl;
const offsite = []; // requests the page made beyond 127.0.0.1

/** The page's origin: the package, scenarios.js and a page that loads both; nothing else. */
function servePage() {
  const files = {
    "/": ["text/html; charset=utf-8", () => PAGE],
    "/pkg/free_router.js": ["text/javascript", () => readFileSync(path.join(PKG, "free_router.js"))],
    "/pkg/free_router_bg.wasm": ["application/wasm", () => readFileSync(path.join(PKG, "free_router_bg.wasm"))],
    "/scenarios.js": ["text/javascript", () => readFileSync(path.join(HERE, "scenarios.js"))],
  };
  const http = createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file[0], "cache-control": "no-store" });
    res.end(file[1]());
  });
  return new Promise((resolve) => {
    http.listen(0, "127.0.0.1", () => {
      const origin = `http://127.0.0.1:${http.address().port}`;
      resolve({ origin, close: () => new Promise((r) => http.close(r)) });
    });
  });
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>free-router against LiteLLM</title>
<script type="module">
import init, * as lib from "/pkg/free_router.js";
import { runScenario } from "/scenarios.js";
await init();
window.runScenario = (name, lab) => runScenario(lib, name, lab);
window.ready = true;
</script>`;

before(async () => {
  site = await servePage();
  downUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  lib = await import(pathToFileURL(path.join(PKG, "free_router.js")).href);
  lib.initSync({ module: readFileSync(path.join(PKG, "free_router_bg.wasm")) });
  // The browser starts while LiteLLM does (its ~20 s start-up is most of the stage's set-up).
  const started = Date.now();
  const litellm = startLiteLLM({ corsOrigins: [site.origin], traceSockets: canTrace() }).then((s) => {
    console.log(`LiteLLM ready after ${Date.now() - started} ms`);
    return s;
  });
  const chromium = (async () => {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    });
    page = await browser.newPage();
    page.on("request", (r) => {
      if (new URL(r.url()).hostname !== "127.0.0.1") offsite.push(r.url());
    });
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
  })();
  // Both settle before either failure is reported, so after() can stop whatever did start.
  const [litellmResult, chromiumResult] = await Promise.allSettled([litellm, chromium]);
  if (litellmResult.status === "fulfilled") server = litellmResult.value;
  for (const r of [litellmResult, chromiumResult]) if (r.status === "rejected") throw r.reason;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await site?.close();
});

const ENVIRONMENTS = {
  node: {
    tag: "node",
    limitedModel: "lab-limited",
    run: (name, lab) => runScenario(lib, name, lab),
  },
  page: {
    tag: "page",
    limitedModel: "lab-limited-page",
    run: (name, lab) => page.evaluate(({ name, lab }) => window.runScenario(name, lab), { name, lab }),
  },
};

/** Runs a scenario where `where` says; fails the test if the scenario itself threw. */
async function run(where, name, extra = {}) {
  const env = ENVIRONMENTS[where];
  const lab = {
    baseUrl: server.baseUrl,
    key: GOOD_KEY,
    badKey: `sk-lab-bad-${name}-${where}`, // lab_auth.py logs the last 12 characters
    downUrl,
    tag: `${env.tag} ${name}`,
    limitedModel: env.limitedModel,
    ...extra,
  };
  const result = await env.run(name, lab);
  assert.equal(result?.scenarioError, undefined, `${where} ${name}: ${JSON.stringify(result?.scenarioError)}`);
  return { result, lab };
}

const sentWithKey = (key, urlPath) => server.log().includes(`refused key ...${key.slice(-12)} on ${urlPath}`);

function assertError(e, expected, what) {
  assert.equal(e.thrown, true, `${what}: the call must reject`);
  assert.equal(e.isFreeRouterError, true, `${what}: a FreeRouterError`);
  for (const [key, value] of Object.entries(expected)) assert.equal(e[key], value, `${what}: ${key} (${e.message})`);
}

function assertCatalogDown(e, downUrl, call, code = "network") {
  const host = new URL(downUrl).host;
  assertError(e, { provider: "lab" }, call);
  if (code) assert.equal(e.code, code, `${call}: ${e.message}`);
  assert.notEqual(e.code, "no_candidates", `${call}: ${e.message}`);
  assert.match(e.message, /model list|catalog/i, `${call}: says the catalog could not be loaded`);
  assert.ok(e.message.includes(host), `${call}: names ${host}: ${e.message}`);
  assert.match(e.message, /fail|refused|unreachable/i, `${call}: says why`);
}

/** The same behaviour from Node and from the page. */
function commonSuite(where) {
  callSuite(where);
  errorSuite(where);
  routingSuite(where);
}

/** Catalog, chat, streams, aborts, fallback. */
function callSuite(where) {
  test(`${where}: listModels() lists the endpoint's models`, async () => {
    const { result } = await run(where, "catalog");
    assert.deepEqual(result.ids, LAB_MODELS);
    assert.deepEqual(result.providers, ["lab"]);
  });

  test(`${where}: chat() answers from the named model`, async () => {
    const { result } = await run(where, "chat");
    assert.equal(result.content, "Hello from LiteLLM.");
    assert.equal(result.provider, "lab");
    assert.equal(result.model, "lab-text");
    assert.deepEqual(result.attempts, [{ model: "lab-text", provider: "lab", outcome: "ok", status: 200 }]);
    assert.ok(result.usage.total_tokens > 0, "usage from LiteLLM's usage chunk");
    assert.deepEqual(result.eventTypes.slice(-1), ["done"]);
  });

  test(`${where}: chatStream() yields the text and LiteLLM's usage chunk (choices: [{ delta: {} }])`, async () => {
    const { result } = await run(where, "stream");
    assert.equal(result.pieces.join(""), "Hello from LiteLLM.");
    assert.equal(result.finalContent, "Hello from LiteLLM.");
    assert.ok(result.usage && result.usage.total_tokens > 0, `usage delivered: ${JSON.stringify(result.usage)}`);
    assert.deepEqual(result.attempts, [{ model: "lab-text", provider: "lab", outcome: "ok", status: 200 }]);
  });

  test(`${where}: a slow stream arrives piece by piece, not at the end`, async () => {
    const { result } = await run(where, "slowStream");
    assert.equal(result.text, Array.from({ length: SLOW_CHUNKS }, (_, n) => `tick${n} `).join(""));
    assert.ok(result.arrivals.length >= 10, `${result.arrivals.length} separate deltas`);
    const spread = result.arrivals.at(-1).at - result.arrivals[0].at;
    assert.ok(spread >= 2_000, `the deltas came over ${spread} ms, as the server sent them`);
  });

  test(`${where}: aborting a stream closes it on the server`, async () => {
    const { result, lab } = await run(where, "abort");
    assertError(result.result, { name: "AbortError", code: "aborted" }, "abort");
    // Under load two server chunks can arrive in one read and come out as one delta.
    assert.equal(result.pieces.length, 3, "aborted after the third delta");
    assert.match(result.pieces.join(""), /^tick0 tick1 tick2 /);
    const [, chunks] = await server.waitForLog(new RegExp(`slow stream \\[abort ${lab.tag}\\] closed after (\\d+) chunks`), 5_000);
    assert.ok(Number(chunks) < SLOW_CHUNKS, `LiteLLM stopped the stream after ${chunks} of ${SLOW_CHUNKS} chunks`);
  });

  test(`${where}: break out of for await closes the stream on the server`, async () => {
    const { result, lab } = await run(where, "breakOut");
    assert.equal(result.pieces.length, 2, "left after the second delta");
    assert.match(result.pieces.join(""), /^tick0 tick1 /);
    const [, chunks] = await server.waitForLog(new RegExp(`slow stream \\[break ${lab.tag}\\] closed after (\\d+) chunks`), 5_000);
    assert.ok(Number(chunks) < SLOW_CHUNKS, `LiteLLM stopped the stream after ${chunks} of ${SLOW_CHUNKS} chunks`);
  });

  test(`${where}: fallback from a failing model (LiteLLM's 500) to a good one`, async () => {
    const { result } = await run(where, "fallback");
    assert.equal(result.content, "Hello from LiteLLM.");
    assert.deepEqual(result.attempts, [
      { model: "lab-broken", provider: "lab", outcome: "provider_error", status: 500 },
      { model: "lab-text", provider: "lab", outcome: "ok", status: 200 },
    ]);
    assert.deepEqual(result.fallbacks.map((e) => [e.from, e.to, e.reason]), [["lab-broken", "lab-text", "provider_error"]]);
  });

  test(`${where}: fallback events name both providers and are followed by that attempt`, async () => {
    const { result } = await run(where, "crossProviderFallback");
    assert.equal(result.res.thrown, false, JSON.stringify(result.res));
    assert.deepEqual(
      result.fallbacks.map((e) => ({ from: e.from, fromProvider: e.fromProvider, to: e.to, toProvider: e.toProvider })),
      [{ from: "lab-broken", fromProvider: "lab", to: "lab-text", toProvider: "lab2" }],
    );
    assert.deepEqual(result.attempted, [
      { model: "lab-broken", provider: "lab" },
      { model: "lab-text", provider: "lab2" },
    ]);
    // A fallback is announced only toward the attempt that is sent next.
    result.sequence.forEach((e, n) => {
      if (e.fallbackTo === undefined) return;
      assert.deepEqual(result.sequence[n + 1], { attempt: e.fallbackTo, provider: e.provider }, `fallback ${n}`);
    });
  });

}

/** What each failure LiteLLM sends becomes, and what an attempt records. */
function errorSuite(where) {
  test(`${where}: LiteLLM's errors map to their codes (context length, 5xx, mid-stream)`, async () => {
    const { result } = await run(where, "errors");
    assertError(result.contextLength, { code: "context_length", status: 400, provider: "lab", model: "lab-small" }, "context-length 400");
    assertError(result.serverError, { code: "provider_error", status: 500, provider: "lab", model: "lab-broken" }, "5xx");
    assertError(result.midStream, { code: "stream_interrupted", provider: "lab", model: "lab-midstream", partial: "Half an answer" }, "mid-stream error");
  });

  test(`${where}: a stream that broke after its first token is not recorded as ok`, async () => {
    const { result } = await run(where, "errors");
    assert.deepEqual(result.midStreamRoute.map((a) => a.outcome), ["stream_interrupted"]);
    assert.deepEqual(result.midStream.attempts.map((a) => a.outcome), ["stream_interrupted"]);
  });

  test(`${where}: a stream the caller aborted is recorded as aborted`, async () => {
    const { result } = await run(where, "abort");
    assert.deepEqual(result.attempts.map((a) => a.outcome), ["aborted"]);
  });

  test(`${where}: a wrong key is a 401 auth error (LiteLLM's custom_auth)`, async () => {
    const { result } = await run(where, "auth");
    assertError(result.first, { code: "auth", status: 401, provider: "lab" }, "first call");
  });

  test(`${where}: after a 401 the next call still fails auth`, async () => {
    const { result } = await run(where, "auth");
    assertError(result.second, { code: "auth", provider: "lab" }, "second call");
  });

  test(`${where}: a 401 on listModels() takes the provider out: chat() does not send the key again`, async () => {
    const { result, lab } = await run(where, "authCatalog");
    assertError(result.catalog, { code: "auth", status: 401, provider: "lab" }, "listModels");
    assert.ok(sentWithKey(lab.badKey, "/v1/models"), "the catalog request reached LiteLLM");
    assertError(result.chat, { code: "auth", provider: "lab" }, "chat after it");
    assert.equal(sentWithKey(lab.badKey, "/v1/chat/completions"), false, "chat() sent the refused key again");
  });

}

/** What the client remembers between calls: unserved models, cooldowns, catalogs. */
function routingSuite(where) {
  test(`${where}: a model the server does not serve is not tried on every call`, async () => {
    const { result } = await run(where, "unservedModel");
    // Both calls are answered by lab-text; lab-ghost costs a request once at most.
    for (const call of [result.first, result.second]) assert.equal(call.attempts?.at(-1)?.model, "lab-text", JSON.stringify(call));
    const ghost = [...result.first.attempts, ...result.second.attempts].filter((a) => a.model === "lab-ghost");
    assert.ok(ghost.length <= 1, `lab-ghost was sent ${ghost.length} times`);
    assert.deepEqual(result.second.attempts.map((a) => a.model), ["lab-text"]);
  });

  test(`${where}: a model cooling down after a 5xx is refused as what it is, not rate_limited`, async () => {
    const { result } = await run(where, "coolingAfter5xx");
    assertError(result.first, { code: "provider_error", status: 500 }, "first call");
    assert.equal(result.second.thrown, true);
    assert.notEqual(result.second.code, "rate_limited", result.second.message);
    assert.equal(result.second.code, "provider_error", result.second.message);
    assert.doesNotMatch(result.second.message, /rate.limit/i);
    assert.match(result.second.message, /lab-broken/);
  });

  // A custom endpoint may serve ids it does not list: the id is sent, and the server's not_found
  // names the closest ids of its list.
  test(`${where}: a pinned id that is not in the catalog is not_found, naming the closest ids`, async () => {
    const { result } = await run(where, "unknownPinned");
    assertError(result, { code: "not_found" }, "lab-txt");
    assert.match(result.message, /lab-text/);
  });

  test(`${where}: an endpoint that is down: the error says the catalog could not be loaded, from where and why`, async () => {
    const { result, lab } = await run(where, "endpointDown");
    assertCatalogDown(result.chat, lab.downUrl, "chat()");
    assertCatalogDown(result.listModels, lab.downUrl, "listModels()");
  });

  test(`${where}: a key-less endpoint that is down: the error says so, not no_candidates`, async () => {
    const { result, lab } = await run(where, "endpointDown");
    assertCatalogDown(result.keylessChat, lab.downUrl, "chat() without a key", null);
  });

  test(`${where}: refreshCatalog() reports the source the catalog event reports`, async () => {
    const { result } = await run(where, "catalogSource");
    assert.equal(result.catalogEvents.length >= 1, true);
    assert.equal(result.info.source, result.catalogEvents.at(-1).source);
  });

  test(`${where}: the quota event's snapshot has only the fields QuotaSnapshot declares`, async () => {
    const { result } = await run(where, "quotaEvent");
    const declared = quotaSnapshotFields();
    assert.ok(result.snapshots.length >= 1, "a quota event was emitted");
    for (const snapshot of result.snapshots) {
      assert.deepEqual(Object.keys(snapshot).filter((k) => k !== "type" && k !== "at" && !declared.includes(k)), []);
    }
  });
}

/** The rpm-limited models: one minute window each, so each chain has its own model. */
function rpmSuites() {
  describe("an rpm-limited model, from Node (all headers visible)", { concurrency: false }, () => {
    let limit;
    test("the ledger learns LiteLLM's x-ratelimit-* headers and refuses the request it would waste", async () => {
      await awayFromMinuteEdge();
      limit = (await run("node", "rpmLimit")).result;
      assert.equal(limit.content, "Limited but here.");
      assert.deepEqual(
        limit.afterOk.map(({ scope, window, limit: l, remaining, source }) => ({ scope, window, limit: l, remaining, source })),
        [{ scope: "lab-limited", window: "minute", limit: 1, remaining: 0, source: "header" }],
      );
      assertError(limit.ledgerRefusal, { code: "rate_limited", status: undefined }, "second call, same client (not sent)");
      assert.ok(limit.ledgerRefusal.retryAfterMs > 0 && limit.ledgerRefusal.retryAfterMs <= 60_000, `retryAfterMs ${limit.ledgerRefusal.retryAfterMs}`);
    });

    test("LiteLLM's own 429 is rate_limited", async () => {
      assertError(limit.serverRefusal, { code: "rate_limited", status: 429, provider: "lab", model: "lab-limited" }, "fresh client");
    });

    test("LiteLLM's own 429 (no Retry-After) gives a retryAfterMs", async () => {
      const wait = limit.serverRefusal.retryAfterMs;
      assert.ok(wait > 0 && wait <= 60_000, `retryAfterMs ${wait} (${limit.serverRefusal.message})`);
    });

    test(
      "waitForQuota waits out LiteLLM's 429 (a minute, no Retry-After), then sends and gets the answer",
      async () => {
        const { result } = await run("node", "waitForQuota");
        assert.equal(result.res.thrown, undefined, JSON.stringify(result.res));
        assert.equal(result.res.content, "Limited but here.");
        assert.ok(result.waiting.length >= 1, "a waiting event");
        assert.ok(result.ms <= 75_000, `answered after ${result.ms} ms`);
      },
    );
  });

  describe("waitForQuota on a window learned from headers, from Node", () => {
    test("waits until the learned window frees up, then sends and gets the answer", async () => {
      await awayFromMinuteEdge();
      const { result } = await run("node", "waitForQuota", { limitedModel: "lab-limited-wait", learnFirst: true });
      assert.equal(result.res.thrown, undefined, JSON.stringify(result.res));
      assert.equal(result.res.content, "Limited but here.");
      assert.deepEqual(result.res.attempts.map((a) => a.outcome), ["ok"], "sent once, after the wait");
      assert.equal(result.waiting.length, 1, "one waiting event");
      assert.ok(result.waiting[0].ms > 1_000 && result.waiting[0].ms <= 61_000, `waited ${result.waiting[0].ms} ms`);
    });
  });

  describe("an rpm-limited model, from a page (x-ratelimit-* not exposed)", { concurrency: false }, () => {
    let limit;
    test("the page sees no rate-limit header; LiteLLM's 429 is rate_limited and the model then rests", async () => {
      await awayFromMinuteEdge();
      limit = (await run("page", "rpmLimit")).result;
      assert.equal(limit.content, "Limited but here.");
      assert.deepEqual(limit.afterOk.filter((s) => s.source === "header"), [], "no header reached the page");
      assertError(limit.serverRefusal, { code: "rate_limited", status: 429, provider: "lab", model: "lab-limited-page" }, "fresh client");
      assertError(limit.localRefusal, { code: "rate_limited", status: undefined }, "the next call is refused before sending");
      assert.ok(limit.localRefusal.retryAfterMs > 0 && limit.localRefusal.retryAfterMs <= 60_000, `retryAfterMs ${limit.localRefusal.retryAfterMs}`);
    });

    test("LiteLLM's own 429 (no Retry-After) gives a retryAfterMs in a page too", async () => {
      const wait = limit.serverRefusal.retryAfterMs;
      assert.ok(wait > 0 && wait <= 60_000, `retryAfterMs ${wait} (${limit.serverRefusal.message})`);
    });
  });
}

/** The fields of `interface QuotaSnapshot` in the shipped .d.ts. */
function quotaSnapshotFields() {
  const dts = readFileSync(path.join(PKG, "free_router.d.ts"), "utf8");
  const body = dts.match(/interface QuotaSnapshot \{([^}]*)\}/)?.[1] ?? "";
  return [...body.matchAll(/^\s*(\w+)\??:/gm)].map((m) => m[1]);
}

describe("LiteLLM proxy", { concurrency: true }, () => {
  describe("from Node", { concurrency: false }, () => commonSuite("node"));
  describe("from a page on another origin", { concurrency: false }, () => {
    commonSuite("page");

    test("page: its calls were cross-origin, behind real CORS preflights", () => {
      assert.match(server.log(), /"OPTIONS \/v1\/chat\/completions HTTP\/1\.1" 200/, "LiteLLM answered a preflight for chat");
      assert.match(server.log(), /"OPTIONS \/v1\/models HTTP\/1\.1" 200/, "LiteLLM answered a preflight for the catalog");
      assert.deepEqual(offsite, [], "no request left 127.0.0.1");
    });
  });

  rpmSuites();

  test("LiteLLM answers as recorded in fixtures/litellm-exchanges.json", async () => {
    await awayFromMinuteEdge();
    const live = await recordExchanges({ baseUrl: server.baseUrl, origin: site.origin, goodKey: GOOD_KEY });
    const recorded = JSON.parse(readFileSync(path.join(HERE, "fixtures/litellm-exchanges.json"), "utf8"));
    assert.deepEqual(live, recorded);
  });
});

// After every suite above has finished: what LiteLLM reached over the whole run.
test("LiteLLM fetched nothing from the internet", () => {
  assert.doesNotMatch(server.log(), /fetch attempt|Failed to fetch remote|falling back to local/i);
});

test("LiteLLM bound and connected nothing but loopback over the whole run (strace)", { skip: canTrace() ? false : "strace cannot trace here" }, () => {
  const sockets = server.sockets();
  assert.ok(
    sockets.some((line) => line.includes(`htons(${server.port})`) && line.includes("bind(")),
    `the trace holds the bind of port ${server.port}:\n${sockets.join("\n")}`,
  );
  const offLoopback = sockets.filter((line) => /AF_INET6?/.test(line) && !/"127\.0\.0\.1"|"::1"|"::ffff:127\.0\.0\.1"/.test(line));
  assert.deepEqual(offLoopback, []);
});
