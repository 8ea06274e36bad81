// Type test of the published surface (pkg/free_router.d.ts): `node tests/types/check.mjs`
// compiles this with `tsc --noEmit --strict`. Nothing here runs. Every `@ts-expect-error` line
// must stay an error: tsc reports an unused directive (TS2578) when the types get looser.
import init, {
  initSync,
  FreeRouterClient,
  FreeRouterError,
  ChatSession,
  type AttemptInfo,
  type BatchItem,
  type BatchOptions,
  type BatchProgress,
  type CallOptions,
  type CatalogInfo,
  type ChatDelta,
  type ChatMessage,
  type ChatRequest,
  type ChatResult,
  type ChatStream,
  type ContentPart,
  type FreeRouterErrorCode,
  type FreeRouterEvent,
  type FreeRouterEventOf,
  type FreeRouterEventType,
  type FreeRouterFetch,
  type FreeRouterOptions,
  type KeyInfo,
  type ModelFilter,
  type ModelInfo,
  type ProviderOptions,
  type QuotaScope,
  type QuotaSnapshot,
  type RouteInfo,
  type ToolCall,
  type ToolCallDelta,
  type ToolDefinition,
  type Usage,
} from "free-router";

// Exact type equality: `check<Equal<A, B>>(true)` fails to compile unless A and B are the same.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function check<T extends true>(ok: T): void;
declare const wasmBytes: Uint8Array;
declare const sink: (...values: unknown[]) => void;

// ---- loading
await init();
await init({ module_or_path: new URL("free_router_bg.wasm", import.meta.url) });
initSync({ module: wasmBytes });

// ---- construction with every option
const seen: FreeRouterEvent[] = [];
const options: FreeRouterOptions = {
  providers: [
    { id: "openrouter", apiKey: "sk-or-..." },
    { id: "groq", apiKey: "gsk_..." },
    { id: "gemini", apiKey: "AIza...", baseUrl: "https://generativelanguage.googleapis.com/v1beta/openai" },
    { id: "mistral", apiKey: "..." },
    { id: "cerebras", apiKey: "...", limits: { rpm: 30, rpd: 14400, tpm: 60000 } },
    {
      id: "lab",
      kind: "openai-compatible",
      baseUrl: "http://127.0.0.1:11434/v1",
      apiKey: "optional",
      models: ["llama3.2"],
      free: true,
      limits: { requests: 10, perMs: 60_000 },
    },
    { id: "paid", kind: "openai-compatible", baseUrl: "https://llm.example/v1", promptPrice: 0.5, completionPrice: 1.5 },
  ],
  strategy: "random",
  seed: 42,
  budget: { maxUsd: 0, period: "month" },
  maxAttempts: 4,
  retryAfterCapMs: 60_000,
  catalogTtlMs: 3_600_000,
  storage: "local",
  app: { url: "https://myapp.example", title: "My App" },
  timeoutMs: 30_000,
  fetch: globalThis.fetch,
  onEvent: (e) => {
    seen.push(e);
    // Narrowing on `type` in onEvent.
    switch (e.type) {
      case "catalog":
        check<Equal<typeof e.source, "network" | "cache" | "config">>(true);
        check<Equal<typeof e.count, number>>(true);
        break;
      case "attempt":
        check<Equal<typeof e.n, number>>(true);
        sink(e.provider, e.model);
        break;
      case "first_token":
        check<Equal<typeof e.ttftMs, number>>(true);
        break;
      case "fallback":
        check<Equal<typeof e.reason, FreeRouterErrorCode>>(true);
        sink(e.from, e.to);
        break;
      case "cooldown":
        sink(e.provider, e.model, e.untilMs satisfies number, e.reason);
        break;
      case "rate_limited":
        check<Equal<typeof e.retryAfterMs, number | undefined>>(true);
        break;
      case "quota":
        check<Equal<typeof e.snapshot, QuotaSnapshot>>(true);
        break;
      case "waiting":
        sink(e.ms satisfies number);
        break;
      case "model_evicted":
        sink(e.model, e.reason satisfies string);
        break;
      case "repin":
        sink(e.sessionId, e.from, e.to);
        break;
      case "resume":
        sink(e.from, e.to, e.partialLength satisfies number);
        break;
      case "usage":
        check<Equal<typeof e.tokens, Usage>>(true);
        sink(e.costUsd satisfies number);
        break;
      case "done":
        check<Equal<typeof e.route, RouteInfo>>(true);
        break;
      case "error":
        check<Equal<typeof e.code, FreeRouterErrorCode>>(true);
        sink(e.message);
        break;
      default: {
        // Every event type is handled above.
        const never: never = e;
        sink(never);
      }
    }
    sink(e.at satisfies number);
    // @ts-expect-error: not an event type
    if (e.type === "tokens") sink(e);
    // @ts-expect-error: `n` exists only on "attempt" events
    sink(e.n);
  },
};
const client = new FreeRouterClient(options);
new FreeRouterClient({ providers: [{ id: "openrouter" }] });
new FreeRouterClient({
  providers: [{ id: "openrouter" }],
  fetch: async (url: string, init: RequestInit) => new Response(`${url} ${String(init.method)}`),
});

