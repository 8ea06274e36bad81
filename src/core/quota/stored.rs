//! The stored format: compact JSON written and read by hand.

use crate::core::json::{self, Map, Value};

use super::merge::add_sorted;
use super::slots::{keep_if, span};
use super::types::{
    BudgetPeriod, DayReset, Entry, Ledger, Obs, Pend, Rule, ScopeKey, SpendPend, Tab,
};
use super::VERSION;
use crate::core::catalog::push_json_str;
use crate::core::error::Error;
use crate::core::limits::{Scope, Source, Unit, Window};
use crate::core::map::SortedMap;
use crate::core::num::json_f64;

impl Ledger {
    /// Compact JSON of the whole ledger (for localStorage): counts, limits, observations,
    /// spend, pending reservations with their expiry, and local configuration. A tab loading
    /// it calls `set_tab` with its own id and declares its limits again.
    pub fn to_json(&self) -> String {
        to_string_with(|o| self.write(o))
    }

    /// Load a stored ledger; anything unreadable or of another version is an error (start
    /// fresh).
    pub fn from_json(s: &str) -> Result<Ledger, Error> {
        let unreadable = |e: &dyn std::fmt::Display| {
            Error::parse(format!("stored quota ledger is unreadable: {e}"))
        };
        let v = json::from_str(s).map_err(|e| unreadable(&e))?;
        let l = Ledger::read(&v).map_err(|e| match e {
            Bad::Missing(k) => unreadable(&format_args!("missing field `{k}`")),
            Bad::Invalid(k) => unreadable(&format_args!("`{k}` is missing or invalid")),
            Bad::Scope(s) => unreadable(&format_args!("bad scope {}", Value::from(s))),
        })?;
        if l.v != VERSION {
            return Err(Error::parse(format!(
                "stored quota ledger has version {}, expected {VERSION}",
                l.v
            )));
        }
        Ok(l)
    }

    /// `from_json` without the error text, for callers that only skip what they cannot read
    /// (the web layer): the texts' formatting then stays out of the wasm.
    pub fn load(s: &str) -> Option<Ledger> {
        let l = Ledger::read(&json::from_str(s).ok()?).ok()?;
        (l.v == VERSION).then_some(l)
    }
}

// ---- persistence: compact JSON, written and read by hand ----
//
// Layout (the one serde derived before, so stored ledgers stay readable):
// {"v":1,"tab":..,"rules":[[key,[rule..]]..],"obs":[[key,[obs..]]..],"tabs":{id:tab..},
//  "credits":[..],"decl":[[key,[rule..]]..],"budget":{"max":n,"period":"total"}}
// key [provider,"*free"|"*provider"|"=model"]; rule {"w","u","l","s","r","t","k"?} (s "g": a guess);
// obs {"w","u","t","n","until"}; window "m"|"h"|"d"|{"ms":n}; tab {"v","next","log":[[key,
// [[at,req,tok]..]]..],"pend":[{"id","k","tok","exp"}..],"sp":[[id,nano,exp]..],"spent":[[day,nano]..]}.

fn to_string_with(f: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    f(&mut out);
    out
}

fn put_u(out: &mut String, n: u64) {
    out.push_str(&n.to_string());
}

/// serde_json's float form (shortest round trip; `null` when not finite).
fn put_f(out: &mut String, x: f64) {
    out.push_str(&json_f64(x));
}

/// `[a,b,..]` with `item` writing each element.
fn put_list<T>(out: &mut String, items: &[T], item: &dyn Fn(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, x);
    }
    out.push(']');
}

