//! Verdicts by kind of failure: auth, privacy, context length, server errors, rate limits.

use super::decide::Verdict;
use super::headers::{header_facts, window_for};
use super::hints::{cap, context_tokens, message_facts, ms_ceil, retry_hint, waited};
use super::read::Info;
use super::{next_utc_midnight_ms, Action, ErrorInput, DAY_MS, RATE_DEFAULT_MS, SERVER_DEFAULT_MS};
use crate::core::error::ErrorCode;
use crate::core::limits::{LimitFact, Scope, Source, Unit, Window};
use crate::core::provider::ProviderKind;
use crate::core::text;

pub(super) fn auth() -> Verdict {
    Verdict::new(
        ErrorCode::Auth,
        Action::ProviderOut,
        "{p} rejected the API key{s}",
        "Check the key configured for \"{p}\"; {p} is skipped for now",
    )
}

pub(super) fn privacy() -> Verdict {
    Verdict::new(
        ErrorCode::NotFound,
        Action::Evict,
        "{p} has no endpoint for {m} that your data policy allows{s}",
        "Check https://openrouter.ai/settings/privacy (free models need the free-model training \
         and publication settings allowed); {m} is dropped until the next catalog refresh",
    )
}

pub(super) fn context(info: &Info) -> Verdict {
    let (action, size) = match context_tokens(&info.hay) {
        Some(n) => (
            Action::ContextAtMost(n),
            format!(" (its context is {n} tokens)"),
        ),
        None => (Action::TryNext, String::new()),
    };
    Verdict::new(
        ErrorCode::ContextLength,
        action,
        "The request is too long for {m} on {p}{x}{s}",
        "A model with a larger context may take it (with fallback on, the client tries one); \
         otherwise shorten the conversation or lower max_tokens",
    )
    .with_extra(size)
}

pub(super) fn server_error(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
) -> Verdict {
    let mut v = Verdict::new(
        ErrorCode::ProviderError,
        Action::TryNext,
        "{p} failed on {m}{s}",
        "",
    );
    cool_down(&mut v, input, info, headers);
    v
}

/// Transient trouble: cool the model down for as long as the provider hints (capped), or
/// the server default, and say so.
pub(super) fn cool_down(
    v: &mut Verdict,
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
) {
    let hint = retry_hint(info, headers, input.now_ms).map(|h| h.0);
    v.advice = COOLS;
    cool_for(v, input, hint, SERVER_DEFAULT_MS);
}

/// Cools the model down for the hint (capped) or `default`, says for how long, and returns it.
fn cool_for(v: &mut Verdict, input: &ErrorInput, hint: Option<u64>, default: u64) -> u64 {
    let ms = cap(hint, default, input.retry_after_cap_ms);
    v.action = Action::Cooldown {
        until_ms: input.now_ms + ms as f64,
    };
    v.wait = waited(ms, hint);
    v.retry = hint;
    ms
}

const COOLS: &str = "{m} cools down for {w}";

pub(super) fn rate_limited(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let (m, now) = (input.model, input.now_ms);
    if info.tag(&["insufficient_quota"]) {
        return Verdict::new(
            ErrorCode::QuotaExhausted,
            Action::ProviderOut,
            "{p} says the account's quota is used up{s}",
            "Check the plan and billing of the \"{p}\" account; {p} is skipped for now",
        );
    }
    if input.kind == ProviderKind::Gemini && info.has(&["limit: 0", "limit:0"]) {
        // A quota of zero is not a busy model: this project has no free tier for it.
        return Verdict::new(
            ErrorCode::QuotaExhausted,
            Action::Evict,
            "{p} has no free quota for {m} on this project{s}",
            "{m} is dropped; use another model, or enable billing for it",
        );
    }
    let hint = retry_hint(info, headers, now);
    facts.extend(header_facts(
        input.kind,
        m,
        headers,
        now,
        None,
        input.is_free_model,
    ));
    message_facts(info, m, now, hint.map(|h| h.0), facts);
    // A bare "wait N s" is a fact too, unless something more precise already says when.
    if let Some((ms, source)) = hint {
        // Matched in place; the scope is allocated only when the fact is pushed.
        if !facts
            .iter()
            .any(|f| matches!(&f.scope, Scope::Model(x) if x == m) && f.reset_at_ms.is_some())
        {
            facts.push(LimitFact {
                scope: Scope::Model(m.to_string()),
                window: window_for(ms),
                unit: Unit::Requests,
                limit: None,
                remaining: Some(0),
                reset_at_ms: Some(now + ms as f64),
                source,
            });
        }
    }
    let (lead, at) = if info.has(&["rate-limited upstream", "upstream_provider_shared_pool"]) {
        let at = match &info.upstream_name {
            Some(n) => text::join2(" at ", n),
            None => String::new(),
        };
        ("{m} is rate-limited upstream{x} on {p}{s}", at)
    } else {
        ("{p} rate-limited {m}{s}", String::new())
    };
    let mut v = Verdict::new(ErrorCode::RateLimited, Action::TryNext, lead, COOLS).with_extra(at);
    let ms = cool_for(&mut v, input, hint.map(|h| h.0), RATE_DEFAULT_MS);
    // Without a hint the cooldown the message states is the wait (LiteLLM's own 429s).
    v.retry = Some(hint.map_or(ms, |h| h.0));
    v
}

