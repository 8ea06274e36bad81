// Browser test of the demo page (www/) against the built library (pkg/):
//   node --test tests/e2e/
// Starts scripts/serve.mjs (plain and --csp) on a free port, drives Debian's
// chromium through playwright-core, and fails (never skips) when pkg/ is missing.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, mkdir, mkdtemp, rm } from "node:fs/promises";
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
// Deterministic demo: fixed seed, no injected faults, 10x pacing.
const FAST = "?seed=1&faults=0&speed=10";
// Realistic pacing, so a stream is still running when Stop is pressed.
const SLOW = "?seed=1&faults=0&speed=1";
const DEFAULT_MODEL = "openai/gpt-oss-20b:free";

async function requirePkg() {
  for (const f of ["pkg/free_router.js", "pkg/free_router_bg.wasm"]) {
    try {
      await access(path.join(REPO, f));
    } catch {
      throw new Error(
        `${f} is missing: build the library first (wasm-pack build --target web), ` +
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
      const code = await exited;
      return code;
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
  page.on("requestfailed", (req) => {
    // Aborting a stream cancels nothing on the network in the offline demo; any
    // failed request here is a real problem (missing file, CSP block).
    problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ""}`);
  });
  return problems;
}

async function openDemo(context, base, query) {
  const page = await context.newPage();
  const problems = watch(page);
  // Record CSP violations too (they also show up as console errors in Chromium).
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const response = await page.goto(base + query);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  if (ready !== "true") {
    const status = await page.textContent("#status");
    assert.fail(`the demo page did not start: ${status}\n${problems.join("\n")}`);
  }
  return { page, problems, response };
}

async function ask(page, prompt) {
  await page.fill("#prompt", prompt);
  await page.click("#send");
}

async function assertClean(page, problems) {
  const csp = await page.evaluate(() => window.__csp ?? []);
  assert.deepEqual([...problems, ...csp.map((v) => `csp: ${v}`)], [], "page reported errors");
}

// Its own test so a missing build is reported as a plain failure, not only as
// cancelled browser tests.
test("pkg/ holds a built library", requirePkg);

for (const csp of [false, true]) {
  describe(`demo page (${csp ? "with CSP" : "no CSP"})`, { timeout: 180_000 }, () => {
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

    test("streams an offline-demo answer with a model badge", async () => {
      const { page, problems, response } = await openDemo(context, base, FAST);
      if (csp) assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self' 'wasm-unsafe-eval'/);

      assert.match(await page.textContent("#mode-title"), /Offline demo: no key, no network; answers are canned/);
      assert.match(await page.textContent(".privacy"), /may log your prompts and use them for training/);
      assert.equal(await page.inputValue("#model"), DEFAULT_MODEL);
      assert.ok((await page.locator("#model-list option").count()) >= 17, "datalist lists the free models");

      await ask(page, "Plan a weekend trip to Lisbon for me");
      await page.waitForFunction(() => document.querySelector("#content").textContent.includes("Offline demo"), null, {
        timeout: 20_000,
      });
      await page.waitForSelector('#status[data-kind="ok"]', { timeout: 30_000 });

      const answer = await page.textContent("#content");
      assert.match(answer, /^\(Offline demo — no model was called\.\)/);
      assert.match(answer, /Lisbon/);
      assert.ok(await page.isVisible("#badge"), "badge is shown");
      assert.equal((await page.textContent("#badge-model")).trim(), DEFAULT_MODEL);
      assert.equal(await page.textContent("#badge-provider"), "provider: demo");
      assert.match(await page.textContent("#status"), /^Done/);
      assert.equal(await page.isDisabled("#send"), false);
      assert.equal(await page.isDisabled("#stop"), true);

      if (csp) await page.screenshot({ path: path.join(SHOTS, "demo-desktop.png"), fullPage: true });
      await assertClean(page, problems);
      await page.close();
    });

    test("Stop aborts a running stream", async () => {
      const { page, problems } = await openDemo(context, base, SLOW);
      await ask(page, "Why is the sky blue?");
      await page.waitForFunction(() => document.querySelector("#content").textContent.length > 60, null, {
        timeout: 20_000,
      });
      await page.click("#stop");
      await page.waitForFunction(() => /abort/i.test(document.querySelector("#status").textContent), null, {
        timeout: 10_000,
      });
      const before = (await page.textContent("#content")).length;
      await page.waitForTimeout(800); // several token intervals at speed 1
      const after = (await page.textContent("#content")).length;
      assert.equal(after, before, "text stopped growing after Stop");
      assert.ok(before < 700, `the stream was stopped early (got ${before} chars)`);
      assert.equal(await page.isDisabled("#send"), false, "Send is enabled again");
      assert.equal(await page.isDisabled("#stop"), true, "Stop is disabled again");

      // The page keeps working after an abort.
      await ask(page, "Say hello");
      await page.waitForFunction(() => document.querySelector("#content").textContent.includes("Offline demo"), null, {
        timeout: 20_000,
      });
      await page.keyboard.press("Escape"); // Esc stops too
      await page.waitForFunction(
        () => /abort|done/i.test(document.querySelector("#status").textContent),
        null,
        { timeout: 10_000 },
      );
      await assertClean(page, problems);
      await page.close();
    });

    test("keyboard only: Ctrl+Enter sends from the prompt", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.focus("#prompt");
      await page.keyboard.type("Write me a haiku");
      await page.keyboard.press("Control+Enter");
      await page.waitForSelector('#status[data-kind="ok"]', { timeout: 30_000 });
      assert.match(await page.textContent("#content"), /Offline demo/);
      // Focus never gets lost on a disabled button.
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert.ok(["prompt", "stop"].includes(focused), `focus is on #${focused}`);
      await assertClean(page, problems);
      await page.close();
    });

    test("a typed error is shown as code: message", async () => {
      // Every chat request answers 404 "No endpoints found", and fallback is off.
      const { page, problems } = await openDemo(context, base, "?seed=1&faults=0,1,0&speed=10");
      await page.uncheck("#fallback");
      await ask(page, "hello");
      await page.waitForSelector('#status[data-kind="error"]', { timeout: 30_000 });
      const status = await page.textContent("#status");
      assert.match(status, /^not_found: \S/);
      assert.match(status, /No endpoints found for openai\/gpt-oss-20b:free\./);
      assert.equal(await page.isDisabled("#send"), false);
      await assertClean(page, problems);
      await page.close();
    });

    test("fits a 375 px wide phone screen", async () => {
      const { page, problems } = await openDemo(context, base, FAST);
      await page.setViewportSize({ width: 375, height: 812 });
      await ask(page, "Give me a quick pasta recipe");
      await page.waitForSelector('#status[data-kind="ok"]', { timeout: 30_000 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `no horizontal scrolling (page is ${width} px wide)`);
      if (csp) await page.screenshot({ path: path.join(SHOTS, "demo-375.png"), fullPage: true });
      await assertClean(page, problems);
      await page.close();
    });
  });
}
