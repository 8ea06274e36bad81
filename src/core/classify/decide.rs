//! The decision: the precedence table applied to what was read.
//!
//! Verdicts hold static text templates, filled once in `run`: one filler instead of a format!
//! and two owned Strings at each of the ~40 verdict sites (the largest function of the module).

use super::clean::{clean, strip_tags};
use super::hints::message_facts;
use super::read::{one_of, tag_status, Body, Info};
use super::rules::{
    auth, context, cool_down, daily_pool, minute_pool, privacy, rate_limited, server_error,
};
use super::{error_for, Action, Classified, ErrorInput};
use crate::core::catalog::Capability;
use crate::core::error::ErrorCode;
use crate::core::limits::LimitFact;
use crate::core::provider::ProviderKind;
use crate::core::text;

/// `{m}` is dropped: the advice of every eviction.
pub(super) const EVICT: &str = "{m} is dropped until the next catalog refresh";
pub(super) const ANOTHER: &str = "Another model may succeed";

pub(super) struct Verdict {
    code: ErrorCode,
    pub(super) action: Action,
    /// What happened. Templates: `{p}` provider, `{m}` model, `{x}` `extra`, `{w}` `wait`,
    /// `{s}` the status and the provider's own words ("(HTTP 429: ...)").
    lead: &'static str,
    /// What happens next and what the user can do; same placeholders.
    pub(super) advice: &'static str,
    pub(super) extra: String,
    pub(super) wait: String,
    pub(super) retry: Option<u64>,
}

impl Verdict {
    #[inline(never)]
    pub(super) fn new(
        code: ErrorCode,
        action: Action,
        lead: &'static str,
        advice: &'static str,
    ) -> Verdict {
        Verdict {
            code,
            action,
            lead,
            advice,
            extra: String::new(),
            wait: String::new(),
            retry: None,
        }
    }

    #[inline(never)]
    pub(super) fn with_extra(mut self, extra: String) -> Verdict {
        self.extra = extra;
        self
    }
}

/// The values a template's placeholders stand for.
struct Args<'a> {
    provider: &'a str,
    model: &'a str,
    extra: &'a str,
    wait: &'a str,
    said: &'a str,
}

/// Appends `template` with its placeholders filled.
#[inline(never)]
fn fill(out: &mut String, template: &str, args: &Args) {
    let mut rest = template;
    while let Some((head, tail)) = text::split_once(rest, "{") {
        out.push_str(head);
        let arg = match tail.as_bytes() {
            [b'p', b'}', ..] => args.provider,
            [b'm', b'}', ..] => args.model,
            [b'x', b'}', ..] => args.extra,
            [b'w', b'}', ..] => args.wait,
            [b's', b'}', ..] => args.said,
            _ => {
                out.push('{');
                rest = tail;
                continue;
            }
        };
        out.push_str(arg);
        rest = tail.get(2..).unwrap_or_default();
    }
    out.push_str(rest);
}

pub(super) fn run(input: &ErrorInput, mut info: Info) -> Classified {
    let failed = input.status >= 400;
    let status = if failed {
        input.status
    } else {
        info.num
            .filter(|n| (400..=599).contains(n))
            .or_else(|| info.tags.iter().find_map(|t| tag_status(t)))
            .unwrap_or(0)
    };
    // "groq rate-limited x (HTTP 429: <their words>)".
    let mut said = match (failed, status) {
        (true, s) => format!(" (HTTP {s}"),
        (false, 0) => " (error inside a successful response".to_string(),
        (false, s) => format!(" (error {s} inside a successful response"),
    };
    // Moved out, not cloned: nothing reads them after this.
    let mut headers = std::mem::take(&mut info.meta_headers);
    // A push loop: extend over a cloning iterator is an instance of its own.
    for (name, value) in input.headers {
        headers.push((name.clone(), value.clone()));
    }
    let mut facts = Vec::new();
    let v = decide(input, &info, status, &headers, &mut facts);

    if !info.msg.is_empty() {
        said.push_str(": ");
        said.push_str(&info.msg);
    }
    said.push(')');
    let args = Args {
        provider: input.provider,
        model: input.model,
        extra: &v.extra,
        wait: &v.wait,
        said: &said,
    };
    let mut message = String::new();
    match &info.lead {
        Some(lead) => message.push_str(lead),
        None => fill(&mut message, v.lead, &args),
    }
    message.push_str(". ");
    fill(&mut message, v.advice, &args);
    message.push('.');
    let mut error = error_for(v.code, message, input.provider, input.model);
    // In-body errors report their numeric code when it is a status; string codes keep the HTTP one.
    let num = info.num.filter(|n| !failed && (400..=599).contains(n));
    error.status = Some(num.unwrap_or(input.status));
    error.retry_after_ms = v.retry.map(|ms| ms.min(crate::core::error::MAX_DELAY_MS));
    Classified::new(error, v.action, facts)
}