/// `,"name":` (no comma for the first field: pass `first`).
fn put_field(out: &mut String, name: &str, first: bool) {
    if !first {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn put_key(out: &mut String, k: &ScopeKey) {
    out.push('[');
    push_json_str(out, &k.provider);
    out.push(',');
    match &k.scope {
        Scope::OpenRouterFree => out.push_str("\"*free\""),
        Scope::Provider => out.push_str("\"*provider\""),
        Scope::Model(m) => push_json_str(out, &format!("={m}")),
    }
    out.push(']');
}

fn put_window(out: &mut String, w: Window) {
    match w {
        Window::Minute => out.push_str("\"m\""),
        Window::Hour => out.push_str("\"h\""),
        Window::Day => out.push_str("\"d\""),
        Window::Millis(n) => {
            out.push_str("{\"ms\":");
            put_u(out, n);
            out.push('}');
        }
    }
}

fn put_wu(out: &mut String, w: Window, u: Unit) {
    put_field(out, "w", true);
    put_window(out, w);
    put_field(out, "u", false);
    out.push_str(match u {
        Unit::Requests => "\"r\"",
        Unit::Tokens => "\"t\"",
    });
}

fn put_rule(out: &mut String, r: &Rule) {
    out.push('{');
    put_wu(out, r.w, r.u);
    put_field(out, "l", false);
    put_u(out, r.l);
    put_field(out, "s", false);
    out.push_str(match r.s {
        Source::Documented => "\"d\"",
        Source::Learned if r.g => "\"g\"",
        Source::Learned => "\"l\"",
        Source::Header => "\"h\"",
        Source::Provider => "\"p\"",
    });
    put_field(out, "r", false);
    out.push_str(match r.r {
        DayReset::UtcMidnight => "\"UtcMidnight\"",
        DayReset::PacificMidnight => "\"PacificMidnight\"",
    });
    put_field(out, "t", false);
    put_f(out, r.t);
    if r.k > 0 {
        put_field(out, "k", false);
        put_u(out, u64::from(r.k));
    }
    out.push('}');
}

fn put_obs(out: &mut String, o: &Obs) {
    out.push('{');
    put_wu(out, o.w, o.u);
    put_field(out, "t", false);
    put_f(out, o.t);
    put_field(out, "n", false);
    put_u(out, o.n);
    put_field(out, "until", false);
    put_f(out, o.until);
    out.push('}');
}

/// `[[key,[item..]]..]`
fn put_pairs<T>(out: &mut String, m: &SortedMap<ScopeKey, Vec<T>>, item: &dyn Fn(&mut String, &T)) {
    put_list(out, &m.0, &|out, (k, v)| {
        out.push('[');
        put_key(out, k);
        out.push(',');
        put_list(out, v, item);
        out.push(']');
    });
}

/// A tab's stored form: the tie-break between two versions of one tab.
pub(super) fn tab_text(t: &Tab) -> String {
    to_string_with(|o| put_tab(o, t))
}

fn put_tab(out: &mut String, t: &Tab) {
    out.push('{');
    put_field(out, "v", true);
    put_u(out, t.v);
    put_field(out, "next", false);
    put_u(out, t.next);
    put_field(out, "log", false);
    put_pairs(out, &t.log, &|out, e| {
        out.push('[');
        put_f(out, e.0);
        out.push(',');
        put_u(out, e.1);
        out.push(',');
        put_u(out, e.2);
        out.push(']');
    });
    put_field(out, "pend", false);
    put_list(out, &t.pend, &|out, p| {
        out.push('{');
        put_field(out, "id", true);
        put_u(out, p.id);
        put_field(out, "k", false);
        put_list(out, &p.k, &|out, k| put_key(out, k));
        put_field(out, "tok", false);
        put_u(out, p.tok);
        put_field(out, "exp", false);
        put_f(out, p.exp);
        out.push('}');
    });
    put_field(out, "sp", false);
    put_list(out, &t.sp, &|out, p| {
        out.push('[');
        put_u(out, p.0);
        out.push(',');
        put_u(out, p.1);
        out.push(',');
        put_f(out, p.2);
        out.push(']');
    });
    put_field(out, "spent", false);
    put_list(out, &t.spent, &|out, e| {
        out.push('[');
        put_f(out, e.0);
        out.push(',');
        put_u(out, e.1);
        out.push(']');
    });
    out.push('}');
}

type Obj = Map;

/// Why a stored ledger is unreadable. Copy and text-free, so the readers' error paths cost
/// nothing; `from_json` turns it into the message.
#[derive(Clone, Copy)]
enum Bad<'a> {
    Missing(&'a str),
    Invalid(&'a str),
    Scope(&'a str),
}

type Read<'a, T> = Result<T, Bad<'a>>;

fn invalid(what: &str) -> Bad<'_> {
    Bad::Invalid(what)
}

/// A required field.
fn req<'a>(o: &'a Obj, k: &'a str) -> Read<'a, &'a Value> {
    o.get(k).ok_or(Bad::Missing(k))
}

fn as_u<'a>(v: &Value, what: &'a str) -> Read<'a, u64> {
    v.as_u64().ok_or(Bad::Invalid(what))
}

fn as_f<'a>(v: &Value, what: &'a str) -> Read<'a, f64> {
    v.as_f64().ok_or(Bad::Invalid(what))
}

/// A required unsigned field, named the same in both errors.
fn req_u<'a>(o: &'a Obj, k: &'a str) -> Read<'a, u64> {
    as_u(req(o, k)?, k)
}

/// A required float field, named the same in both errors.
fn req_f<'a>(o: &'a Obj, k: &'a str) -> Read<'a, f64> {
    as_f(req(o, k)?, k)
}

fn as_obj<'a>(v: &'a Value, what: &'a str) -> Read<'a, &'a Obj> {
    v.as_object().ok_or(Bad::Invalid(what))
}

