//! The secrets this page's clients hold (API keys, an OAuth code while sign-in runs), so every
//! text handed to JS is redacted by value (`core::redact`). A holder removes its values when
//! dropped: a freed client leaves nothing behind.

use std::cell::RefCell;

thread_local! {
    static HELD: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Adds `add`, removes one copy of each of `remove`, and returns what is held then. The one
/// access to the registry (one instance of the thread-local accessor in the wasm).
#[inline(never)]
fn update(add: &[String], remove: &[String]) -> Vec<String> {
    HELD.with(|h| {
        let mut h = h.borrow_mut();
        for v in add {
            h.push(v.clone());
        }
        for v in remove {
            if let Some(i) = h.iter().position(|x| x == v) {
                h.swap_remove(i);
            }
        }
        h.clone()
    })
}

/// Values registered for as long as this lives.
pub struct Held(Vec<String>);

impl Held {
    pub fn new(values: Vec<String>) -> Held {
        let mut kept = Vec::new();
        for v in values {
            if v.len() >= crate::core::redact::MIN_SECRET_LEN {
                kept.push(v);
            }
        }
        update(&kept, &[]);
        Held(kept)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        update(&[], &self.0);
    }
}

/// `text` with every held secret and every key-like word replaced.
pub fn redact(text: &str) -> String {
    crate::core::redact::all(text, &update(&[], &[]))
}

/// `text` with every held secret replaced (no guessing): for provider bodies before they are
/// classified, so no later step can show part of a key.
pub fn by_value(text: String) -> String {
    match crate::core::redact::by_value(&text, &update(&[], &[])) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(s) => s,
    }
}
