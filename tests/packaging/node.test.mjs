// The packed npm artifact, and Node >= 20 using it from node_modules:
//   node --test tests/packaging/node.test.mjs      (needs pkg/ from bash scripts/build.sh)
// npm pack of pkg/, its file list and package.json fields, then a fresh project that installs
// the tarball offline and runs it with initSync / init(bytes) and an injected fetch, and tsc
// resolving the installed package's types the way bundlers and Node do.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  REPO,
  FIXTURES,
  assertPreInit,
  assertScenario,
  cleanup,
  installTarball,
  packPkg,
  sh,
  writeFile,
} from "./lib.mjs";

let pack;
let app;

before(async () => {
  pack = await packPkg();
  app = await installTarball(pack.tarball, "node-app", { copy: [[path.join(FIXTURES, "scenario.js"), "scenario.js"]] });
});

after(() => cleanup(pack?.dir, app));

test("the tarball holds exactly the package: one js module, wasm, d.ts, README, package.json", () => {
  assert.deepEqual(
    pack.files,
    [
      "LICENSE",
      "README.md",
      "free_router.d.ts",
      "free_router.js",
      "free_router_bg.wasm",
      "free_router_bg.wasm.d.ts",
      "package.json",
    ].sort(),
  );
  const wasm = pack.json.files.find((f) => f.path === "free_router_bg.wasm");
  assert.ok(wasm.size > 10_000, "the wasm is the real module");
});

test("free_router.js is one self-contained module (no import waterfall) that bundlers can follow to the wasm", () => {
  const js = readFileSync(path.join(app, "node_modules/free-router/free_router.js"), "utf8");
  const code = js.replace(/import\.meta/g, "");
  assert.doesNotMatch(code, /\bimport\s*(\{|\*|["'`(])|\bfrom\s*["'`]/, "no static or dynamic import of another module");
  assert.match(js, /new URL\(["']free_router_bg\.wasm["'],\s*import\.meta\.url\)/, "the wasm URL pattern Vite and webpack recognise");
  assert.match(js, /export\s*\{[^}]*\bFreeRouterError\b[^}]*\}/, "FreeRouterError is exported");
});

test("package.json has the fields npm, bundlers, Node and TypeScript rely on", () => {
  const pj = JSON.parse(readFileSync(path.join(app, "node_modules/free-router/package.json"), "utf8"));
  const cargo = readFileSync(path.join(REPO, "Cargo.toml"), "utf8");
  assert.equal(pj.name, "free-router");
  assert.equal(pj.version, /^version = "([^"]+)"/m.exec(cargo)[1], "version follows Cargo.toml");
  assert.equal(pack.json.name, "free-router");
  assert.equal(pack.json.version, pj.version);
  assert.ok(typeof pj.description === "string" && pj.description.length > 40, "a real description");
  assert.equal(pj.license, "MIT", "an SPDX expression matching the shipped LICENSE");
  assert.equal(pj.repository?.type, "git");
  assert.match(pj.repository?.url ?? "", /^https:\/\/github\.com\/.+\/.+/);
  for (const k of ["llm", "openrouter", "wasm", "free-models"]) assert.ok(pj.keywords?.includes(k), `keyword ${k}`);
  assert.equal(pj.type, "module");
  assert.equal(pj.types, "./free_router.d.ts");
  assert.equal(pj.main, "./free_router.js");
  assert.equal(pj.sideEffects, false);
  assert.deepEqual(Object.keys(pj.exports["."]), ["types", "default"], '"types" must come first in exports["."]');
  assert.deepEqual(pj.exports["."], { types: "./free_router.d.ts", default: "./free_router.js" });
  assert.equal(pj.exports["./free_router_bg.wasm"], "./free_router_bg.wasm", "the wasm is importable (bundlers, Node)");
  assert.equal(pj.exports["./package.json"], "./package.json");
  assert.match(pj.engines?.node ?? "", />=\s*20/);
  assert.ok(Array.isArray(pj.files));
  // Every path the manifest points at is in the tarball.
  const targets = [pj.main, pj.module, pj.types, ...Object.values(pj.exports).flatMap((v) => (typeof v === "string" ? [v] : Object.values(v)))];
  for (const t of targets.filter(Boolean)) {
    assert.ok(pack.files.includes(t.replace(/^\.\//, "")), `${t} (from package.json) is in the tarball`);
  }
  assert.ok(!("private" in pj), "the package is publishable");
  assert.ok(!pj.dependencies || Object.keys(pj.dependencies).length === 0, "no runtime dependencies");
});

async function node(script, source) {
  await writeFile(path.join(app, script), source);
  const { stdout } = await sh(process.execPath, ["--unhandled-rejections=strict", script], { cwd: app, timeout: 30_000 });
  const line = stdout.trim().split("\n").pop();
  return JSON.parse(line);
}

test("Node: initSync({ module: bytes }) from node_modules, injected fetch: stream, models, errors", async () => {
  const r = await node(
    "sync.mjs",
    `import { readFileSync } from "node:fs";
import { initSync, FreeRouterClient, FreeRouterError } from "free-router";
import { runScenario, preInitCheck } from "./scenario.js";
const preInit = preInitCheck({ FreeRouterClient, FreeRouterError });
const wasm = readFileSync(new URL(import.meta.resolve("free-router/free_router_bg.wasm")));
initSync({ module: wasm });
const out = await runScenario({ FreeRouterClient, FreeRouterError });
console.log(JSON.stringify({ preInit, ...out }));
`,
  );
  assertPreInit(assert, r.preInit, "Node");
  assertScenario(assert, r, "Node initSync");
});

test("Node: await init({ module_or_path: bytes }) works too", async () => {
  const r = await node(
    "async.mjs",
    `import { readFile } from "node:fs/promises";
import init, { FreeRouterClient, FreeRouterError } from "free-router";
import { runScenario } from "./scenario.js";
const bytes = await readFile(new URL(import.meta.resolve("free-router/free_router_bg.wasm")));
await init({ module_or_path: bytes });
console.log(JSON.stringify(await runScenario({ FreeRouterClient, FreeRouterError })));
`,
  );
  assertScenario(assert, r, "Node init(bytes)");
});

test("TypeScript finds the installed package's types (moduleResolution bundler and nodenext)", async () => {
  const tsc = path.join(REPO, "node_modules/.bin/tsc");
  const usage = readFileSync(path.join(REPO, "tests/types/usage.ts"), "utf8");
  await writeFile(path.join(app, "usage.ts"), usage);
  const base = { strict: true, noEmit: true, target: "ES2022", lib: ["ES2022", "DOM", "DOM.Iterable"], skipLibCheck: false, types: [] };
  for (const [name, opts] of [
    ["bundler", { module: "ESNext", moduleResolution: "bundler" }],
    ["nodenext", { module: "NodeNext", moduleResolution: "NodeNext" }],
  ]) {
    const cfg = `tsconfig.${name}.json`;
    await writeFile(path.join(app, cfg), JSON.stringify({ compilerOptions: { ...base, ...opts }, files: ["usage.ts"] }));
    const r = await sh(tsc, ["-p", cfg, "--pretty", "false", "--listFiles"], { cwd: app }).catch((e) => e);
    assert.ok(!(r instanceof Error), `tsc (${name}) on the installed package:\n${r.message?.slice(0, 4000)}`);
    assert.ok(
      r.stdout.split("\n").some((f) => f.endsWith("/node_modules/free-router/free_router.d.ts")),
      `${name}: "free-router" resolves to node_modules/free-router/free_router.d.ts:\n${r.stdout}`,
    );
  }
});
