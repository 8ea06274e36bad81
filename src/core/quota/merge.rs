//! Cross-tab sharing: merging another tab's ledger; dropping contributions that count nothing.

use super::slots::{sort_slots, upsert};
use super::stored::tab_text;
use super::types::Ledger;

impl Ledger {
    /// Fold in another tab's ledger. Each tab's contribution is kept at its highest version
    /// (ties broken by content, so any order gives the same result); counts are sums over
    /// tabs, so two tabs' usage adds up and re-merging the same state changes nothing.
    /// Limits and provider observations: newest wins. Credits flags: union.
    pub fn merge(&mut self, other: &Ledger) {
        self.merge_owned(other.clone());
    }

    /// `merge` of a ledger the caller no longer needs (the web layer's freshly read ones):
    /// keys and tab contributions move instead of being cloned.
    pub fn merge_owned(&mut self, other: Ledger) {
        for (k, rs) in other.rules.0 {
            let mine = self.rules.entry(k);
            for r in &rs {
                upsert(mine, r, &|x| r.order(x).is_gt());
            }
            sort_slots(mine);
        }
        for (k, os) in other.obs.0 {
            let mine = self.obs.entry(k);
            for o in &os {
                upsert(mine, o, &|x| o.order(x).is_gt());
            }
            sort_slots(mine);
        }
        for (id, t) in other.tabs.0 {
            let take = match self.tabs.get(&id) {
                None => true,
                Some(m) => t.v > m.v || (t.v == m.v && t != *m && tab_text(&t) > tab_text(m)),
            };
            if take {
                self.tabs.insert(id, t);
            }
        }
        for c in &other.credits {
            add_sorted(&mut self.credits, c);
        }
    }

    /// Drop other tabs' contributions that no longer count for anything (no spend, no live
    /// reservation, no log entry younger than the longest window). Safe at any time: such a
    /// contribution counts zero wherever it is merged back.
    pub fn gc(&mut self, now_ms: f64) {
        let keep = self.retain_ms();
        let me = self.tab.clone();
        self.tabs.retain(|id, t| {
            *id == me
                || !t.spent.is_empty()
                || t.pend.iter().any(|p| p.exp > now_ms)
                || t.sp.iter().any(|p| p.2 > now_ms)
                || t.log
                    .0
                    .iter()
                    .any(|l| l.1.iter().any(|e| e.0 > now_ms - keep))
        });
    }
}

/// Insert into a sorted list of names unless present.
pub(super) fn add_sorted(v: &mut Vec<String>, s: &str) {
    if let Err(i) = v.binary_search_by(|x| x.as_str().cmp(s)) {
        v.insert(i, s.to_string());
    }
}
