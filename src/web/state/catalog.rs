//! The catalog as the client holds it: the models, when each provider's were fetched, which
//! are stale or failed, the refresh in flight, and the JS objects already built from them.

use js_sys::{Array, Promise};

use crate::core::call::plan::CatalogFailure;
use crate::core::catalog::{Catalog, ModelInfo};
use crate::core::map::SortedMap;

#[derive(Default)]
pub struct CatalogState {
    pub cat: Catalog,
    /// When each provider's models were fetched (network or cache).
    pub fetched_at: SortedMap<String, f64>,
    /// Providers whose last refresh failed and whose models are an older copy.
    pub stale: SortedMap<String, bool>,
    /// Providers whose models could not be loaded and have no copy to serve: why.
    pub failures: Vec<CatalogFailure>,
    /// The refresh in flight, shared by every caller.
    pub inflight: Option<Promise>,
    /// ModelInfo objects of this catalog version already handed to JS, by catalog index
    /// (`catalogModels` in glue.js), and which indices they cover.
    pub objs: Option<Array>,
    pub built: Vec<bool>,
    /// Provider -> the catalog load (`fetched_at`) whose free models' endpoint lists were asked
    /// (`web::endpoints`): once per model per load.
    pub endpoints_asked: SortedMap<String, f64>,
}

impl CatalogState {
    /// The one way models change: the JS objects built from the old ones go with them.
    pub fn put(&mut self, provider: &str, models: Vec<ModelInfo>) {
        self.cat.set_provider_models(provider, models);
        self.objs = None;
        self.built.clear();
    }

    /// `put`, stamped with when the models were fetched: one out-of-line copy for the four
    /// places that load a provider.
    #[inline(never)]
    pub fn load(&mut self, provider: &str, models: Vec<ModelInfo>, at: f64) {
        self.put(provider, models);
        self.fetched_at.insert(provider.to_string(), at);
    }
}
