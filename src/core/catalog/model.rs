//! What the catalog knows of one model: capabilities, pricing, status.

/// A capability a request can need and a model can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Vision,
    Tools,
    ToolChoice,
    StructuredOutputs,
    JsonMode,
    Reasoning,
}

impl Capability {
    pub const ALL: [Capability; 6] = [
        Capability::Vision,
        Capability::Tools,
        Capability::ToolChoice,
        Capability::StructuredOutputs,
        Capability::JsonMode,
        Capability::Reasoning,
    ];

    /// The camelCase name used in `ModelInfo.capabilities` and `ModelFilter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Vision => "vision",
            Capability::Tools => "tools",
            Capability::ToolChoice => "toolChoice",
            Capability::StructuredOutputs => "structuredOutputs",
            Capability::JsonMode => "jsonMode",
            Capability::Reasoning => "reasoning",
        }
    }

    /// Words for messages ("No free model supports tools with images").
    pub fn human(self) -> &'static str {
        match self {
            Capability::Vision => "images",
            Capability::Tools => "tools",
            Capability::ToolChoice => "this tool_choice",
            Capability::StructuredOutputs => "structured outputs (json_schema)",
            Capability::JsonMode => "JSON mode",
            Capability::Reasoning => "reasoning",
        }
    }

    /// Inverse of `as_str`.
    pub fn from_name(s: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of capabilities as a bitset: `Copy`, and a subset test is one AND, which keeps
/// re-filtering the catalog cheap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CapSet(u8);

impl CapSet {
    pub const EMPTY: CapSet = CapSet(0);

    pub fn has(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }

    pub fn insert(&mut self, c: Capability) {
        self.0 |= c.bit();
    }

    pub fn remove(&mut self, c: Capability) {
        self.0 &= !c.bit();
    }

    /// Whether every capability in `other` is in `self`.
    pub fn contains_all(self, other: CapSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersection(self, other: CapSet) -> CapSet {
        CapSet(self.0 & other.0)
    }

    /// The capabilities of `self` that `other` lacks.
    pub fn minus(self, other: CapSet) -> CapSet {
        CapSet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Members in `Capability::ALL` order (which is also `Ord` order).
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.has(*c))
    }
}

impl FromIterator<Capability> for CapSet {
    fn from_iter<I: IntoIterator<Item = Capability>>(it: I) -> Self {
        let mut s = CapSet::EMPTY;
        for c in it {
            s.insert(c);
        }
        s
    }
}

/// Prices in USD. A negative value means "unknown": OpenRouter reports `-1` for routers whose
/// price depends on the model they pick, and providers other than OpenRouter give no prices.
/// Unknown prices are never free, never pass `maxPromptPrice` and sort last by price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pricing {
    /// Per million prompt tokens.
    pub prompt_per_mtok: f64,
    /// Per million completion tokens.
    pub completion_per_mtok: f64,
    /// Per request.
    pub request: f64,
}

impl Pricing {
    pub const UNKNOWN_PRICE: f64 = -1.0;
    pub const ZERO: Pricing = Pricing {
        prompt_per_mtok: 0.0,
        completion_per_mtok: 0.0,
        request: 0.0,
    };
    pub const UNKNOWN: Pricing = Pricing {
        prompt_per_mtok: Pricing::UNKNOWN_PRICE,
        completion_per_mtok: Pricing::UNKNOWN_PRICE,
        request: Pricing::UNKNOWN_PRICE,
    };

    /// `Some(price)` when the price is known.
    pub fn known(x: f64) -> Option<f64> {
        (x.is_finite() && x >= 0.0).then_some(x)
    }

    /// Prompt + completion per million tokens, when both are known (the "price" sort key).
    pub fn total_per_mtok(&self) -> Option<f64> {
        Some(Pricing::known(self.prompt_per_mtok)? + Pricing::known(self.completion_per_mtok)?)
    }
}

/// Observed by this client, not by the provider (`null` until observed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelStats {
    pub ttft_ms_p50: Option<f64>,
    pub tokens_per_sec: Option<f64>,
    pub success_rate: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelStatus {
    Available,
    CoolingDown,
    Evicted,
}

impl ModelStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Available => "available",
            ModelStatus::CoolingDown => "cooling_down",
            ModelStatus::Evicted => "evicted",
        }
    }
}

/// One model of one provider, normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// The provider's own id, sent as `model` (`models/` prefixes already stripped).
    pub id: String,
    pub provider: String,
    pub name: String,
    pub description: String,
    pub free: bool,
    pub context_length: Option<u64>,
    pub max_output_tokens: Option<u64>,
    pub input_modalities: Vec<String>,
    pub output_modalities: Vec<String>,
    pub caps: CapSet,
    pub pricing: Pricing,
    /// "YYYY-MM-DD": the provider will remove the model on that day.
    pub expires_at: Option<String>,
    /// Midnight UTC of `expires_at`, epoch ms.
    pub expires_at_ms: Option<f64>,
    /// Unix seconds.
    pub created: Option<f64>,
    /// Meta-models that pick another model (`openrouter/*`, tokenizer "Router") and `~` "latest"
    /// aliases. Aliases are not routers strictly, but they duplicate a model that is listed anyway
    /// and silently change target, so they are hidden by default the same way.
    pub is_router: bool,
    /// False when the provider did not say what the model supports: a router entry with an
    /// empty `supported_parameters` (`openrouter/fusion` lists none yet takes tools).
    pub caps_known: bool,
}

impl ModelInfo {
    pub fn is_expired(&self, now_ms: f64) -> bool {
        self.expires_at_ms.is_some_and(|e| now_ms >= e)
    }

    /// Whether the model may serve `c`: unknown capabilities count, since a failure teaches
    /// the router otherwise. Vision comes from the input modalities, which are always listed.
    pub fn has(&self, c: Capability) -> bool {
        self.caps.has(c) || (!self.caps_known && c != Capability::Vision)
    }

    pub fn has_all(&self, need: CapSet) -> bool {
        need.iter().all(|c| self.has(c))
    }
}
