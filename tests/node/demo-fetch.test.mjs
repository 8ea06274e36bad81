// Unit tests of the offline demo provider (www/demo-fetch.js):  node --test tests/node/
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDemoFetch } from "../../www/demo-fetch.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BASE = "https://demo.free-router.invalid/api/v1";
const FAST = Infinity; // no pacing delays (still asynchronous)

const fixture = JSON.parse(await readFile(path.join(REPO, "tests/fixtures/models_2026-08.json"), "utf8"));
const FIXTURE_FREE = fixture.data.map((m) => m.id).filter((id) => id.endsWith(":free"));

function chat(f, body, init = {}) {
  return f(`${BASE}/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
}

const user = (content) => [{ role: "user", content }];

/** Reads a whole body as the raw Uint8Array chunks plus decoded text. */
async function drain(res) {
  const chunks = [];
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const dec = new TextDecoder();
  let text = "";
  for (const c of chunks) text += dec.decode(c, { stream: true });
  return { chunks, text: text + dec.decode() };
}

/** A strict-enough SSE parse: comments, data lines, blank-line dispatch. */
function parseSse(text) {
  const events = [];
  const comments = [];
  let data = [];
  for (const line of text.split("\n")) {
    if (line === "") {
      if (data.length) events.push(data.join("\n"));
      data = [];
    } else if (line.startsWith(":")) comments.push(line);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
    else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
  }
  assert.equal(data.length, 0, "stream ends on an event boundary");
  return { events, comments };
}

test("GET /models serves the demo catalog: 17 free ids, openrouter/free, real objects", async () => {
  const f = createDemoFetch({ seed: 1, speed: FAST });
  const res = await f(`${BASE}/models`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /application\/json/);
  const body = await res.json();
  assert.ok(Array.isArray(body.data));
  assert.equal(body.total_count, body.data.length);
  assert.deepEqual(body.links, { next: null });

  const free = body.data.map((m) => m.id).filter((id) => id.endsWith(":free"));
  assert.equal(free.length, 17);
  assert.deepEqual([...free].sort(), [...FIXTURE_FREE].sort());
  assert.ok(body.data.some((m) => m.id === "openrouter/free"));
  const paid = body.data.filter((m) => m.pricing.prompt !== "0" || m.pricing.completion !== "0");
  assert.ok(paid.length >= 12, `a spread of paid models (${paid.length})`);

  // Every object is exactly the one in the real snapshot.
  for (const m of body.data) {
    assert.deepEqual(
      m,
      fixture.data.find((o) => o.id === m.id),
      m.id,
    );
  }
  // Any base URL works: routing is by path suffix.
  const other = await f("http://127.0.0.1:9/v1/models/");
  assert.equal((await other.json()).data.length, body.data.length);
});

test("a streamed answer is valid SSE in OpenRouter's chunk shape and its deltas concatenate to the answer", async () => {
  const model = "nvidia/nemotron-nano-9b-v2:free";
  const prompt = "Give me a recipe for dinner tonight";
  const res = await chat(createDemoFetch({ seed: 7, speed: FAST }), { model, stream: true, messages: user(prompt) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/event-stream/);

  const { chunks, text } = await drain(res);
  assert.ok(chunks.length > 20, "arrives in many reads");
  for (const c of chunks) assert.ok(c instanceof Uint8Array);

  const { events, comments } = parseSse(text);
  assert.ok(comments.length >= 1 && comments.every((c) => c === ": OPENROUTER PROCESSING"));
  assert.ok(text.startsWith(": OPENROUTER PROCESSING\n\n"), "keep-alive comments come first");
  assert.equal(events.at(-1), "[DONE]");

  const objs = events.slice(0, -1).map((e) => JSON.parse(e));
  const id = objs[0].id;
  assert.match(id, /^gen-\d+-[A-Za-z0-9]{20}$/);
  for (const o of objs) {
    assert.equal(o.id, id);
    assert.equal(o.object, "chat.completion.chunk");
    assert.equal(o.model, model);
    assert.equal(typeof o.provider, "string");
    assert.equal(typeof o.created, "number");
  }

  const usageChunk = objs.at(-1);
  assert.deepEqual(usageChunk.choices, []);
  const u = usageChunk.usage;
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  assert.equal(u.cost, 0);
  assert.equal(u.is_byok, false);

  const finish = objs.at(-2);
  assert.equal(finish.choices[0].finish_reason, "stop");
  assert.equal(finish.choices[0].delta.content, "");

  const deltas = objs.slice(0, -2).map((o) => o.choices[0]);
  assert.ok(deltas.every((c) => c.finish_reason === null && typeof c.delta.content === "string"));
  const streamed = deltas.map((c) => c.delta.content).join("");
  assert.equal(u.completion_tokens, deltas.length);

  // The same prompt and seed, non-streamed, gives the same answer.
  const plain = await chat(createDemoFetch({ seed: 7, speed: FAST }), { model, messages: user(prompt) });
  const completion = await plain.json();
  assert.equal(completion.object, "chat.completion");
  assert.equal(completion.model, model);
  assert.equal(completion.choices[0].message.content, streamed);
  assert.match(streamed, /^\(Offline demo — no model was called\.\) /);
  assert.match(streamed, /crème fraîche/, "multi-byte text survives arbitrary chunk splits");
  const words = streamed.split(/\s+/).length;
  assert.ok(words >= 60 && words <= 250, `${words} words`);
});

test("answers are picked by topic, deterministic per seed", async () => {
  const f = createDemoFetch({ seed: 3, speed: FAST });
  const ask = async (p) => (await (await chat(f, { model: "openai/gpt-oss-20b:free", messages: user(p) })).json()).choices[0].message.content;
  assert.match(await ask("Plan a trip to Lisbon"), /Lisbon/);
  assert.match(await ask("Why is the sky blue?"), /Rayleigh/);
  assert.match(await ask("Is 221 a prime number?"), /221/);
  assert.match(await ask("fix this python bug"), /```js/);
  assert.match(await ask("translate this to Japanese"), /駅/);
  assert.match(await ask("zzz qqq"), /Offline demo/);
  assert.equal(await ask("Plan a trip to Lisbon"), await ask("Plan a trip to Lisbon"));
});

