// The packed tarball in the browser (headless Debian chromium through playwright-core):
//   node --test tests/packaging/browser.test.mjs   (needs pkg/ from bash scripts/build.sh)
// (a) a fresh Vite 7 app (tests/packaging/vite-app, vite pinned there) that installs the tarball,
//     `vite build`s with no config, and is served statically; its page and a Vite-bundled module
//     Worker run; then the same app under the Vite dev server (optimizeDeps.exclude);
// (b) a plain <script type="module"> page importing node_modules/free-router by relative path;
// (c) a module Web Worker importing the package the same way.
// Each streams a completion through an injected fake fetch (fixtures/scenario.js), lists models,
// checks FreeRouterError on a failure and before init(); nothing may leave 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import {
  FIXTURES,
  REPO,
  assertPreInit,
  assertScenario,
  cleanup,
  cp,
  installTarball,
  launchChromium,
  npm,
  packPkg,
  runPage,
  serveDir,
  sh,
  tempDir,
} from "./lib.mjs";

let pack;
let browser;
const dirs = [];
const servers = [];

before(async () => {
  pack = await packPkg();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  await cleanup(pack?.dir, ...dirs);
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function assertClean(run, where) {
  assert.deepEqual(run.problems, [], `${where}: no page errors, console errors or warnings`);
  assert.deepEqual(run.offsite, [], `${where}: no request leaves 127.0.0.1`);
}

let vite;
/** The Vite app template in a temp dir with the tarball and vite installed. */
async function viteApp() {
  if (!vite) {
    vite = (async () => {
      const app = await tempDir("vite-app");
      dirs.push(app);
      await cp(path.join(REPO, "tests/packaging/vite-app"), app, {
        recursive: true,
        filter: (src) => !src.includes(`${path.sep}node_modules`) && !src.includes(`${path.sep}dist`),
      });
      await cp(path.join(FIXTURES, "scenario.js"), path.join(app, "src/scenario.js"));
      // vite (pinned in vite-app/package.json) comes from the registry, or npm's cache.
      await npm(["install", pack.tarball, "--prefer-offline"], app, { timeout: 150_000 });
      return app;
    })();
  }
  return vite;
}

function assertBoth(run, where) {
  assertClean(run, where);
  assertPreInit(assert, run.result.preInit, `${where} page`);
  assertScenario(assert, run.result, `${where} page`);
  assertPreInit(assert, run.result.worker.preInit, `${where} worker`);
  assertScenario(assert, run.result.worker, `${where} worker`);
}

test("Vite 7 app, no config: vite build, served: page and bundled Worker stream, list models, throw FreeRouterError", async () => {
  const app = await viteApp();
  const build = await sh(path.join(app, "node_modules/.bin/vite"), ["build"], { cwd: app, env: { ...process.env, NO_COLOR: "1" } });
  const log = `${build.stdout}\n${build.stderr}`;
  assert.doesNotMatch(log, /warn|error/i, `vite build should be clean:\n${log}`);
  const assets = await readdir(path.join(app, "dist/assets"));
  assert.ok(assets.some((f) => f.endsWith(".wasm")), `vite emitted the wasm as an asset: ${assets.join(", ")}`);

  const server = await serveDir(path.join(app, "dist"));
  servers.push(server);
  assertBoth(await runPage(browser, server.url), "Vite build");
});

test("Vite 7 dev server with optimizeDeps.exclude (as the README says): page and Worker work", async () => {
  const app = await viteApp();
  const port = await freePort();
  const child = spawn(
    path.join(app, "node_modules/.bin/vite"),
    ["--config", "vite.dev.config.js", "--host", "127.0.0.1", "--port", String(port), "--strictPort", "--clearScreen", "false"],
    { cwd: app, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  child.stdout.on("data", (b) => (log += b));
  child.stderr.on("data", (b) => (log += b));
  const exited = new Promise((r) => child.once("exit", r));
  try {
    const deadline = Date.now() + 20_000;
    while (!log.includes(`127.0.0.1:${port}`)) {
      if (child.exitCode !== null || Date.now() > deadline) assert.fail(`vite dev server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assertBoth(await runPage(browser, `http://127.0.0.1:${port}/`), "Vite dev");
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
});

let plain;
async function plainSite() {
  if (!plain) {
    const dir = await installTarball(pack.tarball, "plain", {
      copy: [
        [path.join(FIXTURES, "plain"), "."],
        [path.join(FIXTURES, "scenario.js"), "scenario.js"],
      ],
    });
    dirs.push(dir);
    plain = await serveDir(dir);
    servers.push(plain);
  }
  return plain;
}

test('plain <script type="module"> page importing ./node_modules/free-router/free_router.js', async () => {
  const site = await plainSite();
  const run = await runPage(browser, `${site.url}index.html`);
  assertClean(run, "plain page");
  assertPreInit(assert, run.result.preInit, "plain page");
  assertScenario(assert, run.result, "plain page");
});

test("module Web Worker importing the package: init, stream, list models, post results", async () => {
  const site = await plainSite();
  const run = await runPage(browser, `${site.url}index.html?run=worker`);
  assertClean(run, "worker");
  assertPreInit(assert, run.result.preInit, "worker");
  assertScenario(assert, run.result, "worker");
});
