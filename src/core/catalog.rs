//! Model catalog: normalised `ModelInfo`, filters and sorts.

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
}
