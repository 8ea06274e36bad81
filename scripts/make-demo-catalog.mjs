#!/usr/bin/env node
// Cuts the real OpenRouter catalog snapshot down to the offline demo's catalog
// (www/demo-catalog.json): every `:free` model, the `openrouter/free` router and a
// hand-picked spread of paid models, so the demo can show routing, filters and the
// "never spend money by default" rule on real data.
//
//   node scripts/make-demo-catalog.mjs [--in tests/fixtures/models_2026-08.json] [--out www/demo-catalog.json]
//
// Model objects are copied unchanged (same keys, same order, same values), so the
// library parses exactly what the live API sends. Output is deterministic.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// Varied on purpose: vision / text-only, tools / no tools, reasoning mandatory /
// optional / none, cheap / expensive, a paid twin of a free model, a price override.
const PAID_IDS = [
  "openai/gpt-oss-20b", // paid twin of openai/gpt-oss-20b:free
  "openai/gpt-oss-120b",
  "openai/gpt-4o-mini",
  "openai/gpt-4.1-mini",
  "anthropic/claude-haiku-4.5",
  "anthropic/claude-sonnet-4.5", // has pricing.overrides
  "google/gemini-2.5-flash",
  "google/gemini-3.7-flash",
  "deepseek/deepseek-v4-flash",
  "x-ai/grok-4.6",
  "mistralai/mistral-small-3.2-24b-instruct", // no tools, no reasoning
  "qwen/qwen3.8-27b",
  "meta-llama/llama-4-maverick",
  "z-ai/glm-5.2", // paid twin of z-ai/glm-5.2:free
  "moonshotai/kimi-k2.6",
  "perplexity/sonar",
];
const ROUTERS = ["openrouter/free"];

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : fallback;
}

const input = arg("--in", path.join(repo, "tests/fixtures/models_2026-08.json"));
const output = arg("--out", path.join(repo, "www/demo-catalog.json"));

const source = JSON.parse(await readFile(input, "utf8"));
const wanted = new Set([...PAID_IDS, ...ROUTERS]);
// Keep the fixture's order (newest first) rather than the order of the lists above.
const data = source.data.filter((m) => m.id.endsWith(":free") || wanted.has(m.id));

const missing = [...wanted].filter((id) => !data.some((m) => m.id === id));
if (missing.length) {
  console.error(`make-demo-catalog: not in ${input}: ${missing.join(", ")}`);
  process.exit(1);
}
const freeCount = data.filter((m) => m.id.endsWith(":free")).length;

// Same envelope as the live endpoint: data, total_count, links.next.
const catalog = { data, total_count: data.length, links: { next: null } };
const text = JSON.stringify(catalog, null, 2) + "\n";

// Paranoia: the written objects must be value-identical to the fixture's.
const back = JSON.parse(text).data;
for (const m of back) {
  const orig = source.data.find((o) => o.id === m.id);
  if (!isDeepStrictEqual(m, orig) || JSON.stringify(m) !== JSON.stringify(orig)) {
    console.error(`make-demo-catalog: ${m.id} changed in the round trip`);
    process.exit(1);
  }
}

await writeFile(output, text);
console.log(
  `make-demo-catalog: wrote ${path.relative(process.cwd(), output)}: ${data.length} models ` +
    `(${freeCount} :free, ${ROUTERS.length} router, ${data.length - freeCount - ROUTERS.length} paid), ${text.length} bytes`,
);
