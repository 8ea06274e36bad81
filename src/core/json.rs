//! A small JSON value, parser and writer, in place of serde_json (whose derive machinery,
//! `BTreeMap` map and iterator adapters cost tens of KB of wasm).
//!
//! It keeps serde_json's observable behaviour: objects iterate and print in sorted key order,
//! a repeated key keeps its last value, numbers stay `u64`/`i64` when they are integers and
//! are read with the same algorithm (so the same f64 comes out), floats print in the same
//! shortest round-trip form, nesting stops at 128 levels, lone surrogates are errors, and
//! syntax errors carry the same texts and positions. tests/core/json.rs checks all of it
//! against serde_json.

use std::borrow::Cow;
use std::fmt;

/// A JSON number: exact integers, or a finite float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(N);

#[derive(Clone, Copy, Debug, PartialEq)]
enum N {
    PosInt(u64),
    NegInt(i64),
    Float(f64),
}

impl Number {
    /// `None` when not finite (JSON has no NaN or infinity).
    pub fn from_f64(x: f64) -> Option<Number> {
        x.is_finite().then_some(Number(N::Float(x)))
    }

    pub fn as_f64(&self) -> Option<f64> {
        Some(match self.0 {
            N::PosInt(u) => u as f64,
            N::NegInt(i) => i as f64,
            N::Float(f) => f,
        })
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            N::PosInt(u) => Some(u),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            N::PosInt(u) => i64::try_from(u).ok(),
            N::NegInt(i) => Some(i),
            N::Float(_) => None,
        }
    }

    pub fn is_f64(&self) -> bool {
        matches!(self.0, N::Float(_))
    }

    pub fn is_u64(&self) -> bool {
        matches!(self.0, N::PosInt(_))
    }

    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            N::PosInt(u) => fmt::Display::fmt(&u, f),
            // As the magnitude's digits: i64's own Display is one more integer formatter.
            N::NegInt(i) => {
                f.write_str("-")?;
                fmt::Display::fmt(&i.unsigned_abs(), f)
            }
            // zmij (what serde_json uses): shortest round trip, `1.0`, `1e-7`; f64's own
            // Display would link ~14 KB more.
            N::Float(x) => f.write_str(zmij::Buffer::new().format_finite(x)),
        }
    }
}

impl From<u64> for Number {
    fn from(u: u64) -> Number {
        Number(N::PosInt(u))
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        match u64::try_from(i) {
            Ok(u) => Number(N::PosInt(u)),
            Err(_) => Number(N::NegInt(i)),
        }
    }
}

/// Any JSON value.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

static NULL: Value = Value::Null;

impl Value {
    pub fn get<I: Idx>(&self, i: I) -> Option<&Value> {
        i.get(self)
    }

    pub fn get_mut<I: Idx>(&mut self, i: I) -> Option<&mut Value> {
        i.get_mut(self)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_u64(&self) -> bool {
        self.as_number().is_some_and(Number::is_u64)
    }

    pub fn is_f64(&self) -> bool {
        self.as_number().is_some_and(Number::is_f64)
    }

    /// The value, leaving `null` in its place.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }
}

/// What `Value::get` and `value[..]` accept: an object key or an array index.
pub trait Idx {
    fn get(self, v: &Value) -> Option<&Value>;
    fn get_mut(self, v: &mut Value) -> Option<&mut Value>;
}

impl Idx for &str {
    fn get(self, v: &Value) -> Option<&Value> {
        v.as_object()?.get(self)
    }
    fn get_mut(self, v: &mut Value) -> Option<&mut Value> {
        v.as_object_mut()?.get_mut(self)
    }
}

impl Idx for &String {
    fn get(self, v: &Value) -> Option<&Value> {
        v.as_object()?.get(self)
    }
    fn get_mut(self, v: &mut Value) -> Option<&mut Value> {
        v.as_object_mut()?.get_mut(self)
    }
}

impl Idx for usize {
    fn get(self, v: &Value) -> Option<&Value> {
        v.as_array()?.get(self)
    }
    fn get_mut(self, v: &mut Value) -> Option<&mut Value> {
        v.as_array_mut()?.get_mut(self)
    }
}

impl<I: Idx> std::ops::Index<I> for Value {
    type Output = Value;
    /// `null` when missing, as serde_json does.
    fn index(&self, i: I) -> &Value {
        i.get(self).unwrap_or(&NULL)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<Cow<'_, str>> for Value {
    fn from(s: Cow<'_, str>) -> Value {
        Value::String(s.into_owned())
    }
}

/// Not finite is `null`, as serde_json does.
impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    fn from(x: f32) -> Value {
        Value::from(f64::from(x))
    }
}

macro_rules! from_int {
    ($($t:ty => $via:ty),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::Number(Number::from(x as $via))
            }
        }
    )*};
}
from_int!(u8 => u64, u16 => u64, u32 => u64, u64 => u64, usize => u64,
    i8 => i64, i16 => i64, i32 => i64, i64 => i64, isize => i64);

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::Null
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Value {
        Value::Array(it.into_iter().map(Into::into).collect())
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, s: &str) -> bool {
        self.as_str() == Some(s)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, s: &&str) -> bool {
        self.as_str() == Some(*s)
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, b: &bool) -> bool {
        self.as_bool() == Some(*b)
    }
}

