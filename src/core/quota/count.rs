//! Counting a window as it stands at some time, and whether a request may go.

use super::slots::{find_slot, sort_slots, span, upsert};
use super::types::{Ledger, Obs, Rule, ScopeKey, Verdict};
use crate::core::limits::{Source, Window};

impl Ledger {
    /// The limits that apply to `key`: provider facts first, then declarations, then (unless
    /// the provider has declarations) documented defaults.
    pub(super) fn rules_for(&self, key: &ScopeKey, now: f64) -> Vec<Rule> {
        let declared = self.decl.keys().any(|k| k.provider == key.provider);
        let mut out = self.decl.get(key).cloned().unwrap_or_default();
        for r in self.rules.get(key).into_iter().flatten() {
            let fact = r.s != Source::Documented;
            // A fact replaces or adds; a default only fills an empty slot, and only when the
            // provider declared nothing.
            if fact || !declared {
                upsert(&mut out, &Self::grown(r, now), &|_| fact);
            }
        }
        sort_slots(&mut out);
        out
    }

    /// A guessed limit as it stands at `now`: one more per whole window since it was set.
    fn grown(r: &Rule, now: f64) -> Rule {
        let mut r = r.clone();
        if r.g {
            // Float-to-int casts saturate; NaN (a clock gone wrong) adds nothing.
            let step = span(r.w) * f64::from(1u32 << r.k.min(16));
            let steps = ((now - r.t) / step).floor().max(0.0) as u64;
            r.l = r.l.saturating_add(steps);
        }
        r
    }

    pub(super) fn obs_of(&self, key: &ScopeKey, r: &Rule) -> Option<Obs> {
        let v = self.obs.get(key)?;
        find_slot(v, r.w, r.u).and_then(|i| v.get(i)).copied()
    }

    /// Answered usage at time `t` (log entries of every tab, plus the provider's count).
    pub(super) fn used(&self, key: &ScopeKey, r: &Rule, o: Option<Obs>, t: f64) -> u64 {
        let mut n = match o {
            Some(o) if o.until > t => o.n,
            _ => 0,
        };
        let cut = o.map_or(f64::NEG_INFINITY, |o| o.t);
        for tab in self.tabs.values() {
            for e in tab.log.get(key).into_iter().flatten() {
                if e.0 > cut && r.holds(e.0, t) {
                    n = n.saturating_add(r.val(e.1, e.2));
                }
            }
        }
        n
    }

    /// In-flight usage at time `t`: live reservations count as if answered at `now`.
    pub(super) fn inflight(&self, key: &ScopeKey, r: &Rule, t: f64, now: f64) -> u64 {
        if !r.holds(now, t) {
            return 0;
        }
        let mut n = 0u64;
        for tab in self.tabs.values() {
            for p in &tab.pend {
                if p.exp > now && p.k.contains(key) {
                    n = n.saturating_add(r.val(1, p.tok));
                }
            }
        }
        n
    }

    /// The earliest time ≥ now at which this window admits `need` more. Counts only fall
    /// as time passes (no new entries), so the answer is the first candidate time that fits.
    pub(super) fn earliest(&self, key: &ScopeKey, r: &Rule, need: u64, now: f64) -> f64 {
        let o = self.obs_of(key, r);
        let need = need.min(r.l); // a request bigger than the window fits an empty one
        let fits = |t: f64| {
            self.used(key, r, o, t)
                .saturating_add(self.inflight(key, r, t, now))
                .saturating_add(need)
                <= r.l
        };
        if fits(now) {
            return now;
        }
        // The smallest candidate after now that fits, else the largest (else now): a running
        // min/max instead of collecting, sorting and scanning the candidates.
        let mut best: Option<f64> = None;
        let mut last = now;
        let mut consider = |t: f64| {
            if t > now {
                last = last.max(t);
                if best.is_none_or(|b| t < b) && fits(t) {
                    best = Some(t);
                }
            }
        };
        consider(r.natural_end(now));
        if let Some(o) = o {
            consider(o.until);
        }
        if r.w != Window::Day {
            for tab in self.tabs.values() {
                for e in tab.log.get(key).into_iter().flatten() {
                    consider(e.0 + span(r.w));
                }
            }
        }
        best.unwrap_or(last)
    }

    /// Does any window (declared, documented, learned or guessed) apply to one of `keys`? A
    /// call on keys with none can never be refused, so nothing another tab does can make
    /// reserving it wrong: the web layer skips the cross-tab lock for it.
    pub fn limited(&self, keys: &[ScopeKey], now_ms: f64) -> bool {
        keys.iter().any(|k| !self.rules_for(k, now_ms).is_empty())
    }

    /// Could a request of `tokens` estimated tokens go now against all of `keys`?
    pub fn check(&self, keys: &[ScopeKey], tokens: u64, now_ms: f64) -> Verdict {
        let mut worst: Option<(f64, &ScopeKey, Window)> = None;
        let mut day: Option<(&ScopeKey, u64)> = None;
        for key in keys {
            for r in self.rules_for(key, now_ms) {
                let t = self.earliest(key, &r, r.val(1, tokens), now_ms);
                if t <= now_ms {
                    continue;
                }
                if r.w == Window::Day && day.is_none() {
                    day = Some((key, r.l));
                }
                if worst.is_none_or(|w| t > w.0) {
                    worst = Some((t, key, r.w));
                }
            }
        }
        match (worst, day) {
            (None, _) => Verdict::Ok,
            (Some((t, ..)), Some((k, limit))) => Verdict::Exhausted {
                until_ms: t,
                scope: k.clone(),
                window: Window::Day,
                limit,
            },
            (Some((t, k, w)), None) => Verdict::WaitUntil {
                at_ms: t,
                scope: k.clone(),
                window: w,
            },
        }
    }
}
