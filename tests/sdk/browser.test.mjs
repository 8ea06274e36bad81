// client.fetch under the real openai-node 6 and 7 and AI SDK 7 in headless Chromium: cases.mjs
// bundled with esbuild (page.mjs), served on 127.0.0.1 with the wasm and the fixtures. Nothing
// may leave 127.0.0.1. Needs pkg/ (bash scripts/build.sh) and tests/sdk/node_modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launchChromium, serveDir } from "../packaging/lib.mjs";
import { FIXTURES } from "./fixtures.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");

const dir = mkdtempSync(path.join(tmpdir(), "free-router-sdk-"));
await build({
  entryPoints: [path.join(HERE, "page.mjs")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile: path.join(dir, "page.js"),
  logLevel: "error",
});
cpSync(path.join(ROOT, "pkg/free_router_bg.wasm"), path.join(dir, "free_router_bg.wasm"));
for (const f of Object.values(FIXTURES)) cpSync(path.join(ROOT, "tests/fixtures", f), path.join(dir, "fixtures", f));
writeFileSync(path.join(dir, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>\n');

const server = await serveDir(dir);
const browser = await launchChromium();
const offsite = [];
let results;
try {
  const page = await browser.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) offsite.push(r.url());
  });
  await page.goto(server.url);
  await page.waitForFunction(() => window.__result, null, { timeout: 240_000 });
  results = await page.evaluate(() => window.__result);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

test("nothing left 127.0.0.1", () => assert.deepEqual(offsite, []));
for (const r of results) {
  test(`chromium: ${r.name}`, () => assert.ok(r.ok, r.error));
}
