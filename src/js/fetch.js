import { describe } from "./glue.js";

// client.fetch: a standard fetch answering OpenAI's chat-completions and models endpoints from a
// FreeRouterClient, so openai-node, the AI SDK and other OpenAI clients run on its routing. It
// goes through the client's public chat/chatStream/listModels: no second routing path. Only the
// request's JSON body is used: the SDK's own headers (x-stainless-*, user-agent) reach no provider.

// FreeRouterError code -> the HTTP status OpenAI clients map to their error classes; others 502.
// The error's `type` is its code too: neither SDK reads `type`, and a table of OpenAI's names cost 100 B.
const STATUS = {
  invalid_argument: 400,
  context_length: 400,
  no_candidates: 400,
  capability_unsupported: 400,
  content_filter: 400,
  auth: 401,
  payment_required: 402,
  budget_exceeded: 402,
  forbidden: 403,
  not_found: 404,
  timeout: 408,
  rate_limited: 429,
  quota_exhausted: 429,
};


export function bindFetch(client) {
  return async (input, init) => {
    let call;
    try {
      call = await request(input, init);
    } catch (e) {
      // Whatever the arguments threw (a bad URL, a hostile getter): the caller's mistake.
      return failure(refusal("invalid_argument", `client.fetch(input, init) takes a URL or Request and a RequestInit: ${describe(e)}`));
    }
    const { signal } = call;
    try {
      return await answer(client, call);
    } catch (e) {
      if (aborted(signal)) throw signal.reason;
      if (e && e.name === "AbortError") throw e;
      return failure(e);
    }
  };
}

/** url path, method, signal and body text of a fetch call; Request validates and merges the rest. */
async function request(input, init) {
  // What the SDKs pass (a URL string and a string body) is read directly: a Request's text()
  // costs Chromium a task per call.
  if (typeof input === "string" && init && typeof init.body === "string") {
    return { url: path(input), method: String(init.method || "GET").toUpperCase(), signal: init.signal, text: init.body };
  }
  const r = new Request(input, init);
  return { url: path(r.url), method: r.method, signal: r.signal, text: await r.text() };
}

// Not duck-typed: `{ aborted: true }` is a bad signal (400), not an abort with an undefined reason.
const aborted = (signal) => signal instanceof AbortSignal && signal.aborted;

const path = (url) => new URL(url, "http://localhost").pathname.replace(/\/+$/, "");

async function answer(client, { url, method, signal, text }) {
  if (aborted(signal)) throw signal.reason;
  if (method === "POST" && url.endsWith("/chat/completions")) {
    let req;
    try {
      req = JSON.parse(text);
    } catch {}
    if (!req || typeof req !== "object" || Array.isArray(req)) {
      throw refusal("invalid_argument", "client.fetch: the body of POST /chat/completions must be a JSON object like { messages: [...] }");
    }
    const { stream, stream_options: streamOptions, ...rest } = req;
    const options = { signal };
    if (stream !== true) {
      const result = await client.chat(rest, options);
      return json(result, 200, routeHeaders(result.route));
    }
    const usage = !!(streamOptions && streamOptions.include_usage === true);
    return events(await client.chatStream(rest, options), usage);
  }
  if (method === "GET" && url.endsWith("/models")) {
    const data = (await client.listModels()).map((m) => ({ id: m.id, object: "model", created: m.created || 0, owned_by: m.provider }));
    return json({ object: "list", data }, 200, {});
  }
  throw refusal("not_found", `client.fetch answers POST …/chat/completions and GET …/models, not ${method} ${url || "/"}`);
}

/** A chat stream as OpenAI's server-sent events: chunks, the usage chunk if asked, [DONE]. */
function events(stream, withUsage) {
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  const created = (Date.now() / 1000) | 0;
  const it = stream[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let role = { role: "assistant" };
  const frame = (extra) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: stream.model, ...extra })}\n\n`;
  const chunk = (d) => {
    let out = "";
    if (d.content !== undefined || d.reasoning !== undefined || d.toolCalls || d.finishReason) {
      const delta = { ...role, content: d.content, reasoning: d.reasoning, tool_calls: d.toolCalls };
      role = {};
      const finish = d.finishReason || null;
      out += frame({ choices: [{ index: 0, delta, finish_reason: finish }], ...(finish && { route: stream.route }) });
    }
    if (d.usage && withUsage) out += frame({ choices: [], usage: d.usage, route: stream.route });
    return out;
  };
  const body = new ReadableStream({
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await it.next();
          if (done) {
            controller.enqueue(encoder.encode("data: [DONE]\n\n"));
            return controller.close();
          }
          const out = chunk(value);
          if (out) return controller.enqueue(encoder.encode(out));
        }
      } catch (e) {
        // Aborts error the body as a real fetch does; anything else is an error event, as OpenRouter sends.
        if (e && e.name === "AbortError") return controller.error(e);
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody(e)[1])}\n\n`));
        controller.close();
      }
    },
    cancel() {
      it.return();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream", ...routeHeaders(stream.route) } });
}

function routeHeaders(route) {
  return {
    "x-free-router-provider": route.provider,
    "x-free-router-model": route.model,
    "x-free-router-attempts": String(route.attempts.length),
  };
}

/** The OpenAI error JSON and status for `e` (a FreeRouterError or a refusal here). */
function errorBody(e) {
  const code = e && typeof e.code === "string" ? e.code : "invalid_argument";
  return [STATUS[code] || 502, { error: { message: String(e && e.message), type: code, code, param: null } }];
}

/** An OpenAI-shaped error Response; the SDK should not retry what the client already fell back from. */
function failure(e) {
  const [status, body] = errorBody(e);
  const headers = { "x-should-retry": "false" };
  if (status === 429 && e.retryAfterMs > 0) headers["retry-after"] = String(Math.ceil(e.retryAfterMs / 1000));
  return json(body, status, headers);
}

const refusal = (code, message) => ({ code, message });

function json(value, status, headers) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });
}
