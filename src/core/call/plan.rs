//! What a call may try: the models the request names, the catalog's candidates, a session's
//! pin, and the order from `route::plan_with`. Pure: the catalog, health, sessions, the time
//! and a random seed are arguments. When nothing is left, [`nothing_usable`] says why.

use std::fmt::Write as _;
use std::rc::Rc;

use crate::core::catalog::{Capability, Catalog, ModelInfo, Pricing};
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{Map, Value};
use crate::core::needs::{self, Needs};
use crate::core::options::{CallOptions, ProviderConfig};
use crate::core::providers::facts;
use crate::core::route::{self, Candidate, Health, ModelRef, PinCheck, PlanRequest, Sessions};
use crate::core::route::{Skip, Strategy};
use crate::core::text;

use super::{Cand, Planned};

/// The router model OpenRouter picks a free model with.
pub const OPENROUTER_FREE: &str = "openrouter/free";

fn is_free_id(model: &str) -> bool {
    model.ends_with(":free") || model == OPENROUTER_FREE
}

/// What the request asked for by name.
#[derive(Clone, Debug, PartialEq)]
pub enum Named {
    Auto,
    One(String),
    List(Vec<String>),
}

/// `model` / `models` of a request.
pub fn named(req: &Map) -> Result<Named, Error> {
    if let Some(list) = req.get("models") {
        let Value::Array(items) = list else {
            return Err(Error::invalid(
                "request.models must be an array of model ids",
            ));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, m) in items.iter().enumerate() {
            match m.as_str() {
                Some(s) if !s.is_empty() => out.push(s.to_string()),
                _ => {
                    return Err(Error::invalid(format!(
                        "request.models[{i}] must be a model id string"
                    )))
                }
            }
        }
        if out.is_empty() {
            return Err(Error::invalid(
                "request.models is empty; leave it out to let the client choose",
            ));
        }
        return Ok(Named::List(out));
    }
    match req.get("model") {
        None | Some(Value::Null) => Ok(Named::Auto),
        Some(Value::String(m)) if m == "auto" || m.is_empty() => Ok(Named::Auto),
        Some(Value::String(m)) => Ok(Named::One(m.clone())),
        Some(_) => Err(Error::invalid(
            "request.model must be a model id string or \"auto\"",
        )),
    }
}

/// A call's routing choices, read from the request and options before any catalog.
#[derive(Clone, Debug)]
pub struct Spec {
    pub named: Named,
    pub pinned_provider: Option<Rc<ProviderConfig>>,
    pub fallback: bool,
    pub strategy: Strategy,
    pub session_id: Option<String>,
}

impl Spec {
    pub fn read(
        req: &Map,
        copts: &CallOptions,
        providers: &[Rc<ProviderConfig>],
        default_strategy: &str,
    ) -> Result<Spec, Error> {
        let named = named(req)?;
        let pinned_provider = match &copts.provider {
            Some(id) => Some(provider_by_id(providers, id).ok_or_else(|| {
                let mut ids = String::new();
                for (i, p) in providers.iter().enumerate() {
                    if i > 0 {
                        ids.push_str(", ");
                    }
                    ids.push_str(&p.id);
                }
                Error::invalid(format!(
                    "options.provider \"{id}\" is not one of the configured providers ({ids})"
                ))
            })?),
            None => None,
        };
        let session = copts.session_id.is_some();
        let fallback = copts
            .fallback
            .unwrap_or(!matches!(named, Named::One(_)) || session);
        let strategy = copts
            .strategy
            .as_deref()
            .or(Some(default_strategy))
            .and_then(Strategy::from_str)
            .unwrap_or(Strategy::Random);
        Ok(Spec {
            named,
            pinned_provider,
            fallback,
            strategy,
            session_id: copts.session_id.clone(),
        })
    }

    /// `sticky: "auto"`: without a session id, the conversation's hash is the session (so the
    /// model that first answered it is kept until it becomes unavailable).
    pub fn with_sticky(mut self, req: &Map, sticky: bool) -> Spec {
        let own = self.session_id.take();
        self.session_id = crate::core::sticky::session_for(req, own.as_deref(), sticky);
        self
    }