test("reasoning models stream reasoning deltas before the content", async () => {
  const res = await chat(createDemoFetch({ seed: 2, speed: FAST }), {
    model: "openai/gpt-oss-20b:free", // reasoning.mandatory in the catalog
    stream: true,
    messages: user("hello"),
  });
  const objs = parseSse((await drain(res)).text).events.slice(0, -1).map((e) => JSON.parse(e));
  const first = objs[0].choices[0].delta;
  assert.equal(typeof first.reasoning, "string");
  assert.equal(first.reasoning_details[0].type, "reasoning.text");
  assert.match(objs.map((o) => o.choices[0]?.delta?.reasoning ?? "").join(""), /offline demo/);
  assert.ok(objs.at(-1).usage.completion_tokens_details.reasoning_tokens > 0);
});

test("tools: the first tool is called with streamed argument fragments", async () => {
  const tools = [
    {
      type: "function",
      function: {
        name: "get_weather",
        parameters: {
          type: "object",
          properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
          required: ["city", "unit"],
        },
      },
    },
    { type: "function", function: { name: "other", parameters: { type: "object", properties: {} } } },
  ];
  const model = "z-ai/glm-5.2:free";
  const res = await chat(createDemoFetch({ seed: 5, speed: FAST }), {
    model,
    stream: true,
    tools,
    messages: user("What's the weather in Porto?"),
  });
  const objs = parseSse((await drain(res)).text).events.slice(0, -1).map((e) => JSON.parse(e));
  const calls = objs.flatMap((o) => o.choices[0]?.delta?.tool_calls ?? []);
  assert.ok(calls.length >= 3, "several fragments");
  assert.match(calls[0].id, /^call_[A-Za-z0-9]{24}$/);
  assert.equal(calls[0].function.name, "get_weather");
  assert.ok(calls.every((c) => c.index === 0));
  const args = JSON.parse(calls.map((c) => c.function.arguments ?? "").join(""));
  assert.deepEqual(args, { city: "Porto", unit: "celsius" });
  assert.equal(objs.at(-2).choices[0].finish_reason, "tool_calls");
  assert.deepEqual(objs.at(-1).choices, []);

  // After the tool result, the demo answers in text.
  const follow = await chat(createDemoFetch({ seed: 5, speed: FAST }), {
    model,
    tools,
    messages: [
      ...user("What's the weather in Porto?"),
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_1", content: '{"temp":21}' },
    ],
  });
  const msg = (await follow.json()).choices[0].message;
  assert.match(msg.content, /get_weather/);
  assert.match(msg.content, /\{"temp":21\}/);

  // A model without tool support gets OpenRouter's 404.
  const noTools = await chat(createDemoFetch({ seed: 5, speed: FAST }), {
    model: "nvidia/nemotron-3.5-content-safety:free",
    tools,
    messages: user("hi"),
  });
  assert.equal(noTools.status, 404);
  assert.match((await noTools.json()).error.message, /^No endpoints found that support tool use/);
});