/// Reads the headers into `facts` with plain `X-RateLimit-*` taken as the pool's, then pulls
/// the pool's fact out of them, or starts a learned one.
fn pool_fact(
    input: &ErrorInput,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
    window: Window,
) -> LimitFact {
    let (kind, model, now) = (input.kind, input.model, input.now_ms);
    facts.extend(header_facts(kind, model, headers, now, Some(window), true));
    match facts.iter().position(|f| f.scope == Scope::OpenRouterFree) {
        Some(i) => facts.remove(i),
        None => LimitFact {
            scope: Scope::OpenRouterFree,
            window,
            unit: Unit::Requests,
            limit: None,
            remaining: None,
            reset_at_ms: None,
            source: Source::Learned,
        },
    }
}

pub(super) fn daily_pool(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let now = input.now_ms;
    let mut f = pool_fact(input, headers, facts, Window::Day);
    // Trust the reset only when it is a plausible day boundary ahead of now.
    let until = match f.reset_at_ms {
        Some(r) if r > now && r <= now + DAY_MS => r,
        _ => next_utc_midnight_ms(now),
    };
    // The message names the tier when the headers did not.
    f.limit = f.limit.or(if info.has(&["high-balance"]) {
        Some(1000)
    } else if info.has(&["add 10 credits"]) {
        Some(50)
    } else {
        None
    });
    f.remaining = f.remaining.or(Some(0));
    f.reset_at_ms = Some(until);
    let limit = f.limit;
    facts.insert(0, f);

    let wait = ms_ceil(until - now);
    let secs = (until / 1000.0).floor();
    // u64, as every other number printed here: i64's Display is one more formatter.
    let tod = if secs.is_finite() {
        (secs as i64).rem_euclid(86_400) as u64
    } else {
        0
    };
    let what = match limit {
        Some(n) => format!("the daily limit of {n} requests"),
        None => "the daily request limit".to_string(),
    };
    let mut v = Verdict::new(
        ErrorCode::QuotaExhausted,
        Action::FreePoolExhausted { until_ms: until },
        "All free models on {p} hit {x}; it resets at {w}",
        if limit.is_some_and(|n| n >= 1000) {
            "Add another provider, or set budget.maxUsd to spill to paid models"
        } else {
            "Buy 10 credits to raise it to 1000, add another provider, or set budget.maxUsd to \
             spill to paid models"
        },
    )
    .with_extra(what);
    v.wait = format!(
        "{:02}:{:02} UTC (in {})",
        tod / 3600,
        tod % 3600 / 60,
        text::duration(wait)
    );
    v.retry = Some(wait);
    v
}

pub(super) fn minute_pool(
    input: &ErrorInput,
    info: &Info,
    headers: &[(String, String)],
    facts: &mut Vec<LimitFact>,
) -> Verdict {
    let now = input.now_ms;
    let mut f = pool_fact(input, headers, facts, Window::Minute);
    let hint = match (retry_hint(info, headers, now), f.reset_at_ms) {
        (Some(h), _) => Some(h.0),
        (None, Some(r)) if r > now => Some(ms_ceil(r - now)),
        _ => None,
    };
    f.remaining = f.remaining.or(Some(0));
    f.reset_at_ms = f
        .reset_at_ms
        .or(Some(now + hint.unwrap_or(RATE_DEFAULT_MS) as f64));
    let n = match f.limit {
        Some(n) => format!("{n} "),
        None => String::new(),
    };
    facts.insert(0, f);
    let mut v = Verdict::new(
        ErrorCode::RateLimited,
        Action::TryNext,
        "All free models on {p} share a limit of {x}requests per minute and it is used up \
         (calling {m})",
        "{m} cools down for {w}; other providers are tried meanwhile. Spread requests out or add \
         another provider",
    )
    .with_extra(n);
    cool_for(&mut v, input, hint, RATE_DEFAULT_MS);
    v
}
