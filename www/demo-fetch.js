// The offline demo provider: a `fetch` replacement that emulates OpenRouter's HTTP
// API (catalog, chat completions with SSE streaming, errors, key info, PKCE key
// exchange) without any network. The demo page hands it to FreeRouterClient so the
// real library runs end to end; tests use it as a faithful, seeded fake.
//
//   const fetch = createDemoFetch({ seed: 1, speed: 10, faults: { rate429: 0.1 } });
//   const res = await fetch("https://demo.invalid/api/v1/models");
//
// Shapes follow shared/reference/openrouter-api.md §1.2, §2.2, §2.3, §3 and the
// recorded transcripts in tests/fixtures. It never reads request headers, so an
// Authorization header (the user's key) can't leak into logs or answers.

import { composeAnswer, imageAnswer, reasoningFor, toolResultAnswer } from "./demo-answers.js";

/**
 * @typedef {object} DemoFaults
 * @property {number} [rate429]        share of chat requests answered 429 by a model's upstream (scaled per model)
 * @property {number} [rate404]        share answered 404 "No endpoints found for <model>." (scaled per model)
 * @property {number} [rateMidstream]  share of streams broken mid-way by an in-stream error chunk (scaled per model)
 *
 * @typedef {object} DemoFetchOptions
 * @property {number|string} [seed]    makes answers, pacing and faults reproducible
 * @property {number} [speed]          pacing divisor: 1 = realistic, 10 = ten times faster, Infinity = no delays
 * @property {boolean|DemoFaults} [faults]  false (default) = never; true = DEFAULT_FAULTS
 * @property {object|string} [catalog] a /models body to serve instead of www/demo-catalog.json
 * @property {() => number} [now]      clock (epoch ms) for `created` and rate-limit resets
 * @property {string[]} [script]       faults for the first chat requests, in order, before the
 *   random ones: "429" (a model throttled upstream, with Retry-After), "429-tier" (the free tier's
 *   per-minute window, closed until `tierResetMs` from now), "404" (No endpoints found),
 *   "midstream" (a broken stream), "ok"
 * @property {object[]} [log]         when given, each chat request's body is pushed to it (tests)
 * @property {number} [tierResetMs]    how long a scripted "429-tier" keeps the account window
 *   closed (default: until the next minute)
 *
 * Random faults only ever hit one model (upstream 429, 404, a broken stream), so the library's
 * fallback has somewhere to go. The account-wide free-tier limits (20 requests a minute, 50 a
 * day, as on OpenRouter) answer 429 only when that many requests were really made, or when a
 * script says so: the demo never locks itself by chance.
 */

export const DEFAULT_FAULTS = Object.freeze({ rate429: 0.08, rate404: 0.04, rateMidstream: 0.05 });
export const ACCOUNT_LIMITS = Object.freeze({ perMinute: 20, perDay: 50 });

// Pacing at speed 1, in ms, modelled on the recorded OpenRouter streams.
const PACE = {
  headers: [60, 180], // fetch resolves once headers arrive
  firstToken: [300, 900], // from request start to the first data event
  comment: [120, 260], // ": OPENROUTER PROCESSING" keep-alives while waiting
  token: [15, 40],
  hiccup: [80, 220], // an occasional slow token
  error: [120, 400], // time to a 4xx answer
  small: [30, 120], // catalog, key info
};

