// client.fetch under the real openai-node 6 and 7 and AI SDK 7 packages, in Node (cases.mjs).
// Needs pkg/ (bash scripts/build.sh) and tests/sdk/node_modules (scripts/setup.sh).
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { cases } from "./cases.mjs";
import { FIXTURES } from "./fixtures.mjs";

const root = new URL("../../", import.meta.url);
const lib = await import(new URL("pkg/free_router.js", root).href);
lib.initSync({ module: readFileSync(new URL("pkg/free_router_bg.wasm", root)) });

const fx = Object.fromEntries(Object.entries(FIXTURES).map(([k, f]) => [k, readFileSync(new URL(`tests/fixtures/${f}`, root), "utf8")]));
const env = {
  FreeRouterClient: lib.FreeRouterClient,
  openai: { openai6: (await import("openai6")).default, openai7: (await import("openai7")).default },
  ai: await import("ai"),
  createOpenAICompatible: (await import("@ai-sdk/openai-compatible")).createOpenAICompatible,
  z: (await import("zod")).z,
  fx,
};

for (const c of cases(env)) test(c.name, { timeout: 30_000 }, c.run);
