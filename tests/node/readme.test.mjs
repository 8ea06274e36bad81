// Every ```js sample in README.md runs, in order, against the built package in Node, with the
// offline demo provider (www/demo-fetch.js) standing in for the network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const pkg = new URL("pkg/free_router.js", root);

function samples() {
  const md = readFileSync(new URL("README.md", root), "utf8");
  const out = [];
  const re = /```js\n([\s\S]*?)```/g;
  for (let m; (m = re.exec(md)); ) out.push(m[1]);
  return out;
}

/** A small sessionStorage for the sign-in sample (Node has none). */
function memoryStorage() {
  const m = new Map();
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
    clear: () => m.clear(),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}

test("README has samples for every feature", () => {
  const n = samples().length;
  assert.ok(n >= 12, `expected a sample per feature, found ${n}`);
});

test("every README code sample runs", { timeout: 120_000 }, async () => {
  assert.ok(existsSync(pkg), "pkg/ is missing: run `bash scripts/build.sh` first");
  const lib = await import(pkg.href);
  lib.initSync({ module: readFileSync(new URL("pkg/free_router_bg.wasm", root)) });
  const { createDemoFetch } = await import(new URL("www/demo-fetch.js", root).href);
  const realFetch = globalThis.fetch;
  globalThis.fetch = createDemoFetch({ seed: 1, faults: false, speed: 1000 });
  globalThis.sessionStorage = memoryStorage();
  const location = {
    origin: "http://localhost:8080",
    pathname: "/",
    href: "http://localhost:8080/callback?code=readme-test-code",
    assigned: null,
    assign(u) {
      this.assigned = u;
    },
  };
  const logs = [];
  const scope = {
    ...Object.fromEntries(Object.entries(lib).filter(([k]) => k !== "default")),
    init: async () => {},
    userKey: "sk-or-v1-readme",
    groqKey: "gsk_readme",
    geminiKey: "AIza_readme",
    output: { textContent: "" },
    location,
    console: { log: (...a) => logs.push(a.join(" ")) },
    // The client.fetch samples' SDKs (tests/sdk/node_modules, from scripts/setup.sh).
    ...(await import(new URL("tests/sdk/modules.mjs", root).href)),
  };
  scope.client = new lib.FreeRouterClient({ providers: [{ id: "openrouter", apiKey: scope.userKey }], storage: "memory" });
  try {
    for (const [i, code] of samples().entries()) {
      // Imports are provided by the scope; each sample runs in a block of its own.
      const body = code.replace(/^import .*$/gm, "").replace(/^\s*$/gm, "");
      const AsyncFunction = (async () => {}).constructor;
      const names = Object.keys(scope);
      const fn = new AsyncFunction(...names, `{\n${body}\n}`);
      try {
        await fn(...names.map((k) => scope[k]));
      } catch (e) {
        assert.fail(`README sample ${i + 1} threw: ${e && e.stack ? e.stack : e}\n---\n${code}`);
      }
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.ok(scope.output.textContent.length > 0, "the streaming samples wrote text");
  assert.ok(location.assigned && location.assigned.startsWith("https://openrouter.ai/auth?"), "the sign-in sample built the auth URL");
  assert.ok(logs.length > 10, `samples logged their results (${logs.length} lines)`);
});