const PROCESSING = ": OPENROUTER PROCESSING\n\n";
const USER_ID = "user_demo";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * @param {DemoFetchOptions} [options]
 * @returns {((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & { activeTimers: () => number }}
 */
export function createDemoFetch(options = {}) {
  const seed = seedFrom(options.seed);
  const speed = Number(options.speed) > 0 ? Number(options.speed) : 1;
  const faults = resolveFaults(options.faults);
  const now = typeof options.now === "function" ? options.now : () => Date.now();
  // Separate streams so switching faults on or off does not change answers or pacing.
  const faultRng = makeRng(seed ^ 0x2545f491);
  const paceRng = makeRng(seed ^ 0x68e31da4);
  const idRng = makeRng(seed ^ 0x1b873593);
  const timers = new Set();
  let catalogText = null;
  let catalogModels = null;

  const loadCatalog = async () => {
    catalogText ??= await readCatalog(options.catalog);
    return catalogText;
  };
  // Parsed once: chat requests look models up on every call.
  const loadModels = async () => {
    catalogModels ??= JSON.parse(await loadCatalog()).data ?? [];
    return catalogModels;
  };
  const ms = (range, rng = paceRng) => {
    const base = range[0] + rng() * (range[1] - range[0]);
    return speed === Infinity ? 0 : base / speed;
  };
  const script = Array.isArray(options.script) ? options.script.map((x) => String(x).trim()) : [];
  const tierResetMs = Number(options.tierResetMs) > 0 ? Number(options.tierResetMs) : null;
  // The account's free-model requests: a sliding minute, the UTC day, a scripted closure.
  const account = { recent: [], day: "", dayCount: 0, closedUntil: 0 };
  const log = Array.isArray(options.log) ? options.log : null;
  const env = { seed, faults, script, now, faultRng, paceRng, idRng, timers, ms, loadModels, tierResetMs, account, log };

  const demoFetch = async (input, init = undefined) => {
    const req = await readRequest(input, init);
    if (req.signal?.aborted) throw abortReason(req.signal);
    const path = req.url.pathname.replace(/\/+$/, "");
    const method = req.method;

    if (path.endsWith("/chat/completions")) {
      if (method !== "POST") return methodNotAllowed();
      return chatCompletions(env, req);
    }
    if (path.endsWith("/models")) {
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed();
      const text = await loadCatalog();
      await sleep(ms(PACE.small), req.signal, timers);
      return new Response(method === "HEAD" ? null : text, { status: 200, headers: jsonHeaders() });
    }
    const listed = /\/models\/([^/]+\/[^/]+)\/endpoints$/.exec(path);
    if (listed) {
      if (method !== "GET") return methodNotAllowed();
      await sleep(ms(PACE.small), req.signal, timers);
      return endpointList(env, await loadModels(), decodeURIComponent(listed[1]));
    }
    if (path.endsWith("/auth/keys")) {
      if (method !== "POST") return methodNotAllowed();
      return exchangeCode(env, req);
    }
    if (path.endsWith("/key") || path.endsWith("/auth/key")) {
      if (method !== "GET") return methodNotAllowed();
      await sleep(ms(PACE.small), req.signal, timers);
      return json(200, keyInfo(env));
    }
    await sleep(ms(PACE.small), req.signal, timers);
    return json(404, { error: { message: "Not Found", code: 404 } });
  };
  // For tests: how many pacing timers are pending right now (0 once idle or aborted).
  demoFetch.activeTimers = () => timers.size;
  return demoFetch;
}

// ---------------------------------------------------------------- chat completions

async function chatCompletions(env, req) {
  const { ms, timers, faultRng, faults } = env;
  let body;
  try {
    body = JSON.parse(req.bodyText || "null");
  } catch {
    body = null;
  }
  if (!body || typeof body !== "object") {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(400, { error: { message: "Invalid JSON in request body", code: 400 } });
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  env.log?.push(body);
  if (messages.length === 0) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(400, { error: { message: 'Input required: specify "prompt" or "messages"', code: 400 } });
  }

  if (Array.isArray(body.models) && body.models.length > 3) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(400, { error: { message: "'models' array must have 3 items or fewer.", code: 400 } });
  }

  const catalog = await env.loadModels();
  const requested =
    typeof body.model === "string" && body.model
      ? body.model
      : Array.isArray(body.models) && typeof body.models[0] === "string"
        ? body.models[0]
        : "openrouter/free";
  const hasImage = messages.some(messageHasImage);
  const tools = Array.isArray(body.tools) ? body.tools.filter((t) => t && t.function && t.function.name) : [];

  // Resolve the model the way OpenRouter does: the Free Models Router picks a free
  // model that can serve the request and reports it in `model`; other ids must exist.
  let model;
  const isRouter = requested === "openrouter/free";
  if (isRouter) {
    const pool = catalog.filter(
      (m) =>
        m.id.endsWith(":free") &&
        !(m.expiration_date && Date.parse(`${m.expiration_date}T00:00:00Z`) <= env.now()) &&
        (!hasImage || inputs(m).includes("image")) &&
        (tools.length === 0 || params(m).includes("tools")),
    );
    const rng = makeRng(hashString(`${env.seed}|router|${lastUserText(messages)}`));
    model = pool[Math.floor(rng() * pool.length)] ?? catalog.find((m) => m.id === requested);
  } else {
    model = catalog.find((m) => m.id === requested);
  }
  if (!model) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(400, { error: { message: `${requested} is not a valid model ID`, code: 400 }, user_id: USER_ID });
  }
  // A model past its expiration_date is gone upstream, though this snapshot still lists it.
  if (model.expiration_date && Date.parse(`${model.expiration_date}T00:00:00Z`) <= env.now()) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(404, { error: { message: `No endpoints found for ${model.id}.`, code: 404 }, user_id: USER_ID });
  }
  if (hasImage && !inputs(model).includes("image")) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(404, { error: { message: "No endpoints found that support image input", code: 404 }, user_id: USER_ID });
  }
  if (tools.length && body.tool_choice !== "none" && !params(model).includes("tools")) {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(404, {
      error: {
        message:
          "No endpoints found that support tool use. To learn more about provider routing, visit: https://openrouter.ai/docs/guides/routing/provider-selection",
        code: 404,
      },
      user_id: USER_ID,
    });
  }

  const provider = providerFor(model.id, makeRng(hashString(`${env.seed}|provider|${model.id}`)));
  const created = Math.floor(env.now() / 1000);
  const id = `gen-${created}-${randomId(env.idRng, 20)}`;

  // Faults: one draw per request, even when faults are off, so the PRNG sequence
  // (and so everything else) does not depend on the fault settings. Each model has its own
  // temperament: the rates are scaled by a per-model factor between 0.25 and 1.75.
  const roll = faultRng();
  const roll2 = faultRng();
  let fault = null;
  if (faults) {
    const k = 0.25 + 1.5 * makeRng(hashString(`${env.seed}|temper|${model.id}`))();
    const r429 = faults.rate429 * k;
    const r404 = r429 + (isRouter ? 0 : faults.rate404 * k);
    const rMid = r404 + faults.rateMidstream * k;
    if (roll < r429) fault = "429";
    else if (roll < r404) fault = "404";
    else if (roll < rMid) fault = "midstream";
  }
  // A scripted fault (tests, ?script=429) wins over the dice.
  let forced = null;
  if (env.script.length) {
    forced = env.script.shift();
    fault = forced === "ok" ? null : forced === "429-tier" ? "tier" : forced;
  }
  // The account-wide window counts every request to a free model, like OpenRouter's.
  const window = isFreeModel(model) ? spendAccount(env, fault === "tier") : null;
  if (window) {
    await sleep(ms(PACE.error), req.signal, timers);
    return accountLimited(window);
  }
  if (fault === "429") {
    await sleep(ms(PACE.error), req.signal, timers);
    return upstreamLimited(model, provider, forced === "429" ? 0.9 : roll2);
  }
  if (fault === "404") {
    await sleep(ms(PACE.error), req.signal, timers);
    return json(404, { error: { message: `No endpoints found for ${model.id}.`, code: 404 }, user_id: USER_ID });
  }

  const plan = planAnswer(env, body, messages, model, tools, hasImage);
  const usage = usageFor(body, messages, model, plan);
  const meta = { id, provider, model: model.id, created };

  if (body.stream === true) {
    return streamResponse(env, req, meta, plan, usage, fault === "midstream");
  }

  const genMs =
    ms(PACE.firstToken) + (plan.contentPieces.length + plan.reasoningPieces.length) * ms(PACE.token) * 0.6;
  await sleep(genMs, req.signal, timers);
  if (fault === "midstream") {
    // Non-streaming failures that happen after the provider accepted the request come
    // back as HTTP 200 with an error payload (reference §2.2).
    return json(200, {
      error: {
        code: 502,
        message: "Provider returned error",
        metadata: { error_type: "provider_unavailable", provider_name: provider },
      },
      user_id: USER_ID,
    });
  }
  return json(200, completionBody(meta, plan, usage), { "X-Generation-Id": id });
}

