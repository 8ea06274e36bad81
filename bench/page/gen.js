// Deterministic synthetic inputs for the benchmarks. Runs in the page and in Node (no imports).
// Same seed -> same bytes, so every variant, page and machine decodes the same transcript.

/** xorshift32: small, fast, deterministic; not for anything but test data. */
export function rng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    u32: next,
    /** [0, n) */
    int: (n) => next() % n,
    /** true with probability p */
    chance: (p) => next() / 4294967296 < p,
    pick: (a) => a[next() % a.length],
  };
}

// Tokens as models stream them: mostly ASCII words with a leading space, some punctuation and
// newlines, and some multi-byte text (Latin-1, CJK, Cyrillic, emoji outside the BMP).
const WORDS = (
  "the of and to a in is that for it as with was on be by this are or from at which an not " +
  "stream model token router request answer provider latency quota window retry fallback " +
  "function return value error result buffer decode parse event chunk byte string number " +
  "browser fetch promise async await iterator memory module compile instance export import"
).split(" ");
const EXOTIC = [
  "café", "naïve", "façade", "Zürich", "señor", "déjà", "übung", "Ångström",
  "日本語", "中文", "한국어", "東京", "Привет", "мир", "Ελληνικά", "עברית", "العربية",
  "😀", "🚀", "👍🏽", "🇫🇷", "—", "…", "“quoted”", "±", "€", "™",
];
const PUNCT = [",", ".", ";", ":", "!", "?", " -", " (", ")", "\n", "\n\n", "\t", ' "', '"', "\\", "`"];

/** One token of text (before JSON encoding). */
function token(r) {
  const k = r.int(100);
  if (k < 70) return " " + r.pick(WORDS);
  if (k < 82) return r.pick(PUNCT);
  if (k < 97) return " " + r.pick(EXOTIC);
  // Rare control characters must survive as \u00XX escapes.
  return r.pick(["\u0001", "\u001f", "\b", "\f", "\r"]);
}

/**
 * A JSON string literal for `s`: what JSON.stringify does, plus (like some providers) every
 * non-ASCII character written as a \uXXXX escape with probability `pEscape`, surrogate pairs
 * included.
 */
export function jsonStr(s, r, pEscape) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c > 0x7f && r.chance(pEscape)) {
      for (let i = 0; i < ch.length; i++) out += "\\u" + ch.charCodeAt(i).toString(16).padStart(4, "0");
    } else out += ch;
  }
  return out + '"';
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A synthetic OpenRouter chat.completion.chunk stream of about `targetBytes` bytes, in the shape
 * OpenRouter sends (tests/fixtures/sse_text-usage_gpt-4o-mini_2026-07.txt): a burst of
 * `: OPENROUTER PROCESSING` comments, content chunks (role repeated, native_finish_reason),
 * more comments between chunks, a finish chunk, a usage chunk, `data: [DONE]`.
 * Returns { bytes: Uint8Array, text: expected content, chunks: number of data events }.
 */
export function makeTranscript(targetBytes, seed = 1) {
  const r = rng(seed);
  let id = "gen-1786000000-";
  for (let i = 0; i < 20; i++) id += ID_CHARS[r.int(ID_CHARS.length)];
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":1786000000,"model":"openai/gpt-4o-mini","provider":"OpenAI","system_fingerprint":"fp_560af6e559","choices":[{"index":0,"delta":{"content":`;
  const tail = `,"role":"assistant"},"finish_reason":null,"native_finish_reason":null}]}\n\n`;
  const comment = ": OPENROUTER PROCESSING\n\n";
  const parts = [];
  let text = "";
  let size = 0;
  let chunks = 0;
  const push = (s) => {
    parts.push(s);
    // Byte length without encoding twice: count UTF-8 bytes of s.
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      size += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
    }
  };
  for (let i = 0; i < 12; i++) push(comment);
  // The first chunk: role only, empty content (as OpenRouter sends it).
  push(head + '""' + tail);
  chunks++;
  const end = targetBytes - 1400; // room for the finish, usage and [DONE] lines
  while (size < end) {
    if (r.chance(0.08)) push(comment);
    let t = "";
    const n = 1 + r.int(4);
    for (let k = 0; k < n; k++) t += token(r);
    text += t;
    push(head + jsonStr(t, r, 0.15) + tail);
    chunks++;
  }
  push(
    `data: {"id":"${id}","object":"chat.completion.chunk","created":1786000000,"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"stop"}]}\n\n`,
  );
  push(
    `data: {"id":"${id}","object":"chat.completion.chunk","created":1786000000,"model":"openai/gpt-4o-mini","provider":"OpenAI","service_tier":null,"choices":[{"index":0,"delta":{"content":"","role":"assistant"},"finish_reason":"stop","native_finish_reason":"stop"}],"usage":{"prompt_tokens":888,"completion_tokens":${chunks},"total_tokens":${888 + chunks},"cost":0.0145476,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0,"audio_tokens":0},"cost_details":{"upstream_inference_cost":0.0001776,"upstream_inference_prompt_cost":0.0001332,"upstream_inference_completions_cost":0.0000444}}}\n\n`,
  );
  chunks += 2;
  push("data: [DONE]\n\n");
  const bytes = new TextEncoder().encode(parts.join(""));
  return { bytes, text, chunks };
}

