// The browser side of browser.test.mjs: the same cases as node.test.mjs, in a page. Bundled with
// esbuild; the wasm and the fixtures are served next to the bundle. Results go to window.__result.
import init, { FreeRouterClient } from "../../pkg/free_router.js";
import OpenAI6 from "openai6";
import OpenAI7 from "openai7";
import * as ai from "ai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { z } from "zod";
import { cases } from "./cases.mjs";
import { FIXTURES } from "./fixtures.mjs";

async function main() {
  await init();
  const fx = {};
  for (const [k, f] of Object.entries(FIXTURES)) fx[k] = await (await fetch(`./fixtures/${f}`)).text();
  const env = { FreeRouterClient, openai: { openai6: OpenAI6, openai7: OpenAI7 }, ai, createOpenAICompatible, z, fx };
  const results = [];
  for (const c of cases(env)) {
    const started = performance.now();
    try {
      await c.run();
      results.push({ name: c.name, ok: true, ms: performance.now() - started });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: String((e && e.stack) || e) });
    }
  }
  return results;
}

main().then(
  (results) => (window.__result = results),
  (e) => (window.__result = [{ name: "page set-up", ok: false, error: String((e && e.stack) || e) }]),
);
