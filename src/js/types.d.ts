/** Error codes of `FreeRouterError.code`. */
export type FreeRouterErrorCode =
  | "invalid_argument"
  | "no_candidates"
  | "capability_unsupported"
  | "rate_limited"
  | "quota_exhausted"
  | "budget_exceeded"
  | "auth"
  | "payment_required"
  | "forbidden"
  | "not_found"
  | "context_length"
  | "content_filter"
  | "timeout"
  | "network"
  | "provider_error"
  | "stream_interrupted"
  | "parse"
  | "aborted";

/** One try of one candidate model. */
export interface AttemptInfo {
  provider: string;
  model: string;
  /**
   * "ok", "aborted", the error code of what went wrong, "empty" (a 200 with no answer),
   * "invalid_output" (not the JSON response_format asked for), or, in a final error's list,
   * "skipped" (the plan left it out: see `reason`).
   */
  outcome: "ok" | FreeRouterErrorCode | "empty" | "invalid_output" | "skipped";
  status?: number;
  errorCode?: FreeRouterErrorCode;
  ms: number;
  /** For "skipped": why. */
  reason?: SkippedInfo["reason"];
}

/** What a `FreeRouterError` may carry besides its code and message. */
export interface FreeRouterErrorDetails {
  status?: number;
  provider?: string;
  model?: string;
  retryAfterMs?: number;
  attempts?: AttemptInfo[];
  partial?: string;
  scope?: FreeRouterErrorScope;
  cause?: unknown;
}

/**
 * What a failure set aside: `request` (the request itself is wrong: no other model was tried),
 * `model` (that model cools down or is dropped), `provider` (its key or account: out for the
 * session), `account` (a provider-wide quota, such as OpenRouter's free day).
 */
export type FreeRouterErrorScope = "request" | "model" | "provider" | "account";

/**
 * Every rejection from free-router. Aborts have `name === "AbortError"` and code `aborted`;
 * timeouts have `name === "TimeoutError"` and code `timeout`.
 */
export class FreeRouterError extends Error {
  constructor(code: FreeRouterErrorCode, message: string, details?: FreeRouterErrorDetails);
  readonly name: "FreeRouterError" | "AbortError" | "TimeoutError";
  readonly code: FreeRouterErrorCode;
  readonly status?: number;
  readonly provider?: string;
  readonly model?: string;
  /** How long to wait before the quota or model is usable again. */
  readonly retryAfterMs?: number;
  /** Every candidate tried before giving up. */
  readonly attempts?: AttemptInfo[];
  /** Text streamed before a `stream_interrupted` error. */
  readonly partial?: string;
  /** Where known: what the failure set aside. */
  readonly scope?: FreeRouterErrorScope;
}

export type ProviderId = "openrouter" | "groq" | "gemini" | "mistral" | "cerebras";
export type ProviderKind = ProviderId | "openai-compatible";

/** Limits you know for a provider, so the client waits instead of collecting 429s. */
export interface ProviderLimits {
  rpm?: number;
  rpd?: number;
  tpm?: number;
  /** A rolling window: `requests` per `perMs` milliseconds. */
  requests?: number;
  perMs?: number;
}

export interface ProviderOptions {
  /** "openrouter", "groq", "gemini", "mistral", "cerebras", or your own name with `kind`. */
  id: ProviderId | (string & {});
  kind?: ProviderKind;
  /** Override the well-known base URL (https, or http on loopback only). */
  baseUrl?: string;
  apiKey?: string;
  /** Model ids served by this provider (instead of, or before, `GET {baseUrl}/models`). */
  models?: string[];
  /** Whether calls to this provider cost nothing (default: true for free tiers and unpriced endpoints). */
  free?: boolean;
  limits?: ProviderLimits;
  /** USD per million prompt tokens (custom paid endpoints). */
  promptPrice?: number;
  /** USD per million completion tokens (custom paid endpoints). */
  completionPrice?: number;
}

export type Strategy = "random" | "ordered" | "fastest" | "seeded" | "router";

