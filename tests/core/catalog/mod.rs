//! core::catalog: parsing providers' model lists, the filter, the JSON written for JavaScript.

mod filter;
mod json;
mod openai;
mod openrouter;
mod props;