/**
 * One event whose single `data:` line is about `targetBytes` long: a chunk whose content is one
 * huge string (ASCII prose with escapes and multi-byte characters), then finish and [DONE].
 */
export function makeLargeEvent(targetBytes, seed = 7) {
  const r = rng(seed);
  const head =
    'data: {"id":"gen-1786000001-LargeEventLargeEvent","object":"chat.completion.chunk","created":1786000001,"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"role":"assistant","content":';
  const tail = '},"finish_reason":null,"native_finish_reason":null}]}\n\n';
  const finish =
    'data: {"id":"gen-1786000001-LargeEventLargeEvent","object":"chat.completion.chunk","created":1786000001,"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop","native_finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
  const enc = new TextEncoder();
  const budget = targetBytes - enc.encode(head + tail).length;
  // Build the literal in blocks so the size lands close to the target.
  const lits = [];
  const texts = [];
  let size = 2; // the quotes
  while (size < budget - 64) {
    let t = "";
    for (let k = 0; k < 16; k++) t += token(r);
    const lit = jsonStr(t, r, 0.15).slice(1, -1);
    const n = enc.encode(lit).length;
    if (size + n > budget) break;
    lits.push(lit);
    texts.push(t);
    size += n;
  }
  const line = head + '"' + lits.join("") + '"' + tail;
  const bytes = enc.encode(line + finish);
  return { bytes, text: texts.join(""), lineBytes: enc.encode(line).length };
}

/** Views of `bytes` cut every `size` bytes (cuts land anywhere: inside UTF-8, escapes, lines). */
export function cut(bytes, size) {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
  return out;
}

const FAMILIES = ["qwen", "meta-llama", "google", "mistralai", "deepseek", "openai", "nvidia", "z-ai", "moonshotai", "microsoft"];

/**
 * A catalog of `n` models in the live OpenRouter shape, made by replicating and perturbing the
 * recorded fixture's entries (ids, names, prices, context lengths, parameters, dates), compact
 * JSON as the API sends it. Deterministic for a given (fixture, n, seed).
 */
export function makeCatalog(fixture, n, seed = 3) {
  const r = rng(seed);
  const base = fixture.data;
  const out = [];
  for (let i = 0; i < n; i++) {
    const src = base[i % base.length];
    const m = structuredClone(src);
    const round = Math.floor(i / base.length);
    if (round > 0) {
      const fam = r.pick(FAMILIES);
      const suffix = m.id.endsWith(":free") ? ":free" : "";
      const stem = m.id.replace(/:free$/, "").split("/").pop();
      m.id = `${fam}/${stem}-r${round}${suffix}`;
      m.canonical_slug = `${m.id.replace(/:free$/, "")}-2026${String(1 + r.int(12)).padStart(2, "0")}`;
      m.name = `${m.name} (rev ${round})`;
      m.created = src.created - r.int(90 * 86400);
      if (typeof m.context_length === "number") m.context_length = [8192, 32768, 65536, 131072, 262144, 1048576][r.int(6)];
      if (m.pricing && !suffix && r.chance(0.5)) {
        for (const k of Object.keys(m.pricing)) {
          const v = Number(m.pricing[k]);
          if (v > 0) m.pricing[k] = String(Math.round(v * (0.5 + r.int(100) / 100) * 1e10) / 1e10);
        }
      }
      if (Array.isArray(m.supported_parameters) && r.chance(0.3)) {
        const drop = r.pick(m.supported_parameters);
        m.supported_parameters = m.supported_parameters.filter((p) => p !== drop);
      }
      if (r.chance(0.05)) m.expiration_date = r.chance(0.5) ? "2026-01-15" : "2027-03-01";
      if (m.links) m.links.details = `/api/v1/models/${m.canonical_slug}/endpoints`;
    }
    out.push(m);
  }
  return JSON.stringify({ data: out, total_count: out.length });
}
