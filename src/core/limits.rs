//! Facts about rate limits read from responses. `classify` produces them; `quota` learns from them.

/// The span a limit counts over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    Minute,
    Hour,
    /// A calendar day ending at a provider-defined reset (UTC midnight for OpenRouter,
    /// Pacific midnight for Gemini).
    Day,
    /// A rolling window of this many milliseconds (declared by the user for custom providers).
    Millis(u64),
}

impl Window {
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Minute => "minute",
            Window::Hour => "hour",
            Window::Day => "day",
            Window::Millis(_) => "custom",
        }
    }
}

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Requests,
    Tokens,
}

/// Where a fact came from, most trusted last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Documented,
    Learned,
    Header,
    /// The provider's own account endpoint (OpenRouter's `free_model_daily_requests`).
    Provider,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Documented => "documented",
            Source::Learned => "learned",
            Source::Header => "header",
            Source::Provider => "provider",
        }
    }
}

/// Which pool a fact is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// OpenRouter's account-wide pool shared by every `:free` model.
    OpenRouterFree,
    /// The whole provider account (e.g. Mistral's per-organisation limit).
    Provider,
    /// One model on one provider (Groq, Cerebras and Gemini count per model).
    Model(String),
}

/// One thing a response told us about a limit. Every field but `window`/`unit` may be unknown.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitFact {
    pub scope: Scope,
    pub window: Window,
    pub unit: Unit,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Epoch milliseconds at which the window frees up.
    pub reset_at_ms: Option<f64>,
    pub source: Source,
}
