// Helpers of the packaging tests (not a test file): pack pkg/ with npm, install the tarball into
// fresh temp dirs, serve a directory statically, and drive Debian's chromium.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { access, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PKG = path.join(REPO, "pkg");
export const FIXTURES = path.join(REPO, "tests/packaging/fixtures");
export const STREAMED_TEXT = "Packed and shipped.";
export const FREE_MODELS = ["acme/tiny-chat:free", "acme/vision-chat:free"];

const run = promisify(execFile);

/** Run a command; on failure the error says what ran and what it printed. */
export async function sh(cmd, args, opts = {}) {
  try {
    return await run(cmd, args, { maxBuffer: 64 << 20, timeout: 120_000, ...opts });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed (in ${opts.cwd ?? process.cwd()}):\n${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`);
  }
}

/** npm without the noise of this machine's user config. */
export const npm = (args, cwd, opts = {}) => sh("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, ...opts });

export async function requirePkg() {
  for (const f of ["free_router.js", "free_router_bg.wasm", "free_router.d.ts", "package.json"]) {
    try {
      await access(path.join(PKG, f));
    } catch {
      throw new Error(`pkg/${f} is missing: build the package first (bash scripts/build.sh), then rerun node --test tests/packaging/`);
    }
  }
}

export async function tempDir(name) {
  return mkdtemp(path.join(tmpdir(), `free-router-${name}-`));
}

/** `npm pack` pkg/ into a temp dir: { dir, tarball, files (paths inside the package), json }. */
export async function packPkg() {
  await requirePkg();
  const dir = await tempDir("pack");
  const { stdout } = await npm(["pack", PKG, "--pack-destination", dir, "--json"], REPO);
  const [json] = JSON.parse(stdout);
  return { dir, tarball: path.join(dir, json.filename), files: json.files.map((f) => f.path).sort(), json };
}

/** A fresh project dir with the tarball installed offline (it has no dependencies). */
export async function installTarball(tarball, name, { packageJson = {}, copy = [] } = {}) {
  const dir = await tempDir(name);
  await writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ name: `free-router-${name}`, private: true, version: "0.0.0", type: "module", ...packageJson }, null, 2),
  );
  for (const [from, to] of copy) await cp(from, path.join(dir, to), { recursive: true });
  await npm(["install", tarball, "--offline"], dir);
  return dir;
}

export async function cleanup(...dirs) {
  if (process.env.KEEP_PACKAGING_DIRS) {
    console.log(`# kept: ${dirs.join(" ")}`);
    return;
  }
  await Promise.all(dirs.filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};

/** A static file server on 127.0.0.1 (like any host a user deploys to); resolves { url, close }. */
export function serveDir(root) {
  const server = createServer(async (req, res) => {
    try {
      let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (rel.endsWith("/")) rel += "index.html";
      const file = path.join(root, rel);
      if (!file.startsWith(root + path.sep)) throw Object.assign(new Error("outside root"), { code: "ENOENT" });
      const st = await stat(file);
      if (!st.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

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

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Open `url`, wait until the page sets `window.__result`, and return it with every page error,
 * console error and request that left 127.0.0.1 (all must be empty: nothing may hit the network).
 */
export async function runPage(browser, url, timeoutMs = 30_000) {
  const page = await browser.newPage();
  const problems = [];
  const offsite = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // "Failed to load resource" repeats an HTTP error already reported with its URL.
    if ((m.type() === "error" || m.type() === "warning") && !m.text().startsWith("Failed to load resource")) {
      problems.push(`console.${m.type()}: ${m.text()}`);
    }
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith("http") && u.hostname !== "127.0.0.1") offsite.push(r.url());
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: timeoutMs });
    const result = await page.evaluate(() => window.__result);
    return { result, problems, offsite };
  } finally {
    await page.close();
  }
}

/** The assertions every environment shares, on what scenario.js's runScenario() returned. */
export function assertScenario(assert, r, where) {
  assert.ok(r && !r.error, `${where}: the scenario failed: ${r && r.error}`);
  assert.deepEqual(r.models, FREE_MODELS, `${where}: listModels() lists the free models of the catalog`);
  assert.equal(r.text, STREAMED_TEXT, `${where}: for await over chatStream() yields the streamed text`);
  assert.equal(r.finalText, STREAMED_TEXT, `${where}: final() aggregates the text`);
  assert.equal(r.routeModel, FREE_MODELS[0], `${where}: route.model names the model that answered`);
  assert.deepEqual(
    { thrown: r.failure.thrown, isFreeRouterError: r.failure.isFreeRouterError, isError: r.failure.isError, code: r.failure.code },
    { thrown: true, isFreeRouterError: true, isError: true, code: "auth" },
    `${where}: a 401 rejects with a FreeRouterError (instanceof works)`,
  );
  assert.equal(r.invalid.isFreeRouterError, true, `${where}: bad options throw FreeRouterError`);
  assert.equal(r.invalid.code, "invalid_argument", `${where}: bad options are invalid_argument`);
}

export function assertPreInit(assert, p, where) {
  assert.ok(p && p.thrown, `${where}: new FreeRouterClient() before init() must throw`);
  assert.equal(p.isFreeRouterError, true, `${where}: the pre-init error is a FreeRouterError`);
  assert.equal(p.code, "invalid_argument", `${where}: the pre-init error code`);
  assert.match(p.message, /not initialised.*init\(\)/, `${where}: the message says to call init()`);
}

export { mkdir, writeFile, readFile, cp };