// Numbers compare as serde_json's do: integers only equal integer values.
macro_rules! eq_num {
    ($($t:ty => $as:ident as $via:ty),*) => {$(
        impl PartialEq<$t> for Value {
            fn eq(&self, x: &$t) -> bool {
                self.$as() == Some(*x as $via)
            }
        }
    )*};
}
eq_num!(i32 => as_i64 as i64, i64 => as_i64 as i64, u32 => as_u64 as u64, u64 => as_u64 as u64,
    usize => as_u64 as u64, f64 => as_f64 as f64);

/// Compact JSON text, keys in map (sorted) order.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut s = String::new();
        write(&mut s, self);
        f.write_str(&s)
    }
}

/// Compact JSON text of `v`.
pub fn to_string(v: &Value) -> String {
    let mut s = String::new();
    write(&mut s, v);
    s
}

/// Append `v` as compact JSON text.
pub fn write(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => push_num(out, n),
        Value::String(s) => push_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, k);
                out.push(':');
                write(out, x);
            }
            out.push('}');
        }
    }
}

fn push_num(out: &mut String, n: &Number) {
    use fmt::Write as _;
    let _ = write!(out, "{n}");
}

/// Whether none of eight bytes needs escaping (no control, `"` or `\\`). Word tricks, so a
/// text of megabytes (an 8 MiB event's final answer) is walked eight bytes a step.
fn plain8(w: [u8; 8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let x = u64::from_le_bytes(w);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    (control | zero(x ^ (ONES * 0x22)) | zero(x ^ (ONES * 0x5c))) & HIGHS == 0
}

/// `s` as a JSON string literal, escaped as serde_json does (`\n`-style for the common
/// controls, `\u00XX` for the rest, everything else as is).
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let word = bytes
            .get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok());
        if word.is_some_and(plain8) {
            i += 8;
            continue;
        }
        i += 1;
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(start..i - 1).unwrap_or_default());
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        } else {
            out.push_str(esc);
        }
        start = i;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// A JSON object: entries sorted by key (so output matches serde_json's `BTreeMap`), a binary
/// search per lookup; objects here hold a handful to a few hundred keys.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map(Vec<(String, Value)>);

type Entries<'a> = std::slice::Iter<'a, (String, Value)>;
type Pair<'a> = (&'a String, &'a Value);
/// Iterator over a map's entries in key order.
pub type Iter<'a> = std::iter::Map<Entries<'a>, fn(&(String, Value)) -> Pair<'_>>;

fn pair(e: &(String, Value)) -> Pair<'_> {
    (&e.0, &e.1)
}

impl Map {
    pub fn new() -> Map {
        Map(Vec::new())
    }

    pub fn with_capacity(n: usize) -> Map {
        Map(Vec::with_capacity(n))
    }

