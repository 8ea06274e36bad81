//! The one error type. Codes are stable strings: they are part of the public contract (API.md).

use std::fmt;

/// The longest delay a JS timer takes (2^31 - 1 ms, about 24.8 days); longer ones overflow and
/// fire at once. Every wait handed to JS and every `retryAfterMs` stays within it.
pub const MAX_DELAY_MS: u64 = 2_147_483_647;

/// A duration in ms as a timer takes it: NaN and negatives are 0, at most [`MAX_DELAY_MS`].
pub fn delay_ms(ms: f64) -> u64 {
    if ms.is_nan() || ms <= 0.0 {
        0
    } else if ms >= MAX_DELAY_MS as f64 {
        MAX_DELAY_MS
    } else {
        ms.ceil() as u64
    }
}

/// Stable error codes, as seen by JavaScript in `FreeRouterError.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    NoCandidates,
    CapabilityUnsupported,
    RateLimited,
    QuotaExhausted,
    BudgetExceeded,
    Auth,
    PaymentRequired,
    Forbidden,
    NotFound,
    ContextLength,
    ContentFilter,
    Timeout,
    Network,
    ProviderError,
    StreamInterrupted,
    Parse,
    Aborted,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::InvalidArgument,
        ErrorCode::NoCandidates,
        ErrorCode::CapabilityUnsupported,
        ErrorCode::RateLimited,
        ErrorCode::QuotaExhausted,
        ErrorCode::BudgetExceeded,
        ErrorCode::Auth,
        ErrorCode::PaymentRequired,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::ContextLength,
        ErrorCode::ContentFilter,
        ErrorCode::Timeout,
        ErrorCode::Network,
        ErrorCode::ProviderError,
        ErrorCode::StreamInterrupted,
        ErrorCode::Parse,
        ErrorCode::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NoCandidates => "no_candidates",
            ErrorCode::CapabilityUnsupported => "capability_unsupported",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::QuotaExhausted => "quota_exhausted",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::Auth => "auth",
            ErrorCode::PaymentRequired => "payment_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::ContextLength => "context_length",
            ErrorCode::ContentFilter => "content_filter",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Network => "network",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::StreamInterrupted => "stream_interrupted",
            ErrorCode::Parse => "parse",
            ErrorCode::Aborted => "aborted",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One try of one candidate, as reported in `route.attempts` and in errors.
/// What a failure sets aside: the call (`Request`), one model, a provider's key or account
/// for the session, or a provider-wide quota (`Account`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorScope {
    Request,
    Model,
    Provider,
    Account,
}

impl ErrorScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorScope::Request => "request",
            ErrorScope::Model => "model",
            ErrorScope::Provider => "provider",
            ErrorScope::Account => "account",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub provider: String,
    pub model: String,
    /// "ok", or the error code string of what went wrong, or "skipped".
    pub outcome: String,
    pub status: Option<u16>,
    pub error_code: Option<ErrorCode>,
    pub ms: f64,
    /// For "skipped": why the plan left the candidate out (`SkippedInfo.reason`).
    pub reason: Option<&'static str>,
}

/// Every failure the library reports. `message` says what happened and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub status: Option<u16>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub retry_after_ms: Option<u64>,
    pub attempts: Vec<Attempt>,
    /// Text produced before a stream broke (`stream_interrupted`).
    pub partial: Option<String>,
    pub scope: Option<ErrorScope>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::make(code, message.into())
    }

    // Out of line: inlined, the field setup was repeated at each of the ~130 call sites.
    #[inline(never)]
    fn make(code: ErrorCode, message: String) -> Self {
        Error {
            code,
            message,
            status: None,
            provider: None,
            model: None,
            retry_after_ms: None,
            attempts: Vec::new(),
            partial: None,
            scope: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::make(ErrorCode::InvalidArgument, message.into())
    }

    pub fn parse(message: impl Into<String>) -> Self {
        Error::make(ErrorCode::Parse, message.into())
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_provider(self, provider: impl Into<String>) -> Self {
        self.set_provider(provider.into())
    }

    #[inline(never)]
    fn set_provider(mut self, provider: String) -> Self {
        self.provider = Some(provider);
        self
    }

    pub fn with_model(self, model: impl Into<String>) -> Self {
        self.set_model(model.into())
    }

    #[inline(never)]
    fn set_model(mut self, model: String) -> Self {
        self.model = Some(model);
        self
    }

    pub fn with_retry_after(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms.min(MAX_DELAY_MS));
        self
    }

    /// The message and partial text with every secret and key-like word replaced
    /// (`redact::all`): what the library emits never shows a key.
    pub fn redact(&mut self, secrets: &[String]) {
        self.message = crate::core::redact::all(&self.message, secrets);
    }

    /// `retry_after_ms` as JS sees it: at most [`MAX_DELAY_MS`], so `setTimeout(retry, ms)`
    /// waits instead of overflowing and firing at once.
    pub fn public_retry_after(&self) -> Option<u64> {
        self.retry_after_ms.map(|ms| ms.min(MAX_DELAY_MS))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        }
        assert_eq!(seen.len(), 18);
    }
}
