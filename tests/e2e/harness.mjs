// Shared pieces of the playground's browser tests: the static folder built from www/ and pkg/,
// a plain static server for it (file bytes and a Content-Type, nothing else: what GitHub Pages
// or `python3 -m http.server` give), scripts/serve.mjs --csp for the strict-CSP run, Chromium
// through playwright-core, and axe-core.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { buildDemo } from "../../scripts/build-demo.mjs";
import { launchChromium } from "../packaging/lib.mjs";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SHOTS = path.join(REPO, "test-output/screenshots");
export const SITE = path.join(REPO, "test-output/static-playground");

export async function requirePkg() {
  for (const f of ["pkg/free_router.js", "pkg/free_router_bg.wasm"]) {
    try {
      await access(path.join(REPO, f));
    } catch {
      throw new Error(`${f} is missing: build the library first (bash scripts/build.sh), then rerun: node --test tests/e2e/`);
    }
  }
}

/** Writes the static folder the suite runs against (scripts/build-demo.mjs, as demo.sh does). */
export async function buildSite() {
  await requirePkg();
  return buildDemo(SITE);
}

// The types a stock static host sends by extension; no other header.
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};

/**
 * A plain static server for `root`, mounted under `prefix` (a GitHub Pages project site lives
 * under /<repo>/, so every path in the folder must be relative).
 */
export async function startStaticServer(root, prefix = "/free-router/") {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length)) || "index.html";
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(root, rel);
    if (!file.startsWith(path.resolve(root) + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error("not a file");
      res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}${prefix}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** scripts/serve.mjs --csp on the static folder; resolves with its URL. */
export function startCspServer(root) {
  const args = [path.join(REPO, "scripts/serve.mjs"), "--port", "0", "--host", "127.0.0.1", "--root", root, "--csp"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.mjs did not start:\n${out}`)), 10_000);
    const onData = (buf) => {
      out += buf;
      const m = out.match(/Serving (http:\/\/\S+\/)/);
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

/** Debian's Chromium with the flags this machine's closed network needs (one list, shared). */
export function launchBrowser() {
  return launchChromium();
}

/** Collects everything the page complains about; tests assert it stays empty. */
export function watch(page) {
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (!/^https:\/\/openrouter\.ai\//.test(req.url())) problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ""}`);
  });
  return problems;
}

/**
 * A fresh context (empty storage) and page on the playground.
 * @param {import("playwright-core").Browser} browser
 */
export async function openPage(browser, base, query = "", { width = 1400, height = 900, colorScheme = "light", context } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport: { width, height }, colorScheme }));
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(base).origin });
  const page = await ctx.newPage();
  const problems = watch(page);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(base + query);
  assert.equal(response.status(), 200);
  await waitReady(page, problems);
  return { page, problems, response, context: ctx };
}

export async function waitReady(page, problems) {
  await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 30_000 });
  const ready = await page.evaluate(() => document.documentElement.dataset.ready);
  if (ready !== "true") assert.fail(`the playground did not start: ${await page.textContent("#status")}\n${problems.join("\n")}`);
}

export async function assertClean(page, problems) {
  const csp = await page.evaluate(() => window.__csp ?? []);
  assert.deepEqual([...problems, ...csp.map((v) => `csp: ${v}`)], [], "page reported errors");
}

/** Types a message and presses Enter. */
export async function ask(page, prompt) {
  await page.fill("#prompt", prompt);
  await page.press("#prompt", "Enter");
}

export const lastAnswer = ".msg-assistant >> nth=-1";

/** Waits until no answer runs; returns the status kind ("ok", "error", "warn"). */
export async function waitIdle(page, timeout = 30_000) {
  await page.waitForFunction(
    () => document.querySelector("#chat")?.dataset.running === "false",
    null,
    { timeout },
  );
  return page.getAttribute("#status", "data-kind");
}

export async function waitDone(page, timeout) {
  const kind = await waitIdle(page, timeout);
  assert.equal(kind, "ok", `the answer finished: ${await page.textContent("#status")}`);
}

const require = createRequire(import.meta.url);
let axeSource = null;

/** axe-core's serious and critical violations on the page, as readable lines. */
export async function axeViolations(page) {
  axeSource ??= await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(", ")}`);
}

/** A box of an element, rounded, for "nothing moves" checks. */
export async function box(page, selector) {
  const b = await page.locator(selector).boundingBox();
  return b && { x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.width), h: Math.round(b.height) };
}
