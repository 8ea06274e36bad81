//! Lenient JSON fields: a field of an unexpected type reads as absent.

use std::borrow::Cow;

use crate::core::json::{self, Number, Tree};

use super::model::Pricing;
use crate::core::json::{push_str as push_json_str, Obj, J};
use crate::core::num;

impl<'a> Obj<'a> {
    fn get(&self, key: &str) -> Option<&J<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut J<'a>> {
        self.0
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Entries without the ones a later repeat of their key overrides.
    fn entries(&self) -> impl Iterator<Item = &(Cow<'a, str>, J<'a>)> {
        let e = &self.0;
        e.iter()
            .enumerate()
            .filter(|(i, (k, _))| !e[i + 1..].iter().any(|(n, _)| n == k))
            .map(|(_, x)| x)
    }
}

/// Append `v` as JSON text (numbers in their shortest form, which reads back to the same f64).
pub(crate) fn write_json(out: &mut String, v: &J) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(x) => out.push_str(&num::json_num(x.as_f64().unwrap_or(f64::NAN))),
        J::Str(s) => push_json_str(out, s),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x);
            }
            out.push(']');
        }
        J::Obj(o) => {
            out.push('{');
            for (i, (k, x)) in o.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, k);
                out.push(':');
                write_json(out, x);
            }
            out.push('}');
        }
    }
}

impl<'a> J<'a> {
    fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            J::Obj(o) => Some(o),
            _ => None,
        }
    }
}

impl<'a> Tree<'a> for J<'a> {
    type Obj = Obj<'a>;
    fn null() -> J<'a> {
        J::Null
    }
    fn bool(b: bool) -> J<'a> {
        J::Bool(b)
    }
    fn num(n: Number) -> J<'a> {
        J::Num(n)
    }
    fn str(s: Cow<'a, str>) -> J<'a> {
        J::Str(s)
    }
    fn arr(v: Vec<J<'a>>) -> J<'a> {
        J::Arr(v)
    }
    fn new_obj() -> Obj<'a> {
        // Model entries have ~20 keys: skip the smallest growth steps.
        Obj(Vec::with_capacity(8))
    }
    fn push(o: &mut Obj<'a>, k: Cow<'a, str>, v: J<'a>) {
        o.0.push((k, v));
    }
    fn obj(o: Obj<'a>) -> J<'a> {
        J::Obj(o)
    }
}

/// A field of a model entry, read leniently: every parsed field goes through this, so a wrong
/// type never fails a list.
#[derive(Clone, Copy)]
pub(super) struct Field<'a>(Option<&'a J<'a>>);

impl<'a> Field<'a> {
    pub(super) fn of(obj: Option<&'a Obj<'a>>, key: &str) -> Field<'a> {
        Field(obj.and_then(|o| o.get(key)))
    }

    /// Numbers, or numeric strings (OpenRouter prices are strings). `Some(NaN)` = present but
    /// not a number, so callers can tell "absent" from "garbage".
    pub(super) fn num(self) -> Option<f64> {
        match self.0? {
            J::Null => None,
            J::Num(x) => Some(x.as_f64().unwrap_or(f64::NAN)),
            J::Str(s) => Some(num::parse_f64(s.trim()).unwrap_or(f64::NAN)),
            _ => Some(f64::NAN),
        }
    }

    pub(super) fn count(self) -> Option<u64> {
        let x = self.num()?;
        // `as` saturates, which is what an absurd context length deserves.
        (x.is_finite() && x >= 0.0).then_some(x as u64)
    }

    pub(super) fn str(self) -> Option<&'a str> {
        self.0?.as_str()
    }

    pub(super) fn bool(self) -> Option<bool> {
        match self.0? {
            J::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(super) fn obj(self) -> Option<&'a Obj<'a>> {
        self.0?.as_object()
    }

    pub(super) fn list(self) -> Option<&'a Vec<J<'a>>> {
        match self.0? {
            J::Arr(v) => Some(v),
            _ => None,
        }
    }

    pub(super) fn strs(self) -> impl Iterator<Item = &'a str> {
        self.list()
            .map_or(&[][..], |v| v.as_slice())
            .iter()
            .filter_map(J::as_str)
    }
}

/// OpenRouter's `pricing` object, reduced to what routing needs.
pub(super) struct RawPricing {
    pub(super) prompt: f64,
    pub(super) completion: f64,
    pub(super) request: f64,
    /// Every price key present is zero (missing keys count as zero: the 2026 shape omits them).
    pub(super) all_zero: bool,
}

/// Per-unit price from a field: absent = 0, garbage or negative = unknown.
fn price_of(f: Field) -> f64 {
    match f.num() {
        None => 0.0,
        Some(x) => Pricing::known(x).unwrap_or(Pricing::UNKNOWN_PRICE),
    }
}

pub(super) fn raw_pricing(map: &Obj) -> RawPricing {
    let mut p = RawPricing {
        prompt: 0.0,
        completion: 0.0,
        request: 0.0,
        all_zero: true,
    };
    for (key, v) in map.entries() {
        // Conditional overrides and the discount factor are not prices of the base offer; a
        // free model stays free.
        if key == "overrides" || key == "discount" {
            continue;
        }
        let x = price_of(Field(Some(v)));
        if x != 0.0 {
            p.all_zero = false;
        }
        match key.as_ref() {
            "prompt" => p.prompt = x,
            "completion" => p.completion = x,
            "request" => p.request = x,
            _ => {}
        }
    }
    p
}

/// The body as JSON, or the parse error's text.
pub(crate) fn parse_body(body: &str) -> Result<J<'_>, String> {
    json::parse_all(body).map_err(|e| e.to_string())
}

/// The objects of a model array; other entries are skipped.
pub(super) fn objects<'a>(list: &'a [J<'a>]) -> impl Iterator<Item = &'a Obj<'a>> {
    list.iter().filter_map(J::as_object)
}
