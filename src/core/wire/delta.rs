//! What one chunk yields: a `ChatDelta` for JavaScript, or another step.

use crate::core::json::Value;

/// One streamed fragment, as yielded to JavaScript.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatDelta {
    pub content: Option<String>,
    /// Instead of `content`, a text the accumulator shares ([`super::Accumulator::share`]): it is
    /// `Accumulator::content[shared]` (a multi-megabyte text is then held once, not twice).
    pub shared: Option<std::ops::Range<usize>>,
    pub reasoning: Option<String>,
    /// Tool-call fragments as sent (`{index, id?, type?, function: {name?, arguments?}}`).
    pub tool_calls: Vec<Value>,
    pub finish_reason: Option<String>,
    pub usage: Option<Value>,
}

impl ChatDelta {
    /// Carries something the user asked for (text, reasoning or a tool call), as opposed to a
    /// role-only or empty keep-alive chunk. The router may only fall back before the first one.
    pub fn is_token(&self) -> bool {
        self.content.as_deref().is_some_and(|s| !s.is_empty())
            || self.shared.is_some()
            || self.reasoning.as_deref().is_some_and(|s| !s.is_empty())
            || !self.tool_calls.is_empty()
    }

    /// The shared text (if any) as `content`; `text` is the accumulator's content.
    pub fn unshare(&mut self, text: &str) {
        if let Some(r) = self.shared.take() {
            self.content = text.get(r).map(str::to_string);
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.is_token() && self.finish_reason.is_none() && self.usage.is_none()
    }
}

/// What one SSE `data:` payload meant.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// `[DONE]`.
    Done,
    /// A chunk with nothing the caller needs to see.
    Nothing,
    Delta(ChatDelta),
    /// The error object found inside the stream (HTTP 200), e.g. `{"code": 502, "message": ..}`.
    /// The caller classifies it.
    Error(Value),
}
