// Issue 16 item 8: requests sent per answered request, against an injected fake OpenRouter built
// from recorded shapes (tests/fixtures): 12 free models (3 delisted, 2 that list tools but fail
// tool requests, 2 throttled upstream for the first minute, 5 healthy), 40 requests, a quarter
// with tools, no paid model allowed. Never a live API.
//
//   node tests/node/wasted-requests.mjs [pkgDir] [runs]   prints the ratio (pkg/ by default)
//
// tests/node/wasted-requests.test.mjs holds the built package to the goal.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FIXTURES = path.join(REPO, "tests/fixtures");
const KEY = "sk-or-v1-scenario0000000000000000";
const BASE = "https://openrouter.ai/api/v1";

export const REQUESTS = 40;
export const THROTTLE_MS = 60_000;
export const SPACING_MS = 5_000;

/** The built package (scripts/build.sh), initialised synchronously. */
export async function loadPackage(dir = path.join(REPO, "pkg")) {
  const js = path.join(path.resolve(dir), "free_router.js");
  if (!existsSync(js)) throw new Error(`${dir} has no free_router.js: run bash scripts/build.sh first`);
  const mod = await import(js);
  mod.initSync({ module: readFileSync(path.join(path.resolve(dir), "free_router_bg.wasm")) });
  return mod;
}

