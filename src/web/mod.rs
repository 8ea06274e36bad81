//! The wasm-bindgen binding: the only code that touches JavaScript.
