// The JavaScript anchor for the catalog benchmark: the same normalisation and the same filter
// semantics as src/core/catalog/ (parse_openrouter_models, Catalog::query), written the way a
// careful JS library would: parse once, normalise once (with a lowercase search text per model),
// then filter plain objects. Its output is checked against listModels() field by field, so the
// two sides provably do the same work.

const CAP_PARAMS = {
  tools: "tools",
  tool_choice: "toolChoice",
  structured_outputs: "structuredOutputs",
  response_format: "jsonMode",
  reasoning: "reasoning",
  include_reasoning: "reasoning",
};
const CAPS = ["vision", "tools", "toolChoice", "structuredOutputs", "jsonMode", "reasoning"];

function num(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.trim();
    return t === "" ? NaN : Number(t);
  }
  return NaN;
}

const known = (x) => (Number.isFinite(x) && x >= 0 ? x : null);

function count(v) {
  const x = num(v);
  return x !== null && Number.isFinite(x) && x >= 0 ? Math.floor(x) : null;
}

function perMTok(x) {
  if (known(x) === null) return -1;
  const y = Math.round(x * 1e12) / 1e6;
  return Number.isFinite(y) ? y : -1;
}

function priceOf(v) {
  const x = num(v);
  if (x === null) return 0;
  return known(x) ?? -1;
}

function strs(v) {
  return Array.isArray(v) ? v.filter((s) => typeof s === "string") : [];
}

function modalities(v) {
  const a = strs(v);
  return a.length ? a : ["text"];
}

function expiry(s) {
  if (typeof s !== "string" || s.length < 10) return [null, null];
  if (s.length > 10 && s[10] !== "T" && s[10] !== " ") return [null, null];
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return [null, null];
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (mo < 1 || mo > 12 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return [null, null];
  return [s.slice(0, 10), ms];
}

/** One raw OpenRouter entry -> the normalised model (or null when it has no string id). */
export function normalise(raw, provider) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const id = raw.id;
  if (typeof id !== "string" || id === "") return null;
  const obj = (v) => (v && typeof v === "object" && !Array.isArray(v) ? v : null);
  const arch = obj(raw.architecture);
  const top = obj(raw.top_provider);
  const caps = { tools: false, toolChoice: false, structuredOutputs: false, jsonMode: false, reasoning: false, vision: false };
  for (const p of strs(raw.supported_parameters)) {
    const c = CAP_PARAMS[p];
    if (c) caps[c] = true;
  }
  const input = modalities(arch && arch.input_modalities);
  if (input.includes("image")) caps.vision = true;
  let pricing;
  let allZero = false;
  const pr = obj(raw.pricing);
  if (pr) {
    let p = 0, c = 0, q = 0;
    allZero = true;
    for (const k in pr) {
      if (k === "overrides" || k === "discount") continue;
      const x = priceOf(pr[k]);
      if (x !== 0) allZero = false;
      if (k === "prompt") p = x;
      else if (k === "completion") c = x;
      else if (k === "request") q = x;
    }
    pricing = { prompt: perMTok(p), completion: perMTok(c), request: q };
  } else {
    pricing = { prompt: -1, completion: -1, request: -1 };
  }
  const [expiresAt, expiresAtMs] = expiry(raw.expiration_date);
  const name = typeof raw.name === "string" ? raw.name : id;
  const description = typeof raw.description === "string" ? raw.description : "";
  const created = num(raw.created);
  const tokenizer = arch && arch.tokenizer;
  return {
    info: {
      id,
      provider,
      name,
      description,
      free: id.endsWith(":free") || allZero,
      contextLength: count(raw.context_length) ?? (top ? count(top.context_length) : null),
      maxOutputTokens: top ? count(top.max_completion_tokens) : null,
      inputModalities: input,
      outputModalities: modalities(arch && arch.output_modalities),
      capabilities: caps,
      pricing: {
        promptPerMTok: known(pricing.prompt),
        completionPerMTok: known(pricing.completion),
        request: known(pricing.request),
      },
      expiresAt,
      created: created !== null && Number.isFinite(created) ? created : null,
      status: "available",
      stats: { ttftMsP50: null, tokensPerSec: null, successRate: null },
    },
    isRouter: id.startsWith("openrouter/") || id.startsWith("~") || tokenizer === "Router",
    expiresAtMs,
    hay: `${id.toLowerCase()}\n${name.toLowerCase()}\n${description.toLowerCase()}`,
  };
}

/** Parse an OpenRouter /models body into normalised entries. */
export function parseCatalog(text, provider = "openrouter") {
  const root = JSON.parse(text);
  const out = [];
  for (const raw of root.data) {
    const m = normalise(raw, provider);
    if (m) out.push(m);
  }
  return out;
}

/** Catalog::query over normalised entries; returns ModelInfo objects. */
export function query(models, f = {}, nowMs = Date.now()) {
  const free = "free" in f ? f.free : true;
  const need = CAPS.filter((c) => f[c] === true);
  const needle = f.search ? f.search.toLowerCase() : null;
  const minCtx = f.minContext == null ? null : Math.ceil(f.minContext);
  const hits = [];
  for (const m of models) {
    const i = m.info;
    if (free !== null && free !== undefined && i.free !== free) continue;
    if (f.provider != null && i.provider !== f.provider) continue;
    let ok = true;
    for (const c of need) if (!i.capabilities[c]) ok = false;
    if (!ok) continue;
    if (!f.includeRouters && m.isRouter) continue;
    if (!f.includeExpired && m.expiresAtMs !== null && nowMs >= m.expiresAtMs) continue;
    if (minCtx !== null && i.contextLength !== null && i.contextLength < minCtx) continue;
    if (f.maxPromptPrice != null && !(i.pricing.promptPerMTok !== null && i.pricing.promptPerMTok <= f.maxPromptPrice)) continue;
    if (needle !== null && !m.hay.includes(needle)) continue;
    let key = 0;
    switch (f.sort) {
      case "context":
        key = i.contextLength === null ? Infinity : -i.contextLength;
        break;
      case "price": {
        const p = i.pricing.promptPerMTok, c = i.pricing.completionPerMTok;
        key = p === null || c === null ? Infinity : p + c;
        break;
      }
      case "latency":
        key = Infinity;
        break;
      case "newest":
        key = i.created === null ? Infinity : -i.created;
        break;
    }
    hits.push({ key, i });
  }
  if (f.sort) {
    const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    hits.sort((a, b) => cmp(a.key, b.key) || cmp(a.i.id, b.i.id) || cmp(a.i.provider, b.i.provider));
  }
  const n = f.limit == null ? hits.length : Math.min(hits.length, f.limit);
  const out = new Array(n);
  for (let k = 0; k < n; k++) out[k] = hits[k].i;
  return out;
}
