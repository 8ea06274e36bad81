//! The quota ledger's shared state in the page (the operations are in web::quota): persisted in localStorage under a hash of the credentials,
//! merged live from other tabs (BroadcastChannel, storage events). In a Worker without
//! localStorage it works in memory (and still shares over BroadcastChannel).
//!
//! The in-memory ledger is authoritative; other tabs' state arrives by broadcast and storage
//! events. Only what could let two tabs over-commit pays for cross-tab exactness:
//! - a request on keys with a limit is reserved under a Web Lock, after a fresh read of
//!   storage, and stored and announced before the lock is released (so the next tab to take it
//!   sees it);
//! - spend holds and commits under a budget are likewise locked (holds) or written at once;
//! - everything else (requests on keys without any limit, commits, refunds, learned facts) is
//!   written behind: coalesced into one store + broadcast soon after, under the lock so it
//!   never overwrites a locked reservation, and synchronously on pagehide / hidden so a closing
//!   tab loses nothing. None of those can raise a limited count that a locked reservation
//!   relies on: commits and refunds only turn or drop held reservations, and keys without a
//!   limit have nothing to exceed.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use crate::core::limits::{Scope, Unit, Window};
use crate::core::options::{ClientOptions, ProviderConfig};
use crate::core::providers;
use crate::core::quota::{DayReset, Ledger, ScopeKey};
use crate::core::sha256;
use crate::web::glue;
use crate::web::storage::Store;
use crate::web::transport::now_ms;

type Listener = Closure<dyn FnMut(JsValue)>;
type Flusher = Closure<dyn FnMut() -> JsValue>;

/// The shared side of the ledger: storage, the channel and what is still to be written.
struct Persist {
    ledger: Rc<RefCell<Ledger>>,
    /// Storage key, derived from a hash of the credentials, never a key.
    key: String,
    store: Store,
    /// The stored text this tab last wrote or merged: when storage still holds exactly that,
    /// there is nothing new to merge (the common single-tab case skips a parse per read).
    seen: RefCell<String>,
    /// Changes not yet stored and announced.
    dirty: Cell<bool>,
    link: RefCell<Option<(glue::Shared, Listener, Flusher)>>,
}

impl Persist {
    /// Fold in what other tabs stored. Garbage is ignored: it must never break a call.
    fn merge_stored(&self) {
        let Some(s) = self.store.get(&self.key) else {
            return;
        };
        if *self.seen.borrow() == s {
            return;
        }
        merge_text(&self.ledger, &s);
        *self.seen.borrow_mut() = s;
    }

    /// Store our state (merged with what is stored, so no other tab's contribution is
    /// overwritten) and return it for the channel; None when there was nothing to write.
    fn write(&self) -> Option<String> {
        if !self.dirty.get() {
            return None;
        }
        self.merge_stored();
        let json = match self.ledger.try_borrow_mut() {
            Ok(mut l) => {
                l.gc(now_ms());
                l.to_json()
            }
            // Mid-update (cannot happen between awaits): stay dirty, the next flush writes it.
            Err(_) => return None,
        };
        self.dirty.set(false);
        if self.store.set(&self.key, &json) {
            *self.seen.borrow_mut() = json.clone();
        }
        Some(json)
    }

    /// Store and announce now (inside the lock, or for spend).
    fn flush(&self) {
        if let Some(json) = self.write() {
            if let Some((shared, ..)) = self.link.borrow().as_ref() {
                shared.post(&json);
            }
        }
    }

    /// Store and announce soon, once for any number of changes.
    fn later(&self) {
        self.dirty.set(true);
        if let Some((shared, ..)) = self.link.borrow().as_ref() {
            shared.later();
        }
    }
}

/// Fold in a ledger another tab stored or sent; garbage (or a busy ledger) is skipped.
fn merge_text(ledger: &RefCell<Ledger>, s: &str) {
    if let (Some(other), Ok(mut l)) = (Ledger::load(s), ledger.try_borrow_mut()) {
        l.merge_owned(other);
    }
}

pub struct QuotaState {
    ledger: Rc<RefCell<Ledger>>,
    /// Lock and channel name.
    name: String,
    shared: bool,
    persist: Rc<Persist>,
}

impl Drop for QuotaState {
    fn drop(&mut self) {
        // A client freed with changes pending writes them first.
        self.persist.flush();
        if let Some((shared, ..)) = self.persist.link.borrow_mut().take() {
            shared.stop();
        }
    }
}

