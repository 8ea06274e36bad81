//! The secrets this page's clients hold (API keys, an OAuth code and verifier while sign-in
//! runs), so every text handed to JS is redacted by value (`core::redact`). A holder removes its
//! values when dropped: a freed client leaves nothing behind.

use std::cell::RefCell;

thread_local! {
    static HELD: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Values registered for as long as this lives.
pub struct Held(Vec<String>);

impl Held {
    pub fn new(values: Vec<String>) -> Held {
        let values: Vec<String> = values
            .into_iter()
            .filter(|v| v.len() >= crate::core::redact::MIN_SECRET_LEN)
            .collect();
        HELD.with(|h| h.borrow_mut().extend(values.iter().cloned()));
        Held(values)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            for v in &self.0 {
                if let Some(i) = h.iter().position(|x| x == v) {
                    h.swap_remove(i);
                }
            }
        });
    }
}

/// `text` with every held secret and every key-like word replaced.
pub fn redact(text: &str) -> String {
    HELD.with(|h| crate::core::redact::all(text, &h.borrow()))
}

/// `text` with every held secret replaced (no guessing): for provider bodies before they are
/// classified, so no later step can show part of a key.
pub fn by_value(text: String) -> String {
    HELD.with(
        |h| match crate::core::redact::by_value(&text, &h.borrow()) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(s) => s,
        },
    )
}