const recorded = readFileSync(path.join(FIXTURES, "errors.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
/** A recorded OpenRouter error body whose text has `contains`, with its model id swapped for `model`. */
function errorBody(status, contains, model) {
  const e = recorded.find((r) => r.provider === "openrouter" && r.status === status && r.body.includes(contains));
  if (!e) throw new Error(`no recorded ${status} with "${contains}"`);
  return e.body.replace(/[\w.-]+\/[\w.:-]+:free/g, model);
}
const STREAM = readFileSync(path.join(FIXTURES, "sse_text-usage_gpt-4o-mini_2026-07.txt"), "utf8");

/** The Aug-2026 catalog with 12 of its 17 `:free` models; every paid model stays listed. */
function scenarioCatalog() {
  const all = JSON.parse(readFileSync(path.join(FIXTURES, "models_2026-08.json"), "utf8"));
  const free = all.data.filter((m) => m.id.endsWith(":free") && m.supported_parameters.includes("tools")).slice(0, 12);
  const keep = new Set(free.map((m) => m.id));
  // Zero-priced ids other than these 12 (audio previews, routers) leave, so 12 free models remain.
  const zero = (m) => m.id.endsWith(":free") || (m.pricing.prompt === "0" && m.pricing.completion === "0");
  const data = all.data.filter((m) => keep.has(m.id) || !zero(m));
  return { body: JSON.stringify({ ...all, data, total_count: data.length }), free: free.map((m) => m.id), paid: data.filter((m) => !zero(m)).map((m) => m.id) };
}

/** One endpoint entry in the shape of reference 1.4 (values as a live answer gives them). */
function endpoint(model, { free = true, params, latency = 600 }) {
  return {
    name: `Acme | ${model}`,
    model_id: model,
    model_name: model,
    context_length: 131072,
    pricing: free ? { prompt: "0", completion: "0" } : { prompt: "0.00000003", completion: "0.00000014", discount: 0 },
    provider_name: "Acme",
    tag: "acme/bf16",
    quantization: "bf16",
    max_completion_tokens: null,
    max_prompt_tokens: null,
    supported_parameters: params,
    status: 0,
    uptime_last_5m: 100,
    uptime_last_30m: 99.5,
    uptime_last_1d: 99.1,
    supports_implicit_caching: false,
    latency_last_30m: { p50: latency, p75: latency * 1.3, p90: latency * 1.8, p99: latency * 4 },
    throughput_last_30m: { p50: 70, p75: 90, p90: 110, p99: 150 },
  };
}
const WITH_TOOLS = ["max_tokens", "temperature", "tool_choice", "tools", "top_p"];
const NO_TOOLS = ["max_tokens", "temperature", "top_p", "stop"];

const json = (status, body) => new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The fake upstream: roles by position in the catalog's free list. */
function fakeOpenRouter(catalog, startedAt) {
  const [d1, d2, d3, t1, t2, h1, h2, ...healthy] = catalog.free;
  const roles = new Map([[d1, "delisted"], [d2, "delisted"], [d3, "delisted"], [t1, "toolless"], [t2, "toolless"], [h1, "throttled"], [h2, "throttled"]]);
  for (const m of healthy) roles.set(m, "healthy");
  const log = { chats: [], endpoints: 0, paid: [], roles };
  // The three ways a delisted free variant shows on the endpoints list.
  const delistedList = { [d1]: () => json(404, { error: { code: 404, message: "Model not found" } }), [d2]: (base) => list(base, []), [d3]: (base) => list(base, [endpoint(base, { free: false, params: WITH_TOOLS })]) };
  const list = (base, endpoints) => json(200, { data: { id: base, name: base, created: 1754414229, description: "", architecture: { modality: "text->text", input_modalities: ["text"], output_modalities: ["text"], tokenizer: "Other", instruct_type: null }, endpoints } });
  const fetch = async (input, init = {}) => {
    const url = String(input);
    if (url === `${BASE}/models`) return json(200, catalog.body);
    const ep = url.match(/\/models\/(.+)\/endpoints$/);
    if (ep) {
      log.endpoints++;
      const id = `${ep[1]}:free`;
      const role = roles.get(id);
      if (role === "delisted") return delistedList[id](ep[1]);
      if (!role) return json(404, { error: { code: 404, message: "Model not found" } });
      const latency = role === "healthy" ? 400 + 150 * healthy.indexOf(id) : 700;
      return list(ep[1], [endpoint(id, { params: role === "toolless" ? NO_TOOLS : WITH_TOOLS, latency }), endpoint(ep[1], { free: false, params: WITH_TOOLS, latency: 300 })]);
    }
    if (url !== `${BASE}/chat/completions`) return json(404, { error: { code: 404, message: "Not Found" } });
    const body = JSON.parse(init.body);
    log.chats.push(body.model);
    if (catalog.paid.includes(body.model)) log.paid.push(body.model);
    const role = roles.get(body.model);
    if (role === "delisted") return json(404, errorBody(404, "No endpoints found for", body.model));
    if (role === "toolless" && body.tools) return json(404, errorBody(404, "support tool use", body.model));
    if (role === "throttled" && Date.now() - startedAt < THROTTLE_MS) return json(429, errorBody(429, "rate-limited upstream", body.model));
    if (!role) return json(404, errorBody(404, "No endpoints found for", body.model));
    return new Response(STREAM, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch, log };
}

const TOOL = { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

/**
 * One run: a fresh client, 40 requests one after another, SPACING_MS apart on a virtual clock
 * (Date.now, which the client reads), so the run spans 200 s without waiting for them: 12
 * answers a minute stay under OpenRouter's 20 free requests a minute.
 */
export async function runOnce(pkg, strategy = "random", extra = {}) {
  const realNow = Date.now;
  let now = realNow();
  Date.now = () => now;
  try {
    const catalog = scenarioCatalog();
    const { fetch, log } = fakeOpenRouter(catalog, now);
    const client = new pkg.FreeRouterClient({ providers: [{ id: "openrouter", apiKey: KEY }], fetch, strategy, ...extra });
    let answered = 0;
    const failures = [];
    // "role:reason" of every skipped candidate (route.skipped).
    const skipped = new Set();
    for (let i = 0; i < REQUESTS; i++) {
      const req = { messages: [{ role: "user", content: `question ${i}` }] };
      if (i % 4 === 3) req.tools = [TOOL];
      try {
        const r = await client.chat(req);
        if (r.choices[0].message.content || r.choices[0].message.tool_calls) answered++;
        for (const k of r.route.skipped) skipped.add(`${log.roles.get(k.model)}:${k.reason}`);
      } catch (e) {
        failures.push(`${i}: ${e.code} ${e.message}`);
      }
      now += SPACING_MS;
    }
    return { sent: log.chats.length, answered, failures, paid: log.paid, endpointLists: log.endpoints, skipped };
  } finally {
    Date.now = realNow;
  }
}

/** `runs` runs; the ratio of each, and their mean. */
export async function measure(pkg, runs = 20, strategy = "random") {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await runOnce(pkg, strategy));
  const ratios = results.map((r) => r.sent / r.answered);
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  return { results, ratios, mean, max: Math.max(...ratios), min: Math.min(...ratios) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const pkg = await loadPackage(process.argv[2]);
  const runs = Number(process.argv[3] ?? 20);
  for (const strategy of ["random", "fastest"]) {
    const m = await measure(pkg, runs, strategy);
    const answered = m.results.reduce((a, r) => a + r.answered, 0);
    const sent = m.results.reduce((a, r) => a + r.sent, 0);
    const lists = m.results.reduce((a, r) => a + r.endpointLists, 0);
    const paid = m.results.reduce((a, r) => a + r.paid.length, 0);
    console.log(
      `${strategy}: ${runs} runs x ${REQUESTS} requests: ${sent} sent / ${answered} answered = ${(sent / answered).toFixed(3)} ` +
        `(per run min ${m.min.toFixed(3)}, max ${m.max.toFixed(3)}); endpoint lists asked ${(lists / runs).toFixed(1)} per run; paid requests ${paid}`,
    );
  }
}
