//! The TypeScript surface of the package, kept by hand next to the JS glue it describes.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../js/types.d.ts");