    /// Whether the plan takes its candidates from the catalog. A single named model without
    /// fallback works without `/models`.
    pub fn uses_catalog(&self) -> bool {
        self.fallback || !matches!(self.named, Named::One(_))
    }

    /// Whether the catalog must be loaded: for its candidates, or to tell an unknown pinned
    /// OpenRouter id from a paid one (the id alone cannot say).
    pub fn needs_catalog(&self, providers: &[Rc<ProviderConfig>]) -> bool {
        let Named::One(m) = &self.named else {
            return true;
        };
        if self.uses_catalog() || is_free_id(m) {
            return self.uses_catalog();
        }
        let listed = |p: &Rc<ProviderConfig>| {
            p.models
                .as_ref()
                .is_some_and(|ms| ms.iter().any(|x| x == m))
        };
        let provider = match &self.pinned_provider {
            Some(p) => Some(p.clone()),
            None if providers.iter().any(listed) => None,
            None => providers
                .iter()
                .find(|p| facts(p.kind).free_pool && m.contains('/'))
                .or_else(|| providers.first())
                .cloned(),
        };
        provider.is_some_and(|p| facts(p.kind).free_pool && !listed(&p))
    }

    /// Only "auto" cannot go ahead when the catalog failed to load.
    pub fn catalog_required(&self) -> bool {
        matches!(self.named, Named::Auto)
    }
}

pub fn provider_by_id(providers: &[Rc<ProviderConfig>], id: &str) -> Option<Rc<ProviderConfig>> {
    providers.iter().find(|p| p.id == id).cloned()
}

/// A provider's catalog that could not be loaded: who, from where, why.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogFailure {
    pub provider: String,
    /// What the list request met (network, timeout, auth, ...).
    pub code: ErrorCode,
    pub message: String,
}

/// Everything the plan reads besides the request.
pub struct Context<'a> {
    pub providers: &'a [Rc<ProviderConfig>],
    pub catalog: &'a Catalog,
    /// Providers whose catalog failed to load and has no copy to serve.
    pub catalog_failures: &'a [CatalogFailure],
    pub health: &'a Health,
    pub sessions: &'a Sessions,
    pub budget_usd: f64,
    /// The client's `seed` (strategy "seeded").
    pub seed: Option<u64>,
    /// A random draw for the other strategies.
    pub random: u64,
    pub now: f64,
}