// @ts-expect-error: providers is required
new FreeRouterClient({});
// @ts-expect-error: no options at all
new FreeRouterClient();
// @ts-expect-error: unknown provider kind
new FreeRouterClient({ providers: [{ id: "lab", kind: "ollama" }] });
// @ts-expect-error: unknown strategy
new FreeRouterClient({ providers: [{ id: "openrouter" }], strategy: "cheapest" });
// @ts-expect-error: maxAttempts is a number
new FreeRouterClient({ providers: [{ id: "openrouter" }], maxAttempts: "4" });
// @ts-expect-error: storage is "local" or "memory"
new FreeRouterClient({ providers: [{ id: "openrouter" }], storage: "session" });
// @ts-expect-error: budget is an object
new FreeRouterClient({ providers: [{ id: "openrouter" }], budget: 5 });
// @ts-expect-error: misspelt option
new FreeRouterClient({ providers: [{ id: "openrouter" }], maxAttempt: 4 });
// @ts-expect-error: apiKey is a string
const badProvider: ProviderOptions = { id: "groq", apiKey: 123 };
sink(badProvider);

// ---- catalog
const everything: ModelFilter = {
  free: true,
  provider: "openrouter",
  vision: true,
  tools: true,
  toolChoice: true,
  structuredOutputs: true,
  jsonMode: true,
  reasoning: true,
  minContext: 64_000,
  maxPromptPrice: 0,
  search: "llama",
  includeRouters: false,
  sort: "context",
  limit: 10,
};
const models = await client.listModels();
check<Equal<typeof models, ModelInfo[]>>(true);
await client.listModels(everything);
await client.listModels({ tools: true, minContext: 64000, sort: "price" });
for (const sort of ["context", "price", "latency", "newest", "id"] as const) await client.listModels({ sort });
const m = models[0];
check<Equal<typeof m.contextLength, number | null>>(true);
check<Equal<typeof m.status, "available" | "cooling_down" | "evicted">>(true);
check<Equal<typeof m.expiresAt, string | null>>(true);
check<Equal<typeof m.stats.ttftMsP50, number | null>>(true);
check<Equal<typeof m.capabilities.vision, boolean>>(true);
check<Equal<typeof m.capabilities.tools, boolean | null>>(true);
sink(m.id, m.provider, m.name, m.description, m.free, m.maxOutputTokens, m.inputModalities, m.outputModalities);
sink(m.pricing.promptPerMTok, m.pricing.completionPerMTok, m.pricing.request, m.created);
// @ts-expect-error: wrong filter key
await client.listModels({ fre: true });
// @ts-expect-error: unknown sort key
await client.listModels({ sort: "popularity" });
// @ts-expect-error: minContext is a number
await client.listModels({ minContext: "64k" });

const one = await client.getModel("openai/gpt-oss-20b:free");
check<Equal<typeof one, ModelInfo | undefined>>(true);
await client.getModel("llama3.2", "lab");
const info: CatalogInfo = await client.refreshCatalog();
check<Equal<typeof info.source, "network" | "cache" | "config">>(true);

// ---- chat
const messages: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  {
    role: "user",
    content: [
      { type: "text", text: "What is in this picture?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
    ],
  },
];
const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    strict: true,
  },
};
const request: ChatRequest = {
  messages,
  model: "auto",
  tools: [weather],
  tool_choice: "auto",
  response_format: {
    type: "json_schema",
    json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { a: { type: "string" } } } },
  },
  temperature: 0.2,
  max_tokens: 200,
  stop: ["\n\n"],
  seed: 7,
  reasoning: { effort: "low" },
  top_k: 40, // unlisted fields pass through
};
const callOptions: CallOptions = {
  signal: AbortSignal.timeout(10_000),
  timeoutMs: 20_000,
  fallback: true,
  maxAttempts: 3,
  waitForQuota: 5_000,
  sessionId: "conversation-1",
  strategy: "fastest",
  resumeOnError: true,
  provider: "openrouter",
};
const result = await client.chat(request);
await client.chat(request, callOptions);
await client.chat({ messages: [{ role: "user", content: "Hi" }], response_format: { type: "json_object" } }, { waitForQuota: true });
await client.chat({ messages: [{ role: "user", content: "Hi" }], models: ["a:free", "b:free"], tool_choice: { type: "function", function: { name: "get_weather" } } });
check<Equal<typeof result, ChatResult>>(true);
const choice = result.choices[0];
check<Equal<typeof choice.message.content, string>>(true);
check<Equal<typeof choice.message.tool_calls, ToolCall[] | undefined>>(true);
check<Equal<typeof result.usage, Usage | null>>(true);
const route: RouteInfo = result.route;
sink(route.provider, route.model, route.costUsd, route.latencyMs, route.ttftMs);
const attempt: AttemptInfo = route.attempts[0];
const skip = route.skipped[0];
check<Equal<typeof skip.untilMs, number | undefined>>(true);
// @ts-expect-error: reasons are a closed set
const badReason: typeof skip.reason = "tired";
sink(skip.provider, skip.model, badReason);
check<Equal<typeof attempt.status, number | undefined>>(true);
check<Equal<typeof attempt.errorCode, FreeRouterErrorCode | undefined>>(true);
// A tool round trip.
const call = choice.message.tool_calls?.[0];
if (call) {
  const args = JSON.parse(call.function.arguments) as { city: string };
  await client.chat({
    messages: [
      ...messages,
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: call.id, content: JSON.stringify({ city: args.city, tempC: 21 }) },
    ],
    tools: [weather],
  });
}