const isFreeModel = (m) => m.id.endsWith(":free") || m.id === "openrouter/free";

/**
 * Counts one request against the account's free-model windows. Returns the window that
 * refuses it ({ kind, limit, reset }), or null when the request may go ahead (and was counted).
 * `close` (a scripted "429-tier") shuts the minute window now.
 */
function spendAccount(env, close) {
  const a = env.account;
  const now = env.now();
  if (close) a.closedUntil = now + (env.tierResetMs ?? 60_000 - (now % 60_000));
  a.recent = a.recent.filter((t) => t > now - 60_000);
  const day = new Date(now).toISOString().slice(0, 10);
  if (a.day !== day) {
    a.day = day;
    a.dayCount = 0;
  }
  if (a.closedUntil > now) return { kind: "min", limit: ACCOUNT_LIMITS.perMinute, reset: a.closedUntil };
  if (a.recent.length >= ACCOUNT_LIMITS.perMinute) return { kind: "min", limit: ACCOUNT_LIMITS.perMinute, reset: a.recent[0] + 60_000 };
  if (a.dayCount >= ACCOUNT_LIMITS.perDay) {
    return { kind: "day", limit: ACCOUNT_LIMITS.perDay, reset: Date.parse(`${day}T00:00:00Z`) + 86_400_000 };
  }
  a.recent.push(now);
  a.dayCount++;
  return null;
}

/** The account-wide free-tier 429: the body mirrors the headers in metadata because browsers
 *  often can't read X-RateLimit-* across origins. */