impl Context<'_> {
    /// Where a model named without a provider lives: the catalog, a configured list, then the
    /// first OpenRouter provider for `author/model` ids, then the first provider.
    fn provider_for_model(&self, model: &str) -> Option<Rc<ProviderConfig>> {
        if let Some(m) = self.catalog.get(model, None) {
            if let Some(p) = provider_by_id(self.providers, &m.provider) {
                return Some(p);
            }
        }
        let listed = self.providers.iter().find(|p| {
            p.models
                .as_ref()
                .is_some_and(|ms| ms.iter().any(|m| m == model))
        });
        listed
            .or_else(|| {
                self.providers
                    .iter()
                    .find(|p| facts(p.kind).free_pool && model.contains('/'))
            })
            .or_else(|| self.providers.first())
            .cloned()
    }

    fn to_candidate(&self, m: &ModelInfo, rank: usize) -> Option<Candidate> {
        let (prank, p) = self
            .providers
            .iter()
            .enumerate()
            .find(|(_, p)| p.id == m.provider)?;
        Some(Candidate {
            provider: p.id.clone(),
            provider_rank: prank,
            model: m.id.clone(),
            free: m.free,
            is_openrouter_free_pool: facts(p.kind).free_pool && m.free,
            context_length: m.context_length,
            caps: Capability::ALL.into_iter().filter(|c| m.has(*c)).collect(),
            catalog_rank: rank,
            price: m.pricing.prompt_per_mtok.max(0.0) + m.pricing.completion_per_mtok.max(0.0),
        })
    }

    /// A model the caller named that the catalog does not list (yet): trust the caller about
    /// its capabilities; the provider will say otherwise if need be.
    fn named_candidate(&self, p: &ProviderConfig, model: &str, needs: &Needs) -> Candidate {
        let prank = self
            .providers
            .iter()
            .position(|q| q.id == p.id)
            .unwrap_or(0);
        // A free pool marks its free models by id; elsewhere the provider's setting says.
        let free = if facts(p.kind).free_pool {
            is_free_id(model)
        } else {
            p.free
        };
        Candidate {
            provider: p.id.clone(),
            provider_rank: prank,
            model: model.to_string(),
            free,
            is_openrouter_free_pool: facts(p.kind).free_pool && free,
            context_length: None,
            caps: needs.caps.clone(),
            catalog_rank: usize::MAX,
            price: 0.0,
        }
    }

    /// Catalog models a call may use: free ones (paid ones only under a budget), no routers,
    /// not expired. Returns candidates and the pool used to explain an empty result.
    fn catalog_candidates(&self) -> (Vec<Candidate>, Vec<&ModelInfo>) {
        let mut out = Vec::new();
        let mut pool = Vec::new();
        for (rank, m) in self.catalog.models().iter().enumerate() {
            if m.is_router || m.is_expired(self.now) {
                continue;
            }
            if !m.free && self.budget_usd <= 0.0 {
                continue;
            }
            if let Some(c) = self.to_candidate(m, rank) {
                out.push(c);
                pool.push(m);
            }
        }
        (out, pool)
    }

    fn cand(&self, c: &Candidate) -> Option<Cand> {
        let provider = provider_by_id(self.providers, &c.provider)?;
        let listed = self
            .catalog
            .get(&c.model, Some(&c.provider))
            .map(|m| m.pricing);
        let configured = match (provider.prompt_price, provider.completion_price) {
            (Some(p), Some(q)) => Some(Pricing {
                prompt_per_mtok: p,
                completion_per_mtok: q,
                request: 0.0,
            }),
            _ => None,
        };
        let pricing = listed.or(configured).unwrap_or(if c.free {
            Pricing::ZERO
        } else {
            Pricing::UNKNOWN
        });
        Some(Cand {
            provider,
            model: c.model.clone(),
            free: c.free,
            pricing,
        })
    }

    /// A pinned id the loaded catalog of its provider does not list, and that cannot be taken
    /// on trust (an OpenRouter id without `:free` would be sent as a paid model).
    fn unknown_pinned(&self, p: &ProviderConfig, model: &str) -> Option<Error> {
        if !facts(p.kind).free_pool || is_free_id(model) {
            return None;
        }
        let hint = unlisted_hint(self.catalog, &p.id, model)?;
        Some(
            Error::new(
                ErrorCode::NotFound,
                format!(
                    "{} does not list a model \"{model}\"{hint}. Check the id, or pass fallback: true to let the client choose",
                    p.id
                ),
            )
            .with_provider(p.id.clone())
            .with_model(model),
        )
    }
}

/// "; the closest are ..." for an id the loaded catalog of `provider` does not list; None when
/// it is listed or nothing of that provider is loaded.
fn unlisted_hint(catalog: &Catalog, provider: &str, model: &str) -> Option<String> {
    let loaded = catalog.models().iter().any(|m| m.provider == provider);
    if !loaded || catalog.get(model, Some(provider)).is_some() {
        return None;
    }
    let mut ids = catalog
        .models()
        .iter()
        .filter(|m| m.provider == provider)
        .map(|m| m.id.as_str());
    let close = text::closest(model, &mut ids, 3);
    Some(if close.is_empty() {
        String::new()
    } else {
        format!("; the closest are {}", text::join(&close, ", "))
    })
}

/// A provider's not_found for a model its own list does not have: the error says so and names
/// the closest listed ids (a custom endpoint may serve unlisted ids, so they are sent anyway).
pub fn with_closest(mut e: Error, catalog: &Catalog) -> Error {
    // Only a server's answer (it has a status): the plan's own not_found already names them.
    if e.code != ErrorCode::NotFound || e.status.is_none() {
        return e;
    }
    let (Some(p), Some(m)) = (e.provider.as_deref(), e.model.as_deref()) else {
        return e;
    };
    if let Some(hint) = unlisted_hint(catalog, p, m).filter(|h| !h.is_empty()) {
        let msg = e.message.trim_end_matches('.');
        e.message = format!("{msg}; its model list does not have it{hint}.");
    }
    e
}

