//! The quota ledger's operations for a call: reserve (under the cross-tab lock when a limit
//! could be over-committed), commit, refund, learn, and the snapshot. The shared state itself
//! is web::state::ledger.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::error::{Error, ErrorCode};
use crate::core::limits::LimitFact;
use crate::core::map::Put;
use crate::core::options::ProviderConfig;
use crate::core::providers;
use crate::core::quota::{Ledger, ReservationId, ScopeKey, SpendId, Verdict};
use crate::web::glue;
use crate::web::state::Inner;
use crate::web::transport::now_ms;

/// Run `f` on the freshly read shared ledger while holding the cross-tab lock, and store and
/// announce the result before the lock is released. None: the ledger could not be consulted.
async fn locked<R: 'static>(
    inner: &Rc<Inner>,
    f: impl FnOnce(&mut Ledger) -> R + 'static,
) -> Option<R> {
    if !inner.quota().is_shared() {
        return inner.quota().update(f);
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
            inner.quota().update_now(f);
        }
    };
    let f = Closure::once_into_js(move || {
        run();
        JsValue::UNDEFINED
    });
    let _ = JsFuture::from(glue::with_lock(
        inner.quota().lock_name(),
        f.unchecked_ref(),
    ))
    .await;
}

/// The scopes a call to `model` on `p` draws from, with their documented defaults in place.
pub fn keys_for(inner: &Inner, p: &ProviderConfig, model: &str, free: bool) -> Vec<ScopeKey> {
    let free_pool = providers::facts(p.kind).free_pool && free;
    let keys = ScopeKey::for_call(&p.id, p.kind, model, free_pool);
    let now = now_ms();
    if let Ok(mut l) = inner.quota().ledger().try_borrow_mut() {
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
    let q = inner.quota();
    let now = now_ms();
    // Keys without any limit cannot be refused, whatever other tabs do: no lock, no storage
    // on the request path; the count is written behind.
    let free = q
        .ledger()
        .try_borrow()
        .is_ok_and(|l| !l.limited(&keys, now));
    // One closure for both paths (one instance of each helper); under the lock the time is
    // read again, after the wait.
    let fresh = !free && q.is_shared();
    let f = move |l: &mut Ledger| l.reserve(&keys, tokens, if fresh { now_ms() } else { now });
    let r = if fresh {
        locked(inner, f).await
    } else {
        q.update(f)
    };
    r.map(|r| r.map(Some)).unwrap_or(Ok(None))
}

pub fn commit(inner: &Inner, id: ReservationId, tokens: Option<u64>) {
    inner.quota().update(|l| l.commit(id, tokens, now_ms()));
    emit_quota(inner);
}

pub fn refund(inner: &Inner, id: ReservationId) {
    inner.quota().update(|l| l.refund(id, now_ms()));
}

pub fn learn(inner: &Inner, provider: &str, facts: &[LimitFact]) {
    if facts.is_empty() {
        return;
    }
    inner.quota().update(|l| {
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
        .quota()
        .update_now(|l| l.commit_spend(id, usd, now_ms()));
    emit_quota(inner);
}

pub fn refund_spend(inner: &Inner, id: SpendId) {
    inner.quota().update_now(|l| l.refund_spend(id, now_ms()));
}

pub fn set_free_daily(inner: &Inner, provider: &str, used: u64, limit: u64) {
    inner
        .quota()
        .update_now(|l| l.set_free_daily(provider, used, limit, now_ms()));
    emit_quota(inner);
}

/// OpenRouter's free day on `provider` as the ledger counts it: (limit, used + in flight).
pub fn free_day(inner: &Inner, provider: &str) -> Option<(u64, u64)> {
    let key = ScopeKey::new(provider, crate::core::limits::Scope::OpenRouterFree);
    let l = inner.quota().ledger().try_borrow().ok()?;
    let mut day = None;
    for w in l.windows(&key, now_ms()) {
        if w.window == crate::core::limits::Window::Day
            && w.unit == crate::core::limits::Unit::Requests
        {
            day = Some((w.limit, w.used + w.reserved));
        }
    }
    day
}

/// `quota()`: every scope's windows, and spend against the budget.
pub fn snapshot(inner: &Inner) -> Value {
    inner.quota().merge_stored();
    let now = now_ms();
    let Ok(l) = inner.quota().ledger().try_borrow() else {
        return Value::Null;
    };
    let scopes = Value::Array(l.snapshot_values(now));
    let spend = l.spend(now);
    let mut m = Map::new();
    m.put("scopes", scopes);
    m.put("spentUsd", spend.spent_usd.into());
    m.put("reservedUsd", spend.reserved_usd.into());
    m.put("budgetUsd", inner.opts().budget_usd.into());
    m.put("period", inner.opts().budget_period.as_str().into());
    Value::Object(m)
}

pub fn emit_quota(inner: &Inner) {
    if inner.events().wants("quota") {
        let snap = snapshot(inner);
        inner.events().emit("quota", now_ms(), |m| {
            m.put("snapshot", snap);
        });
    }
}
