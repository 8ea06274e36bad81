//! free-router: a browser client for free LLM models.
//!
//! `core` is sans-IO (bytes, numbers and structs in; events and decisions out) and is tested
//! natively; `web` is the thin wasm-bindgen layer that owns every call into JavaScript.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Errors are the cold path and carry attempts and messages; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod core;
#[doc(hidden)]
pub mod heap;

#[cfg(target_arch = "wasm32")]
pub mod web;
