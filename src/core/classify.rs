//! (status, headers, body) -> what went wrong and what the router should do about it.

use crate::core::catalog::Capability;

/// What the router does after a failed attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Transient trouble with this model: do not use it before `until_ms`, try the next.
    Cooldown { until_ms: f64 },
    /// The model is gone (404 no endpoints, free variant ended, deprecated): drop it until the
    /// next catalog refresh.
    Evict,
    /// The model lacks a capability the request needs (e.g. "No endpoints found that support
    /// tool use"): remember that, try a model that has it.
    LacksCapability(Capability),
    /// The prompt does not fit: skip models whose context is at most this many tokens.
    ContextAtMost(u64),
    /// Try the next candidate with no penalty for this one (empty completion, unknown 4xx).
    TryNext,
    /// The key or account is unusable on this provider (401, 403 key, 402): every candidate of
    /// this provider is out; other providers go on.
    ProviderOut,
    /// OpenRouter's account-wide free pool is spent until `until_ms` (free-models-per-day);
    /// every `:free` candidate on that provider is out until then.
    FreePoolExhausted { until_ms: f64 },
    /// The request itself is wrong (invalid argument, content filter): no other model will do
    /// better, so stop and report.
    Stop,
}