fn decide(
    input: &ErrorInput,
    info: &Info,
    status: u16,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    use ErrorCode as C;
    // 1. OpenRouter's typed availability codes.
    if let Some(v) = availability(input, info, headers, facts) {
        return v;
    }

    // 2. OpenRouter's account-wide free pool.
    if info.has(&["free-models-per-day"]) || info.tag(&["openrouter_free_tier_daily"]) {
        return daily_pool(input, info, headers, facts);
    }
    if info.has(&["free-models-per-min"]) {
        return minute_pool(input, info, headers, facts);
    }

    // 3. Moderation: the input itself is refused.
    if info.tag(&["content_policy_violation", "refusal", "content_filter"])
        || !info.reasons.is_empty()
        || (status == 403 && info.has(&["moderation", "flagged"]))
    {
        let why = if info.reasons.is_empty() {
            String::new()
        } else {
            let mut why = text::join2(" (", &clean(&text::join(&info.reasons, ", "), 120));
            why.push(')');
            why
        };
        return Verdict::new(
            C::ContentFilter,
            Action::Stop,
            "{p} refused the input for {m} on content-policy grounds{x}{s}",
            "Rephrase the request; other models would most likely refuse it too",
        )
        .with_extra(why);
    }

    // 4. Context length, whatever the status (some providers use 500 or 422), but not a 429.
    // Static, not a local array rebuilt on the stack on every call.
    static CTX_WORDS: [&str; 8] = [
        "context length",
        "context_length",
        "context window",
        "maximum context",
        "prompt is too long",
        "too many tokens",
        "input is too long",
        "reduce the length",
    ];
    if !matches!(status, 413 | 429)
        && (info.tag(&[
            "context_length_exceeded",
            "token_limit_exceeded",
            "string_too_long",
        ]) || info.has(&CTX_WORDS))
    {
        return context(info);
    }

    match status {
        400 => bad_request(input, info),
        401 => auth(),
        402 => payment(input.kind),
        403 => forbidden(info),
        404 | 410 => not_found(info),
        408 => {
            let mut v = Verdict::new(C::Timeout, Action::TryNext, "{p} timed out on {m}{s}", "");
            cool_down(&mut v, input, info, headers);
            v
        }
        413 => {
            if info.tag(&["rate_limit_exceeded"]) || info.has(&["tokens per minute"]) {
                // Groq: the request alone exceeds the model's per-minute token budget, so
                // waiting will not help; the budget is a fact worth keeping.
                message_facts(info, input.model, input.now_ms, None, facts);
                return Verdict::new(
                    C::ContextLength,
                    Action::TryNext,
                    "{p} cannot take a request this large for {m}{s}",
                    "It exceeds the model's per-minute token limit on this account; trying \
                     another model. Shorten the prompt or lower max_tokens",
                );
            }
            context(info)
        }
        422 => Verdict::new(
            C::InvalidArgument,
            Action::TryNext,
            "{p} could not process the request for {m}{s}",
            ANOTHER,
        ),
        429 => rate_limited(input, info, headers, facts),
        500..=599 => server_error(input, info, headers),
        _ => Verdict::new(
            C::ProviderError,
            Action::TryNext,
            "{p} reported an unexpected error for {m}{s}",
            ANOTHER,
        ),
    }
}