    fn find(&self, k: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|e| e.0.as_str().cmp(k))
    }

    pub fn get(&self, k: &str) -> Option<&Value> {
        let i = self.find(k).ok()?;
        self.0.get(i).map(|e| &e.1)
    }

    pub fn get_mut(&mut self, k: &str) -> Option<&mut Value> {
        let i = self.find(k).ok()?;
        self.0.get_mut(i).map(|e| &mut e.1)
    }

    pub fn contains_key(&self, k: &str) -> bool {
        self.find(k).is_ok()
    }

    /// The previous value of `k`, if any.
    pub fn insert(&mut self, k: String, v: Value) -> Option<Value> {
        match self.find(&k) {
            Ok(i) => self.0.get_mut(i).map(|e| std::mem::replace(&mut e.1, v)),
            Err(i) => {
                self.0.insert(i, (k, v));
                None
            }
        }
    }

    pub fn remove(&mut self, k: &str) -> Option<Value> {
        let i = self.find(k).ok()?;
        Some(self.0.remove(i).1)
    }

    pub fn entry(&mut self, k: impl Into<String>) -> Entry<'_> {
        Entry {
            map: self,
            key: k.into(),
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_> {
        self.0.iter().map(pair)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|e| (&e.0, &mut e.1))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|e| &e.0)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|e| &e.1)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.0.iter_mut().map(|e| &mut e.1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.0.retain_mut(|e| keep(&e.0, &mut e.1));
    }

    /// Moves every entry of `other` in (its values win).
    pub fn append(&mut self, other: &mut Map) {
        for (k, v) in std::mem::take(&mut other.0) {
            self.insert(k, v);
        }
    }
}

/// A key of a map, for `entry(k).or_insert(v)`.
pub struct Entry<'a> {
    map: &'a mut Map,
    key: String,
}

impl<'a> Entry<'a> {
    /// The value at the key, inserted as `v` if missing.
    pub fn or_insert(self, v: Value) -> &'a mut Value {
        let m = self.map;
        let i = match m.find(&self.key) {
            Ok(i) => i,
            Err(i) => {
                m.0.insert(i, (self.key, v));
                i
            }
        };
        &mut m.0[i].1
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = Pair<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, it: I) {
        for (k, v) in it {
            self.insert(k, v);
        }
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(it: I) -> Map {
        let mut m = Map::new();
        m.extend(it);
        m
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    fn index(&self, k: &str) -> &Value {
        self.get(k).unwrap_or(&NULL)
    }
}

// ---- Parsing ----

/// A syntax error: what was wrong and where (1-based line and byte column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub what: &'static str,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

impl std::error::Error for ParseError {}

/// Parse a whole document: one value, surrounded by whitespace only.
pub fn from_str(s: &str) -> Result<Value, ParseError> {
    parse_all::<J>(s).map(J::into_value)
}

/// Parse the first value of `s` (after whitespace) and ignore what follows it.
pub fn from_str_prefix(s: &str) -> Result<Value, ParseError> {
    let mut p = Parser::new(s);
    p.value::<J>(0).map(J::into_value)
}

/// A tree the parser can build: the owned [`Value`] or the catalog's borrowed tree.
pub(crate) trait Tree<'a>: Sized {
    type Obj;
    fn null() -> Self;
    fn bool(b: bool) -> Self;
    fn num(n: Number) -> Self;
    fn str(s: Cow<'a, str>) -> Self;
    fn arr(v: Vec<Self>) -> Self;
    fn new_obj() -> Self::Obj;
    fn push(o: &mut Self::Obj, k: Cow<'a, str>, v: Self);
    fn obj(o: Self::Obj) -> Self;
}

/// The tree the parser builds. Like [`Value`], but strings and keys borrow from the text when
/// they have no escapes and objects are small vectors in body order, not sorted: a 1-2 MB list
/// is tens of thousands of keys, and allocating, ordering and freeing each one was most of the
/// parse. The catalog reads it as is; [`from_str`] turns it into a `Value` (one parser, one
/// copy of its code in the wasm).
pub(crate) enum J<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    Arr(Vec<J<'a>>),
    Obj(Obj<'a>),
}

/// Entries in body order, repeats kept; lookups take the last, as `json::Map` keeps the
/// last value of a repeated key (checking for repeats on insert was a tenth of the parse).
pub(crate) struct Obj<'a>(pub(crate) Vec<(Cow<'a, str>, J<'a>)>);

impl J<'_> {
    /// The owned tree: strings copied, objects into a [`Map`] (a repeated key keeps its last
    /// value, as the parser always did for `Value`).
    pub(crate) fn into_value(self) -> Value {
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(b),
            J::Num(n) => Value::Number(n),
            J::Str(s) => Value::String(s.into_owned()),
            J::Arr(items) => Value::Array(items.into_iter().map(J::into_value).collect()),
            J::Obj(o) => {
                let mut m = Map::new();
                for (k, v) in o.0 {
                    m.insert(k.into_owned(), v.into_value());
                }
                Value::Object(m)
            }
        }
    }
}

pub(crate) fn parse_all<'a, T: Tree<'a>>(s: &'a str) -> Result<T, ParseError> {
    let mut p = Parser::new(s);
    let v = p.value(0)?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.err_at("trailing characters", p.i));
    }
    Ok(v)
}

