// Browser test of the playground (www/) against the built library (pkg/):
//   node --test --test-concurrency=1 tests/e2e/
// Starts scripts/serve.mjs (plain and --csp) on a free port, drives Debian's chromium through
// playwright-core, and fails (never skips) when pkg/ is missing. Screenshots go to
// test-output/screenshots/.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHOTS = path.join(REPO, "test-output/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];
// Deterministic demo: fixed seed, no random faults, 10x pacing.
const FAST = "?seed=1&faults=0&speed=10";
// Realistic pacing, so a stream is still running when Stop is pressed.
const SLOW = "?seed=1&faults=0&speed=1";
const FREE_ID = /^[\w.-]+\/[\w.:-]+:free$/;

async function requirePkg() {
  for (const f of ["pkg/free_router.js", "pkg/free_router_bg.wasm"]) {
    try {
      await access(path.join(REPO, f));
    } catch {
      throw new Error(
        `${f} is missing: build the library first (bash scripts/build.sh), ` +
          `or link a build: ln -s /work/main/pkg ${path.join(REPO, "pkg")}. Then rerun: node --test tests/e2e/`,
      );
    }
  }
}

/** Runs scripts/serve.mjs on a free port; resolves with its URL once it says so. */
function startServer({ csp }) {
  const args = [path.join(REPO, "scripts/serve.mjs"), "--port", "0", "--host", "127.0.0.1", "--root", REPO];
  if (csp) args.push("--csp");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${out}`)), 10_000);
    const onData = (buf) => {
      out += buf;
      const m = out.match(/Serving (http:\/\/\S+\/www\/)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.mjs exited (${code}):\n${out}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

/** Collects everything the page complains about; the test asserts it stays empty. */
function watch(page) {
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ""}`));
  return problems;
}

async function waitReady(page, problems) {
  await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  if (ready !== "true") {
    assert.fail(`the playground did not start: ${await page.textContent("#status")}\n${problems.join("\n")}`);
  }
}

async function openDemo(context, base, query) {
  const page = await context.newPage();
  const problems = watch(page);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const response = await page.goto(base + query);
  assert.equal(response.status(), 200);
  await waitReady(page, problems);
  return { page, problems, response };
}

async function ask(page, prompt) {
  await page.fill("#prompt", prompt);
  await page.click("#send");
}

const lastAnswer = ".msg-assistant:last-of-type";

async function waitDone(page) {
  await page.waitForSelector('#status[data-kind="ok"], #status[data-kind="error"]', { timeout: 30_000 });
  const kind = await page.getAttribute("#status", "data-kind");
  assert.equal(kind, "ok", `the answer finished: ${await page.textContent("#status")}`);
}

async function assertClean(page, problems) {
  const csp = await page.evaluate(() => window.__csp ?? []);
  assert.deepEqual([...problems, ...csp.map((v) => `csp: ${v}`)], [], "page reported errors");
}

/** Used count of each quota meter, by label. */
async function meters(page) {
  return page.$$eval("#meters .meter-item", (items) =>
    Object.fromEntries(items.map((li) => [li.querySelector(".meter-label").textContent, Number(li.dataset.used)])),
  );
}

async function rowCount(page) {
  return page.locator("#model-rows tr").count();
}

async function waitRowsChange(page, from) {
  await page.waitForFunction((n) => document.querySelectorAll("#model-rows tr").length !== n, from, {
    timeout: 10_000,
  });
  return rowCount(page);
}

// Its own test so a missing build is reported as a plain failure, not only as cancelled browser tests.
test("pkg/ holds a built library", requirePkg);

