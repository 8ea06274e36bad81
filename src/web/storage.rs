//! Persistence in localStorage (when `storage: "local"` and it exists). Failures are silent by
//! design: storage that is full, disabled or holds garbage must never break a call.

use crate::web::glue;

pub const PREFIX: &str = "free-router:v1:";

#[derive(Clone)]
pub struct Store {
    persist: bool,
}

impl Store {
    pub fn new(persist: bool) -> Self {
        Store { persist }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        if !self.persist {
            return None;
        }
        glue::storage_get(&full_key(key))
    }

    /// Whether the value was stored.
    pub fn set(&self, key: &str, value: &str) -> bool {
        self.persist && glue::storage_set(&full_key(key), value)
    }

    /// Store soon (coalesced; at once when the page is hidden or closed), for what need not
    /// be written on the request path. `get` sees it before then.
    pub fn set_soon(&self, key: &str, value: &str) {
        if self.persist {
            glue::storage_set_soon(&full_key(key), value);
        }
    }

    pub fn remove(&self, key: &str) {
        if self.persist {
            glue::storage_remove(&full_key(key));
        }
    }
}

/// A stable short name for a base URL, so two endpoints with one provider id don't share a cache.
pub fn url_tag(s: &str) -> String {
    // FNV-1a: a cache key, not a secret.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(16);
    crate::core::text::push_hex(&mut out, h, 16);
    out
}

/// The localStorage key of `key`.
fn full_key(key: &str) -> String {
    crate::core::text::join2(PREFIX, key)
}