function accountLimited({ kind, limit, reset }) {
  const rl = { "X-RateLimit-Limit": String(limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) };
  const message =
    kind === "day"
      ? "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day"
      : "Rate limit exceeded: free-models-per-min. ";
  const body = { error: { message, code: 429, metadata: { headers: rl, provider_name: null } }, user_id: USER_ID };
  return new Response(JSON.stringify(body), { status: 429, headers: { ...jsonHeaders(), ...rl } });
}

/** One model throttled by its upstream provider, with a Retry-After of 2-9 s. */
function upstreamLimited(model, provider, roll) {
  const body = {
    error: {
      message: "Provider returned error",
      code: 429,
      metadata: {
        raw: `${model.id} is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations`,
        provider_name: provider,
      },
    },
    user_id: USER_ID,
  };
  const headers = { ...jsonHeaders(), "Retry-After": String(2 + Math.floor(roll * 8)) };
  return new Response(JSON.stringify(body), { status: 429, headers });
}

/** Decides what the "model" says: text (maybe with reasoning) or a tool call. */
function planAnswer(env, body, messages, model, tools, hasImage) {
  const prompt = lastUserText(messages);
  const rng = makeRng(hashString(`${env.seed}|answer|${prompt}`));
  const last = messages[messages.length - 1];
  const plan = { kind: "text", text: "", reasoning: "", contentPieces: [], reasoningPieces: [], finish: "stop" };

  const forced = body.tool_choice && typeof body.tool_choice === "object" ? body.tool_choice.function?.name : null;
  // Like a model, call a tool only when the prompt is about it (a word of its name, e.g.
  // "weather" for get_weather), or when tool_choice asks for one.
  const required = forced || body.tool_choice === "required";
  const relevant = tools.find((t) => toolWords(t.function.name).some((w) => prompt.toLowerCase().includes(w)));
  const wantsTool = tools.length > 0 && body.tool_choice !== "none" && last?.role !== "tool" && (required || relevant);
  if (wantsTool) {
    const tool = tools.find((t) => t.function.name === forced) ?? relevant ?? tools[0];
    const args = JSON.stringify(argsFor(tool.function.parameters, prompt, env.now()));
    plan.kind = "tool";
    plan.tool = { id: `call_${randomId(env.idRng, 24)}`, name: tool.function.name, arguments: args };
    plan.argPieces = splitArgs(args, rng);
    plan.finish = "tool_calls";
    return plan;
  }

  // A resumed stream sends the partial answer as a trailing assistant message: continue it.
  const prefix = last?.role === "assistant" && typeof last.content === "string" ? last.content : "";
  let topic = null;
  if (last?.role === "tool") {
    const call = findToolCall(messages, last.tool_call_id);
    plan.text = toolResultAnswer(call?.function?.name ?? "tool", last.content);
  } else if (hasImage) {
    plan.text = imageAnswer(model.id);
  } else {
    const answer = composeAnswer(prompt, rng);
    topic = answer.topic;
    plan.text = answer.text;
  }
  if (prefix) plan.text = continuation(plan.text, prefix);
  plan.contentPieces = tokenize(plan.text, rng);

  if (wantsReasoning(body, model)) {
    plan.reasoning = hasImage
      ? "The user sent an image. This is the offline demo, so nothing can look at it; I will say that and explain what routing did."
      : reasoningFor(topic);
    plan.reasoningPieces = tokenize(plan.reasoning, rng);
  }

  const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens);
  if (Number.isInteger(maxTokens) && maxTokens > 0 && maxTokens < plan.contentPieces.length) {
    plan.contentPieces = plan.contentPieces.slice(0, maxTokens);
    plan.text = plan.contentPieces.join("");
    plan.finish = "length";
  }
  return plan;
}

/** The words of a tool's name worth matching: get_weather -> ["weather"]. */
function toolWords(name) {
  return String(name)
    .toLowerCase()
    .split(/[^a-z0-9]+|(?=[A-Z])/)
    .filter((w) => w.length > 3 && !["get", "set", "fetch", "list", "tool"].includes(w));
}

/** The rest of `text` after `prefix` (matched exactly, else by length: another model's words). */
function continuation(text, prefix) {
  if (text.startsWith(prefix)) return text.slice(prefix.length) || " (nothing more to add)";
  return text.slice(Math.min(prefix.length, text.length)) || " (nothing more to add)";
}

function wantsReasoning(body, model) {
  if (!model.reasoning) return false;
  const r = body.reasoning;
  if (r && typeof r === "object") {
    if (r.exclude === true || r.enabled === false || r.effort === "none") return false;
    if (r.enabled === true || r.effort || r.max_tokens) return true;
  }
  return Boolean(model.reasoning.mandatory || model.reasoning.default_enabled);
}