for (const csp of [false, true]) {
  describe(`playground (${csp ? "with strict CSP" : "no CSP"})`, { timeout: 300_000 }, () => {
    let server;
    let base;
    let context;
    let profile;

    before(async () => {
      await requirePkg();
      server = startServer({ csp });
      base = await server.url;
      profile = await mkdtemp(path.join(tmpdir(), "free-router-e2e-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 900 },
      });
      await mkdir(SHOTS, { recursive: true });
    });

    after(async () => {
      await context?.close();
      if (server) assert.equal(await server.stop(), 0, "serve.mjs should exit cleanly on SIGTERM");
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    test("offline chat streams with a model badge, and the quota bars move", async () => {
      const { page, problems, response } = await openDemo(context, base, FAST);
      if (csp) assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self' 'wasm-unsafe-eval'/);

      assert.match(await page.textContent("#mode-title"), /Offline demo/);
      assert.match(await page.textContent("#privacy"), /may log your prompts and use them for training/);
      assert.equal(await page.inputValue("#model"), "auto", "the offline demo lets the library pick");
      await page.waitForFunction(() => document.querySelectorAll("#model-list option").length >= 17);
      await page.waitForFunction(() => /tier/i.test(document.querySelector("#quota-tier").textContent));
      const before = await meters(page);

      await ask(page, "Plan a weekend trip to Lisbon for me");
      await page.waitForSelector(`${lastAnswer} .badge:not([hidden])`, { timeout: 20_000 });
      await waitDone(page);

      const answer = await page.textContent(`${lastAnswer} .content`);
      assert.match(answer, /^\(Offline demo — no model was called\.\)/);
      assert.match(answer, /Lisbon/);
      assert.match((await page.textContent(`${lastAnswer} .badge-model`)).trim(), FREE_ID);
      assert.equal(await page.textContent(`${lastAnswer} .badge-provider`), "via demo");
      assert.equal(await page.textContent(`${lastAnswer} .badge-attempts`), "1 attempt");
      assert.match(await page.textContent("#status"), /^Done/);
      assert.equal(await page.isDisabled("#send"), false);
      assert.equal(await page.isDisabled("#stop"), true);

      // The timeline saw the attempt, the first token and the end; the chart has a bar.
      for (const t of ["attempt", "first_token", "done"]) {
        assert.ok(await page.locator(`#events .event[data-type="${t}"]`).count(), `a ${t} event is listed`);
      }
      assert.equal(await page.locator("#ttft-chart rect").count(), 1, "one TTFT bar");

      // Quota: the per-minute and per-day requests moved by the request just made.
      await page.waitForFunction(
        () => [...document.querySelectorAll("#meters .meter-item")].some((li) => Number(li.dataset.used) > 0),
        null,
        { timeout: 5_000 },
      );
      const after = await meters(page);
      const minute = Object.keys(after).find((k) => /per minute/.test(k));
      const day = Object.keys(after).find((k) => /per day/.test(k));
      assert.ok(minute && day, `minute and day meters: ${JSON.stringify(after)}`);
      assert.ok(after[minute] > (before[minute] ?? 0), "per-minute bar moved");
      assert.ok(after[day] > (before[day] ?? 0), "per-day bar moved");
      assert.match(await page.textContent("#meters"), /resets in \d+:\d\d/);
      assert.match(await page.textContent("#spend"), /budget/);

      // A second message continues the conversation.
      await ask(page, "And what should I eat there?");
      await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 2);
      await waitDone(page);
      assert.equal(await page.locator(".msg-user").count(), 2, "history kept");

      await page.screenshot({ path: path.join(SHOTS, `playground-desktop${csp ? "-csp" : ""}.png`), fullPage: true });
      await assertClean(page, problems);
      await page.close();
    });

    test("Stop stops a running stream", async () => {
      const { page, problems } = await openDemo(context, base, SLOW);
      await ask(page, "Why is the sky blue?");
      await page.waitForFunction(
        () => (document.querySelector(".msg-assistant .content")?.textContent.length ?? 0) > 60,
        null,
        { timeout: 20_000 },
      );
      await page.click("#stop");
      await page.waitForFunction(() => /abort/i.test(document.querySelector("#status").textContent), null, {
        timeout: 10_000,
      });
      const before = (await page.textContent(`${lastAnswer} .content`)).length;
      await page.waitForTimeout(800); // several token intervals at speed 1
      const after = (await page.textContent(`${lastAnswer} .content`)).length;
      assert.equal(after, before, "text stopped growing after Stop");
      assert.ok(before < 700, `the stream was stopped early (got ${before} chars)`);
      assert.equal(await page.isDisabled("#send"), false, "Send is enabled again");
      assert.equal(await page.isDisabled("#stop"), true, "Stop is disabled again");
      assert.match(await page.textContent(`${lastAnswer} .msg-note`), /Stopped/);

      // The page keeps working after an abort; Esc stops too.
      await ask(page, "Say hello");
      await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 2);
      await page.waitForFunction(() => /Offline demo/.test(document.querySelector(".msg-assistant:last-of-type .content").textContent), null, {
        timeout: 20_000,
      });
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => /abort|done/i.test(document.querySelector("#status").textContent), null, {
        timeout: 10_000,
      });
      await assertClean(page, problems);
      await page.close();
    });

    test("a forced 429 falls back to another model, shown in the timeline and the badge", async () => {
      // The fake answers the first chat request with an upstream 429, then serves normally.
      const { page, problems } = await openDemo(context, base, `${FAST}&script=429`);
      await ask(page, "Tell me about Lisbon");
      await waitDone(page);
      const fallback = page.locator('#events .event[data-type="fallback"]');
      assert.equal(await fallback.count(), 1, "one fallback event");
      assert.match(await fallback.textContent(), /→ .*\(rate_limited\)/);
      assert.ok(await page.locator('#events .event[data-type="cooldown"]').count(), "the throttled model cools down");
      assert.equal(await page.locator('#events .event[data-type="attempt"]').count(), 2, "two attempts");
      assert.equal(await page.textContent(`${lastAnswer} .badge-attempts`), "2 attempts");
      assert.match(await page.textContent("#status"), /2 attempts/);
      await assertClean(page, problems);
      await page.close();
    });

    test("a stream broken mid-way resumes on another model", async () => {
      const { page, problems } = await openDemo(context, base, `${FAST}&script=midstream`);
      await ask(page, "Give me a quick pasta recipe");
      await waitDone(page);
      assert.equal(await page.locator('#events .event[data-type="resume"]').count(), 1, "a resume event");
      assert.match(await page.textContent(`${lastAnswer} .content`), /Offline demo/);
      await assertClean(page, problems);
      await page.close();
    });

    test("a typed error is shown as code: message", async () => {
      // Every chat request answers 404 "No endpoints found"; a named model with fallback off.
      const { page, problems } = await openDemo(context, base, "?seed=1&faults=0,1,0&speed=10&model=openai/gpt-oss-20b:free");
      await page.uncheck("#fallback");
      await ask(page, "hello");
      await page.waitForSelector('#status[data-kind="error"]', { timeout: 30_000 });
      const status = await page.textContent("#status");
      assert.match(status, /^not_found: \S/);
      assert.match(status, /No endpoints found for openai\/gpt-oss-20b:free\./);
      assert.equal(await page.isDisabled("#send"), false);
      assert.ok(await page.locator('#events .event[data-type="error"], #events .event[data-type="model_evicted"]').count());
      await assertClean(page, problems);
      await page.close();
    });

    test("filters change the model table: chip, slider, search", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.waitForFunction(() => document.querySelectorAll("#model-rows tr").length > 0);
      const all = await rowCount(page);
      assert.ok(all >= 10, `the free models are listed (${all})`);
      assert.equal(await page.locator("#model-rows tr").first().locator("td").count(), 8, "all columns");

      await page.click('.chip[data-filter="vision"]');
      assert.equal(await page.getAttribute('.chip[data-filter="vision"]', "aria-pressed"), "true");
      const vision = await waitRowsChange(page, all);
      assert.ok(vision > 0 && vision < all, `vision narrows the list (${vision} of ${all})`);
      for (const caps of await page.$$eval("#model-rows .caps", (tds) => tds.map((td) => td.textContent))) {
        assert.match(caps, /vision/);
      }
      await page.click('.chip[data-filter="vision"]');
      await waitRowsChange(page, vision);

      // Slider by keyboard: each step raises the minimum context.
      await page.focus("#min-context");
      for (let i = 0; i < 7; i++) await page.keyboard.press("ArrowRight");
      assert.match(await page.textContent("#min-context-out"), /≥ 256k tokens/);
      const big = await waitRowsChange(page, all);
      assert.ok(big < all, `min context narrows the list (${big})`);
      for (const ctx of await page.$$eval("#model-rows td.num:nth-child(3)", (tds) => tds.map((td) => td.textContent))) {
        assert.ok(/M$/.test(ctx) || parseInt(ctx, 10) >= 256, `context ${ctx} >= 256k`);
      }
      await page.fill("#min-context", "0");
      await page.dispatchEvent("#min-context", "input");
      await waitRowsChange(page, big);

      // Search re-filters as you type.
      await page.fill("#model-search", "gemma");
      const gemma = await waitRowsChange(page, all);
      assert.ok(gemma >= 1 && gemma < all, `search narrows the list (${gemma})`);
      // Search covers id, name and description: the gemma ids are in, most of the rest is out.
      const ids = await page.$$eval("#model-rows .model-id", (els) => els.map((e) => e.textContent));
      assert.ok(ids.filter((id) => /gemma/i.test(id)).length >= 2, `gemma models listed: ${ids}`);
      // "free" off lists paid models too.
      await page.fill("#model-search", "");
      await waitRowsChange(page, gemma);
      await page.click('.chip[data-filter="free"]');
      const everything = await waitRowsChange(page, all);
      assert.ok(everything > all, `free off lists paid models too (${everything})`);

      // "Use" puts a model into the chat.
      await page.locator("#model-rows tr").first().locator("button").click();
      assert.notEqual(await page.inputValue("#model"), "auto");
      await assertClean(page, problems);
      await page.close();
    });

    test("tools: the model's get_weather call is shown and answered", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.check("#tools");
      await ask(page, "What is the weather in Paris today?");
      await waitDone(page);
      const call = page.locator(".tool-call").first();
      assert.match(await call.textContent(), /Tool call: get_weather/);
      assert.match(await call.textContent(), /"city": "Paris"/);
      assert.match(await call.textContent(), /Result/);
      assert.match(await page.textContent(`${lastAnswer} .content`), /Offline demo/);
      await assertClean(page, problems);
      await page.close();
    });

    test("an attached image routes to a vision model; pinning keeps the model", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      const png = Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
        "base64",
      );
      await page.check("#pin");
      await page.setInputFiles("#image", { name: "dot.png", mimeType: "image/png", buffer: png });
      await page.waitForSelector("#attached:not([hidden])");
      await ask(page, "What is in this picture?");
      await waitDone(page);
      assert.equal(await page.locator(".msg-user .msg-image").count(), 1, "the image is in the conversation");
      const model = (await page.textContent(`${lastAnswer} .badge-model`)).trim();
      const vision = await page.evaluate(async (id) => {
        const res = await fetch("demo-catalog.json");
        const m = (await res.json()).data.find((x) => x.id === id);
        return m?.architecture?.input_modalities?.includes("image");
      }, model);
      assert.ok(vision, `${model} takes images`);
      assert.match(await page.textContent("#pin-status"), new RegExp(`Pinned to ${model.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));

      await ask(page, "Thanks. Now a haiku, please.");
      await page.waitForFunction(() => document.querySelectorAll(".msg-assistant").length === 2);
      await waitDone(page);
      assert.equal((await page.textContent(`${lastAnswer} .badge-model`)).trim(), model, "pinned: same model");
      await assertClean(page, problems);
      await page.close();
    });

    test("keyboard only: tab to the prompt, Ctrl+Enter sends, chips toggle with Space", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.keyboard.press("Tab"); // the skip link comes first
      assert.equal(await page.evaluate(() => document.activeElement?.className), "skip-link");
      await page.keyboard.press("Enter");
      await page.keyboard.type("Write me a haiku");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "prompt");
      await page.keyboard.press("Control+Enter");
      await waitDone(page);
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert.ok(["prompt", "stop"].includes(focused), `focus is on #${focused}`);

      await page.focus('.chip[data-filter="tools"]');
      await page.keyboard.press("Space");
      assert.equal(await page.getAttribute('.chip[data-filter="tools"]', "aria-pressed"), "true");
      // Focus is visible: an outline is drawn on the focused chip.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.equal(outline, "solid");
      await assertClean(page, problems);
      await page.close();
    });

    test("Sign in with OpenRouter: PKCE round trip against a faked OpenRouter", async () => {
      const page = await context.newPage();
      const problems = watch(page);
      const KEY = "sk-or-v1-e2e0000000000000000000000000000000000000000000000000000000";
      const catalog = await readFile(path.join(REPO, "www/demo-catalog.json"), "utf8");
      const seen = { auth: null, exchange: null };
      const cors = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "authorization, content-type, http-referer, x-openrouter-title, x-title",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      };
      await page.route("https://openrouter.ai/**", async (route) => {
        const req = route.request();
        const url = new URL(req.url());
        if (req.method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
        if (url.pathname === "/auth") {
          seen.auth = url;
          const back = new URL(url.searchParams.get("callback_url"));
          back.searchParams.set("code", "e2e-code-42");
          return route.fulfill({ status: 302, headers: { Location: back.href } });
        }
        if (url.pathname === "/api/v1/auth/keys" && req.method() === "POST") {
          seen.exchange = { body: req.postDataJSON(), headers: req.headers() };
          return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body: JSON.stringify({ key: KEY, user_id: "user_e2e" }) });
        }
        if (url.pathname === "/api/v1/models") {
          return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body: catalog });
        }
        if (url.pathname === "/api/v1/key") {
          const body = JSON.stringify({ data: { label: "e2e", is_free_tier: true, usage: 0, limit: null } });
          return route.fulfill({ status: 200, headers: { ...cors, "Content-Type": "application/json" }, body });
        }
        return route.fulfill({ status: 404, headers: cors, body: "not faked" });
      });
      await page.goto(base + FAST);
      await waitReady(page, problems);

      await Promise.all([page.waitForURL(/\?code=|\/www\/$/), page.click("#signin")]);
      await waitReady(page, problems);
      await page.waitForFunction(() => /Signed in|failed/.test(document.querySelector("#signin-status").textContent), null, {
        timeout: 15_000,
      });
      assert.match(await page.textContent("#signin-status"), /Signed in/, await page.textContent("#signin-status"));

      // The consent URL, the verifier and the exchange.
      assert.ok(seen.auth, "the browser went to openrouter.ai/auth");
      assert.equal(seen.auth.searchParams.get("callback_url"), `${base}`);
      assert.equal(seen.auth.searchParams.get("code_challenge_method"), "S256");
      assert.equal(seen.auth.searchParams.get("key_label"), "free-router playground");
      assert.ok(seen.exchange, "the code was exchanged");
      assert.equal(seen.exchange.body.code, "e2e-code-42");
      assert.equal(seen.exchange.body.code_challenge_method, "S256");
      const challenge = createHash("sha256").update(seen.exchange.body.code_verifier).digest("base64url");
      assert.equal(challenge, seen.auth.searchParams.get("code_challenge"), "challenge = S256(verifier)");
      assert.equal(seen.exchange.headers.authorization, undefined, "no Authorization on the exchange");

      // The key is in the providers panel, the verifier and the code are gone, nothing persisted.
      assert.equal(await page.inputValue("#key-openrouter"), KEY);
      assert.match(await page.textContent("#mode-title"), /Live: .*OpenRouter/);
      assert.equal(await page.evaluate(() => sessionStorage.getItem("free-router:v1:pkce")), null);
      assert.doesNotMatch(page.url(), /code=/);
      const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
      assert.ok(!stored.includes(KEY), "the key is not in any storage");
      // The live client reads the (faked) catalog and key info with the new key.
      await page.waitForFunction(() => document.querySelectorAll("#model-rows tr").length > 0, null, { timeout: 10_000 });
      await page.waitForFunction(() => /free tier/i.test(document.querySelector("#quota-tier").textContent));

      await assertClean(page, problems);
      await page.close();
    });

    test("fits a 375 px wide phone screen", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.setViewportSize({ width: 375, height: 812 });
      await page.check("#tools");
      await ask(page, "What is the weather in Lisbon?");
      await waitDone(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no horizontal scrolling (page is ${width} px wide)`);
      await page.screenshot({ path: path.join(SHOTS, `playground-375${csp ? "-csp" : ""}.png`), fullPage: true });
      await assertClean(page, problems);
      await page.close();
    });
  });
}
