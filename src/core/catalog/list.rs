//! The catalog: every provider's models, filtered and sorted.

use super::filter::{ModelFilter, SortKey};
use super::model::{CapSet, ModelInfo, Pricing};
use crate::core::sort;
use crate::core::text;

/// Every provider's models, in configuration order, with a lowercase search text per model
/// computed once so that re-filtering allocates nothing per model.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    models: Vec<ModelInfo>,
    /// `hay[i]` = lowercase "id\nname\ndescription" of `models[i]`.
    hay: Vec<String>,
}

fn haystack(m: &ModelInfo) -> String {
    let mut h = String::with_capacity(m.id.len() + m.name.len() + m.description.len() + 2);
    for (i, part) in [&m.id, &m.name, &m.description].into_iter().enumerate() {
        if i > 0 {
            h.push('\n');
        }
        if part.is_ascii() {
            // The common case, a byte at a time.
            let at = h.len();
            h.push_str(part);
            // `get_mut`, not `[at..]`: slicing links str's panic formatting (~2 KB raw).
            if let Some(t) = h.get_mut(at..) {
                t.make_ascii_lowercase();
            }
        } else {
            fold_into(&mut h, part);
        }
    }
    h
}

/// Lowercase for search, one char to one char: ASCII, Latin-1, Latin Extended-A, Greek and
/// Cyrillic capitals (the scripts of model names and descriptions). `str::to_lowercase` would
/// bring ~10 KB of Unicode tables into the wasm binary for scripts no catalog uses.
/// `s` folded by [`fold_case`], appended to `out` (a loop: `extend` over a char map is a
/// generic String builder in wasm).
fn fold_into(out: &mut String, s: &str) {
    for c in s.chars() {
        out.push(fold_case(c));
    }
}

pub(crate) fn fold_case(c: char) -> char {
    let u = c as u32;
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xDE if u != 0xD7 => u + 32,
        0x130 => u32::from(b'i'),
        0x100..=0x137 | 0x14A..=0x177 if u % 2 == 0 => u + 1,
        0x139..=0x148 | 0x179..=0x17E if u % 2 == 1 => u + 1,
        0x178 => 0xFF,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 37,
        0x38C => 0x3CC,
        0x38E | 0x38F => u + 63,
        0x391..=0x3AB if u != 0x3A2 => u + 32,
        0x400..=0x40F => u + 80,
        0x410..=0x42F => u + 32,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x4FF if u % 2 == 0 => u + 1,
        0x4C1..=0x4CE if u % 2 == 1 => u + 1,
        0x4C0 => 0x4CF,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

impl Catalog {
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Replaces that provider's models, keeping its place among the providers so that the
    /// unsorted order stays the configuration order across refreshes.
    pub fn set_provider_models(&mut self, provider: &str, models: Vec<ModelInfo>) {
        let at = self
            .models
            .iter()
            .position(|m| m.provider == provider)
            .unwrap_or(self.models.len());
        let mut keep = self.models.iter().map(|m| m.provider != provider);
        self.hay.retain(|_| keep.next().unwrap_or(true));
        self.models.retain(|m| m.provider != provider);
        let at = at.min(self.models.len());
        // A model the provider lists twice is listed once: the first entry wins.
        let mut unique: Vec<ModelInfo> = Vec::with_capacity(models.len());
        for m in models {
            if !unique.iter().any(|u| u.id == m.id) {
                unique.push(m);
            }
        }
        let mut models = unique;
        for m in &mut models {
            if m.provider != provider {
                m.provider = provider.to_owned();
            }
        }
        let hay: Vec<String> = models.iter().map(haystack).collect();
        self.hay.splice(at..at, hay);
        self.models.splice(at..at, models);
    }

    pub fn models(&self) -> &[ModelInfo] {
        &self.models
    }

    /// First model with that id (of that provider, when given).
    pub fn get(&self, id: &str, provider: Option<&str>) -> Option<&ModelInfo> {
        self.index_of(id, provider).map(|i| &self.models[i])
    }

    /// Where `get` finds its model in `models()`.
    pub fn index_of(&self, id: &str, provider: Option<&str>) -> Option<usize> {
        self.models
            .iter()
            .position(|m| m.id == id && provider.is_none_or(|p| m.provider == p))
    }

    /// Filter + sort; `latency` gives the observed ttft p50 for the "latency" sort (None last).
    /// Ties break by id, then provider, so results are deterministic.
    pub fn query(
        &self,
        f: &ModelFilter,
        now_ms: f64,
        latency: &dyn Fn(&ModelInfo) -> Option<f64>,
    ) -> Vec<&ModelInfo> {
        let hits = self.query_idx(f, now_ms, latency);
        hits.into_iter().map(|i| &self.models[i]).collect()
    }

    /// `query` as indices into `models()`, so a caller can keep per-model data by index.
    pub fn query_idx(
        &self,
        f: &ModelFilter,
        now_ms: f64,
        latency: &dyn Fn(&ModelInfo) -> Option<f64>,
    ) -> Vec<usize> {
        let need: CapSet = f.caps.iter().copied().collect();
        let needle: Option<String> = f.search.as_deref().map(|s| {
            let mut folded = String::new();
            fold_into(&mut folded, s);
            folded
        });
        let mut hits: Vec<(f64, usize, &ModelInfo)> = Vec::new();
        for (i, (m, hay)) in self.models.iter().zip(&self.hay).enumerate() {
            let pass = f.free.is_none_or(|fr| m.free == fr)
                && f.provider.as_deref().is_none_or(|p| m.provider == p)
                && m.has_all(need)
                && (f.include_routers || !m.is_router)
                && (f.include_expired || !m.is_expired(now_ms))
                && f.min_context
                    .is_none_or(|min| m.context_length.is_none_or(|c| c >= min))
                && f.max_prompt_price.is_none_or(|max| {
                    Pricing::known(m.pricing.prompt_per_mtok).is_some_and(|p| p <= max)
                })
                && needle.as_deref().is_none_or(|n| text::contains(hay, n));
            if !pass {
                continue;
            }
            // One number per model, ascending; "unknown" is +inf so it sorts last.
            let key = match f.sort {
                None | Some(SortKey::Id) => 0.0,
                Some(SortKey::Context) => m.context_length.map_or(f64::INFINITY, |c| -(c as f64)),
                Some(SortKey::Price) => m.pricing.total_per_mtok().unwrap_or(f64::INFINITY),
                Some(SortKey::Latency) => {
                    latency(m).filter(|x| !x.is_nan()).unwrap_or(f64::INFINITY)
                }
                Some(SortKey::Newest) => m.created.map_or(f64::INFINITY, |c| -c),
            };
            hits.push((key, i, m));
        }
        if f.sort.is_some() {
            sort::sort_by(&mut hits, |a, b| {
                a.0.total_cmp(&b.0)
                    .then_with(|| a.2.id.cmp(&b.2.id))
                    .then_with(|| a.2.provider.cmp(&b.2.provider))
            });
        }
        if let Some(n) = f.limit {
            hits.truncate(n);
        }
        hits.into_iter().map(|(_, i, _)| i).collect()
    }
}
