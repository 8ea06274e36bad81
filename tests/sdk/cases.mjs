// client.fetch under the real SDKs: openai-node 6 and 7, the AI SDK 7 with
// @ai-sdk/openai-compatible, and raw fetch calls (paths, hostile input). The same cases run in
// Node (node.test.mjs) and in headless Chromium (browser.test.mjs); `env` brings the modules:
// { FreeRouterClient, openai: { openai6, openai7 }, ai, createOpenAICompatible, z, fx }.
import { fakeUpstream, recordedError, rewrite, sseData, sseText } from "./upstream.mjs";

const BASE = "https://free-router.invalid/v1";
const MESSAGES = [{ role: "user", content: "Hi" }];
const TOOLS = [{ type: "function", function: { name: "llm_version", description: "The model's version", parameters: { type: "object", properties: {} } } }];

function ok(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function eq(actual, expected, message) {
  if (actual !== expected) throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function rejects(promise, check) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  ok(error !== undefined, "expected a rejection");
  check(error);
  return error;
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

async function eventually(cond, message) {
  for (let i = 0; i < 200 && !cond(); i++) await tick();
  ok(cond(), message);
}

function setup(env, options = {}) {
  const up = fakeUpstream(env.fx);
  const client = new env.FreeRouterClient({ providers: [{ id: "openrouter", apiKey: "sk-or-v1-test" }], storage: "memory", fetch: up.fetch, ...options });
  return { up, client };
}

/** What a provider received: only the client's own headers, never the SDK's. */
function checkUpstreamHeaders(up) {
  const chats = up.chats();
  ok(chats.length > 0, "the provider was called");
  for (const c of chats) {
    const names = Object.keys(c.headers);
    ok(!names.some((k) => k.startsWith("x-stainless") || k === "user-agent" || k === "openai-organization"), `SDK headers reached the provider: ${names}`);
    eq(c.headers.authorization, "Bearer sk-or-v1-test", "the provider's own key, not the SDK's");
  }
}

/** What every openai-node case needs: the client factory, the SDK's classes, a name prefix. */
function openaiKit(env, version) {
  const make = (client, options = {}) =>
    new env.openai[version]({ apiKey: "unused", baseURL: BASE, fetch: client.fetch, maxRetries: 0, dangerouslyAllowBrowser: true, ...options });
  const SDK = env.openai[version];
  const t = (name, run) => ({ name: `${version}: ${name}`, run });
  return { make, SDK, t };
}

/** Answers through openai-node: completions, streams, tools, reasoning, the models list. */
function openaiAnswerCases(env, version) {
  const { make, t } = openaiKit(env, version);
  return [
    t("create, non-stream, withResponse: completion JSON, route headers, answering model", async () => {
      const { up, client } = setup(env);
      const { data, response } = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES }).withResponse();
      eq(data.object, "chat.completion", "object");
      eq(data.choices[0].message.content, sseText(env.fx.text), "content");
      eq(data.model, sseData(env.fx.text)[0].model, "the model that answered");
      eq(response.headers.get("x-free-router-provider"), "openrouter", "provider header");
      eq(response.headers.get("x-free-router-model"), data.model, "model header");
      eq(response.headers.get("x-free-router-attempts"), "1", "attempts header");
      eq(data.route.provider, "openrouter", "route field");
      eq(data.usage.completion_tokens, 74, "usage");
      const sent = JSON.parse(up.chats()[0].body);
      const free = (await client.listModels()).map((m) => m.id);
      ok(free.includes(sent.model), `"auto" routed to a free model, sent ${sent.model}`);
      checkUpstreamHeaders(up);
    }),
    t("create, stream: chunks, usage chunk with include_usage, [DONE]", async () => {
      const { up, client } = setup(env);
      const stream = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES, stream: true, stream_options: { include_usage: true } });
      let text = "";
      let usage;
      let finish;
      for await (const chunk of stream) {
        eq(chunk.object, "chat.completion.chunk", "chunk object");
        for (const c of chunk.choices) {
          text += c.delta.content ?? "";
          finish = c.finish_reason || finish;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      eq(text, sseText(env.fx.text), "streamed text");
      eq(finish, "stop", "finish reason");
      eq(usage && usage.completion_tokens, 74, "usage chunk");
      checkUpstreamHeaders(up);
    }),
    t("create, stream without include_usage: no usage chunk", async () => {
      const { client } = setup(env);
      const stream = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES, stream: true });
      for await (const chunk of stream) ok(!chunk.usage, "no usage chunk unless asked");
    }),
    t("tools: tool-call deltas stream, and the non-stream message carries tool_calls", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: env.fx.tools }, { sse: env.fx.tools });
      const openai = make(client);
      const stream = await openai.chat.completions.create({ model: "auto", messages: MESSAGES, tools: TOOLS, stream: true });
      let name = "";
      let args = "";
      let finish;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          for (const call of c.delta.tool_calls ?? []) {
            name += call.function?.name ?? "";
            args += call.function?.arguments ?? "";
          }
          finish = c.finish_reason || finish;
        }
      }
      eq(name, "llm_version", "streamed tool name");
      eq(args, "{}", "streamed tool arguments");
      eq(finish, "tool_calls", "finish reason");
      const r = await openai.chat.completions.create({ model: "auto", messages: MESSAGES, tools: TOOLS });
      eq(r.choices[0].message.tool_calls[0].function.name, "llm_version", "tool call in the completion");
      ok(JSON.parse(up.chats()[0].body).tools, "tools reached the provider");
    }),
    t("reasoning deltas stream as delta.reasoning", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: env.fx.reasoning });
      const stream = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES, stream: true });
      let reasoning = "";
      for await (const chunk of stream) for (const c of chunk.choices) reasoning += c.delta.reasoning ?? "";
      ok(reasoning.length > 20, `reasoning streamed (${reasoning.length} chars)`);
    }),
    t("models.list(): the free catalog", async () => {
      const { client } = setup(env);
      const ids = [];
      for await (const m of make(client).models.list()) {
        eq(m.object, "model", "object");
        eq(m.owned_by, "openrouter", "owned_by");
        ids.push(m.id);
      }
      const free = (await client.listModels()).map((m) => m.id);
      eq(ids.join(), free.join(), "the free catalog");
      ok(ids.length > 5, `${ids.length} models`);
    }),
  ];
}