function usageFor(body, messages, model, plan) {
  // ~4 characters per token, plus per-message overhead: close enough for a demo.
  let chars = 0;
  for (const m of messages) chars += messageText(m).length + 16;
  if (Array.isArray(body.tools)) chars += JSON.stringify(body.tools).length;
  const prompt = Math.max(1, Math.ceil(chars / 4));
  const reasoning = plan.reasoningPieces.length;
  const completion =
    (plan.kind === "tool" ? Math.ceil((plan.tool.arguments.length + plan.tool.name.length) / 3) : plan.contentPieces.length) +
    reasoning;
  const pp = Number(model.pricing?.prompt ?? 0);
  const cp = Number(model.pricing?.completion ?? 0);
  const cost = Number((prompt * pp + completion * cp).toPrecision(6));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cost,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0 },
    cost_details: { upstream_inference_cost: null },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

function completionBody(meta, plan, usage) {
  const message = { role: "assistant", content: plan.kind === "tool" ? null : plan.text, refusal: null };
  if (plan.reasoning) {
    message.reasoning = plan.reasoning;
    message.reasoning_details = [{ type: "reasoning.text", text: plan.reasoning, format: "unknown", index: 0 }];
  }
  if (plan.kind === "tool") {
    message.tool_calls = [
      { id: plan.tool.id, type: "function", function: { name: plan.tool.name, arguments: plan.tool.arguments } },
    ];
  }
  return {
    id: meta.id,
    provider: meta.provider,
    model: meta.model,
    object: "chat.completion",
    created: meta.created,
    system_fingerprint: null,
    choices: [{ index: 0, logprobs: null, finish_reason: plan.finish, native_finish_reason: plan.finish, message }],
    usage,
  };
}

// ---------------------------------------------------------------- SSE streaming

function streamResponse(env, req, meta, plan, usage, breakMidway) {
  const { ms, paceRng } = env;
  const chunk = (delta, finish = null) => ({
    id: meta.id,
    provider: meta.provider,
    model: meta.model,
    object: "chat.completion.chunk",
    created: meta.created,
    choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }],
  });
  const data = (obj) => `data: ${JSON.stringify(obj)}\n\n`;

  // 1. Build the whole event list (text + delay) up front from the seeded PRNG.
  const events = [];
  const firstAt = ms(PACE.firstToken);
  const headersAt = Math.min(ms(PACE.headers), firstAt);
  let waited = headersAt;
  do {
    const gap = Math.min(ms(PACE.comment), Math.max(0, firstAt - waited));
    events.push({ text: PROCESSING, delay: events.length === 0 ? 0 : gap });
    waited += gap;
  } while (waited < firstAt);
  let firstGap = Math.max(0, firstAt - waited);

  const body = [];
  for (const piece of plan.reasoningPieces) {
    body.push(
      chunk({
        role: "assistant",
        content: "",
        reasoning: piece,
        reasoning_details: [{ type: "reasoning.text", text: piece, format: "unknown", index: 0 }],
      }),
    );
  }
  if (plan.kind === "tool") {
    const { id, name } = plan.tool;
    body.push(
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }],
      }),
    );
    for (const frag of plan.argPieces) {
      body.push(
        chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, function: { arguments: frag }, type: "function" }] }),
      );
    }
  } else {
    for (const piece of plan.contentPieces) body.push(chunk({ role: "assistant", content: piece }));
  }

  let tail;
  if (breakMidway) {
    // Cut somewhere after the first token, then the terminal in-stream error event.
    const cut = Math.max(1, Math.floor(body.length * (0.2 + paceRng() * 0.5)));
    body.length = Math.min(body.length, cut);
    // Terminal in-stream error event, shaped as in the docs (reference §2.3).
    tail = [
      data({
        id: meta.id,
        provider: meta.provider,
        model: meta.model,
        object: "chat.completion.chunk",
        created: meta.created,
        error: {
          code: 502,
          message: "Provider returned error",
          metadata: { error_type: "provider_unavailable", provider_name: meta.provider },
        },
        choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
      }),
    ];
  } else {
    const finishChunk = chunk({ role: "assistant", content: "" }, plan.finish);
    const usageChunk = {
      id: meta.id,
      provider: meta.provider,
      model: meta.model,
      object: "chat.completion.chunk",
      created: meta.created,
      choices: [],
      usage,
    };
    tail = [data(finishChunk), data(usageChunk), "data: [DONE]\n\n"];
  }

  for (const obj of body) {
    const hiccup = paceRng() < 0.03;
    events.push({ text: data(obj), delay: firstGap + (hiccup ? ms(PACE.hiccup) : ms(PACE.token)) });
    firstGap = 0;
  }
  for (const text of tail) events.push({ text, delay: ms(PACE.token) * 0.5 });

  // 2. Turn events into network-like chunks: sometimes two events share a read,
  //    sometimes one event is split at an arbitrary byte (even inside a UTF-8 sequence).
  const chunks = [];
  for (let i = 0; i < events.length; i++) {
    let { text, delay } = events[i];
    while (i + 1 < events.length && paceRng() < 0.12) text += events[++i].text;
    const bytes = encoder.encode(text);
    if (bytes.length > 8 && paceRng() < 0.1) {
      const at = 1 + Math.floor(paceRng() * (bytes.length - 2));
      chunks.push({ bytes: bytes.subarray(0, at), delay });
      chunks.push({ bytes: bytes.subarray(at), delay: Math.min(delay, ms([0, 3])) });
    } else {
      chunks.push({ bytes, delay });
    }
  }

  // 3. Resolve the fetch once "headers" arrive, then pace the body from the stream's pull.
  return sleep(headersAt, req.signal, env.timers).then(() => {
    const body = pacedStream(chunks, req.signal, env.timers);
    return new Response(body, {
      status: 200,
      headers: {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        "X-Generation-Id": meta.id,
      },
    });
  });
}