// @ts-expect-error: passing a number as messages
await client.chat({ messages: 42 });
// @ts-expect-error: messages is required
await client.chat({ model: "auto" });
// @ts-expect-error: unknown role
await client.chat({ messages: [{ role: "robot", content: "Hi" }] });
// @ts-expect-error: a tool message needs tool_call_id
await client.chat({ messages: [{ role: "tool", content: "{}" }] });
// @ts-expect-error: images only in user messages
await client.chat({ messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: "x" } }] }] });
// @ts-expect-error: unknown response_format type
await client.chat({ messages, response_format: { type: "yaml" } });
// @ts-expect-error: timeoutMs is a number
await client.chat(request, { timeoutMs: "10s" });
// @ts-expect-error: signal is an AbortSignal
await client.chat(request, { signal: new AbortController() });
// @ts-expect-error: waitForQuota is a boolean or a number
await client.chat(request, { waitForQuota: "yes" });
const part: ContentPart = { type: "text", text: "x" };
sink(part);

// ---- streaming
const stream = await client.chatStream(request);
check<Equal<typeof stream, ChatStream>>(true);
await client.chatStream(request, { signal: new AbortController().signal });
sink(stream.model satisfies string, stream.provider satisfies string, stream.route satisfies RouteInfo);
let text = "";
for await (const d of stream) {
  check<Equal<typeof d, ChatDelta>>(true);
  check<Equal<typeof d.content, string | undefined>>(true);
  if (d.content !== undefined) text += d.content.toUpperCase();
  if (d.reasoning) sink(d.reasoning.length);
  for (const tc of d.toolCalls ?? []) {
    check<Equal<typeof tc, ToolCallDelta>>(true);
    sink(tc.index, tc.function?.arguments);
  }
  if (d.finishReason === "stop") break;
  if (d.usage) sink(d.usage.total_tokens satisfies number | undefined);
  // @ts-expect-error: a delta has `content`, not `text`
  sink(d.text);
}
const final = await stream.final();
check<Equal<typeof final, ChatResult>>(true);
const s2 = await client.chatStream(request);
const whole: string = await s2.text();
const textStream: ReadableStream<string> = (await client.chatStream(request)).textStream();
const deltaStream: ReadableStream<ChatDelta> = (await client.chatStream(request)).toReadableStream();
(await client.chatStream(request)).abort();
(await client.chatStream(request)).abort(new Error("user pressed stop"));
sink(text, whole, textStream, deltaStream);
const iterable: AsyncIterable<ChatDelta> = stream;
sink(iterable);

// ---- sessions
const session = client.session();
check<Equal<typeof session, ChatSession>>(true);
client.session("conversation-1");
client.session(undefined, { fallback: true });
client.session("conversation-2", { strategy: "seeded" });
await session.chat({ messages: [{ role: "user", content: "Hi" }] });
await session.chat({ messages: [{ role: "user", content: "Hi" }] }, { timeoutMs: 5000 });
const ss = await session.chatStream({ messages: [{ role: "user", content: "Hi" }] });
sink(await ss.text());
check<Equal<typeof session.model, string | undefined>>(true);
check<Equal<typeof session.provider, string | undefined>>(true);
sink(session.id satisfies string);
session.unpin();
// @ts-expect-error: a session id is a string
client.session(42);
// @ts-expect-error: the pinned model is read-only
session.model = "x";

