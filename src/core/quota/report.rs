//! Windows and `quota().scopes` rows as they stand at some time.

use crate::core::json::{Map, Value};

use super::slots::span;
use super::types::{unit_str, Ledger, ScopeKey, ScopeRow, WindowState};
use crate::core::limits::Window;
use crate::core::map::Put;

impl Ledger {
    /// Each window of `key` as it stands at `now_ms`.
    // Plain loops: the iterator chain (flat_map, chain, fold) cost several adapter functions.
    pub fn windows(&self, key: &ScopeKey, now_ms: f64) -> Vec<WindowState> {
        let mut out = Vec::new();
        self.each_state(key, now_ms, &mut |s| out.push(s));
        out
    }

    /// `windows` one by one, without collecting them (the `quota()` path).
    fn each_state(&self, key: &ScopeKey, now_ms: f64, f: &mut dyn FnMut(WindowState)) {
        for r in self.rules_for(key, now_ms) {
            let o = self.obs_of(key, &r);
            let used = self.used(key, &r, o, now_ms);
            let reserved = self.inflight(key, &r, now_ms, now_ms);
            let next = self.earliest(key, &r, 1, now_ms);
            let resets_at_ms = if next > now_ms {
                next
            } else if r.w == Window::Day {
                r.natural_end(now_ms)
            } else {
                // Sliding and open: when the oldest counted thing leaves (now if empty).
                let cut = o.map_or(f64::NEG_INFINITY, |o| o.t);
                let mut first = f64::INFINITY;
                for t in self.tabs.values() {
                    for e in t.log.get(key).into_iter().flatten() {
                        if e.0 > cut && r.holds(e.0, now_ms) {
                            first = first.min(e.0 + span(r.w));
                        }
                    }
                }
                if let Some(o) = o.filter(|o| o.until > now_ms) {
                    first = first.min(o.until);
                }
                if first.is_finite() {
                    first
                } else {
                    now_ms
                }
            };
            f(WindowState {
                window: r.w,
                unit: r.u,
                limit: r.l,
                used,
                reserved,
                resets_at_ms,
                source: r.s,
                day_reset: r.r,
            });
        }
    }

    /// Each (key, window) of `quota()`, in row order.
    pub(super) fn each_window(&self, now_ms: f64, f: &mut dyn FnMut(&ScopeKey, &WindowState)) {
        // Both maps are sorted: walk them together (each key once) instead of sorting.
        let (a, b) = (&self.rules.0, &self.decl.0);
        let (mut i, mut j) = (0, 0);
        loop {
            let key = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => {
                    let o = x.0.cmp(&y.0);
                    i += usize::from(o.is_le());
                    j += usize::from(o.is_ge());
                    if o.is_le() {
                        &x.0
                    } else {
                        &y.0
                    }
                }
                (Some(x), None) => {
                    i += 1;
                    &x.0
                }
                (None, Some(y)) => {
                    j += 1;
                    &y.0
                }
                (None, None) => break,
            };
            self.each_state(key, now_ms, &mut |s| f(key, &s));
        }
    }

    /// One row per (key, window, unit), for `quota()`.
    pub fn snapshot(&self, now_ms: f64) -> Vec<ScopeRow> {
        let mut rows = Vec::new();
        self.each_window(now_ms, &mut |key, s| {
            let used = s.used.saturating_add(s.reserved);
            rows.push(ScopeRow {
                provider: key.provider.clone(),
                scope: key.scope_str().to_string(),
                window: s.window.as_str().to_string(),
                unit: unit_str(s.unit).to_string(),
                limit: s.limit,
                used,
                remaining: s.limit.saturating_sub(used),
                resets_at: s.resets_at_ms,
                source: s.source.as_str().to_string(),
            });
        });
        rows
    }

    /// `snapshot` as the values `quota().scopes` shows (what `ScopeRow::to_value` gives),
    /// built directly: no row strings to allocate and clone again.
    pub fn snapshot_values(&self, now_ms: f64) -> Vec<Value> {
        let mut rows = Vec::new();
        self.each_window(now_ms, &mut |key, s| {
            let used = s.used.saturating_add(s.reserved);
            let mut m = Map::new();
            m.put("provider", key.provider.as_str().into());
            m.put("scope", key.scope_str().into());
            m.put("window", s.window.as_str().into());
            m.put("unit", unit_str(s.unit).into());
            m.put("source", s.source.as_str().into());
            m.put("limit", s.limit.into());
            m.put("used", used.into());
            m.put("remaining", s.limit.saturating_sub(used).into());
            m.put("resetsAt", s.resets_at_ms.into());
            rows.push(Value::Object(m));
        });
        rows
    }
}
