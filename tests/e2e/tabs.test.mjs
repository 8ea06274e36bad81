// Two pages of one origin share the quota ledger: reserving at the same moment they never
// exceed a declared limit of 5 between them (localStorage + BroadcastChannel + Web Locks).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

let server;
let base;
let browser;
let profile;

before(async () => {
  await access(path.join(REPO, "pkg/free_router_bg.wasm")).catch(() => {
    throw new Error("pkg/ is missing: run `bash scripts/build.sh` first");
  });
  server = spawn(process.execPath, [path.join(REPO, "scripts/serve.mjs"), "--port", "0", "--host", "127.0.0.1", "--root", REPO], { stdio: ["ignore", "pipe", "pipe"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`serve.mjs did not start: ${out}`)), 10_000);
    server.stdout.on("data", (b) => {
      out += b;
      const m = out.match(/Serving (http:\/\/\S+?)\/www\//);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
  });
  profile = await mkdtemp(path.join(tmpdir(), "fr-tabs-"));
  browser = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ARGS, headless: true });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (profile) await rm(profile, { recursive: true, force: true });
});

test("two tabs reserving at once never exceed a shared limit of 5", { timeout: 60_000 }, async () => {
  const url = `${base}/tests/e2e/tabs/index.html`;
  const [a, b] = [await browser.newPage(), await browser.newPage()];
  const problems = [];
  for (const p of [a, b]) p.on("pageerror", (e) => problems.push(e.message));
  await a.goto(url);
  await b.goto(url);
  for (const p of [a, b]) await p.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 20_000 });
  const [ra, rb] = await Promise.all([a.evaluate(() => globalThis.fire(6)), b.evaluate(() => globalThis.fire(6))]);
  const ok = ra.ok + rb.ok;
  const sent = ra.sent + rb.sent;
  assert.equal(ok, 5, `5 succeed across both tabs (a ${ra.ok}, b ${rb.ok})`);
  assert.equal(sent, 5, `exactly 5 requests were sent (a ${ra.sent}, b ${rb.sent})`);
  for (const c of [...ra.codes, ...rb.codes]) assert.equal(c, "rate_limited");
  // Each tab sees the other's requests in its ledger.
  assert.equal(await a.evaluate(() => globalThis.used()), 5, "tab a sees 5 used");
  assert.equal(await b.evaluate(() => globalThis.used()), 5, "tab b sees 5 used");
  // A reload keeps the count (localStorage).
  await b.reload();
  await b.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 20_000 });
  assert.equal(await b.evaluate(() => globalThis.used()), 5, "the ledger survives a reload");
  const again = await b.evaluate(() => globalThis.fire(1));
  assert.equal(again.sent, 0, "and the next request is not sent into the full window");
  assert.deepEqual(problems, [], "no page errors");
});

test("a page's counts are stored when it goes away, even before the write-behind timer", { timeout: 60_000 }, async () => {
  const limited = `${base}/tests/e2e/tabs/index.html?key=closing-key`;
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  const ready = () => page.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 20_000 });
  // No limit: these calls take the fast path (no lock, storage written behind).
  await page.goto(`${limited}&unlimited`);
  await ready();
  assert.match(await page.evaluate(() => globalThis.holdLedgerLock()), /^free-router:quota:/);
  const r = await page.evaluate(() => globalThis.fire(3));
  assert.equal(r.ok, 3);
  // Leaving the page (pagehide) must store all three; the next page reads them at start.
  await page.goto(limited);
  await ready();
  assert.equal(await page.evaluate(() => globalThis.used()), 3, "the next page sees every count");
  await page.close();
  assert.deepEqual(problems, [], "no page errors");
});