/// Candidates for this call, in the order to try them, or why there are none.
pub fn plan(spec: &Spec, needs: &Needs, cx: &Context) -> Result<Planned, Error> {
    let (mut cands, pool) = if spec.uses_catalog() {
        cx.catalog_candidates()
    } else {
        (Vec::new(), Vec::new())
    };
    let mut preq = PlanRequest {
        needs_caps: needs.caps.clone(),
        min_context: needs.min_context,
        pinned: None,
        explicit: None,
    };
    let add_named = |cands: &mut Vec<Candidate>, m: &str| -> Result<ModelRef, Error> {
        let p = match &spec.pinned_provider {
            Some(p) => p.clone(),
            None => cx
                .provider_for_model(m)
                .ok_or_else(|| Error::invalid(format!("no provider serves model \"{m}\"")))?,
        };
        if !cands.iter().any(|c| c.provider == p.id && c.model == m) {
            if !spec.fallback {
                if let Some(e) = cx.unknown_pinned(&p, m) {
                    return Err(e);
                }
            }
            cands.push(cx.named_candidate(&p, m, needs));
        }
        Ok(ModelRef::new(Some(&p.id), m))
    };
    let mut strategy = spec.strategy;
    match &spec.named {
        Named::One(m) => {
            let r = add_named(&mut cands, m)?;
            if !spec.fallback {
                cands.retain(|c| r.matches(c));
            }
            preq.pinned = Some(r);
        }
        Named::List(ms) => {
            let mut refs = Vec::new();
            for m in ms {
                refs.push(add_named(&mut cands, m)?);
            }
            preq.explicit = Some(refs);
        }
        Named::Auto if strategy == Strategy::Router => {
            // OpenRouter chooses; the model it used comes back in the chunks.
            let router = cx.providers.iter().find_map(|p| facts(p.kind).router_model);
            if let Some(router) = router {
                let r = add_named(&mut cands, router)?;
                cands.retain(|c| r.matches(c));
            } else {
                strategy = Strategy::Random;
            }
        }
        Named::Auto => {}
    }
    let mut repin_from = None;
    if let Some(sid) = &spec.session_id {
        // A pin that changes during this call (checked here or failing below) is a repin.
        repin_from = cx.sessions.get(sid);
        match cx
            .sessions
            .check(sid, &cands, cx.health, &preq, cx.now, 0.0)
        {
            PinCheck::Keep(c) | PinCheck::Wait { candidate: c, .. } => {
                preq.pinned = Some(ModelRef::new(Some(&c.provider), &c.model));
            }
            PinCheck::Repin { .. } | PinCheck::Unpinned => {}
        }
    }
    let seed = match strategy {
        Strategy::Seeded => cx.seed.unwrap_or(0),
        _ => cx.random,
    };
    let plan = route::plan_with(&cands, strategy, cx.health, &preq, seed, cx.now);
    if plan.order.is_empty() {
        return Err(nothing_usable(&plan.skipped, cx, needs, &pool));
    }
    Ok(Planned {
        order: plan.order.iter().filter_map(|c| cx.cand(c)).collect(),
        fallback: spec.fallback,
        repin_from,
        skipped: plan.skipped,
    })
}

