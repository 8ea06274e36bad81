//! Provider kinds and their well-known settings.

/// How to talk to a provider. Every kind speaks the OpenAI chat-completions dialect;
/// the differences are in base URLs, headers, error shapes and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    OpenRouter,
    Groq,
    Gemini,
    Mistral,
    Cerebras,
    OpenAiCompatible,
    /// The built-in offline demo provider (a fake fetch in the page).
    Demo,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenRouter => "openrouter",
            ProviderKind::Groq => "groq",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Mistral => "mistral",
            ProviderKind::Cerebras => "cerebras",
            ProviderKind::OpenAiCompatible => "openai-compatible",
            ProviderKind::Demo => "demo",
        }
    }

    /// The kind implied by a well-known provider id, or by an explicit `kind` string.
    pub fn from_id(id: &str) -> Option<ProviderKind> {
        Some(match id {
            "openrouter" => ProviderKind::OpenRouter,
            "groq" => ProviderKind::Groq,
            "gemini" => ProviderKind::Gemini,
            "mistral" => ProviderKind::Mistral,
            "cerebras" => ProviderKind::Cerebras,
            "openai-compatible" => ProviderKind::OpenAiCompatible,
            "demo" => ProviderKind::Demo,
            _ => return None,
        })
    }

    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::OpenRouter => Some("https://openrouter.ai/api/v1"),
            ProviderKind::Groq => Some("https://api.groq.com/openai/v1"),
            ProviderKind::Gemini => Some("https://generativelanguage.googleapis.com/v1beta/openai"),
            ProviderKind::Mistral => Some("https://api.mistral.ai/v1"),
            ProviderKind::Cerebras => Some("https://api.cerebras.ai/v1"),
            ProviderKind::Demo => Some("https://demo.free-router.invalid/v1"),
            ProviderKind::OpenAiCompatible => None,
        }
    }
}
