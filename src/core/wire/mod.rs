//! OpenAI-compatible chunk types, chunk -> `ChatDelta`, and the accumulator that turns a stream
//! into a `chat.completion` object.
//!
//! Chunks are parsed with borrowed strings: on the per-token path the only allocation is the
//! delta text itself, and only when it contains escapes.

mod accumulate;
mod chunk;
mod delta;
mod report;
mod scan;
mod template;
#[cfg(test)]
mod tests;

pub use accumulate::Accumulator;
pub use delta::{ChatDelta, Step};
pub use report::{preview, truncated_error, usage_cost, usage_tokens};
pub use template::SHARE_OVER;