/// The error when the plan has nothing to try.
pub fn nothing_usable(
    skipped: &[(Candidate, Skip)],
    cx: &Context,
    needs: &Needs,
    pool: &[&ModelInfo],
) -> Error {
    let now = cx.now;
    // Only capability or size misses: explain the needs and name the closest models.
    let only_unfit = skipped.iter().all(|(_, s)| {
        matches!(
            s,
            Skip::LacksCapability { learned: false, .. }
                | Skip::ContextTooSmall { learned: false, .. }
        )
    });
    if skipped.is_empty() && pool.is_empty() {
        // No catalog: every provider's key refused (on /models too), or the lists failed.
        let all_out = cx
            .providers
            .iter()
            .all(|p| cx.health.out_reason(&p.id).is_some());
        if all_out {
            if let Some(e) = providers_out(cx.providers.iter().map(|p| p.id.as_str()), cx.health) {
                return e;
            }
        }
        if !cx.catalog_failures.is_empty() {
            return catalog_unavailable(cx.catalog_failures);
        }
    }
    if skipped.is_empty() || (only_unfit && !pool.is_empty()) {
        return needs::explain_no_candidates(needs, pool);
    }
    // Every candidate's provider refused its key: say so as the provider did.
    if skipped.iter().all(|(_, s)| matches!(s, Skip::ProviderOut)) {
        if let Some(e) = providers_out(skipped.iter().map(|(c, _)| c.provider.as_str()), cx.health)
        {
            return e;
        }
    }
    let until = skipped
        .iter()
        .filter_map(|(_, s)| s.until_ms())
        .min_by(f64::total_cmp);
    let mut list = String::new();
    for (i, (c, s)) in skipped.iter().take(4).enumerate() {
        if i > 0 {
            list.push_str(", ");
        }
        let _ = write!(list, "{} ({s})", c.model);
    }
    let Some(t) = until else {
        return Error::new(
            ErrorCode::NoCandidates,
            format!("no candidate model can take this request: {list}"),
        );
    };
    let wait = (t - now).max(0.0);
    // Something comes back by itself: say when, and why it is resting.
    let (code, why) = resting_reason(skipped, cx.health, now);
    Error::new(
        code,
        format!(
            "every candidate model is {why}; the first is usable again in {} ({list}). Pass waitForQuota: true to wait, add another provider, or try later",
            text::duration(wait as u64),
        ),
    )
    .with_retry_after(wait as u64)
}

/// What the resting candidates have in common: the free pool, rate limits, or errors.
fn resting_reason(
    skipped: &[(Candidate, Skip)],
    health: &Health,
    now: f64,
) -> (ErrorCode, &'static str) {
    if skipped
        .iter()
        .any(|(_, s)| matches!(s, Skip::PoolExhausted { .. }))
    {
        return (ErrorCode::QuotaExhausted, "out of free quota");
    }
    let mut codes = skipped.iter().filter_map(|(c, s)| match s {
        Skip::CoolingDown { .. } => Some(health.cooldown_reason(&c.provider, &c.model, now)),
        _ => None,
    });
    let first = codes.next().flatten();
    let same = codes.all(|c| c == first);
    match first {
        Some(ErrorCode::RateLimited) | None if same => {
            (ErrorCode::RateLimited, "resting after rate limits")
        }
        Some(ErrorCode::Timeout) if same => (ErrorCode::Timeout, "cooling down after timeouts"),
        Some(ErrorCode::Network) if same => {
            (ErrorCode::Network, "cooling down after network errors")
        }
        _ => (
            ErrorCode::ProviderError,
            "cooling down after provider errors",
        ),
    }
}

/// `auth` (or what the provider said) naming the providers whose keys failed.
fn providers_out<'a>(mut names: impl Iterator<Item = &'a str>, health: &Health) -> Option<Error> {
    let first = names.next()?;
    let (code, status) = health.out_reason(first)?;
    let mut list = first.to_string();
    for n in names {
        if !text::contains(&list, n) {
            list.push_str(", ");
            list.push_str(n);
        }
    }
    let said = match status {
        Some(s) => format!("HTTP {s}"),
        None => code.as_str().to_string(),
    };
    let mut e = Error::new(
        code,
        format!(
            "{list} refused the key earlier in this session ({said}); it stays out until the client is created again. Check the key, or add another provider"
        ),
    )
    .with_provider(first);
    e.status = status;
    Some(e)
}

/// No model could be listed because the catalogs failed: where and why.
pub fn catalog_unavailable(failures: &[CatalogFailure]) -> Error {
    let mut msg = String::from("No model is available: the model list could not be loaded");
    for (i, f) in failures.iter().enumerate() {
        msg.push_str(if i == 0 { " (" } else { "; " });
        msg.push_str(&f.message);
    }
    msg.push_str("). Check the provider's baseUrl and that it is running, or list its models in the provider's `models` option.");
    // What happened, when every list failed the same way: a down endpoint is `network`.
    let code = match failures.split_first() {
        Some((f, rest)) if rest.iter().all(|r| r.code == f.code) => f.code,
        _ => ErrorCode::NoCandidates,
    };
    let mut e = Error::new(code, msg);
    if let [f] = failures {
        e.provider = Some(f.provider.clone());
    }
    e
}
