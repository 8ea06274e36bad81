// Catalog: ModelInfo objects built once per catalog version.

const MODEL_STATUS = ["available", "cooling_down", "evicted"];
const orNull = (x) => (x === x ? x : null); // NaN stands for null

/**
 * listModels/getModel results. `cache` holds this catalog version's models by catalog index,
 * parsed once; `rows` has 5 numbers per hit (index, status, ttftMsP50, tokensPerSec,
 * successRate; NaN = null); `added` is the JSON array of the hits not in `cache` yet, in row
 * order. Callers get copies: mutating a result must not change the next one.
 */
export function catalogModels(cache, rows, added) {
  const add = added ? JSON.parse(added) : [];
  const out = new Array(rows.length / 5);
  for (let i = 0, r = 0, k = 0; r < rows.length; i++, r += 5) {
    let t = cache[rows[r]];
    if (t === undefined) cache[rows[r]] = t = add[k++];
    const c = t.capabilities;
    const p = t.pricing;
    out[i] = {
      id: t.id,
      provider: t.provider,
      name: t.name,
      description: t.description,
      free: t.free,
      contextLength: t.contextLength,
      maxOutputTokens: t.maxOutputTokens,
      inputModalities: t.inputModalities.slice(),
      outputModalities: t.outputModalities.slice(),
      capabilities: {
        tools: c.tools,
        toolChoice: c.toolChoice,
        structuredOutputs: c.structuredOutputs,
        jsonMode: c.jsonMode,
        reasoning: c.reasoning,
        vision: c.vision,
      },
      pricing: { promptPerMTok: p.promptPerMTok, completionPerMTok: p.completionPerMTok, request: p.request },
      expiresAt: t.expiresAt,
      created: t.created,
      status: MODEL_STATUS[rows[r + 1]],
      stats: { ttftMsP50: orNull(rows[r + 2]), tokensPerSec: orNull(rows[r + 3]), successRate: orNull(rows[r + 4]) },
    };
  }
  return out;
}