// ---- batch
const progress: BatchProgress[] = [];
const batchOptions: BatchOptions = { concurrency: 4, onProgress: (p) => progress.push(p), signal: AbortSignal.timeout(60_000) };
const items = await client.batch([request, { messages: [{ role: "user", content: "Hi" }] }], batchOptions);
await client.batch([request]);
check<Equal<typeof items, BatchItem[]>>(true);
for (const it of items) {
  if (it.ok) check<Equal<typeof it.result, ChatResult>>(true);
  else check<Equal<typeof it.error, FreeRouterError>>(true);
  // @ts-expect-error: `result` only after checking `ok`
  sink(it.result);
}
// @ts-expect-error: batch takes an array of requests
await client.batch(request);
// @ts-expect-error: unknown batch option
await client.batch([request], { parallel: 4 });

// ---- quota
const quota = client.quota();
check<Equal<typeof quota, QuotaSnapshot>>(true);
const scope: QuotaScope = quota.scopes[0];
check<Equal<typeof scope.window, "minute" | "hour" | "day" | "custom">>(true);
check<Equal<typeof scope.source, "documented" | "learned" | "header" | "provider">>(true);
sink(scope.provider, scope.scope, scope.limit, scope.used, scope.remaining, scope.resetsAt, scope.unit);
sink(quota.spentUsd, quota.reservedUsd, quota.budgetUsd, quota.period satisfies "day" | "month" | "total");
// @ts-expect-error: quota() is synchronous
await client.quota().then(() => {});
const key = await client.refreshKeyInfo();
check<Equal<typeof key, KeyInfo>>(true);
check<Equal<typeof key.freeDailyRequests, { used: number; limit: number; remaining: number } | null>>(true);
check<Equal<typeof key.isFreeTier, boolean>>(true);
sink(key.freeRequestsPerDay, key.limitRemaining, key.fetchedAt);

// ---- events via addEventListener: the listener gets the event of the type it asked for
client.addEventListener("attempt", (e) => {
  check<Equal<typeof e, FreeRouterEventOf<"attempt">>>(true);
  sink(e.provider, e.model, e.n satisfies number, e.at);
});
client.addEventListener("fallback", (e) => sink(e.from, e.fromProvider, e.to, e.toProvider, e.reason satisfies FreeRouterErrorCode));
client.addEventListener("done", (e) => sink(e.route.attempts.length));
client.addEventListener("quota", (e) => sink(e.snapshot.scopes.length));
const onCooldown = (e: FreeRouterEventOf<"cooldown">) => sink(e.untilMs);
client.addEventListener("cooldown", onCooldown);
client.removeEventListener("cooldown", onCooldown);
const anyEvent = (e: FreeRouterEvent) => sink(e.type);
client.addEventListener("error", anyEvent); // a listener for every event fits any type
check<Equal<FreeRouterEventType, FreeRouterEvent["type"]>>(true);
// @ts-expect-error: unknown event type
client.addEventListener("token", () => {});
// @ts-expect-error: an "attempt" listener does not see `ttftMs`
client.addEventListener("attempt", (e) => sink(e.ttftMs));
// @ts-expect-error: a "cooldown" listener cannot listen to "done"
client.addEventListener("done", onCooldown);

// ---- errors
try {
  await client.chat(request);
} catch (e) {
  if (e instanceof FreeRouterError) {
    check<Equal<typeof e.code, FreeRouterErrorCode>>(true);
    const isError: Error = e;
    sink(isError.message, e.name === "AbortError", e.cause);
    switch (e.code) {
      case "rate_limited":
      case "quota_exhausted":
        sink(e.retryAfterMs satisfies number | undefined);
        break;
      case "stream_interrupted":
        sink(e.partial satisfies string | undefined);
        break;
      case "no_candidates":
        sink(e.attempts satisfies AttemptInfo[] | undefined);
        break;
      default:
        sink(e.status, e.provider, e.model);
    }
    // @ts-expect-error: not an error code
    if (e.code === "too_many_requests") sink(e);
    // @ts-expect-error: errors are read-only
    e.code = "auth";
  }
}
const made = new FreeRouterError("invalid_argument", "options.providers is empty", { provider: "openrouter" });
sink(made);
// @ts-expect-error: unknown error code
new FreeRouterError("oops", "message");

// client.fetch: a standard fetch, handed to OpenAI clients as their `fetch` option.
const routedFetch: FreeRouterFetch = client.fetch;
check<Equal<typeof client.fetch, FreeRouterFetch>>(true);
const viaFetch: Promise<Response> = routedFetch("https://free-router.invalid/v1/models");
sink(viaFetch, client.fetch(new Request("https://free-router.invalid/v1/chat/completions"), { method: "POST", body: "{}" }));
const globalShaped: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> = client.fetch;
sink(globalShaped);
// @ts-expect-error: fetch is read-only
client.fetch = globalThis.fetch;
