// The fake upstream behind a FreeRouterClient in the SDK tests: an injected fetch answering
// OpenRouter's catalog and chat endpoints with the recorded shapes in tests/fixtures (never a live
// API). Runs in Node and in the browser: no Node imports; the fixture texts are passed in.

/** The content a recorded SSE transcript streams. */
export function sseText(sse) {
  let out = "";
  for (const data of sseData(sse)) {
    for (const c of data.choices || []) out += (c.delta && c.delta.content) || "";
  }
  return out;
}

/** The JSON data lines of a transcript ([DONE] and comments left out). */
export function sseData(sse) {
  return sse
    .split("\n")
    .filter((l) => l.startsWith("data: ") && l !== "data: [DONE]")
    .map((l) => JSON.parse(l.slice(6)));
}

/** A recorded transcript with its text replaced by `text`: the same chunk shapes, other words. */
export function rewrite(sse, text) {
  let placed = false;
  return sse
    .split("\n")
    .map((l) => {
      if (!l.startsWith("data: {")) return l;
      const data = JSON.parse(l.slice(6));
      for (const c of data.choices || []) {
        if (c.delta && typeof c.delta.content === "string" && c.delta.content !== "") {
          c.delta.content = placed ? "" : text;
          placed = true;
        }
      }
      return `data: ${JSON.stringify(data)}`;
    })
    .join("\n");
}

/**
 * `fx`: { models (catalog JSON text), text, tools, reasoning, midstream (SSE texts), errors (JSONL) }.
 * `script` is a queue of answers for chat calls; an empty queue answers `fx.text`. An answer is
 * { sse } | { status, body, headers } | { hang: true } (never answers; ends when aborted) |
 * { sse, stall: true } (sends the first chunks, then stalls until aborted).
 */
export function fakeUpstream(fx) {
  const calls = [];
  const script = [];
  const fetch = async (url, init = {}) => {
    const headers = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const call = { url: String(url), method: init.method || "GET", headers, body: init.body, signal: init.signal };
    calls.push(call);
    if (call.url.endsWith("/models")) return new Response(fx.models, { headers: { "content-type": "application/json" } });
    if (!call.url.endsWith("/chat/completions")) return new Response("{}", { status: 404 });
    const next = script.length ? script.shift() : { sse: fx.text };
    if (next.hang) return hang(init.signal);
    if (next.sse !== undefined) return sseResponse(next.sse, init.signal, next.stall);
    return new Response(next.body, { status: next.status, headers: { "content-type": "application/json", ...next.headers } });
  };
  return { fetch, calls, script, chats: () => calls.filter((c) => c.url.endsWith("/chat/completions")) };
}

/** A recorded error (tests/fixtures/errors.jsonl): the first with `status` whose body has `contains`. */
export function recordedError(fx, status, contains) {
  for (const line of fx.errors.split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    if (e.status === status && e.body.includes(contains)) return { status, body: e.body, headers: {} };
  }
  throw new Error(`no recorded ${status} with "${contains}" in errors.jsonl`);
}

function abortError(signal) {
  return signal && signal.reason ? signal.reason : new DOMException("aborted", "AbortError");
}

function hang(signal) {
  return new Promise((_, reject) => {
    if (signal) signal.addEventListener("abort", () => reject(abortError(signal)), { once: true });
  });
}

function sseResponse(sse, signal, stall) {
  const events = sse.split("\n\n").map((e) => e + "\n\n");
  const cut = stall ? Math.max(1, events.findIndex((e) => e.includes('"content":"') && !e.includes('"content":""')) + 1) : events.length;
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (i < cut) return controller.enqueue(encoder.encode(events[i++]));
      if (!stall) return controller.close();
      return new Promise((_, reject) => {
        if (signal) signal.addEventListener("abort", () => reject(abortError(signal)), { once: true });
      });
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}