/** A byte stream that emits `chunks` on their delays and obeys `signal`. */
function pacedStream(chunks, signal, timers) {
  const stop = new AbortController(); // stops our own timers on abort or cancel
  let i = 0;
  let ctrl;
  const onAbort = () => {
    const reason = abortReason(signal);
    stop.abort(reason);
    try {
      ctrl.error(reason); // what a real fetch body does when its request is aborted
    } catch {
      /* already closed */
    }
  };
  const done = () => signal?.removeEventListener("abort", onAbort);
  return new ReadableStream({
    start(c) {
      ctrl = c;
      signal?.addEventListener("abort", onAbort, { once: true });
    },
    async pull(c) {
      const next = chunks[i++];
      try {
        await sleep(next.delay, stop.signal, timers);
      } catch {
        return; // aborted or cancelled while waiting
      }
      c.enqueue(next.bytes);
      if (i >= chunks.length) {
        done();
        c.close();
      }
    },
    cancel() {
      done();
      stop.abort();
    },
  });
}

// ---------------------------------------------------------------- endpoint lists

/**
 * `GET /models/{author}/{slug}/endpoints`: the free and paid variants of a model, each as one
 * live endpoint, agreeing with what chat does: the parameters its catalog entry lists, no
 * endpoint once past its expiration date, and a steady per-model latency (from the seed).
 */
function endpointList(env, catalog, slug) {
  const variants = catalog.filter((m) => m.id === slug || m.id === `${slug}:free`);
  if (variants.length === 0) return json(404, { error: { message: `No model found for ${slug}`, code: 404 } });
  const live = variants.filter((m) => !(m.expiration_date && Date.parse(`${m.expiration_date}T00:00:00Z`) <= env.now()));
  const endpoints = live.map((m) => {
    const rng = makeRng(hashString(`${env.seed}|latency|${m.id}`));
    const p50 = Math.round(PACE.firstToken[0] + rng() * (PACE.firstToken[1] - PACE.firstToken[0]));
    const provider = providerFor(m.id, makeRng(hashString(`${env.seed}|provider|${m.id}`)));
    return {
      name: `${provider} | ${m.id}`,
      model_id: m.id,
      model_name: m.name,
      context_length: m.context_length,
      pricing: m.pricing,
      provider_name: provider,
      tag: provider.toLowerCase(),
      quantization: "unknown",
      max_completion_tokens: m.top_provider?.max_completion_tokens ?? null,
      max_prompt_tokens: null,
      supported_parameters: params(m),
      status: 0,
      uptime_last_5m: 100,
      uptime_last_30m: 99.5,
      uptime_last_1d: 99.1,
      latency_last_30m: { p50, p75: Math.round(p50 * 1.2), p90: Math.round(p50 * 1.6), p99: Math.round(p50 * 3) },
      throughput_last_30m: { p50: 60, p75: 75, p90: 90, p99: 120 },
    };
  });
  const m = variants[0];
  return json(200, { data: { id: slug, name: m.name, created: m.created, description: m.description ?? "", architecture: m.architecture, endpoints } });
}

// ---------------------------------------------------------------- key endpoints

