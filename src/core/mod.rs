//! Sans-IO core: no JavaScript, no clock, no randomness. Time and random numbers are arguments.

pub mod body;
pub mod budget;
pub mod cache;
pub mod call;
pub mod catalog;
pub mod classify;
pub mod error;
pub mod json;
pub mod limits;
pub(crate) mod map;
pub mod needs;
pub mod num;
pub mod options;
pub mod provider;
pub mod providers;
pub mod quota;
pub mod route;
pub mod sha256;
pub mod sort;
pub mod sse;
pub mod text;
pub mod time;
pub mod wire;