/// One ledger per set of credentials: tabs using the same keys share it.
fn ledger_key(opts: &ClientOptions) -> String {
    let mut ids = Vec::new();
    for p in &opts.providers {
        let key = p.api_key.as_deref().unwrap_or("");
        ids.push(format!("{}|{}|{key}", p.id, p.base_url));
    }
    crate::core::sort::sort(&mut ids);
    let h = sha256::hex_digest(crate::core::text::join(&ids, "\n").as_bytes());
    // `get`, not `[..32]`: str slicing would link its panic formatting (~2 KB raw).
    format!("quota:{}", h.get(..32).unwrap_or(&h))
}

fn declare(ledger: &mut Ledger, p: &ProviderConfig) {
    let key = ScopeKey::new(&p.id, Scope::Provider);
    let reset = if providers::facts(p.kind).pacific_day {
        DayReset::PacificMidnight
    } else {
        DayReset::UtcMidnight
    };
    let l = &p.limits;
    let mut put = |w: Window, u: Unit, n: Option<u64>| {
        if let Some(n) = n {
            ledger.declare(key.clone(), w, u, n, reset);
        }
    };
    put(Window::Minute, Unit::Requests, l.rpm);
    put(Window::Day, Unit::Requests, l.rpd);
    put(Window::Minute, Unit::Tokens, l.tpm);
    if let Some((n, ms)) = l.window {
        put(Window::Millis(ms), Unit::Requests, Some(n));
    }
}

impl QuotaState {
    pub fn new(opts: &ClientOptions, store: &Store) -> QuotaState {
        let mut ledger = Ledger::new();
        ledger.set_tab(&format!(
            "{:08x}{:08x}",
            glue::random_u32(),
            glue::random_u32()
        ));
        for p in &opts.providers {
            declare(&mut ledger, p);
        }
        ledger.set_budget(opts.budget_usd, opts.budget_period);
        let key = ledger_key(opts);
        let ledger = Rc::new(RefCell::new(ledger));
        let state = QuotaState {
            ledger: ledger.clone(),
            name: format!("free-router:{key}"),
            shared: opts.persist,
            persist: Rc::new(Persist {
                ledger,
                store: store.clone(),
                key,
                seen: RefCell::new(String::new()),
                dirty: Cell::new(false),
                link: RefCell::new(None),
            }),
        };
        if state.shared {
            state.persist.merge_stored();
            let ledger = state.ledger.clone();
            let listener = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
                let Some(s) = msg.as_string() else {
                    return;
                };
                // Another tab's state: merging is idempotent, so a message twice is harmless.
                merge_text(&ledger, &s);
            });
            // Weak: the link lives in `Persist`, a strong reference would keep it alive forever.
            let weak: Weak<Persist> = Rc::downgrade(&state.persist);
            let flusher = Closure::<dyn FnMut() -> JsValue>::new(move || {
                weak.upgrade()
                    .and_then(|p| p.write())
                    .map_or(JsValue::NULL, JsValue::from)
            });
            let shared = glue::listen_shared(
                &state.name,
                &format!("{}{}", crate::web::storage::PREFIX, state.persist.key),
                listener.as_ref().unchecked_ref(),
                flusher.as_ref().unchecked_ref(),
            );
            *state.persist.link.borrow_mut() = Some((shared, listener, flusher));
        }
        state
    }

    /// Change the ledger in memory; stored and announced soon after.
    pub fn update<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        let r = match self.ledger.try_borrow_mut() {
            Ok(mut l) => f(&mut l),
            Err(_) => return None,
        };
        if self.shared {
            self.persist.later();
        }
        Some(r)
    }

    /// Read-modify-write against what every tab stored, written before returning.
    pub fn update_now<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        if self.shared {
            self.persist.merge_stored();
        }
        let r = match self.ledger.try_borrow_mut() {
            Ok(mut l) => f(&mut l),
            Err(_) => return None,
        };
        if self.shared {
            self.persist.dirty.set(true);
            self.persist.flush();
        }
        Some(r)
    }

    /// The ledger itself (borrowed only between awaits).
    pub fn ledger(&self) -> &RefCell<Ledger> {
        &self.ledger
    }

    /// The Web Lock (and channel) name shared by tabs with the same credentials.
    pub fn lock_name(&self) -> &str {
        &self.name
    }

    /// Whether other tabs share this ledger (storage "local").
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Fold in what other tabs stored (before a read that must be current).
    pub fn merge_stored(&self) {
        if self.shared {
            self.persist.merge_stored();
        }
    }
}