/// A JSON array of exactly `n` items (any length when `n` is 0).
fn as_arr<'a>(v: &'a Value, n: usize, what: &'a str) -> Read<'a, &'a [Value]> {
    match v.as_array() {
        Some(a) if n == 0 || a.len() == n => Ok(a),
        _ => Err(invalid(what)),
    }
}

/// An optional list field (missing = empty).
fn opt_arr<'a>(o: &'a Obj, k: &'a str) -> Read<'a, &'a [Value]> {
    match o.get(k) {
        None => Ok(&[]),
        Some(v) => as_arr(v, 0, k),
    }
}

/// An optional list field (missing = empty), each item read by `item`.
fn opt_list<'a, T>(
    o: &'a Obj,
    k: &'a str,
    item: &dyn Fn(&'a Value) -> Read<'a, T>,
) -> Read<'a, Vec<T>> {
    read_all(opt_arr(o, k)?, item)
}

/// Each item read by `item`: a plain loop, as `collect::<Result<Vec<_>>>` costs three
/// functions per item type.
fn read_all<'a, T>(a: &'a [Value], item: &dyn Fn(&'a Value) -> Read<'a, T>) -> Read<'a, Vec<T>> {
    let mut out = Vec::with_capacity(a.len());
    for x in a {
        out.push(item(x)?);
    }
    Ok(out)
}

fn get_key(v: &Value) -> Read<'_, ScopeKey> {
    let [p, s] = as_arr(v, 2, "scope key")? else {
        return Err(invalid("scope key"));
    };
    let (Some(provider), Some(s)) = (p.as_str(), s.as_str()) else {
        return Err(invalid("scope key"));
    };
    let scope = match s {
        "*free" => Scope::OpenRouterFree,
        "*provider" => Scope::Provider,
        _ => match s.strip_prefix('=') {
            Some(m) => Scope::Model(m.to_string()),
            None => return Err(Bad::Scope(s)),
        },
    };
    Ok(ScopeKey {
        provider: provider.to_string(),
        scope,
    })
}

/// `"w"` and `"u"` of a rule or observation.
fn get_wu(o: &Obj) -> Read<'_, (Window, Unit)> {
    let w = match req(o, "w")? {
        Value::String(s) if s == "m" => Window::Minute,
        Value::String(s) if s == "h" => Window::Hour,
        Value::String(s) if s == "d" => Window::Day,
        Value::Object(m) if m.len() == 1 => Window::Millis(as_u(req(m, "ms")?, "w")?),
        _ => return Err(invalid("w")),
    };
    let u = match req(o, "u")?.as_str() {
        Some("r") => Unit::Requests,
        Some("t") => Unit::Tokens,
        _ => return Err(invalid("u")),
    };
    Ok((w, u))
}

fn get_rule(v: &Value) -> Read<'_, Rule> {
    let o = as_obj(v, "rule")?;
    let (w, u) = get_wu(o)?;
    let (s, g) = match req(o, "s")?.as_str() {
        Some("d") => (Source::Documented, false),
        Some("l") => (Source::Learned, false),
        Some("g") => (Source::Learned, true),
        Some("h") => (Source::Header, false),
        Some("p") => (Source::Provider, false),
        _ => return Err(invalid("s")),
    };
    let r = match o.get("r").map(Value::as_str) {
        None | Some(Some("UtcMidnight")) => DayReset::UtcMidnight,
        Some(Some("PacificMidnight")) => DayReset::PacificMidnight,
        _ => return Err(invalid("r")),
    };
    Ok(Rule {
        w,
        u,
        l: req_u(o, "l")?,
        s,
        r,
        t: req_f(o, "t")?,
        g,
        k: match o.get("k") {
            None => 0,
            Some(v) => u8::try_from(as_u(v, "k")?.min(16)).unwrap_or(16),
        },
    })
}

fn get_obs(v: &Value) -> Read<'_, Obs> {
    let o = as_obj(v, "obs")?;
    let (w, u) = get_wu(o)?;
    Ok(Obs {
        w,
        u,
        t: req_f(o, "t")?,
        n: req_u(o, "n")?,
        until: req_f(o, "until")?,
    })
}

/// `[key,[item..]]`: the key (read after the items) and the items.
fn get_pair<'a>(p: &'a Value, k: &'a str) -> Read<'a, (&'a Value, &'a [Value])> {
    let [key, items] = as_arr(p, 2, k)? else {
        return Err(invalid(k));
    };
    Ok((key, as_arr(items, 0, k)?))
}

/// `[[key,[item..]]..]` (missing = empty; a repeated key keeps the last). Straight into the
/// map: no intermediate list of pairs per item type.
fn get_pairs<'a, T>(
    o: &'a Obj,
    k: &'a str,
    item: &dyn Fn(&'a Value) -> Read<'a, T>,
) -> Read<'a, SortedMap<ScopeKey, Vec<T>>> {
    let mut m = SortedMap::default();
    for p in opt_arr(o, k)? {
        let (key, items) = get_pair(p, k)?;
        let items = read_all(items, item)?;
        m.insert(get_key(key)?, items);
    }
    Ok(m)
}

