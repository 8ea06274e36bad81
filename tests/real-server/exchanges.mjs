// Raw HTTP exchanges with the LiteLLM proxy (not a test file): what it really sends for each case
// the tests rely on, reduced to what stays the same from run to run. record.mjs saves them as
// fixtures/litellm-exchanges.json; exchanges.test.mjs checks the running proxy still answers so.

// Headers worth keeping: those about limits, retries and CORS, and the content type.
const KEPT = /^(retry-after|llm_provider-retry-after|x-ratelimit-|access-control-|content-type$)/;

function headersOf(res, origin) {
  return Object.fromEntries(
    [...res.headers]
      .filter(([name]) => KEPT.test(name))
      .map(([name, value]) => [name, value === origin ? "<origin>" : value])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

// Ids, timestamps and LiteLLM's deployment hashes change per run; the start of a message does not.
function stable(value) {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "created" || (k === "id" && String(v).startsWith("chatcmpl-"))) continue;
      out[k] = k === "message" && typeof v === "string" ? v.slice(0, 70) : stable(v);
    }
    return out;
  }
  return value;
}

async function bodyOf(res) {
  const text = await res.text();
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6))
      .map((data) => (data === "[DONE]" ? data : stable(JSON.parse(data))));
  }
  try {
    return stable(JSON.parse(text));
  } catch {
    return text;
  }
}

export async function recordExchanges({ baseUrl, origin, goodKey }) {
  const chat = (model, { key = goodKey, stream = false } = {}) =>
    fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, origin },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: "fixture" }],
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }),
    });
  const cases = {
    "models": () => fetch(`${baseUrl}/v1/models`, { headers: { authorization: `Bearer ${goodKey}`, origin } }),
    "preflight": () =>
      fetch(`${baseUrl}/v1/chat/completions`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
      }),
    "chat lab-text": () => chat("lab-text"),
    "stream lab-text with usage": () => chat("lab-text", { stream: true }),
    "rpm 1: first request": () => chat("lab-limited-fixture"),
    "rpm 1: second request, LiteLLM's own 429": () => chat("lab-limited-fixture"),
    "5xx lab-broken": () => chat("lab-broken"),
    "context length lab-small": () => chat("lab-small"),
    "unserved model": () => chat("lab-ghost"),
    "mid-stream error lab-midstream": () => chat("lab-midstream", { stream: true }),
    "wrong key (custom_auth)": () => chat("lab-text", { key: "sk-lab-fixture-wrong" }),
  };
  const out = {};
  for (const [name, send] of Object.entries(cases)) {
    const res = await send();
    out[name] = { status: res.status, headers: headersOf(res, origin), body: await bodyOf(res) };
  }
  return out;
}
