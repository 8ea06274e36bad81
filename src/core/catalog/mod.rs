//! Model catalog: normalised `ModelInfo`, filters and sorts.
//!
//! Parsing is lenient on purpose: a catalog is a foreign document that changes shape between
//! years (reference section 1.3), so a field of an unexpected type is treated as absent rather
//! than failing the whole list. Only a body that is not JSON, or that has no model array, fails.

// `Error` is the crate's one error type (error.rs, 144 bytes) and these signatures are fixed;
// results are built once per call, so the size costs nothing measurable.

mod dates;
mod fields;
mod filter;
#[cfg(test)]
mod fold_tests;
mod list;
mod model;
mod openai;
mod openrouter;
mod write;

/// Append `s` as a JSON string literal: the one escaper, `json::push_str`.
pub(crate) use crate::core::json::push_str as push_json_str;
// The lenient tree lives in json.rs; these paths stay for code that names them here.
#[allow(unused_imports)]
pub(crate) use crate::core::json::{Obj, J};
pub(crate) use fields::{parse_body, write_json};
pub(crate) use filter::shown;
pub use filter::{filter_from_json, ModelFilter, SortKey};
pub use list::Catalog;
pub use model::{CapSet, Capability, ModelInfo, ModelStats, ModelStatus, Pricing};
pub use openai::parse_openai_models;
pub use openrouter::parse_openrouter_models;
pub use write::write_model_json;