/// serde_json's text, for a trailing surrogate alone as for a leading one without its pair.
const SURROGATE: &str = "lone leading surrogate in hex escape";

/// Nesting deeper than this is refused, as serde_json does.
const MAX_DEPTH: usize = 127;

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Parser<'a> {
        Parser {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    #[cold]
    #[inline(never)]
    fn err_at(&self, what: &'static str, at: usize) -> ParseError {
        // Lines and columns through the offending byte, as serde_json counts them: a newline
        // starts the next line at column 0; at the end, the last byte read.
        let upto = self.b.get(..at + 1).unwrap_or(self.b);
        let line = 1 + upto.iter().filter(|&&c| c == b'\n').count();
        let start = upto.iter().rposition(|&c| c == b'\n').map_or(0, |n| n + 1);
        ParseError {
            what,
            line,
            column: upto.len() - start,
        }
    }

    // Hot in every parse; opt-level "z" would otherwise leave these as calls.
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn value<T: Tree<'a>>(&mut self, depth: usize) -> Result<T, ParseError> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err(self.err_at("EOF while parsing a value", self.i));
        };
        match c {
            b'n' => self.word("null").map(|_| T::null()),
            b't' => self.word("true").map(|_| T::bool(true)),
            b'f' => self.word("false").map(|_| T::bool(false)),
            b'"' => self.string().map(T::str),
            b'-' | b'0'..=b'9' => self.number().map(T::num),
            b'[' => {
                if depth >= MAX_DEPTH {
                    return Err(self.err_at("recursion limit exceeded", self.i));
                }
                self.i += 1;
                let mut v = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(T::arr(v));
                }
                if self.peek().is_none() {
                    return Err(self.err_at("EOF while parsing a list", self.i));
                }
                loop {
                    v.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                            if self.peek() == Some(b']') {
                                return Err(self.err_at("trailing comma", self.i));
                            }
                        }
                        Some(b']') => {
                            self.i += 1;
                            return Ok(T::arr(v));
                        }
                        Some(_) => return Err(self.err_at("expected `,` or `]`", self.i)),
                        None => return Err(self.err_at("EOF while parsing a list", self.i)),
                    }
                }
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(self.err_at("recursion limit exceeded", self.i));
                }
                self.i += 1;
                let mut o = T::new_obj();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(T::obj(o));
                }
                let mut first = true;
                loop {
                    match self.peek() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.err_at("trailing comma", self.i)),
                        Some(_) => return Err(self.err_at("key must be a string", self.i)),
                        None if first => {
                            return Err(self.err_at("EOF while parsing an object", self.i))
                        }
                        None => return Err(self.err_at("EOF while parsing a value", self.i)),
                    }
                    first = false;
                    let k = self.string()?;
                    self.ws();
                    match self.peek() {
                        Some(b':') => self.i += 1,
                        Some(_) => return Err(self.err_at("expected `:`", self.i)),
                        None => return Err(self.err_at("EOF while parsing an object", self.i)),
                    }
                    let v = self.value(depth + 1)?;
                    T::push(&mut o, k, v);
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                        }
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(T::obj(o));
                        }
                        Some(_) => return Err(self.err_at("expected `,` or `}`", self.i)),
                        None => return Err(self.err_at("EOF while parsing an object", self.i)),
                    }
                }
            }
            _ => Err(self.err_at("expected value", self.i)),
        }
    }

    fn word(&mut self, w: &str) -> Result<(), ParseError> {
        for &c in w.as_bytes() {
            match self.peek() {
                Some(x) if x == c => self.i += 1,
                Some(_) => return Err(self.err_at("expected ident", self.i)),
                None => return Err(self.err_at("EOF while parsing a value", self.i)),
            }
        }
        Ok(())
    }

    /// A string at `"`: borrowed from the input when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.i += 1;
        let start = self.i;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            self.i = skip_plain(self.b, self.i);
            let Some(c) = self.peek() else {
                return Err(self.err_at("EOF while parsing a string", self.i));
            };
            match c {
                b'"' => {
                    let tail = self.slice(run, self.i)?;
                    self.i += 1;
                    return Ok(match owned {
                        Some(mut o) => {
                            o.push_str(tail);
                            Cow::Owned(o)
                        }
                        None => Cow::Borrowed(tail),
                    });
                }
                b'\\' => {
                    let piece = self.slice(run, self.i)?;
                    self.i += 1;
                    let ch = self.escape()?;
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(piece);
                    o.push(ch);
                    run = self.i;
                }
                0..=0x1f => {
                    return Err(self.err_at(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                        self.i,
                    ))
                }
                _ => self.i += 1,
            }
        }
    }

    /// The input between two ASCII positions (always char boundaries).
    fn slice(&self, from: usize, to: usize) -> Result<&'a str, ParseError> {
        self.s
            .get(from..to)
            .ok_or_else(|| self.err_at("invalid UTF-8", from))
    }

    /// After `\`: the escaped character.
    fn escape(&mut self) -> Result<char, ParseError> {
        let Some(c) = self.peek() else {
            return Err(self.err_at("EOF while parsing a string", self.i));
        };
        self.i += 1;
        if let Some(ch) = short_escape(c) {
            return Ok(ch);
        }
        Ok(match c {
            b'u' => {
                let n = self.hex4()?;
                let code = match n {
                    0xD800..=0xDBFF => {
                        // `\` then `u` must follow, each checked as serde_json does.
                        for want in [b'\\', b'u'] {
                            let Some(c) = self.peek() else {
                                return Err(self.err_at("EOF while parsing a string", self.i));
                            };
                            self.i += 1;
                            if c != want {
                                let what = "unexpected end of hex escape";
                                return Err(self.err_at(what, self.i - 1));
                            }
                        }
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err(self.err_at(SURROGATE, self.i - 1));
                        }
                        0x10000 + ((u32::from(n) - 0xD800) << 10) + (u32::from(lo) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(self.err_at(SURROGATE, self.i - 1)),
                    n => u32::from(n),
                };
                char::from_u32(code)
                    .ok_or_else(|| self.err_at("invalid unicode code point", self.i))?
            }
            _ => return Err(self.err_at("invalid escape", self.i - 1)),
        })
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        if self.i + 4 > self.b.len() {
            self.i = self.b.len();
            return Err(self.err_at("EOF while parsing a string", self.i));
        }
        let last = self.i + 3;
        let mut n = 0u16;
        for _ in 0..4 {
            let c = self.peek().unwrap_or_default();
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                // Reported at the escape's last digit, as serde_json does.
                _ => return Err(self.err_at("invalid escape", last)),
            };
            n = n * 16 + u16::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    fn digit(&self) -> Option<u64> {
        match self.peek() {
            Some(c @ b'0'..=b'9') => Some(u64::from(c - b'0')),
            _ => None,
        }
    }

    /// serde_json's number reading (without `float_roundtrip`), so values are bit-identical:
    /// integers stay exact while they fit `u64`/`i64`; otherwise the leading digits that fit a
    /// `u64`, scaled once by a power of ten.
    fn number(&mut self) -> Result<Number, ParseError> {
        let positive = if self.peek() == Some(b'-') {
            self.i += 1;
            false
        } else {
            true
        };
        let sig = match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if self.digit().is_some() {
                    return Err(self.err_at("invalid number", self.i));
                }
                0
            }
            Some(b'1'..=b'9') => {
                let mut sig = 0u64;
                while let Some(d) = self.digit() {
                    match sig.checked_mul(10).and_then(|x| x.checked_add(d)) {
                        Some(x) => sig = x,
                        None => {
                            // Too long for u64: the rest only scales.
                            let mut exp = 0i32;
                            while self.digit().is_some() {
                                self.i += 1;
                                exp = exp.saturating_add(1);
                            }
                            return self.float_tail(positive, sig, exp).map(float);
                        }
                    }
                    self.i += 1;
                }
                sig
            }
            Some(_) => return Err(self.err_at("invalid number", self.i)),
            None => return Err(self.err_at("EOF while parsing a value", self.i)),
        };
        match self.peek() {
            Some(b'.' | b'e' | b'E') => self.float_tail(positive, sig, 0).map(float),
            _ if positive => Ok(Number(N::PosInt(sig))),
            _ => {
                let neg = (sig as i64).wrapping_neg();
                // `-0` and below i64::MIN are floats.
                if neg >= 0 {
                    Ok(float(-(sig as f64)))
                } else {
                    Ok(Number(N::NegInt(neg)))
                }
            }
        }
    }

    /// The fraction and exponent after a significand.
    fn float_tail(
        &mut self,
        positive: bool,
        mut sig: u64,
        mut exp: i32,
    ) -> Result<f64, ParseError> {
        if self.peek() == Some(b'.') {
            self.i += 1;
            let mut any = false;
            while let Some(d) = self.digit() {
                any = true;
                self.i += 1;
                match sig.checked_mul(10).and_then(|x| x.checked_add(d)) {
                    Some(x) => {
                        sig = x;
                        exp = exp.saturating_sub(1);
                    }
                    None => {
                        // Further digits are dropped.
                        while self.digit().is_some() {
                            self.i += 1;
                        }
                        break;
                    }
                }
            }
            if !any {
                return Err(match self.peek() {
                    Some(_) => self.err_at("invalid number", self.i),
                    None => self.err_at("EOF while parsing a value", self.i),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            let pos_exp = match self.peek() {
                Some(b'+') => {
                    self.i += 1;
                    true
                }
                Some(b'-') => {
                    self.i += 1;
                    false
                }
                _ => true,
            };
            if self.digit().is_none() {
                return Err(match self.peek() {
                    Some(_) => self.err_at("invalid number", self.i),
                    None => self.err_at("EOF while parsing a value", self.i),
                });
            }
            let mut e = 0i32;
            while let Some(d) = self.digit() {
                self.i += 1;
                match e.checked_mul(10).and_then(|x| x.checked_add(d as i32)) {
                    Some(x) => e = x,
                    None => {
                        if sig != 0 && pos_exp {
                            return Err(self.err_at("number out of range", self.i - 1));
                        }
                        while self.digit().is_some() {
                            self.i += 1;
                        }
                        return Ok(if positive { 0.0 } else { -0.0 });
                    }
                }
            }
            exp = if pos_exp {
                exp.saturating_add(e)
            } else {
                exp.saturating_sub(e)
            };
        }
        let mut f = sig as f64;
        loop {
            // serde_json's rule: one multiply or divide by the nearest f64 to 10^|exp|.
            match crate::core::num::pow10(exp.unsigned_abs()) {
                Some(p) => {
                    if exp >= 0 {
                        f *= p;
                        if f.is_infinite() {
                            return Err(self.err_at("number out of range", self.i - 1));
                        }
                    } else {
                        f /= p;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exp >= 0 {
                        return Err(self.err_at("number out of range", self.i - 1));
                    }
                    f /= 1e308;
                    exp += 308;
                }
            }
        }
        Ok(if positive { f } else { -f })
    }
}

/// The character a one-letter escape (`\n`, `\"`, ...) stands for; `None` for `u` and the rest.
#[inline]
pub(crate) fn short_escape(c: u8) -> Option<char> {
    Some(match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The first index from `i` holding `"`, `\\` or a control byte (or the end). Eight bytes at
/// a time: string contents are most of a catalog body.
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(w) = b.get(i..i + 8).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
        let w = u64::from_le_bytes(w);
        let (q, bs) = (w ^ (ONES * 0x22), w ^ (ONES * 0x5c));
        // A byte's high bit is set where it is zero in q or bs, or below 0x20 in w (false
        // positives only above a true one; the bytewise loop sorts them out).
        let hit = (q.wrapping_sub(ONES) & !q)
            | (bs.wrapping_sub(ONES) & !bs)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if hit & HIGH != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

fn float(x: f64) -> Number {
    Number(N::Float(x))
}

/// `json!({"a": [1, x, null]})`: a [`Value`] from JSON-like syntax; keys and values may be Rust
/// expressions (anything `Into<Value>`).
#[macro_export]
macro_rules! json {
    (null) => { $crate::core::json::Value::Null };
    ([]) => { $crate::core::json::Value::Array(::std::vec::Vec::new()) };
    ([ $($tt:tt)+ ]) => { $crate::core::json::Value::Array($crate::json!(@arr [] [] $($tt)+)) };
    ({}) => { $crate::core::json::Value::Object($crate::core::json::Map::new()) };
    ({ $($tt:tt)+ }) => {{
        let mut m = $crate::core::json::Map::new();
        $crate::json!(@key m [] $($tt)+);
        $crate::core::json::Value::Object(m)
    }};
    // Array elements: tokens up to each top-level comma.
    (@arr [$($done:expr,)*] []) => { ::std::vec![$($done,)*] };
    (@arr [$($done:expr,)*] [$($cur:tt)+]) => { ::std::vec![$($done,)* $crate::json!($($cur)+)] };
    (@arr [$($done:expr,)*] [$($cur:tt)+] , $($rest:tt)*) => {
        $crate::json!(@arr [$($done,)* $crate::json!($($cur)+),] [] $($rest)*)
    };
    (@arr [$($done:expr,)*] [$($cur:tt)*] $t:tt $($rest:tt)*) => {
        $crate::json!(@arr [$($done,)*] [$($cur)* $t] $($rest)*)
    };
    // Object entries: key tokens up to `:`, value tokens up to `,`.
    (@key $m:ident []) => {};
    (@key $m:ident [$($k:tt)+] : $($rest:tt)*) => { $crate::json!(@val $m [$($k)+] [] $($rest)*) };
    (@key $m:ident [$($k:tt)*] $t:tt $($rest:tt)*) => { $crate::json!(@key $m [$($k)* $t] $($rest)*) };
    (@val $m:ident [$($k:tt)+] [$($v:tt)+]) => {
        let _ = $m.insert(::std::string::String::from($($k)+), $crate::json!($($v)+));
    };
    (@val $m:ident [$($k:tt)+] [$($v:tt)+] , $($rest:tt)*) => {
        let _ = $m.insert(::std::string::String::from($($k)+), $crate::json!($($v)+));
        $crate::json!(@key $m [] $($rest)*)
    };
    (@val $m:ident [$($k:tt)+] [$($v:tt)*] $t:tt $($rest:tt)*) => {
        $crate::json!(@val $m [$($k)+] [$($v)* $t] $($rest)*)
    };
    // Borrowed, as serde_json's `json!` does: variables stay usable.
    ($e:expr) => { $crate::core::json::Value::from(::std::clone::Clone::clone(&$e)) };
}
