//! The quota ledger in the page: persisted in localStorage under a hash of the credentials,
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

use crate::core::json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::error::{Error, ErrorCode};
use crate::core::limits::{LimitFact, Scope, Unit, Window};
use crate::core::map::Put;
use crate::core::options::{ClientOptions, ProviderConfig};
use crate::core::provider::ProviderKind;
use crate::core::quota::{DayReset, Ledger, ReservationId, ScopeKey, SpendId, Verdict};
use crate::core::sha256;
use crate::web::client::Inner;
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
    pub ledger: Rc<RefCell<Ledger>>,
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
    let mut ids: Vec<String> = opts
        .providers
        .iter()
        .map(|p| {
            format!(
                "{}|{}|{}",
                p.id,
                p.base_url,
                p.api_key.as_deref().unwrap_or("")
            )
        })
        .collect();
    crate::core::sort::sort(&mut ids);
    let h = sha256::hex_digest(ids.join("\n").as_bytes());
    // `get`, not `[..32]`: str slicing would link its panic formatting (~2 KB raw).
    format!("quota:{}", h.get(..32).unwrap_or(&h))
}

fn declare(ledger: &mut Ledger, p: &ProviderConfig) {
    let key = ScopeKey::new(&p.id, Scope::Provider);
    let reset = match p.kind {
        ProviderKind::Gemini => DayReset::PacificMidnight,
        _ => DayReset::UtcMidnight,
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
    fn update<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
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
    fn update_now<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
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
}

/// Run `f` on the freshly read shared ledger while holding the cross-tab lock, and store and
/// announce the result before the lock is released. None: the ledger could not be consulted.
async fn locked<R: 'static>(
    inner: &Rc<Inner>,
    f: impl FnOnce(&mut Ledger) -> R + 'static,
) -> Option<R> {
    if !inner.quota.shared {
        return inner.quota.update(f);
    }
    let out: Rc<RefCell<Option<R>>> = Rc::new(RefCell::new(None));
    let o = out.clone();
    with_lock(inner, Box::new(move |l| *o.borrow_mut() = Some(f(l)))).await;
    let r = out.borrow_mut().take();
    r
}

/// The lock itself, not generic: one JS closure type and one future for every caller.
async fn with_lock(inner: &Rc<Inner>, f: Box<dyn FnOnce(&mut Ledger)>) {
    let run = {
        let inner = inner.clone();
        move || {
            inner.quota.update_now(f);
        }
    };
    let f = Closure::once_into_js(move || {
        run();
        JsValue::UNDEFINED
    });
    let _ = JsFuture::from(glue::with_lock(&inner.quota.name, f.unchecked_ref())).await;
}

/// The scopes a call to `model` on `p` draws from, with their documented defaults in place.
pub fn keys_for(inner: &Inner, p: &ProviderConfig, model: &str, free: bool) -> Vec<ScopeKey> {
    let free_pool = p.kind == ProviderKind::OpenRouter && free;
    let keys = ScopeKey::for_call(&p.id, p.kind, model, free_pool);
    let now = now_ms();
    if let Ok(mut l) = inner.quota.ledger.try_borrow_mut() {
        for k in &keys {
            l.ensure_defaults(&k.provider, p.kind, &k.scope, now);
        }
    }
    keys
}

/// Reserve one request in every window of `keys`, atomically across tabs. `Ok(None)`: the
/// ledger could not be consulted; the request goes untracked rather than being blocked.
pub async fn reserve(
    inner: &Rc<Inner>,
    keys: Vec<ScopeKey>,
    tokens: u64,
) -> Result<Option<ReservationId>, Verdict> {
    let q = &inner.quota;
    let now = now_ms();
    // Keys without any limit cannot be refused, whatever other tabs do: no lock, no storage
    // on the request path; the count is written behind.
    let free = q.ledger.try_borrow().is_ok_and(|l| !l.limited(&keys, now));
    // One closure for both paths (one instance of each helper); under the lock the time is
    // read again, after the wait.
    let fresh = !free && q.shared;
    let f = move |l: &mut Ledger| l.reserve(&keys, tokens, if fresh { now_ms() } else { now });
    let r = if fresh {
        locked(inner, f).await
    } else {
        q.update(f)
    };
    r.map(|r| r.map(Some)).unwrap_or(Ok(None))
}

pub fn commit(inner: &Inner, id: ReservationId, tokens: Option<u64>) {
    inner.quota.update(|l| l.commit(id, tokens, now_ms()));
    emit_quota(inner);
}

pub fn refund(inner: &Inner, id: ReservationId) {
    inner.quota.update(|l| l.refund(id, now_ms()));
}

pub fn learn(inner: &Inner, provider: &str, facts: &[LimitFact]) {
    if facts.is_empty() {
        return;
    }
    inner.quota.update(|l| {
        for f in facts {
            l.learn(provider, f, now_ms());
        }
    });
}

/// Hold the most a paid call may cost; fails with `budget_exceeded` when it would not fit.
/// Under the lock with a fresh read, like a limited reservation: two tabs never overshoot.
pub async fn reserve_spend(inner: &Rc<Inner>, usd: f64) -> Result<SpendId, Error> {
    locked(inner, move |l| l.reserve_spend(usd, now_ms()))
        .await
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::BudgetExceeded,
                "the spend ledger is busy; not spending money blind",
            ))
        })
}

/// Spend is written at once: another tab's next hold must see it.
pub fn commit_spend(inner: &Inner, id: SpendId, usd: f64) {
    inner
        .quota
        .update_now(|l| l.commit_spend(id, usd, now_ms()));
    emit_quota(inner);
}

pub fn refund_spend(inner: &Inner, id: SpendId) {
    inner.quota.update_now(|l| l.refund_spend(id, now_ms()));
}

pub fn set_openrouter_tier(inner: &Inner, provider: &str, has_credits: bool) {
    inner
        .quota
        .update_now(|l| l.set_openrouter_tier(provider, has_credits, now_ms()));
    emit_quota(inner);
}

/// `quota()`: every scope's windows, and spend against the budget.
pub fn snapshot(inner: &Inner) -> Value {
    if inner.quota.shared {
        inner.quota.persist.merge_stored();
    }
    let now = now_ms();
    let Ok(l) = inner.quota.ledger.try_borrow() else {
        return Value::Null;
    };
    let scopes = Value::Array(l.snapshot_values(now));
    let spend = l.spend(now);
    let mut m = Map::new();
    m.put("scopes", scopes);
    m.put("spentUsd", spend.spent_usd.into());
    m.put("reservedUsd", spend.reserved_usd.into());
    m.put("budgetUsd", inner.opts.budget_usd.into());
    m.put("period", inner.opts.budget_period.as_str().into());
    Value::Object(m)
}

pub fn emit_quota(inner: &Inner) {
    if inner.events.wants("quota") {
        let snap = snapshot(inner);
        inner.events.emit("quota", now_ms(), |m| {
            m.put("snapshot", snap);
        });
    }
}