function keyInfo(env) {
  const a = env.account;
  const used = a.day === new Date(env.now()).toISOString().slice(0, 10) ? a.dayCount : 0;
  return {
    data: {
      free_model_daily_requests: { used, limit: ACCOUNT_LIMITS.perDay, remaining: Math.max(0, ACCOUNT_LIMITS.perDay - used) },
      label: "offline demo",
      limit: null,
      limit_reset: null,
      limit_remaining: null,
      include_byok_in_limit: false,
      usage: 0,
      usage_daily: 0,
      usage_weekly: 0,
      usage_monthly: 0,
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_weekly: 0,
      byok_usage_monthly: 0,
      is_free_tier: true,
      is_management_key: false,
      is_provisioning_key: false,
      creator_user_id: null,
      expires_at: null,
      rate_limit: { requests: -1, interval: "10s", note: "This field is deprecated and safe to ignore." },
    },
  };
}

async function exchangeCode(env, req) {
  await sleep(env.ms(PACE.small), req.signal, env.timers);
  let body = null;
  try {
    body = JSON.parse(req.bodyText || "null");
  } catch {
    /* handled below */
  }
  if (!body || typeof body.code !== "string" || !body.code) {
    return json(400, { error: { message: "Missing or invalid code", code: 400 } });
  }
  const hex = Array.from({ length: 56 }, () => Math.floor(env.idRng() * 16).toString(16)).join("");
  return json(200, { key: `sk-or-v1-demo${hex}`, user_id: USER_ID });
}

// ---------------------------------------------------------------- request helpers

async function readRequest(input, init) {
  const isRequest = typeof Request !== "undefined" && input instanceof Request;
  const href = isRequest ? input.url : input instanceof URL ? input.href : String(input);
  let url;
  try {
    url = new URL(href, globalThis.location?.href);
  } catch {
    throw new TypeError(`Failed to fetch: invalid URL ${JSON.stringify(href)}`);
  }
  const method = String(init?.method ?? (isRequest ? input.method : "GET")).toUpperCase();
  const signal = init?.signal ?? (isRequest ? input.signal : undefined) ?? undefined;
  let bodyText = "";
  if (init?.body != null) bodyText = await bodyToText(init.body);
  else if (isRequest && method !== "GET" && method !== "HEAD") bodyText = await input.text();
  // Headers are deliberately never looked at (no key handling in the demo).
  return { url, method, signal, bodyText };
}

async function bodyToText(body) {
  if (typeof body === "string") return body;
  if (body instanceof ArrayBuffer) return decoder.decode(body);
  if (ArrayBuffer.isView(body)) return decoder.decode(body);
  if (typeof Blob !== "undefined" && body instanceof Blob) return body.text();
  if (body instanceof URLSearchParams) return body.toString();
  if (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) return new Response(body).text();
  return String(body);
}

async function readCatalog(override) {
  if (typeof override === "string") return override;
  if (override && typeof override === "object") return JSON.stringify(override);
  const url = new URL("./demo-catalog.json", import.meta.url);
  if (url.protocol === "file:") {
    // Node (tests, scripts): fetch() can't read file: URLs.
    const { readFile } = await import("node:fs/promises");
    return readFile(url, "utf8");
  }
  const res = await globalThis.fetch(url);
  if (!res.ok) throw new TypeError(`Failed to load the demo catalog (${res.status} ${url.pathname})`);
  return res.text();
}

function json(status, body, extraHeaders = {}) {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders(), ...extraHeaders } });
}

function jsonHeaders() {
  return { "Content-Type": "application/json" };
}

function methodNotAllowed() {
  return json(405, { error: { message: "Method Not Allowed", code: 405 } });
}

function abortReason(signal) {
  return signal?.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** setTimeout as a promise that rejects (and clears the timer) when `signal` aborts. */
function sleep(ms, signal, timers) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(t);
      timers.delete(t);
      reject(abortReason(signal));
    };
    const t = setTimeout(() => {
      timers.delete(t);
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    timers.add(t);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// ---------------------------------------------------------------- message helpers

function messageText(m) {
  if (!m) return "";
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) {
    return m.content.map((p) => (p && typeof p.text === "string" ? p.text : "")).join("\n");
  }
  return "";
}

function lastUserText(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === "user") return messageText(messages[i]);
  }
  return "";
}

function messageHasImage(m) {
  return Array.isArray(m?.content) && m.content.some((p) => p && (p.type === "image_url" || p.type === "input_image"));
}

function findToolCall(messages, callId) {
  for (const m of messages) {
    for (const c of Array.isArray(m?.tool_calls) ? m.tool_calls : []) {
      if (c?.id === callId) return c;
    }
  }
  return null;
}

const inputs = (m) => m.architecture?.input_modalities ?? [];
const params = (m) => m.supported_parameters ?? [];