test("tools: called only when the prompt is about one (or tool_choice asks); otherwise a text answer", async () => {
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
  const model = "z-ai/glm-5.2:free";
  const ask = async (content, extra = {}) =>
    (await (await chat(createDemoFetch({ seed: 5, speed: FAST }), { model, tools, messages: user(content), ...extra })).json()).choices[0];
  const code = await ask("Write a retry function in JavaScript");
  assert.equal(code.finish_reason, "stop");
  assert.match(code.message.content, /async function withRetry/, "a code question gets code, not a weather call");
  assert.equal((await ask("Is there rain in the weather forecast?")).finish_reason, "tool_calls");
  assert.equal((await ask("Write a retry function", { tool_choice: "required" })).finish_reason, "tool_calls");
});

test("images: a vision model answers that the demo can't see; others 404", async () => {
  const messages = [
    {
      role: "user",
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      ],
    },
  ];
  const f = createDemoFetch({ seed: 1, speed: FAST });
  const ok = await (await chat(f, { model: "google/gemma-4-31b-it:free", messages })).json();
  assert.match(ok.choices[0].message.content, /can't see it/);
  assert.match(ok.choices[0].message.content, /google\/gemma-4-31b-it:free/);

  const routed = await (await chat(f, { model: "openrouter/free", messages })).json();
  const served = (await (await f(`${BASE}/models`)).json()).data.find((m) => m.id === routed.model);
  assert.ok(served.id.endsWith(":free") && served.architecture.input_modalities.includes("image"), routed.model);

  const textOnly = await chat(f, { model: "openai/gpt-oss-20b:free", messages });
  assert.equal(textOnly.status, 404);
  assert.equal((await textOnly.json()).error.message, "No endpoints found that support image input");
});

test("models past their expiration_date are gone (404), and openrouter/free avoids them", async () => {
  const expiring = fixture.data.find((m) => m.id === "nvidia/nemotron-nano-12b-v2-vl:free");
  const day = Date.parse(`${expiring.expiration_date}T00:00:00Z`);
  const body = { model: expiring.id, messages: user("hi") };
  const before = await chat(createDemoFetch({ seed: 1, speed: FAST, now: () => day - 1 }), body);
  assert.equal(before.status, 200);
  const after = await chat(createDemoFetch({ seed: 1, speed: FAST, now: () => day }), body);
  assert.equal(after.status, 404);
  assert.equal((await after.json()).error.message, `No endpoints found for ${expiring.id}.`);
});

test("unknown models get OpenRouter's 400", async () => {
  const res = await chat(createDemoFetch({ seed: 1, speed: FAST }), { model: "acme/fake-1.0", messages: user("hi") });
  assert.equal(res.status, 400);
  assert.deepEqual((await res.json()).error, { message: "acme/fake-1.0 is not a valid model ID", code: 400 });
});