/** Failures, fallback and aborts through openai-node: its error classes, the upstream signal. */
function openaiFailureCases(env, version) {
  const { make, SDK, t } = openaiKit(env, version);
  return [
    t("429 (quota exhausted) -> RateLimitError with Retry-After", async () => {
      const { up, client } = setup(env);
      up.script.push(recordedError(env.fx, 429, "free-models-per-day. Add 10 credits"));
      await rejects(make(client).chat.completions.create({ model: "auto", messages: MESSAGES }), (e) => {
        ok(e instanceof SDK.RateLimitError, `RateLimitError, got ${e && e.constructor.name}: ${e && e.message}`);
        eq(e.status, 429, "status");
        ok(e.code === "quota_exhausted" || e.code === "rate_limited", `code ${e.code}`);
        ok(/^\d+$/.test(e.headers.get("retry-after") ?? ""), `retry-after ${e.headers.get("retry-after")}`);
      });
    }),
    t("a fallback after a 429 answers 200 with both attempts in the headers and route", async () => {
      const { up, client } = setup(env);
      up.script.push(recordedError(env.fx, 429, "temporarily rate-limited upstream"));
      const { data, response } = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES }).withResponse();
      eq(data.choices[0].message.content, sseText(env.fx.text), "the second model's answer");
      eq(response.headers.get("x-free-router-attempts"), "2", "attempts header");
      eq(data.route.attempts.length, 2, "route.attempts");
      eq(data.route.attempts[0].outcome, "rate_limited", "first attempt");
      const sent = up.chats().map((c) => JSON.parse(c.body).model);
      ok(sent[0] !== sent[1], `a different model the second time: ${sent}`);
    }),
    t("402 -> APIError with status 402", async () => {
      const { up, client } = setup(env);
      up.script.push(recordedError(env.fx, 402, "Insufficient credits"));
      await rejects(make(client).chat.completions.create({ model: "auto", messages: MESSAGES }), (e) => {
        ok(e instanceof SDK.APIError, `APIError, got ${e && e.constructor.name}`);
        eq(e.status, 402, "status");
        eq(e.code, "payment_required", "code");
      });
    }),
    t("401 -> AuthenticationError", async () => {
      const { up, client } = setup(env);
      up.script.push(recordedError(env.fx, 401, "User not found"));
      await rejects(make(client).chat.completions.create({ model: "auto", messages: MESSAGES }), (e) => {
        ok(e instanceof SDK.AuthenticationError, `AuthenticationError, got ${e && e.constructor.name}: ${e && e.message}`);
        eq(e.code, "auth", "code");
      });
    }),
    t("the SDK's timeout -> APIConnectionError (its timeout signal aborts the upstream fetch)", async () => {
      const { up, client } = setup(env);
      up.script.push({ hang: true });
      await rejects(make(client, { timeout: 150 }).chat.completions.create({ model: "auto", messages: MESSAGES }), (e) => {
        ok(e instanceof SDK.APIConnectionError, `APIConnectionError, got ${e && e.constructor.name}: ${e && e.message}`);
      });
      await eventually(() => up.chats()[0].signal.aborted, "the upstream fetch was aborted");
    }),
    t("abort before the answer -> APIUserAbortError, upstream aborted", async () => {
      const { up, client } = setup(env);
      up.script.push({ hang: true });
      const controller = new AbortController();
      const p = make(client).chat.completions.create({ model: "auto", messages: MESSAGES }, { signal: controller.signal });
      await eventually(() => up.chats().length === 1, "the call reached the provider");
      controller.abort();
      await rejects(p, (e) => ok(e instanceof SDK.APIUserAbortError, `APIUserAbortError, got ${e && e.constructor.name}`));
      await eventually(() => up.chats()[0].signal.aborted, "the upstream fetch was aborted");
    }),
    t("break out of a stream -> upstream aborted", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: env.fx.text, stall: true });
      const stream = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES, stream: true });
      let text = "";
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (text) break;
      }
      ok(text.length > 0, "got text before breaking");
      await eventually(() => up.chats()[0].signal.aborted, "the upstream fetch was aborted");
    }),
    t("an error after the first chunk ends the stream with an error event", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: env.fx.midstream });
      const stream = await make(client).chat.completions.create({ model: "auto", messages: MESSAGES, stream: true });
      let chunks = 0;
      await rejects(
        (async () => {
          for await (const _ of stream) chunks++;
        })(),
        (e) => {
          ok(e instanceof SDK.APIError, `APIError, got ${e && e.constructor.name}: ${e && e.message}`);
          ok(/token limit/i.test(e.message), `the provider's message: ${e.message}`);
        },
      );
      ok(chunks > 0, "chunks came before the error");
    }),
  ];
}