export interface FreeRouterOptions {
  /** At least one; order is preference order. */
  providers: ProviderOptions[];
  strategy?: Strategy;
  /** Seed for the "seeded" strategy. */
  seed?: number;
  /** `maxUsd: 0` (default) never spends money; above 0 the client may spill to paid models. */
  budget?: { maxUsd?: number; period?: "day" | "month" | "total" };
  /** Candidates tried per call before giving up (default 4). */
  maxAttempts?: number;
  /** Never wait longer than this on one Retry-After (default 60000). */
  retryAfterCapMs?: number;
  /** Catalog cache lifetime (default 3600000); a stale copy is served if a refresh fails. */
  catalogTtlMs?: number;
  /** "local": localStorage, shared by tabs (default); "memory": nothing persists. */
  storage?: "local" | "memory";
  /** OpenRouter attribution headers (HTTP-Referer, X-OpenRouter-Title). */
  app?: { url?: string; title?: string };
  /** Default timeout for every call, in ms. */
  timeoutMs?: number;
  /** How long one attempt may go without a first delta before the next model is tried (default 30000). */
  attemptTimeoutMs?: number;
  /** "auto": a conversation without a sessionId keeps the model that first answered it. */
  sticky?: "auto" | false;
  /** Injectable fetch (tests, proxies). Defaults to globalThis.fetch. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  onEvent?: (event: FreeRouterEvent) => void;
}

export interface ModelFilter {
  /** Default true. */
  free?: boolean;
  provider?: string;
  vision?: boolean;
  tools?: boolean;
  toolChoice?: boolean;
  structuredOutputs?: boolean;
  jsonMode?: boolean;
  reasoning?: boolean;
  minContext?: number;
  /** USD per million prompt tokens. */
  maxPromptPrice?: number;
  /** Case-insensitive substring of id, name or description. */
  search?: string;
  /** Include `openrouter/free` and similar meta-models. */
  includeRouters?: boolean;
  sort?: "context" | "price" | "latency" | "newest" | "id";
  limit?: number;
}

/**
 * `null`: the provider did not say (a router such as `openrouter/fusion` lists no parameters);
 * filters and routing then treat the model as possibly capable. `vision` is always known.
 */
export interface ModelCapabilities {
  tools: boolean | null;
  toolChoice: boolean | null;
  structuredOutputs: boolean | null;
  jsonMode: boolean | null;
  reasoning: boolean | null;
  vision: boolean;
}

export interface ModelInfo {
  id: string;
  provider: string;
  name: string;
  description: string;
  free: boolean;
  contextLength: number | null;
  maxOutputTokens: number | null;
  inputModalities: string[];
  outputModalities: string[];
  capabilities: ModelCapabilities;
  /** USD. */
  pricing: { promptPerMTok: number; completionPerMTok: number; request: number };
  /** ISO date, or null. */
  expiresAt: string | null;
  created: number | null;
  status: "available" | "cooling_down" | "evicted";
  /** As observed by this client; null until observed. */
  stats: { ttftMsP50: number | null; tokensPerSec: number | null; successRate: number | null };
}

export interface CatalogInfo {
  count: number;
  /** "network" when any provider's list was fetched, else "config" when one came from its `models` option. */
  source: "network" | "cache" | "config";
  fetchedAt: number;
  stale: boolean;
}

export interface TextPart {
  type: "text";
  text: string;
}
export interface ImagePart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}
export type ContentPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system" | "developer"; content: string | TextPart[]; name?: string }
  | { role: "user"; content: string | ContentPart[]; name?: string }
  | { role: "assistant"; content?: string | TextPart[] | null; tool_calls?: ToolCall[]; name?: string }
  | { role: "tool"; content: string | TextPart[]; tool_call_id: string };

