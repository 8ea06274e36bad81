//! The quota ledger in the page: persisted in localStorage under a hash of the credentials,
//! merged live from other tabs (BroadcastChannel, storage events), reservations made under a
//! Web Lock so two tabs never over-commit. In a Worker without localStorage it works in memory
//! (and still shares over BroadcastChannel).

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::{Map, Value};
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
use crate::web::router::human_ms;
use crate::web::storage::Store;
use crate::web::transport::now_ms;

type Listener = Closure<dyn FnMut(JsValue)>;

pub struct QuotaState {
    pub ledger: Rc<RefCell<Ledger>>,
    /// Storage key and channel name: derived from a hash of the credentials, never a key.
    key: String,
    shared: bool,
    store: Store,
    listener: RefCell<Option<(glue::Shared, Listener)>>,
    /// The stored text this tab last wrote or merged: when storage still holds exactly that,
    /// there is nothing new to merge (the common single-tab case skips a parse per update).
    seen: RefCell<String>,
}

impl Drop for QuotaState {
    fn drop(&mut self) {
        if let Some((shared, _closure)) = self.listener.get_mut().take() {
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
    format!("quota:{}", &h[..32])
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
        let state = QuotaState {
            ledger: Rc::new(RefCell::new(ledger)),
            shared: opts.persist,
            store: store.clone(),
            key,
            listener: RefCell::new(None),
            seen: RefCell::new(String::new()),
        };
        if state.shared {
            state.merge_stored();
            let ledger = state.ledger.clone();
            let closure = Closure::<dyn FnMut(JsValue)>::new(move |msg: JsValue| {
                let Some(s) = msg.as_string() else {
                    return;
                };
                // Another tab's state: merging is idempotent, so a message twice is harmless.
                if let (Ok(other), Ok(mut l)) = (Ledger::from_json(&s), ledger.try_borrow_mut()) {
                    l.merge(&other);
                }
            });
            let shared = glue::listen_shared(
                &state.channel(),
                &format!("{}{}", crate::web::storage::PREFIX, state.key),
                closure.as_ref().unchecked_ref(),
            );
            *state.listener.borrow_mut() = Some((shared, closure));
        }
        state
    }

    fn channel(&self) -> String {
        format!("free-router:{}", self.key)
    }

    /// Fold in what other tabs stored. Garbage is ignored: it must never break a call.
    fn merge_stored(&self) {
        let Some(s) = self.store.get(&self.key) else {
            return;
        };
        if *self.seen.borrow() == s {
            return;
        }
        if let (Ok(other), Ok(mut l)) = (Ledger::from_json(&s), self.ledger.try_borrow_mut()) {
            l.merge(&other);
        }
        *self.seen.borrow_mut() = s;
    }

    /// Store and announce our state.
    fn publish(&self) {
        if !self.shared {
            return;
        }
        let json = match self.ledger.try_borrow_mut() {
            Ok(mut l) => {
                l.gc(now_ms());
                l.to_json()
            }
            Err(_) => return,
        };
        if self.store.set(&self.key, &json) {
            *self.seen.borrow_mut() = json.clone();
        }
        if let Some((shared, _)) = self.listener.borrow().as_ref() {
            shared.post(&json);
        }
    }

    /// Read-modify-write of the shared ledger.
    fn update<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> Option<R> {
        if self.shared {
            self.merge_stored();
        }
        let r = match self.ledger.try_borrow_mut() {
            Ok(mut l) => f(&mut l),
            Err(_) => return None,
        };
        self.publish();
        Some(r)
    }
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
    type Outcome = Result<Option<ReservationId>, Verdict>;
    let out: Rc<RefCell<Option<Outcome>>> = Rc::new(RefCell::new(None));
    let run = {
        let inner = inner.clone();
        let out = out.clone();
        move || {
            let r = inner
                .quota
                .update(|l| l.reserve(&keys, tokens, now_ms()))
                .map(|r| r.map(Some))
                .unwrap_or(Ok(None));
            *out.borrow_mut() = Some(r);
        }
    };
    if inner.quota.shared {
        let name = format!("free-router:{}", inner.quota.key);
        let f = Closure::once_into_js(move || {
            run();
            JsValue::UNDEFINED
        });
        let _ = JsFuture::from(glue::with_lock(&name, f.unchecked_ref())).await;
    } else {
        run();
    }
    let r = out.borrow_mut().take();
    // The lock failed to run us: let the request go rather than block it.
    r.unwrap_or(Ok(None))
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
pub fn reserve_spend(inner: &Inner, usd: f64) -> Result<SpendId, Error> {
    inner
        .quota
        .update(|l| l.reserve_spend(usd, now_ms()))
        .unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::BudgetExceeded,
                "the spend ledger is busy; not spending money blind",
            ))
        })
}

pub fn commit_spend(inner: &Inner, id: SpendId, usd: f64) {
    inner.quota.update(|l| l.commit_spend(id, usd, now_ms()));
    emit_quota(inner);
}

pub fn refund_spend(inner: &Inner, id: SpendId) {
    inner.quota.update(|l| l.refund_spend(id, now_ms()));
}

pub fn set_openrouter_tier(inner: &Inner, provider: &str, has_credits: bool) {
    inner
        .quota
        .update(|l| l.set_openrouter_tier(provider, has_credits, now_ms()));
    emit_quota(inner);
}

/// `quota()`: every scope's windows, and spend against the budget.
pub fn snapshot(inner: &Inner) -> Value {
    inner.quota.merge_stored();
    let now = now_ms();
    let Ok(l) = inner.quota.ledger.try_borrow() else {
        return Value::Null;
    };
    let scopes = Value::Array(l.snapshot(now).iter().map(|r| r.to_value()).collect());
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

/// When a verdict says no: the error that says when the quota returns and what would raise it.
pub fn verdict_error(v: &Verdict, model: &str, now: f64) -> Option<(Error, f64)> {
    let (at, key, window, limit, code) = match v {
        Verdict::Ok => return None,
        Verdict::WaitUntil {
            at_ms,
            scope,
            window,
        } => (*at_ms, scope, *window, None, ErrorCode::RateLimited),
        Verdict::Exhausted {
            until_ms,
            scope,
            window,
            limit,
        } => (
            *until_ms,
            scope,
            *window,
            Some(*limit),
            ErrorCode::QuotaExhausted,
        ),
    };
    let wait = (at - now).max(0.0);
    let when = format!("in {}", human_ms(wait));
    let limit_s = limit
        .map(|n| format!(" of {n} requests"))
        .unwrap_or_default();
    let msg = match (&key.scope, window) {
        (Scope::OpenRouterFree, Window::Day) => format!(
            "All free models on {} hit the daily limit{limit_s}; it resets at 00:00 UTC ({when}). Buy 10 credits to raise it to 1000, add another provider, or set budget.maxUsd to spill to paid models.",
            key.provider
        ),
        (Scope::OpenRouterFree, _) => format!(
            "The free-model limit of {} per {} is reached; it frees up {when}. Pass waitForQuota: true to wait, or add another provider.",
            key.provider,
            window.as_str()
        ),
        _ => format!(
            "The {} limit{limit_s} for {} on {} is reached; it frees up {when}. Pass waitForQuota: true to wait, or add another provider.",
            window.as_str(),
            if key.scope_str() == "provider" { "the account" } else { key.scope_str() },
            key.provider
        ),
    };
    Some((
        Error::new(code, msg)
            .with_provider(key.provider.clone())
            .with_model(model)
            .with_retry_after(wait as u64),
        at,
    ))
}