/** Fills a JSON-schema `parameters` object with plausible values taken from the prompt. */
function argsFor(schema, prompt, nowMs) {
  const out = {};
  const props = schema && typeof schema === "object" && schema.properties ? schema.properties : {};
  const keys = Array.isArray(schema?.required) && schema.required.length ? schema.required : Object.keys(props);
  const place = (prompt.match(/\b(?:in|at|for|to)\s+([A-Z][\p{L}-]+(?:\s+[A-Z][\p{L}-]+)?)/u) ?? [])[1] ?? "Lisbon";
  for (const key of keys.slice(0, 8)) {
    const p = props[key] ?? {};
    const type = Array.isArray(p.type) ? p.type[0] : p.type;
    const k = key.toLowerCase();
    if (Array.isArray(p.enum) && p.enum.length) out[key] = p.enum[0];
    else if (p.default !== undefined) out[key] = p.default;
    else if (type === "number" || type === "integer") out[key] = p.minimum ?? 1;
    else if (type === "boolean") out[key] = true;
    else if (type === "array") out[key] = [];
    else if (type === "object") out[key] = {};
    else if (/city|location|place|where|destination/.test(k)) out[key] = place;
    else if (/unit/.test(k)) out[key] = "celsius";
    else if (/date|day/.test(k)) out[key] = new Date(nowMs).toISOString().slice(0, 10);
    else if (/lang/.test(k)) out[key] = "en";
    else if (/query|search|text|prompt|question|q$/.test(k)) out[key] = prompt.slice(0, 80);
    else out[key] = "demo";
  }
  return out;
}

function splitArgs(args, rng) {
  const pieces = [];
  for (let i = 0; i < args.length; ) {
    const n = 3 + Math.floor(rng() * 8);
    pieces.push(args.slice(i, i + n));
    i += n;
  }
  return pieces.length ? pieces : [args];
}

/**
 * Splits text into token-like pieces: words with their leading space, punctuation
 * on its own, now and then a word cut in two (like BPE does), now and then two
 * pieces merged. The pieces always concatenate back to the exact text.
 */
function tokenize(text, rng) {
  const raw = text.match(/\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu) ?? [];
  const out = [];
  for (const piece of raw) {
    const word = piece.trimStart();
    if (word.length > 7 && rng() < 0.3) {
      const chars = Array.from(piece); // never cut a surrogate pair
      const cut = chars.length - 2 - Math.floor(rng() * 3);
      out.push(chars.slice(0, cut).join(""), chars.slice(cut).join(""));
    } else if (out.length && rng() < 0.08) {
      out[out.length - 1] += piece;
    } else {
      out.push(piece);
    }
  }
  return out;
}

const PROVIDERS = {
  openai: ["DeepInfra", "Groq", "Chutes"],
  anthropic: ["Anthropic", "Google", "Amazon Bedrock"],
  google: ["Google AI Studio", "Google"],
  nvidia: ["Nvidia", "DeepInfra"],
  "z-ai": ["Z.AI", "Chutes"],
  qwen: ["Alibaba", "DeepInfra"],
  deepseek: ["DeepSeek", "DeepInfra"],
  "x-ai": ["xAI"],
  mistralai: ["Mistral"],
  "meta-llama": ["Groq", "Together", "DeepInfra"],
  moonshotai: ["Moonshot AI", "Groq"],
  perplexity: ["Perplexity"],
  liquid: ["Liquid"],
  cohere: ["Cohere"],
  poolside: ["Poolside"],
};

function providerFor(modelId, rng) {
  const author = modelId.split("/")[0];
  let list = PROVIDERS[author] ?? ["Chutes", "Novita", "DeepInfra"];
  if (author === "openai" && !modelId.startsWith("openai/gpt-oss")) list = ["OpenAI", "Azure"];
  return list[Math.floor(rng() * list.length)];
}

// ---------------------------------------------------------------- seeded randomness

/** splitmix32-style generator: tiny, fast, good enough spread for pacing and faults. */
export function makeRng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units; used to derive per-prompt seeds. */
function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function seedFrom(seed) {
  if (typeof seed === "number" && Number.isFinite(seed)) return seed >>> 0;
  if (typeof seed === "string" && seed) return hashString(seed);
  return Math.floor(Math.random() * 2 ** 32) >>> 0; // unseeded: differ between page loads
}

function resolveFaults(f) {
  if (!f) return null;
  const src = f === true ? DEFAULT_FAULTS : { rate429: 0, rate404: 0, rateMidstream: 0, ...f };
  const clamp = (x) => (Number.isFinite(Number(x)) ? Math.min(1, Math.max(0, Number(x))) : 0);
  return { rate429: clamp(src.rate429), rate404: clamp(src.rate404), rateMidstream: clamp(src.rateMidstream) };
}

function randomId(rng, n) {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < n; i++) s += abc[Math.floor(rng() * abc.length)];
  return s;
}