// Readers fill a default value field by field: with one value live, every early return drops
// just that, instead of each combination of the fields read so far.

#[inline(never)]
fn get_tab(v: &Value) -> Read<'_, Tab> {
    let o = as_obj(v, "tab")?;
    let mut t = Tab {
        v: req_u(o, "v")?,
        next: req_u(o, "next")?,
        ..Tab::default()
    };
    t.log = get_pairs(o, "log", &|e| match as_arr(e, 3, "log")? {
        [at, r, t] => Ok(Entry(as_f(at, "log")?, as_u(r, "log")?, as_u(t, "log")?)),
        _ => Err(invalid("log")),
    })?;
    t.pend = opt_list(o, "pend", &|p| {
        let p = as_obj(p, "pend")?;
        let mut k = Vec::new();
        for key in as_arr(req(p, "k")?, 0, "k")? {
            k.push(get_key(key)?);
        }
        Ok(Pend {
            id: req_u(p, "id")?,
            k,
            tok: req_u(p, "tok")?,
            exp: req_f(p, "exp")?,
        })
    })?;
    t.sp = opt_list(o, "sp", &|p| match as_arr(p, 3, "sp")? {
        [id, n, exp] => Ok(SpendPend(as_u(id, "sp")?, as_u(n, "sp")?, as_f(exp, "sp")?)),
        _ => Err(invalid("sp")),
    })?;
    t.spent = opt_list(o, "spent", &|e| match as_arr(e, 2, "spent")? {
        [d, n] => Ok((as_f(d, "spent")?, as_u(n, "spent")?)),
        _ => Err(invalid("spent")),
    })?;
    Ok(t)
}

impl Ledger {
    fn write(&self, out: &mut String) {
        out.push('{');
        put_field(out, "v", true);
        put_u(out, u64::from(self.v));
        put_field(out, "tab", false);
        push_json_str(out, &self.tab);
        put_field(out, "rules", false);
        put_pairs(out, &self.rules, &put_rule);
        put_field(out, "obs", false);
        put_pairs(out, &self.obs, &put_obs);
        put_field(out, "tabs", false);
        out.push('{');
        for (i, (id, t)) in self.tabs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_str(out, id);
            out.push(':');
            put_tab(out, t);
        }
        out.push('}');
        put_field(out, "credits", false);
        put_list(out, &self.credits, &|out, c| push_json_str(out, c));
        put_field(out, "decl", false);
        put_pairs(out, &self.decl, &put_rule);
        put_field(out, "budget", false);
        out.push('{');
        put_field(out, "max", true);
        put_u(out, self.budget.max);
        put_field(out, "period", false);
        push_json_str(out, self.budget.period.as_str());
        out.push_str("}}");
    }

    fn read(v: &Value) -> Read<'_, Ledger> {
        let o = as_obj(v, "ledger")?;
        let mut l = Ledger::new();
        l.v = u32::try_from(req_u(o, "v")?).map_err(|_| invalid("v"))?;
        l.tab = req(o, "tab")?.as_str().ok_or(invalid("tab"))?.to_string();
        l.rules = get_pairs(o, "rules", &get_rule)?;
        l.obs = get_pairs(o, "obs", &get_obs)?;
        // What no `learn` can produce (a reset past the window's span, a non-number) is
        // garbage or an older build's unbounded reset: dropped, so it cannot lock a provider.
        for (_, os) in &mut l.obs.0 {
            keep_if(os, &|o| {
                o.t.is_finite() && o.until.is_finite() && o.until <= o.t + span(o.w)
            });
        }
        if let Some(t) = o.get("tabs") {
            for (id, t) in as_obj(t, "tabs")? {
                l.tabs.insert(id.clone(), get_tab(t)?);
            }
        }
        if let Some(c) = o.get("credits") {
            for c in as_arr(c, 0, "credits")? {
                add_sorted(&mut l.credits, c.as_str().ok_or(invalid("credits"))?);
            }
        }
        l.decl = get_pairs(o, "decl", &get_rule)?;
        if let Some(b) = o.get("budget") {
            let b = as_obj(b, "budget")?;
            l.budget.max = req_u(b, "max")?;
            l.budget.period = match req(b, "period")?.as_str() {
                Some("day") => BudgetPeriod::Day,
                Some("month") => BudgetPeriod::Month,
                Some("total") => BudgetPeriod::Total,
                _ => return Err(invalid("period")),
            };
        }
        Ok(l)
    }
}