export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonObject; strict?: boolean };
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The OpenAI chat-completions body. Unlisted fields are passed through as they are. */
export interface ChatRequest {
  messages: ChatMessage[];
  /** Omitted or "auto": the client chooses a free model that meets the request's needs. */
  model?: string;
  /** An explicit, ordered candidate list. */
  models?: string[];
  tools?: ToolDefinition[];
  tool_choice?: "none" | "auto" | "required" | { type: "function"; function: { name: string } };
  response_format?:
    | { type: "text" }
    | { type: "json_object" }
    | { type: "json_schema"; json_schema: { name: string; strict?: boolean; schema: JsonObject } };
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  reasoning?: { effort?: "max" | "xhigh" | "high" | "medium" | "low" | "minimal" | "none"; max_tokens?: number; exclude?: boolean; enabled?: boolean };
  [key: string]: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Try other models on failure (default: true for "auto", false for a named model). */
  fallback?: boolean;
  maxAttempts?: number;
  /** Wait for a quota window instead of failing: true (up to retryAfterCapMs) or a max in ms. */
  waitForQuota?: boolean | number;
  sessionId?: string;
  strategy?: Strategy;
  /** After a mid-stream error, continue on another model instead of failing. */
  resumeOnError?: boolean;
  /** The provider of a named model, when several serve it. */
  provider?: string;
  /** How long one attempt may go without a first delta before the next model is tried (default 30000). */
  attemptTimeoutMs?: number;
  /** chat() with a JSON response_format: an answer that does not parse (or misses a required property) falls back (default true). */
  validateOutput?: boolean;
  /** "auto": without a sessionId, keep the conversation on the model that first answered it. */
  sticky?: "auto" | false;
}

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  /** OpenRouter: the real cost in USD. */
  cost?: number;
  [key: string]: JsonValue | undefined;
}

/** A fragment of a streamed tool call; fragments with the same `index` belong together. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChatDelta {
  content?: string;
  reasoning?: string;
  /** Tool-call fragments, merged by `index` in `final()`. */
  toolCalls?: ToolCallDelta[];
  finishReason?: string;
  usage?: Usage;
}

export interface RouteInfo {
  provider: string;
  /** The model that actually answered. */
  model: string;
  attempts: AttemptInfo[];
  costUsd: number;
  latencyMs: number;
  ttftMs: number;
  /** Every candidate the planner considered and did not try, and why. */
  skipped: SkippedInfo[];
}

export interface SkippedInfo {
  provider: string;
  model: string;
  reason: "cooling_down" | "evicted" | "capability" | "context" | "budget" | "quota" | "provider_out" | "not_free" | "max_attempts";
  /** For a cooldown or a spent quota: when the candidate is usable again (epoch ms). */
  untilMs?: number;
}

export interface ChatResult {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  provider?: string | null;
  choices: {
    index: number;
    message: { role: "assistant"; content: string; reasoning?: string; tool_calls?: ToolCall[] };
    finish_reason: string;
  }[];
  usage: Usage | null;
  route: RouteInfo;
}

/** A streamed answer. Read it once: iterate, or `text()`, `textStream()`, `toReadableStream()`. */
export interface ChatStream extends AsyncIterable<ChatDelta> {
  readonly model: string;
  readonly provider: string;
  readonly route: RouteInfo;
  textStream(): ReadableStream<string>;
  toReadableStream(): ReadableStream<ChatDelta>;
  text(): Promise<string>;
  final(): Promise<ChatResult>;
  abort(reason?: unknown): void;
}

/** Fields every event has. */
export interface FreeRouterEventBase {
  /** Epoch ms. */
  at: number;
}
type EventBase = FreeRouterEventBase;
/**
 * Everything `onEvent` and `addEventListener` receive, discriminated by `type`.
 * `catalog.source` is "config" for a provider whose models come from its `models` option.
 */
export type FreeRouterEvent =
  | (EventBase & { type: "catalog"; provider: string; count: number; source: "network" | "cache" | "config"; stale?: boolean; error?: string })
  | (EventBase & { type: "attempt"; provider: string; model: string; n: number })
  | (EventBase & { type: "first_token"; provider: string; model: string; ttftMs: number })
  | (EventBase & { type: "fallback"; from: string; fromProvider: string; to: string; toProvider: string; reason: FreeRouterErrorCode })
  | (EventBase & { type: "cooldown"; provider: string; model: string; untilMs: number; reason: FreeRouterErrorCode })
  | (EventBase & { type: "rate_limited"; provider: string; model: string; retryAfterMs?: number })
  | (EventBase & { type: "quota"; snapshot: QuotaSnapshot })
  | (EventBase & { type: "waiting"; ms: number; provider?: string; scope?: string })
  | (EventBase & { type: "model_evicted"; provider: string; model: string; reason: string })
  | (EventBase & { type: "repin"; sessionId: string; from: string; to: string })
  | (EventBase & { type: "resume"; from: string; to: string; partialLength: number })
  | (EventBase & { type: "usage"; tokens: Usage; costUsd: number })
  | (EventBase & { type: "done"; route: RouteInfo })
  | (EventBase & { type: "error"; code: FreeRouterErrorCode; message: string; provider?: string; model?: string });

