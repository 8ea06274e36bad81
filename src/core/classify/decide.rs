//! The decision: the precedence table applied to what was read.

use super::clean::{clean, strip_tags};
use super::hints::message_facts;
use super::read::{one_of, tag_status, Body, Info};
use super::rules::{
    auth, context, cool_down, daily_pool, minute_pool, privacy, rate_limited, server_error,
};
use super::{Action, Classified, ErrorInput};
use crate::core::catalog::Capability;
use crate::core::error::{Error, ErrorCode};
use crate::core::limits::LimitFact;
use crate::core::provider::ProviderKind;
use crate::core::text;

pub(super) struct Verdict {
    code: ErrorCode,
    pub(super) action: Action,
    /// What happened, in the provider's words where we have them.
    lead: String,
    /// What happens next and what the user can do.
    pub(super) advice: String,
    pub(super) retry: Option<u64>,
}

impl Verdict {
    pub(super) fn new(
        code: ErrorCode,
        action: Action,
        lead: String,
        advice: impl Into<String>,
    ) -> Verdict {
        Verdict {
            code,
            action,
            lead,
            advice: advice.into(),
            retry: None,
        }
    }
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
    info.label = match (failed, status) {
        (true, s) => format!("HTTP {s}"),
        (false, 0) => "error inside a successful response".to_string(),
        (false, s) => format!("error {s} inside a successful response"),
    };
    // Moved out, not cloned: nothing reads them after this.
    let mut headers = std::mem::take(&mut info.meta_headers);
    headers.extend(input.headers.iter().cloned());
    let mut facts = Vec::new();
    let v = decide(input, &info, status, &headers, &mut facts);

    let lead = info.lead.as_deref().unwrap_or(&v.lead);
    let mut error = Error::new(v.code, format!("{lead}. {}.", v.advice))
        .with_provider(input.provider)
        .with_model(input.model);
    // In-body errors report their numeric code when it is a status; string codes keep the HTTP one.
    let num = info.num.filter(|n| !failed && (400..=599).contains(n));
    error.status = Some(num.unwrap_or(input.status));
    error.retry_after_ms = v.retry.map(|ms| ms.min(crate::core::error::MAX_DELAY_MS));
    Classified::new(error, v.action, facts)
}

/// "groq rate-limited x (HTTP 429: <their words>)".
pub(super) fn said(info: &Info, what: String) -> String {
    if info.msg.is_empty() {
        format!("{what} ({})", info.label)
    } else {
        format!("{what} ({}: {})", info.label, info.msg)
    }
}

