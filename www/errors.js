// Errors in words a person can act on. The code stays visible (it is what a developer would
// search for); the advice comes from the same quota snapshot the meters show, so the two agree.

const WINDOW_WORDS = { minute: "a minute", hour: "an hour", day: "a day", custom: "per window" };
const NAMES = { openrouter: "OpenRouter", groq: "Groq", gemini: "Gemini", mistral: "Mistral", cerebras: "Cerebras", demo: "The offline demo" };

export function describeError(e) {
  if (e && typeof e === "object" && typeof e.code === "string") return { code: e.code, message: String(e.message) };
  if (e instanceof Error) return { code: e.name, message: e.message };
  return { code: "error", message: String(e) };
}

/** One sentence about what to do next, by error code. */
export function friendlyError(code) {
  return (
    {
      network: "The provider could not be reached: check the connection, or whether a blocker stops this page.",
      auth: "The provider refused the key: check it, or sign in again.",
      payment_required: "The provider wants credits for this request.",
      no_candidates: "No free model can serve this request: try without the image or the tool, or another provider.",
      not_found: "That model is not served right now: pick another one or use auto.",
      timeout: "The model took too long: try again, or another model.",
      stream_interrupted: "The answer broke off: turn Fallback on to let another model continue it.",
    }[code] ?? ""
  );
}

/**
 * For a rate-limit or quota error: what is used up, when it resets, whether waiting makes sense.
 * @returns {{ text: string, resetsAt: number, canWait: boolean } | null}
 */
export function limitAdvice(e, snapshot, now = Date.now()) {
  const code = e?.code;
  if (code !== "rate_limited" && code !== "quota_exhausted") return null;
  const full = (Array.isArray(snapshot?.scopes) ? snapshot.scopes : [])
    .filter((s) => s.limit > 0 && s.used >= s.limit && s.resetsAt > now)
    .sort((a, b) => b.resetsAt - a.resetsAt);
  const s = full[0];
  if (s) {
    const left = s.resetsAt - now;
    const canWait = left <= 10 * 60_000;
    const unit = s.unit === "tokens" ? "tokens" : "requests";
    const who = s.provider === "demo" ? "The free tier" : `${NAMES[s.provider] ?? s.provider}'s free tier`;
    const text =
      `${who} allows ${s.limit} ${unit} ${WINDOW_WORDS[s.window] ?? "per window"}, and all ${s.limit} are used. ` +
      `It resets in ${countdown(left)}.` +
      (canWait ? " You can wait and send, or tick “Wait at limits” to always wait." : " Add another provider's key to keep chatting, or come back then.");
    return { text, resetsAt: s.resetsAt, canWait };
  }
  const retry = Number(e?.retryAfterMs) > 0 ? Number(e.retryAfterMs) : 10_000;
  return {
    text: `Every free model tried is busy right now (rate-limited upstream). Trying again in ${countdown(retry)} should work.`,
    resetsAt: now + retry,
    canWait: retry <= 10 * 60_000,
  };
}

/** "0:42", "12:05", "3 h 12 min". */
export function countdown(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