/** The names of the events: what `addEventListener` accepts. */
export type FreeRouterEventType = FreeRouterEvent["type"];
/** The event of one type, e.g. `FreeRouterEventOf<"attempt">`. */
export type FreeRouterEventOf<K extends FreeRouterEventType> = Extract<FreeRouterEvent, { type: K }>;

export interface QuotaScope {
  provider: string;
  scope: string;
  window: "minute" | "hour" | "day" | "custom";
  unit: "requests" | "tokens";
  limit: number;
  used: number;
  remaining: number;
  /** Epoch ms. */
  resetsAt: number;
  source: "documented" | "learned" | "header" | "provider";
}

export interface QuotaSnapshot {
  scopes: QuotaScope[];
  spentUsd: number;
  /** Held for paid calls still running (their worst case until they settle). */
  reservedUsd: number;
  budgetUsd: number;
  period: "day" | "month" | "total";
}

export interface KeyInfo {
  provider: string;
  /** As OpenRouter reports it; it no longer tells the 50 and 1000 a day tiers apart. */
  isFreeTier: boolean;
  /** `freeDailyRequests.limit`, or the documented 50 when OpenRouter does not report it. */
  freeRequestsPerDay: number;
  /** OpenRouter's own count of today's free-model requests (UTC day, about a minute behind). */
  freeDailyRequests: { used: number; limit: number; remaining: number } | null;
  label?: string;
  usage?: number;
  limit?: number | null;
  limitRemaining?: number | null;
  usageDaily?: number;
  fetchedAt: number;
}

export interface BatchProgress {
  done: number;
  failed: number;
  total: number;
  /** Time spent waiting for quota windows so far, in ms. */
  waitingMs: number;
}

export interface BatchOptions {
  /** Requests in flight at once (default 4, at most 64). */
  concurrency?: number;
  onProgress?: (p: BatchProgress) => void;
  signal?: AbortSignal;
}

export type BatchItem = { ok: true; result: ChatResult } | { ok: false; error: FreeRouterError };

/** Options of `FreeRouterClient.openRouterAuthUrl()` (Sign in with OpenRouter, OAuth PKCE). */
export interface OpenRouterAuthUrlOptions {
  /** Absolute http(s) URL OpenRouter sends the user back to with `?code=`; localhost works on any port. */
  callbackUrl: string;
  /** Name of the key created for the user (at most 100 characters). */
  keyLabel?: string;
  /** OpenRouter API base URL (default https://openrouter.ai/api/v1); the consent page is `/auth` on its origin. */
  baseUrl?: string;
  /** The consent page itself (default https://openrouter.ai/auth); wins over `baseUrl`. */
  authUrl?: string;
  /** Accepted for symmetry with `completeOpenRouterAuth`; building the URL makes no request. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Options of `FreeRouterClient.completeOpenRouterAuth()`. */
export interface CompleteOpenRouterAuthOptions {
  /** OpenRouter API base URL (default https://openrouter.ai/api/v1); https, or http on localhost. */
  baseUrl?: string;
  /** Injectable fetch (tests, proxies). Defaults to globalThis.fetch. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  signal?: AbortSignal;
  /** Give up on the key exchange after this many ms (default 30000). */
  timeoutMs?: number;
}

/**
 * `client.fetch`: a standard fetch bound to the client, for openai-node, the AI SDK and other
 * OpenAI clients. `POST …/chat/completions` (JSON, or server-sent events with `stream: true`) and
 * `GET …/models` run through the client; failures answer OpenAI-shaped error JSON.
 */
export type FreeRouterFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
