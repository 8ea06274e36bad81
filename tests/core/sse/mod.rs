//! core::sse: the decoder against the spec, recorded streams and properties.

mod fixtures;
mod props;
mod spec;
