//! Reserve, commit and refund: this tab's log of answered requests and its in-flight holds.

use super::calendar::month_bounds;
use super::slots::{keep_if, span};
use super::types::{Entry, Ledger, Pend, ReservationId, ScopeKey, Tab, Verdict};
use super::{LOG_CAP, MIN_RETAIN_MS, RESERVATION_TTL_MS};

impl Ledger {
    /// Longest history any window needs.
    // Plain loops: chain/flatten adapters cost more than they save here.
    pub(super) fn retain_ms(&self) -> f64 {
        let mut keep = MIN_RETAIN_MS;
        for rules in [&self.rules, &self.decl] {
            for (_, rs) in &rules.0 {
                for r in rs {
                    keep = keep.max(span(r.w));
                }
            }
        }
        keep
    }

    /// Our own contribution, pruned, with its version bumped (every caller writes to it).
    pub(super) fn own(&mut self, now: f64) -> &mut Tab {
        let keep = self.retain_ms();
        let tab = self.tabs.entry(self.tab.clone());
        tab.v = tab.v.saturating_add(1);
        keep_if(&mut tab.pend, &|p| p.exp > now);
        keep_if(&mut tab.sp, &|p| p.2 > now);
        if now.is_finite() {
            for log in tab.log.values_mut() {
                log.retain(|e| e.0 > now - keep);
            }
        }
        tab.log.retain(|_, l| !l.is_empty());
        // Days before this month only matter for a Total budget: fold them into one entry.
        let month = month_bounds(now).0;
        let old: u64 = tab
            .spent
            .iter()
            .filter(|e| e.0 < month)
            .fold(0, |a, e| a.saturating_add(e.1));
        tab.spent.retain(|e| e.0 >= month);
        if old > 0 {
            tab.spent.insert(0, (0.0, old));
        }
        tab
    }

    /// Reserve one request (and `tokens`) in every window of `keys`; never over-commits.
    pub fn reserve(
        &mut self,
        keys: &[ScopeKey],
        tokens: u64,
        now_ms: f64,
    ) -> Result<ReservationId, Verdict> {
        match self.check(keys, tokens, now_ms) {
            Verdict::Ok => {}
            v => return Err(v),
        }
        // Sorted and deduplicated by insertion: a call has two or three keys.
        let mut sorted: Vec<ScopeKey> = Vec::new();
        for k in keys {
            if let Err(i) = sorted.binary_search(k) {
                sorted.insert(i, k.clone());
            }
        }
        let keys = sorted;
        let tab = self.own(now_ms);
        let id = tab.next;
        tab.next = id.saturating_add(1);
        tab.pend.push(Pend {
            id,
            k: keys.clone(),
            tok: tokens,
            exp: now_ms + RESERVATION_TTL_MS,
        });
        Ok(ReservationId {
            id,
            keys,
            tokens,
            answered_ms: None,
        })
    }

    /// The provider answered (success or HTTP error): the request counts, with
    /// `actual_tokens` (or the estimate) in token windows.
    pub fn commit(&mut self, id: ReservationId, actual_tokens: Option<u64>, now_ms: f64) {
        let tok = actual_tokens.unwrap_or(id.tokens);
        // Never later than now (a clock that stepped back), never a non-number.
        let at = match id.answered_ms {
            Some(t) if t <= now_ms => t,
            _ => now_ms,
        };
        let tab = self.own(now_ms);
        keep_if(&mut tab.pend, &|p| p.id != id.id);
        for k in id.keys {
            push_entry(tab.log.entry(k), at, tok);
        }
    }

    /// The request never reached the provider: give the reservation back.
    pub fn refund(&mut self, id: ReservationId, now_ms: f64) {
        keep_if(&mut self.own(now_ms).pend, &|p| p.id != id.id);
    }
}

/// Append one answered request, keeping the log sorted and at most `LOG_CAP` long.
fn push_entry(log: &mut Vec<Entry>, at: f64, tok: u64) {
    let i = log.partition_point(|e| e.0 <= at);
    match log.get_mut(i.wrapping_sub(1)) {
        Some(e) if e.0 == at => {
            e.1 = e.1.saturating_add(1);
            e.2 = e.2.saturating_add(tok);
        }
        _ => log.insert(i, Entry(at, 1, tok)),
    }
    while log.len() > LOG_CAP {
        // Entry j holds requests stamped in (t[j-1], t[j]]. Merge the pair whose merged span is
        // smallest relative to its age into the later entry, so spans grow with age (recent
        // entries, which short windows need exactly, stay exact). The oldest entry's span is
        // unknown, so it is never merged into (it simply ages out).
        let newest = log.last().map_or(at, |e| e.0).max(at);
        let mut best = (f64::INFINITY, 1);
        for (j, p) in log.windows(3).enumerate() {
            if let [a, _, c] = p {
                let cost = (c.0 - a.0) / ((newest - c.0).max(0.0) + 1000.0);
                if cost < best.0 {
                    best = (cost, j + 1);
                }
            }
        }
        if best.1 + 1 >= log.len() {
            break;
        }
        let old = log.remove(best.1);
        if let Some(e) = log.get_mut(best.1) {
            e.1 = e.1.saturating_add(old.1);
            e.2 = e.2.saturating_add(old.2);
        }
    }
}