function aiCases(env) {
  const { generateText, streamText, tool, Output } = env.ai;
  const provider = (client) =>
    env.createOpenAICompatible({ name: "free-router", baseURL: BASE, fetch: client.fetch, includeUsage: true, supportsStructuredOutputs: true });
  const t = (name, run) => ({ name: `ai: ${name}`, run });
  return [
    t("generateText", async () => {
      const { up, client } = setup(env);
      const r = await generateText({ model: provider(client)("auto"), prompt: "Hi", maxRetries: 0 });
      eq(r.text, sseText(env.fx.text), "text");
      eq(r.response.modelId, sseData(env.fx.text)[0].model, "the model that answered");
      eq(r.usage.outputTokens, 74, "usage");
      eq(r.response.headers["x-free-router-provider"], "openrouter", "route header");
      checkUpstreamHeaders(up);
    }),
    t("streamText", async () => {
      const { up, client } = setup(env);
      const r = streamText({ model: provider(client)("auto"), prompt: "Hi", maxRetries: 0 });
      let text = "";
      for await (const piece of r.textStream) text += piece;
      eq(text, sseText(env.fx.text), "text");
      eq((await r.usage).outputTokens, 74, "usage");
      checkUpstreamHeaders(up);
    }),
    t("tool calls", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: env.fx.tools });
      const r = await generateText({
        model: provider(client)("auto"),
        prompt: "Which version are you?",
        tools: { llm_version: tool({ description: "The model's version", inputSchema: env.z.object({}) }) },
        maxRetries: 0,
      });
      eq(r.toolCalls.length, 1, "one tool call");
      eq(r.toolCalls[0].toolName, "llm_version", "tool name");
      eq(r.finishReason, "tool-calls", "finish reason");
    }),
    t("structured output", async () => {
      const { up, client } = setup(env);
      up.script.push({ sse: rewrite(env.fx.text, '{"answer":"42"}') });
      const r = await generateText({
        model: provider(client)("auto"),
        prompt: "The answer?",
        output: Output.object({ schema: env.z.object({ answer: env.z.string() }) }),
        maxRetries: 0,
      });
      eq(r.output.answer, "42", "parsed object");
      const sent = JSON.parse(up.chats()[0].body);
      eq(sent.response_format && sent.response_format.type, "json_schema", "response_format reached the provider");
    }),
    t("abort: generateText rejects, streamText stops, upstream aborted", async () => {
      let { up, client } = setup(env);
      up.script.push({ hang: true });
      const controller = new AbortController();
      const p = generateText({ model: provider(client)("auto"), prompt: "Hi", abortSignal: controller.signal, maxRetries: 0 });
      await eventually(() => up.chats().length === 1, "the call reached the provider");
      controller.abort();
      await rejects(p, (e) => eq(e.name, "AbortError", "error name"));
      await eventually(() => up.chats()[0].signal.aborted, "the upstream fetch was aborted");

      ({ up, client } = setup(env));
      up.script.push({ sse: env.fx.text, stall: true });
      const stop = new AbortController();
      let aborted = false;
      const r = streamText({ model: provider(client)("auto"), prompt: "Hi", abortSignal: stop.signal, maxRetries: 0, onAbort: () => (aborted = true) });
      let text = "";
      try {
        for await (const piece of r.textStream) {
          text += piece;
          stop.abort();
        }
      } catch (e) {
        eq(e.name, "AbortError", "error name");
      }
      ok(text.length > 0, "text before the abort");
      await eventually(() => up.chats()[0].signal.aborted, "the upstream fetch was aborted");
      ok(aborted, "onAbort ran");
    }),
  ];
}

