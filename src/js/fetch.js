// client.fetch: a standard fetch answering OpenAI's chat-completions and models endpoints from a
// FreeRouterClient, so openai-node, the AI SDK and other OpenAI clients run on its routing. It
// goes through the client's public chat/chatStream/listModels: no second routing path. Only the
// request's JSON body is used: the SDK's own headers (x-stainless-*, user-agent) reach no provider.

// FreeRouterError code -> the HTTP status OpenAI clients map to their error classes; others 502.
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
const TYPE = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "insufficient_quota",
  403: "permission_error",
  404: "not_found_error",
  408: "timeout_error",
  429: "rate_limit_error",
};

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function bindFetch(client) {
  return async (input, init) => {
    let signal;
    try {
      const call = await request(input, init);
      signal = call.signal;
      return await answer(client, call);
    } catch (e) {
      if (signal && signal.aborted) throw signal.reason;
      if (e && e.name === "AbortError") throw e;
      return failure(e);
    }
  };
}

/** url, method, JSON body and signal of a fetch call, whatever form its arguments take. */
async function request(input, init) {
  init = init == null ? {} : init;
  if (typeof init !== "object") throw new Refusal("invalid_argument", "client.fetch: init must be an object like { method, body, signal }");
  const isRequest = typeof Request === "function" && input instanceof Request;
  let url;
  try {
    url = new URL(isRequest ? input.url : String(input), "http://localhost/").pathname.replace(/\/+$/, "");
  } catch {
    throw new Refusal("invalid_argument", "client.fetch: input must be a URL, a URL string or a Request");
  }
  const method = String(init.method || (isRequest ? input.method : "GET")).toUpperCase();
  const signal = init.signal || (isRequest ? input.signal : undefined);
  let body = init.body;
  if (body == null && isRequest && input.body) body = input;
  let text = "";
  // Response reads every BodyInit (string, bytes, Blob, stream...); a Request reads its own.
  if (body != null) text = await (body === input ? input.text() : new Response(body).text());
  return { url, method, signal, text };
}

async function answer(client, { url, method, signal, text }) {
  if (signal && signal.aborted) throw signal.reason;
  if (method === "POST" && url.endsWith("/chat/completions")) {
    let req;
    try {
      req = JSON.parse(text);
    } catch {}
    if (!req || typeof req !== "object" || Array.isArray(req)) {
      throw new Refusal("invalid_argument", "client.fetch: the body of POST /chat/completions must be a JSON object like { messages: [...] }");
    }
    const { stream, stream_options: streamOptions, ...rest } = req;
    const options = { signal };
    if (stream !== true) {
      const result = await client.chat(rest, options);
      result.id ||= newId();
      result.created ||= seconds();
      return json(result, 200, routeHeaders(result.route));
    }
    const usage = !!(streamOptions && streamOptions.include_usage === true);
    return events(await client.chatStream(rest, options), usage);
  }
  if (method === "GET" && url.endsWith("/models")) {
    const data = (await client.listModels()).map((m) => ({ id: m.id, object: "model", created: m.created || 0, owned_by: m.provider }));
    return json({ object: "list", data }, 200, {});
  }
  throw new Refusal("not_found", `client.fetch answers POST …/chat/completions and GET …/models, not ${method} ${url || "/"}`);
}

/** A chat stream as OpenAI's server-sent events: chunks, the usage chunk if asked, [DONE]. */
function events(stream, withUsage) {
  const id = newId();
  const created = seconds();
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
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody(e).body)}\n\n`));
        controller.close();
      }
    },
    cancel() {
      it.return();
    },
  });
  const headers = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...routeHeaders(stream.route) };
  return new Response(body, { status: 200, headers });
}

function routeHeaders(route) {
  return {
    "x-free-router-provider": route.provider,
    "x-free-router-model": route.model,
    "x-free-router-attempts": String(route.attempts.length),
  };
}

function errorBody(e) {
  let code = "invalid_argument";
  let message = "client.fetch failed";
  try {
    if (e && typeof e.code === "string") code = e.code;
    if (e && typeof e.message === "string") message = e.message;
  } catch {}
  const status = STATUS[code] || 502;
  return { status, body: { error: { message, type: TYPE[status] || "server_error", code, param: null } }, retry: e && e.retryAfterMs };
}

/** An OpenAI-shaped error Response; the SDK should not retry what the client already fell back from. */
function failure(e) {
  const { status, body, retry } = errorBody(e);
  const headers = { "x-should-retry": "false" };
  if (status === 429 && retry > 0) headers["retry-after"] = String(Math.ceil(retry / 1000));
  return json(body, status, headers);
}

function json(value, status, headers) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });
}

function newId() {
  return `chatcmpl-fr${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

function seconds() {
  return Math.floor(Date.now() / 1000);
}