test("random faults hit single models at about the configured rates, never the account window", async () => {
  const rates = { rate429: 0.2, rate404: 0.1, rateMidstream: 0.1 };
  const catalog = JSON.parse(await readFile(path.join(REPO, "www/demo-catalog.json"), "utf8")).data;
  // Paid models: the account's free-model window does not count them, so only the dice decide.
  const ids = catalog.map((m) => m.id).filter((id) => !id.endsWith(":free") && id !== "openrouter/free");
  const N = 40;
  const run = async () => {
    const f = createDemoFetch({ seed: 11, speed: FAST, faults: rates, now: () => 1_790_000_030_000 });
    const out = {};
    for (const id of ids) {
      out[id] = [];
      for (let i = 0; i < N; i++) {
        const res = await chat(f, { model: id, messages: user(`question ${i}`) });
        const body = await res.json();
        out[id].push(res.status === 200 && body.error ? "mid" : String(res.status));
        if (res.status === 429) {
          assert.match(body.error.metadata.raw, /is temporarily rate-limited upstream/, "only upstream 429s");
          assert.match(res.headers.get("retry-after"), /^\d+$/);
        } else if (res.status === 404) {
          assert.equal(body.error.message, `No endpoints found for ${id}.`);
        }
      }
    }
    return out;
  };
  const a = await run();
  const all = Object.values(a).flat();
  const count = (k, list = all) => list.filter((x) => x === k).length;
  // Averaged over the models the rates hold (per-model factors average 1; 35 % slack for their spread).
  for (const [k, p] of [["429", rates.rate429], ["404", rates.rate404], ["mid", rates.rateMidstream]]) {
    const got = count(k) / all.length;
    assert.ok(Math.abs(got - p) <= 0.35 * p, `${k}: ${got.toFixed(3)} vs ${p}`);
  }
  // ...but each model has its own temperament: the flakiest fails clearly more often than the steadiest.
  const failures = Object.values(a).map((list) => list.filter((x) => x !== "200").length).sort((x, y) => x - y);
  assert.ok(failures.at(-1) >= failures[0] * 2 + 4, `per-model spread: ${failures}`);
  assert.deepEqual(await run(), a, "same seed, same faults");

  // Off by default.
  const quiet = createDemoFetch({ seed: 11, speed: FAST });
  for (let i = 0; i < 15; i++) {
    assert.equal((await chat(quiet, { model: "openai/gpt-oss-20b:free", messages: user(`q${i}`) })).status, 200);
  }
});

test("the account window: 20 free requests a minute and 50 a day, then 429 with X-RateLimit-*", async () => {
  let now = 1_790_000_030_000;
  const f = createDemoFetch({ seed: 2, speed: FAST, faults: true, now: () => now });
  const ask = (i) => chat(f, { model: "openai/gpt-oss-20b:free", messages: user(`q${i}`) });
  const statuses = [];
  for (let i = 0; i < 20; i++) {
    const res = await ask(i);
    const text = await res.text();
    statuses.push(res.status);
    if (res.status === 429) assert.match(text, /rate-limited upstream/, "random 429s are a model's, not the account's");
    now += 1000;
  }
  assert.equal(statuses.length, 20);
  const limited = await ask(20);
  assert.equal(limited.status, 429);
  const body = await limited.json();
  assert.match(body.error.message, /^Rate limit exceeded: free-models-per-min/);
  const h = body.error.metadata.headers;
  assert.equal(h["X-RateLimit-Limit"], "20");
  assert.equal(h["X-RateLimit-Remaining"], "0");
  assert.equal(h["X-RateLimit-Reset"], String(1_790_000_030_000 + 60_000), "when the oldest request leaves the window");
  assert.equal(limited.headers.get("x-ratelimit-reset"), h["X-RateLimit-Reset"]);
  // A refused request is not counted; a minute later the window is open again.
  now += 60_000;
  const again = await ask(21);
  assert.notEqual(again.status, 429, "open again after a minute");
  await again.text();
  // The day: 50 in all, whatever the minute.
  for (let i = 0; i < 40; i++) {
    now += 3_000;
    (await ask(100 + i)).text();
  }
  const day = await ask(999);
  assert.equal(day.status, 429);
  assert.match((await day.json()).error.message, /free-models-per-day/);
  const key = await (await f(`${BASE}/key`)).json();
  assert.deepEqual(key.data.free_model_daily_requests, { used: 50, limit: 50, remaining: 0 });
});

test("a scripted 429-tier closes the minute window for tierResetMs, then it opens", async () => {
  let now = 1_790_000_030_000;
  const f = createDemoFetch({ seed: 2, speed: FAST, script: ["429-tier"], tierResetMs: 4000, now: () => now });
  const ask = () => chat(f, { model: "openai/gpt-oss-20b:free", messages: user("hi") });
  const first = await ask();
  assert.equal(first.status, 429);
  assert.equal(first.headers.get("x-ratelimit-reset"), String(now + 4000));
  now += 2000;
  assert.equal((await ask()).status, 429, "still closed");
  now += 2001;
  assert.equal((await ask()).status, 200, "open after tierResetMs");
});

test("resume: a trailing assistant message gets the rest of the same answer", async () => {
  const f = createDemoFetch({ seed: 5, speed: FAST });
  const prompt = user("Give me a quick pasta recipe");
  const whole = (await (await chat(f, { model: "openai/gpt-oss-20b:free", messages: prompt })).json()).choices[0].message.content;
  const partial = whole.slice(0, 57);
  const res = await chat(f, {
    model: "liquid/lfm-2.5-2.6b:free",
    messages: [...prompt, { role: "assistant", content: partial }],
  });
  const rest = (await res.json()).choices[0].message.content;
  assert.equal(partial + rest, whole, "the continuation starts where the partial text ends");
});