fn decide(
    input: &ErrorInput,
    info: &Info,
    status: u16,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    use ErrorCode as C;
    let (p, m, now) = (input.provider, input.model, input.now_ms);
    let evict = || format!("{m} is dropped until the next catalog refresh");

    // 1. OpenRouter's typed availability codes.
    if let Some(code) = info.avail_code.as_deref() {
        let v = match code {
            "capacity_exhausted" => Some(rate_limited(input, info, headers, facts)),
            "temporarily_unavailable" => Some(server_error(input, info, headers)),
            "privacy_restricted" => Some(privacy(input, info)),
            "region_restricted" => Some(Verdict::new(
                C::Forbidden,
                Action::Evict,
                said(info, format!("{p} does not serve {m} in this region")),
                evict(),
            )),
            "constraint_filtered" if text::contains(&info.avail_excluded, "data_policy") => {
                Some(privacy(input, info))
            }
            "constraint_filtered" if text::contains(&info.avail_excluded, "context_length") => {
                Some(context(input, info))
            }
            "constraint_filtered" => Some(Verdict::new(
                C::NotFound,
                Action::TryNext,
                said(
                    info,
                    format!("{p} has no endpoint for {m} that meets the request's constraints"),
                ),
                "Relax provider settings such as max_price or require_parameters if this keeps \
                 happening",
            )),
            _ if one_of(
                code,
                "model_not_found wrong_endpoint no_endpoints model_deprecated \
                 model_unavailable_upstream free_variant_ended",
            ) =>
            {
                Some(Verdict::new(
                    C::NotFound,
                    Action::Evict,
                    said(info, format!("{p} cannot serve {m} ({code})")),
                    evict(),
                ))
            }
            _ => None,
        };
        if let Some(mut v) = v {
            // The router may flag a single occurrence as transient.
            if info.avail_retryable == Some(true)
                && matches!(v.action, Action::Evict | Action::TryNext)
            {
                cool_down(&mut v, input, info, headers);
            }
            return v;
        }
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
            format!(
                " ({})",
                clean(&crate::core::text::join(&info.reasons, ", "), 120)
            )
        };
        return Verdict::new(
            C::ContentFilter,
            Action::Stop,
            said(
                info,
                format!("{p} refused the input for {m} on content-policy grounds{why}"),
            ),
            "Rephrase the request; other models would most likely refuse it too",
        );
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
        return context(input, info);
    }

    let failed = input.status >= 400;
    match status {
        400 => {
            if info.has(&["api key", "api_key"])
                && info.has(&["invalid", "not valid", "incorrect", "expired", "missing"])
            {
                return auth(input, info);
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
                return Verdict::new(
                    C::NotFound,
                    Action::Evict,
                    said(info, format!("{p} cannot serve {m}")),
                    evict(),
                );
            }
            if info.tag(&["tool_use_failed"]) {
                return Verdict::new(
                    C::ProviderError,
                    Action::TryNext,
                    said(info, format!("{p} rejected a tool call that {m} produced")),
                    "The model's tool call did not fit the request's tools",
                );
            }
            if !failed {
                // Accepted, then failed upstream mid-way: the request itself was fine.
                return Verdict::new(
                    C::ProviderError,
                    Action::TryNext,
                    said(
                        info,
                        format!("{p} reported an error while generating with {m}"),
                    ),
                    "Another model may succeed",
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
                    said(info, format!("{p} rejected the request as invalid")),
                    "Fix the request; every model would reject it the same way",
                )
            } else {
                Verdict::new(
                    C::InvalidArgument,
                    Action::TryNext,
                    said(info, format!("{p} rejected the request for {m}")),
                    "If every model rejects it, fix the request",
                )
            }
        }
        401 => auth(input, info),
        402 => {
            let what = if input.kind == ProviderKind::OpenRouter {
                "Add credits at https://openrouter.ai/settings/credits (a negative balance blocks \
                 free models too), lower max_tokens, or add another provider"
            } else if input.kind == ProviderKind::Cerebras {
                "Cerebras' free tier needs a payment card on file since 2026-09; add one in the \
                 Cerebras console, or add another provider"
            } else {
                "Check the account's billing, or add another provider"
            };
            Verdict::new(
                C::PaymentRequired,
                Action::ProviderOut,
                said(info, format!("{p} needs payment for {m}")),
                format!("{what}; {p} is skipped for now"),
            )
        }
        403 => {
            if info.has(&["guardrail", "region", "country", "territory"]) {
                return Verdict::new(
                    C::Forbidden,
                    Action::Evict,
                    said(
                        info,
                        format!("{p} does not allow {m} for this account or region"),
                    ),
                    evict(),
                );
            }
            // An HTML 403 is a WAF/CDN block of the whole host; a JSON 403 is about the key.
            // Either way no model of this provider will get through.
            let what = if info.body == Body::Html {
                format!("A firewall in front of {p} blocked the request")
            } else {
                format!("Check the permissions of the key configured for \"{p}\"")
            };
            Verdict::new(
                C::Forbidden,
                Action::ProviderOut,
                said(info, format!("{p} refused access")),
                format!("{what}; {p} is skipped for now"),
            )
        }
        404 | 410 => {
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
                    said(
                        info,
                        format!("{p} has no endpoint for {m} that supports {}", cap.human()),
                    ),
                    format!("Trying a model that supports {}", cap.human()),
                );
            }
            if info.has(&["data policy", "privacy", "guardrail"]) {
                return privacy(input, info);
            }
            // A 404 page that is not an API error means the path is wrong: check baseUrl.
            let page = matches!(info.body, Body::Html | Body::Empty)
                || (info.body == Body::Text && !info.has(&["model"]));
            if page {
                return Verdict::new(
                    C::NotFound,
                    Action::ProviderOut,
                    said(info, format!("{p} has no such endpoint")),
                    format!("Check the baseUrl configured for \"{p}\"; {p} is skipped for now"),
                );
            }
            Verdict::new(
                C::NotFound,
                Action::Evict,
                said(info, format!("{p} cannot serve {m}")),
                evict(),
            )
        }
        408 => {
            let mut v = Verdict::new(
                C::Timeout,
                Action::TryNext,
                said(info, format!("{p} timed out on {m}")),
                String::new(),
            );
            cool_down(&mut v, input, info, headers);
            v
        }
        413 => {
            if info.tag(&["rate_limit_exceeded"]) || info.has(&["tokens per minute"]) {
                // Groq: the request alone exceeds the model's per-minute token budget, so
                // waiting will not help; the budget is a fact worth keeping.
                message_facts(info, m, now, None, facts);
                return Verdict::new(
                    C::ContextLength,
                    Action::TryNext,
                    said(
                        info,
                        format!("{p} cannot take a request this large for {m}"),
                    ),
                    "It exceeds the model's per-minute token limit on this account; trying \
                     another model. Shorten the prompt or lower max_tokens",
                );
            }
            context(input, info)
        }
        422 => Verdict::new(
            C::InvalidArgument,
            Action::TryNext,
            said(info, format!("{p} could not process the request for {m}")),
            "Another model may succeed",
        ),
        429 => rate_limited(input, info, headers, facts),
        500..=599 => server_error(input, info, headers),
        _ => Verdict::new(
            C::ProviderError,
            Action::TryNext,
            said(info, format!("{p} reported an unexpected error for {m}")),
            "Another model may succeed",
        ),
    }
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
        Error::parse(msg)
            .with_status(input.status)
            .with_provider(input.provider)
            .with_model(input.model),
        Action::TryNext,
        Vec::new(),
    )
}