/// OpenRouter's `error.availability.code`, switching on `retryable`.
fn availability(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Option<Verdict> {
    use ErrorCode as C;
    let code = info.avail_code.as_deref()?;
    let excluded = &info.avail_excluded;
    let mut v = match code {
        "capacity_exhausted" => rate_limited(input, info, headers, facts),
        "temporarily_unavailable" => server_error(input, info, headers),
        "privacy_restricted" => privacy(),
        "region_restricted" => Verdict::new(
            C::Forbidden,
            Action::Evict,
            "{p} does not serve {m} in this region{s}",
            EVICT,
        ),
        "constraint_filtered" if text::contains(excluded, "data_policy") => privacy(),
        "constraint_filtered" if text::contains(excluded, "context_length") => context(info),
        "constraint_filtered" => Verdict::new(
            C::NotFound,
            Action::TryNext,
            "{p} has no endpoint for {m} that meets the request's constraints{s}",
            "Relax provider settings such as max_price or require_parameters if this keeps \
             happening",
        ),
        _ if one_of(
            code,
            "model_not_found wrong_endpoint no_endpoints model_deprecated \
             model_unavailable_upstream free_variant_ended",
        ) =>
        {
            Verdict::new(
                C::NotFound,
                Action::Evict,
                "{p} cannot serve {m} ({x}){s}",
                EVICT,
            )
            .with_extra(code.to_string())
        }
        _ => return None,
    };
    // The router may flag a single occurrence as transient.
    if info.avail_retryable == Some(true) && matches!(v.action, Action::Evict | Action::TryNext) {
        cool_down(&mut v, input, info, headers);
    }
    Some(v)
}

fn bad_request(input: &ErrorInput, info: &Info) -> Verdict {
    use ErrorCode as C;
    if info.has(&["api key", "api_key"])
        && info.has(&["invalid", "not valid", "incorrect", "expired", "missing"])
    {
        return auth();
    }
    if info.tag(&["model_not_found"])
        || info.has(&[
            "not a valid model",
            "invalid model name",
            "unknown model",
            "model not found",
            "unavailable for free",
            "no endpoints found for",
            "no allowed providers",
        ])
        || (info.has(&["model"]) && info.has(&["does not exist", "not found"]))
    {
        return Verdict::new(C::NotFound, Action::Evict, "{p} cannot serve {m}{s}", EVICT);
    }
    if info.tag(&["tool_use_failed"]) {
        return Verdict::new(
            C::ProviderError,
            Action::TryNext,
            "{p} rejected a tool call that {m} produced{s}",
            "The model's tool call did not fit the request's tools",
        );
    }
    if input.status < 400 {
        // Accepted, then failed upstream mid-way: the request itself was fine.
        return Verdict::new(
            C::ProviderError,
            Action::TryNext,
            "{p} reported an error while generating with {m}{s}",
            ANOTHER,
        );
    }
    // OpenRouter validates requests itself, the same way for every model. A relayed
    // upstream 400, or a single-vendor provider's 400, is specific to that model or
    // provider (Gemini's compat layer rejects parameters others accept).
    let own = input.kind == ProviderKind::OpenRouter
        && info.upstream_name.is_none()
        && !info.has(&["provider returned error"]);
    if own {
        Verdict::new(
            C::InvalidArgument,
            Action::Stop,
            "{p} rejected the request as invalid{s}",
            "Fix the request; every model would reject it the same way",
        )
    } else {
        Verdict::new(
            C::InvalidArgument,
            Action::TryNext,
            "{p} rejected the request for {m}{s}",
            "If every model rejects it, fix the request",
        )
    }
}

fn payment(kind: ProviderKind) -> Verdict {
    let advice = if kind == ProviderKind::OpenRouter {
        "Add credits at https://openrouter.ai/settings/credits (a negative balance blocks free \
         models too), lower max_tokens, or add another provider; {p} is skipped for now"
    } else if kind == ProviderKind::Cerebras {
        "Cerebras' free tier needs a payment card on file since 2026-09; add one in the \
         Cerebras console, or add another provider; {p} is skipped for now"
    } else {
        "Check the account's billing, or add another provider; {p} is skipped for now"
    };
    Verdict::new(
        ErrorCode::PaymentRequired,
        Action::ProviderOut,
        "{p} needs payment for {m}{s}",
        advice,
    )
}

fn forbidden(info: &Info) -> Verdict {
    if info.has(&["guardrail", "region", "country", "territory"]) {
        return Verdict::new(
            ErrorCode::Forbidden,
            Action::Evict,
            "{p} does not allow {m} for this account or region{s}",
            EVICT,
        );
    }
    // An HTML 403 is a WAF/CDN block of the whole host; a JSON 403 is about the key.
    // Either way no model of this provider will get through.
    let advice = if info.body == Body::Html {
        "A firewall in front of {p} blocked the request; {p} is skipped for now"
    } else {
        "Check the permissions of the key configured for \"{p}\"; {p} is skipped for now"
    };
    Verdict::new(
        ErrorCode::Forbidden,
        Action::ProviderOut,
        "{p} refused access{s}",
        advice,
    )
}

fn not_found(info: &Info) -> Verdict {
    use ErrorCode as C;
    if info.has(&["that support"]) {
        let cap = if info.has(&["tool_choice", "tool choice"]) {
            Capability::ToolChoice
        } else if info.has(&["tool"]) {
            Capability::Tools
        } else if info.has(&["json_schema", "structured", "response_format"]) {
            Capability::StructuredOutputs
        } else if info.has(&["json"]) {
            Capability::JsonMode
        } else if info.has(&["image", "vision"]) {
            Capability::Vision
        } else if info.has(&["reasoning"]) {
            Capability::Reasoning
        } else {
            Capability::Tools
        };
        return Verdict::new(
            C::CapabilityUnsupported,
            Action::LacksCapability(cap),
            "{p} has no endpoint for {m} that supports {x}{s}",
            "Trying a model that supports {x}",
        )
        .with_extra(cap.human().to_string());
    }
    if info.has(&["data policy", "privacy", "guardrail"]) {
        return privacy();
    }
    // A 404 page that is not an API error means the path is wrong: check baseUrl.
    let page = matches!(info.body, Body::Html | Body::Empty)
        || (info.body == Body::Text && !info.has(&["model"]));
    if page {
        return Verdict::new(
            C::NotFound,
            Action::ProviderOut,
            "{p} has no such endpoint{s}",
            "Check the baseUrl configured for \"{p}\"; {p} is skipped for now",
        );
    }
    Verdict::new(C::NotFound, Action::Evict, "{p} cannot serve {m}{s}", EVICT)
}

pub(super) fn no_error(input: &ErrorInput, text: &str) -> Classified {
    let shown = if text.is_empty() {
        "an empty body".to_string()
    } else {
        format!(
            "a body that is neither a completion nor an error: {}",
            clean(&strip_tags(text), 120)
        )
    };
    let msg = format!(
        "{} answered HTTP {} for {} with {shown}",
        input.provider, input.status, input.model
    );
    Classified::new(
        error_for(ErrorCode::Parse, msg, input.provider, input.model).with_status(input.status),
        Action::TryNext,
        Vec::new(),
    )
}
