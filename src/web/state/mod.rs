//! The shared client state: one `Inner` per client, cloned (as an `Rc`) into every call's
//! future. Its fields are private; modules reach them through the narrow methods below, and
//! this module imports nothing of src/web above it (the layout check holds that).

pub mod catalog;
pub mod ledger;

use std::cell::{Cell, Ref, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::core::call::Event;
use crate::core::options::{ClientOptions, ProviderConfig};
use crate::core::route::{Health, Sessions};
use crate::web::events::Events;
use crate::web::glue;
use crate::web::storage::Store;
use crate::web::transport::now_ms;

pub use catalog::CatalogState;
pub use ledger::QuotaState;

pub struct Inner {
    /// Its `providers` is empty once built: they live in `providers` below.
    opts: ClientOptions,
    providers: Vec<Rc<ProviderConfig>>,
    fetch: JsValue,
    events: Events,
    store: Store,
    catalog: RefCell<CatalogState>,
    health: RefCell<Health>,
    sessions: RefCell<Sessions>,
    /// Optional parameters models refused: (provider, model, parameter), left out up front.
    refused_params: RefCell<Vec<(String, String, String)>>,
    quota: QuotaState,
    /// When key info was last asked (NaN: never), and whether it ever answered.
    key_asked: Cell<f64>,
    key_answered: Cell<bool>,
    /// The API keys, redacted by value from every text the library emits while this lives.
    _secrets: crate::web::secrets::Held,
}

const STATS_KEY: &str = "stats";
/// `sticky: "auto"` pins: conversation hashes only (see core::sticky).
const STICKY_KEY: &str = "sticky";

impl Inner {
    /// The state of a new client: observed stats read back from storage, the ledger set up.
    pub fn new(mut opts: ClientOptions, fetch: JsValue, on_event: &JsValue) -> Inner {
        let store = Store::new(opts.persist);
        let mut health = Health::new();
        if let Some(s) = store.get(STATS_KEY) {
            // Garbage in storage starts us fresh; it must never break the client.
            let _ = health.stats_from_json(&s);
            // Nothing learned waits longer than a day or the configured cap (issue 18).
            let longest = opts.retry_after_cap_ms.max(86_400_000) as f64;
            health.forget_beyond(now_ms() + longest);
        }
        let mut sessions = Sessions::new();
        if let Some(s) = store.get(STICKY_KEY) {
            crate::core::sticky::restore(&mut sessions, &s);
        }
        let quota = QuotaState::new(&opts, &store);
        // Moved, not cloned: after the quota set-up `providers` is the one list read.
        let mut keys = Vec::new();
        let mut providers = Vec::new();
        for p in std::mem::take(&mut opts.providers) {
            if let Some(k) = &p.api_key {
                keys.push(k.clone());
            }
            providers.push(Rc::new(p));
        }
        let secrets = crate::web::secrets::Held::new(keys);
        Inner {
            quota,
            _secrets: secrets,
            key_asked: Cell::new(f64::NAN),
            key_answered: Cell::new(false),
            opts,
            providers,
            fetch,
            events: Events::new(on_event),
            store,
            catalog: RefCell::new(CatalogState::default()),
            health: RefCell::new(health),
            sessions: RefCell::new(sessions),
            refused_params: RefCell::new(Vec::new()),
        }
    }

    pub fn opts(&self) -> &ClientOptions {
        &self.opts
    }

    pub fn providers(&self) -> &[Rc<ProviderConfig>] {
        &self.providers
    }

    /// The injected `fetch` (undefined: the global one).
    pub fn fetch(&self) -> &JsValue {
        &self.fetch
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn catalog(&self) -> &RefCell<CatalogState> {
        &self.catalog
    }

    pub fn health(&self) -> &RefCell<Health> {
        &self.health
    }

    /// Health for a decision, borrowed until the returned guard drops (never across an await).
    pub fn health_now(&self) -> Ref<'_, Health> {
        self.health.borrow()
    }

    pub fn sessions(&self) -> &RefCell<Sessions> {
        &self.sessions
    }

    /// Keep `session` on this model; a conversation's pin (`sticky: "auto"`) is also stored.
    pub fn pin_session(&self, session: &str, provider: &str, model: &str) {
        let mut sessions = self.sessions.borrow_mut();
        sessions.pin(session, provider, model);
        if session.starts_with("auto:") {
            self.store
                .set_soon(STICKY_KEY, &crate::core::sticky::to_json(&sessions));
        }
    }

    pub fn refused_params(&self) -> &RefCell<Vec<(String, String, String)>> {
        &self.refused_params
    }

    pub fn quota(&self) -> &QuotaState {
        &self.quota
    }

    /// When key info was last asked, and whether it ever answered (`core::keyinfo::refresh_due`).
    pub fn key_asked(&self) -> (Option<f64>, bool) {
        let t = self.key_asked.get();
        ((!t.is_nan()).then_some(t), self.key_answered.get())
    }

    pub fn mark_key_asked(&self, now_ms: f64, answered: bool) {
        self.key_asked.set(now_ms);
        if answered {
            self.key_answered.set(true);
        }
    }

    /// Observed model stats survive reloads ("fastest" needs them).
    pub fn save_stats(&self) {
        let json = self.health.borrow().stats_to_json();
        // Written behind: a localStorage write per call was most of what storage cost a call.
        self.store.set_soon(STATS_KEY, &json);
    }

    /// A random seed for the strategies that draw one.
    pub fn next_seed(&self) -> u64 {
        (u64::from(glue::random_u32()) << 32) | u64::from(glue::random_u32())
    }

    /// Emit what the call loop decided to say.
    pub fn emit_all(&self, events: Vec<Event>) {
        let now = now_ms();
        for (kind, m) in events {
            self.events.emit_map(kind, now, m);
        }
    }
}