test("a mid-stream fault ends the stream with OpenRouter's in-stream error chunk", async () => {
  const f = createDemoFetch({ seed: 4, speed: FAST, script: ["midstream"] });
  const res = await chat(f, { model: "openai/gpt-oss-20b:free", stream: true, messages: user("hello") });
  assert.equal(res.status, 200);
  const { events } = parseSse((await drain(res)).text);
  const objs = events.map((e) => JSON.parse(e)); // no [DONE] after the error
  const last = objs.at(-1);
  assert.equal(last.error.code, 502);
  assert.equal(last.error.message, "Provider returned error");
  assert.deepEqual(last.choices, [{ index: 0, delta: { content: "" }, finish_reason: "error" }]);
  assert.ok(objs.length >= 2, "at least one token before the error");
});

test("abort before the response rejects with AbortError and leaves no timers", async () => {
  const f = createDemoFetch({ seed: 1, speed: 0.01 }); // very slow: timers would linger
  const ctrl = new AbortController();
  const p = chat(f, { model: "openai/gpt-oss-20b:free", stream: true, messages: user("hi") }, { signal: ctrl.signal });
  // Wait until the request is parked on its (long) "headers" timer.
  for (let i = 0; i < 200 && f.activeTimers() === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(f.activeTimers(), 1);
  ctrl.abort();
  await assert.rejects(p, (e) => e instanceof DOMException && e.name === "AbortError");
  assert.equal(f.activeTimers(), 0);

  // Already-aborted signals reject at once, like fetch.
  await assert.rejects(f(`${BASE}/models`, { signal: AbortSignal.abort() }), { name: "AbortError" });
});

test("abort mid-stream errors the body with AbortError and stops the timers", async () => {
  const f = createDemoFetch({ seed: 1, speed: 50 });
  const ctrl = new AbortController();
  const res = await chat(f, { model: "openai/gpt-oss-20b:free", stream: true, messages: user("hi") }, { signal: ctrl.signal });
  const reader = res.body.getReader();
  await reader.read();
  await reader.read();
  ctrl.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
  assert.equal(f.activeTimers(), 0);

  // Cancelling the body (what `break` in a consumer does) also stops the timers.
  const res2 = await chat(f, { model: "openai/gpt-oss-20b:free", stream: true, messages: user("hi") });
  const r2 = res2.body.getReader();
  await r2.read();
  await r2.cancel();
  assert.equal(f.activeTimers(), 0);
});

test("an aborted slow stream does not keep the process alive", async () => {
  // Pacing slowed 1000x: a leaked timer would hold this child for minutes.
  const script = `
    import { createDemoFetch } from ${JSON.stringify(new URL("../../www/demo-fetch.js", import.meta.url).href)};
    const f = createDemoFetch({ seed: 1, speed: 0.001 });
    const ctrl = new AbortController();
    const p = f("https://x.invalid/api/v1/chat/completions", { method: "POST", signal: ctrl.signal,
      body: JSON.stringify({ model: "openai/gpt-oss-20b:free", stream: true, messages: [{ role: "user", content: "hi" }] }) });
    setTimeout(() => ctrl.abort(), 50);
    p.catch((e) => console.log(e.name));
  `;
  const started = Date.now();
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.equal(code, 0);
  assert.equal(out.trim(), "AbortError");
  assert.ok(Date.now() - started < 5_000, `exited after ${Date.now() - started} ms`);
});

test("pacing: first token after comments, tokens spaced, scaled by speed", async () => {
  const f = createDemoFetch({ seed: 9, speed: 4 });
  const t0 = performance.now();
  const res = await chat(f, { model: "nvidia/nemotron-nano-9b-v2:free", stream: true, messages: user("hello") });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let text = "";
  let firstData = null;
  while (!firstData) {
    const { value } = await reader.read();
    text += dec.decode(value, { stream: true });
    if (text.includes("data: ")) firstData = performance.now() - t0;
  }
  await reader.cancel();
  // 300-900 ms at speed 1 -> 75-225 ms at speed 4 (timer slack allowed).
  assert.ok(firstData >= 70 && firstData < 600, `first token after ${firstData.toFixed(0)} ms`);
  assert.ok(text.startsWith(": OPENROUTER PROCESSING\n\n"));
});

test("key info, PKCE key exchange, unknown paths", async () => {
  const f = createDemoFetch({ seed: 1, speed: FAST });
  const key = await (await f(`${BASE}/key`, { headers: { Authorization: "Bearer sk-or-v1-secret" } })).json();
  assert.equal(key.data.label, "offline demo");
  assert.equal(key.data.is_free_tier, true);
  assert.equal(key.data.usage, 0);
  assert.equal(key.data.limit, null);

  const ex = await f(`${BASE}/auth/keys`, {
    method: "POST",
    body: JSON.stringify({ code: "abc", code_verifier: "v", code_challenge_method: "S256" }),
  });
  const kb = await ex.json();
  assert.match(kb.key, /^sk-or-v1-demo[0-9a-f]+$/);
  assert.equal(kb.user_id, "user_demo");
  assert.equal((await f(`${BASE}/auth/keys`, { method: "POST", body: "{}" })).status, 400);

  assert.equal((await f(`${BASE}/nope`)).status, 404);
  assert.equal((await f(`${BASE}/models`, { method: "DELETE" })).status, 405);
});

test("endpoint lists agree with chat: parameters, expired models, latency, unknown ids", async () => {
  const f = createDemoFetch({ seed: 1, speed: FAST, faults: false });
  const catalog = (await (await f(`${BASE}/models`)).json()).data;
  const list = async (slug) => f(`${BASE}/models/${slug}/endpoints`);
  // A model with a free and a paid variant: both, the free one priced 0, parameters as listed.
  const both = await (await list("openai/gpt-oss-20b")).json();
  const ids = both.data.endpoints.map((e) => e.model_id).sort();
  assert.deepEqual(ids, ["openai/gpt-oss-20b", "openai/gpt-oss-20b:free"]);
  const free = both.data.endpoints.find((e) => e.model_id.endsWith(":free"));
  assert.equal(free.pricing.prompt, "0");
  assert.deepEqual(free.supported_parameters, catalog.find((m) => m.id === "openai/gpt-oss-20b:free").supported_parameters);
  assert.ok(free.latency_last_30m.p50 >= 300 && free.latency_last_30m.p50 <= 900, `p50 ${free.latency_last_30m.p50}`);
  const again = await (await list("openai/gpt-oss-20b")).json();
  assert.equal(again.data.endpoints[0].latency_last_30m.p50, both.data.endpoints[0].latency_last_30m.p50, "steady per model");
  // Past its expiration date: no live endpoint, as chat answers 404 "No endpoints found".
  const expired = await (await list("nvidia/nemotron-nano-12b-v2-vl")).json();
  assert.deepEqual(expired.data.endpoints, []);
  const chat = await f(`${BASE}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "nvidia/nemotron-nano-12b-v2-vl:free", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(chat.status, 404);
  const unknown = await list("nobody/nothing");
  assert.equal(unknown.status, 404);
  assert.ok((await unknown.json()).error.message.includes("nobody/nothing"));
  assert.equal((await f(`${BASE}/models/openai/gpt-oss-20b/endpoints`, { method: "POST" })).status, 405);
});

test("never reads request headers (so never the Authorization key)", async () => {
  let touched = false;
  const headers = {};
  Object.defineProperty(headers, "Authorization", {
    enumerable: true,
    get() {
      touched = true;
      return "Bearer sk-or-v1-secret";
    },
  });
  const f = createDemoFetch({ seed: 1, speed: FAST });
  const res = await f(`${BASE}/chat/completions`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: "openai/gpt-oss-20b:free", stream: true, messages: user("hello") }),
  });
  const { text } = await drain(res);
  assert.equal(touched, false);
  assert.ok(!text.includes("sk-or-v1-secret"));
});

test("accepts a Request object and binary bodies", async () => {
  const f = createDemoFetch({ seed: 1, speed: FAST });
  const body = JSON.stringify({ model: "openai/gpt-oss-20b:free", messages: user("hello") });
  const viaRequest = await f(new Request(`${BASE}/chat/completions`, { method: "POST", body }));
  assert.equal(viaRequest.status, 200);
  const viaBytes = await f(new URL(`${BASE}/chat/completions`), { method: "POST", body: new TextEncoder().encode(body) });
  assert.equal((await viaBytes.json()).object, "chat.completion");
});