async function body(response) {
  return JSON.parse(await response.text());
}

function rawCases(env) {
  const t = (name, run) => ({ name: `fetch: ${name}`, run });
  const post = (client, body, init = {}) => client.fetch(`${BASE}/chat/completions`, { method: "POST", body, ...init });
  const refused = async (response, status, code, pattern) => {
    eq(response.status, status, "status");
    const { error } = await body(response);
    eq(error.code, code, "code");
    ok(typeof error.type === "string" && pattern.test(error.message), `message: ${error.message}`);
    eq(response.headers.get("x-should-retry"), "false", "x-should-retry");
  };
  return [
    t("client.fetch is a function bound to the client", async () => {
      const { client } = setup(env);
      const { fetch } = client;
      eq(typeof fetch, "function", "typeof");
      const r = await fetch(`${BASE}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: MESSAGES }) });
      eq(r.status, 200, "status");
      eq(r.headers.get("content-type"), "application/json", "content type");
    }),
    t("a Request, a URL, other origins and base paths, bytes", async () => {
      const { client } = setup(env);
      const json = JSON.stringify({ messages: MESSAGES });
      const request = new Request("http://127.0.0.1:1/any/base/chat/completions", { method: "POST", body: json });
      eq((await client.fetch(request)).status, 200, "Request");
      const url = new URL("https://api.example.com/openai/v1/chat/completions/");
      eq((await client.fetch(url, { method: "POST", body: new TextEncoder().encode(json) })).status, 200, "URL and bytes");
      const models = await client.fetch(new URL("/v1/models", "https://other.example"));
      const list = await body(models);
      eq(list.object, "list", "models list");
      ok(list.data.length > 0 && list.data.every((m) => m.object === "model" && typeof m.created === "number"), "models");
    }),
    t("other paths: 404 naming what is supported", async () => {
      const { client } = setup(env);
      await refused(await client.fetch(`${BASE}/embeddings`, { method: "POST", body: "{}" }), 404, "not_found", /chat\/completions.*models/);
      await refused(await client.fetch(`${BASE}/chat/completions`), 404, "not_found", /GET \/v1\/chat\/completions/);
    }),
    t("hostile input: clear error responses, never a throw", async () => {
      const { up, client } = setup(env);
      await refused(await post(client, "not json"), 400, "invalid_argument", /JSON object/);
      await refused(await post(client, "[1,2]"), 400, "invalid_argument", /JSON object/);
      await refused(await post(client, "null"), 400, "invalid_argument", /JSON object/);
      await refused(await client.fetch(`${BASE}/chat/completions`, "POST"), 400, "invalid_argument", /takes a URL or Request and a RequestInit/);
      const hostile = { toString() { throw new Error("boom"); } };
      await refused(await client.fetch(hostile), 400, "invalid_argument", /takes a URL or Request.*boom/);
      await refused(await client.fetch("http://[", { method: "POST", body: "{}" }), 400, "invalid_argument", /takes a URL or Request/);
      const sneaky = { method: "POST", get body() { throw Symbol("no"); } };
      await refused(await client.fetch(`${BASE}/chat/completions`, sneaky), 400, "invalid_argument", /takes a URL or Request/);
      await refused(await client.fetch(new URL("https://x/v1/models"), { method: "GET", body: "{}" }), 400, "invalid_argument", /RequestInit/);
      await refused(await post(client, JSON.stringify({ messages: MESSAGES }), { signal: "soon" }), 400, "invalid_argument", /signal/);
      await refused(await post(client, JSON.stringify({ messages: MESSAGES }), { signal: { aborted: true } }), 400, "invalid_argument", /signal/);
      await refused(await post(client, JSON.stringify({ messages: "Hi" })), 400, "invalid_argument", /messages/);
      eq(up.chats().length, 0, "nothing reached a provider");
    }),
    t("an aborted signal rejects like fetch, with its reason", async () => {
      const { up, client } = setup(env);
      const reason = new DOMException("stop", "AbortError");
      await rejects(post(client, JSON.stringify({ messages: MESSAGES }), { signal: AbortSignal.abort(reason) }), (e) => eq(e, reason, "the signal's reason"));
      eq(up.chats().length, 0, "nothing reached a provider");
    }),
    t("stream: SSE framing, role first, route on the finish chunk, [DONE] last", async () => {
      const { client } = setup(env);
      const r = await post(client, JSON.stringify({ messages: MESSAGES, stream: true, stream_options: { include_usage: true } }));
      eq(r.status, 200, "status");
      ok(r.headers.get("content-type").startsWith("text/event-stream"), "event stream");
      const events = (await r.text()).split("\n\n").filter(Boolean);
      eq(events[events.length - 1], "data: [DONE]", "last event");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")));
      eq(chunks[0].choices[0].delta.role, "assistant", "role on the first chunk");
      ok(chunks.every((c) => c.id === chunks[0].id && c.object === "chat.completion.chunk"), "one id, chunk objects");
      const finish = chunks.find((c) => c.choices[0]?.finish_reason);
      eq(finish.route.provider, "openrouter", "route on the finish chunk");
      const usage = chunks[chunks.length - 1];
      eq(usage.choices.length, 0, "usage chunk has no choices");
      eq(usage.usage.completion_tokens, 74, "usage");
    }),
  ];
}

export function cases(env) {
  return [...openaiAnswerCases(env, "openai6"), ...openaiFailureCases(env, "openai6"), ...openaiAnswerCases(env, "openai7"), ...openaiFailureCases(env, "openai7"), ...aiCases(env), ...rawCases(env)];
}
