//! The wasm-bindgen binding: the only code that touches JavaScript.

pub mod args;
pub mod batch;
pub mod call;
pub mod catalog;
pub mod client;
pub mod endpoints;
pub mod error;
pub mod events;
pub mod fetch;
pub mod glue;
pub mod keyinfo;
pub mod oauth;
pub mod quota;
pub mod router;
pub mod secrets;
pub mod state;
pub mod storage;
pub mod stream;
pub mod transport;
pub mod types;
