//! The chunk scanner in `Accumulator::step` must change nothing: for chunk JSON of every shape
//! (escapes, surrogate pairs, multi-byte UTF-8, whitespace, key order, nulls, repeated keys,
//! unknown and nested fields, wrong types, broken JSON) the steps, errors and accumulated
//! state equal those of the full-parser path.

use free_router::core::wire::{Accumulator, Step};
use proptest::prelude::*;
use proptest::sample::select;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        // XorShift: several times faster than the default in debug builds.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// A JSON tree written out by hand, so the text can vary where a JSON writer never would.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Choices for the writer (whitespace, how to escape), used cyclically.
struct Style<'a> {
    bytes: &'a [u8],
    i: usize,
}

impl Style<'_> {
    fn next(&mut self) -> u8 {
        let b = self.bytes.get(self.i % self.bytes.len().max(1)).copied();
        self.i += 1;
        b.unwrap_or(0)
    }

    fn ws(&mut self, out: &mut String) {
        out.push_str(match self.next() % 10 {
            0 => " ",
            1 => "\n\t ",
            2 => "\r\n",
            3 => "\t",
            _ => "",
        });
    }
}

fn hex(out: &mut String, n: u32, upper: bool) {
    let s = format!("\\u{n:04x}");
    out.push_str(&if upper {
        s.to_uppercase().replace("\\U", "\\u")
    } else {
        s
    });
}

fn write_str(s: &str, st: &mut Style, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let r = st.next();
        let upper = r & 0x80 != 0;
        match c {
            '"' if r % 3 == 0 => hex(out, 0x22, upper),
            '"' => out.push_str("\\\""),
            '\\' if r % 3 == 0 => hex(out, 0x5c, upper),
            '\\' => out.push_str("\\\\"),
            '\n' if r % 2 == 0 => out.push_str("\\n"),
            '\t' if r % 2 == 0 => out.push_str("\\t"),
            '\r' if r % 2 == 0 => out.push_str("\\r"),
            '\u{8}' if r % 2 == 0 => out.push_str("\\b"),
            '\u{c}' if r % 2 == 0 => out.push_str("\\f"),
            '/' if r % 2 == 0 => out.push_str("\\/"),
            c if (c as u32) < 0x20 || r % 7 == 0 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    hex(out, u32::from(*u), upper);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(j: &J, st: &mut Style, out: &mut String) {
    st.ws(out);
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => write_str(s, st, out),
        J::Arr(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(x, st, out);
            }
            st.ws(out);
            out.push(']');
        }
        J::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                st.ws(out);
                write_str(k, st, out);
                st.ws(out);
                out.push(':');
                write(v, st, out);
            }
            st.ws(out);
            out.push('}');
        }
    }
    st.ws(out);
}

fn text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        6 => proptest::char::range(' ', '~'),
        1 => select(vec!['"', '\\', '/', '\n', '\t', '\r', '\u{1}', '\u{8}', '\u{c}', '\u{1f}']),
        1 => select(vec!['é', 'ß', 'ж', '中', '語', '😀', '𝄞', '\u{7f}', '\u{2028}', '\u{fffd}']),
    ];
    prop::collection::vec(c, 0..12).prop_map(|v| v.into_iter().collect())
}

fn num() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "-?(0|[1-9][0-9]{0,14})",
        2 => "-?[0-9]{1,3}\\.[0-9]{1,8}",
        1 => "[1-9][0-9]{15,45}",
        1 => "-?[0-9]\\.?[0-9]?[eE][+-]?[0-9]{1,3}",
        1 => select(vec!["-0", "1e400", "-1e-400", "0.0000000000000000000000000001"]).prop_map(String::from),
    ]
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        num().prop_map(J::Num),
        text().prop_map(J::Str),
    ]
}

const KEYS: &[&str] = &[
    "id",
    "model",
    "provider",
    "created",
    "choices",
    "usage",
    "error",
    "delta",
    "message",
    "content",
    "reasoning",
    "reasoning_content",
    "reasoning_details",
    "tool_calls",
    "finish_reason",
    "index",
    "role",
    "object",
    "text",
    "x",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![select(KEYS).prop_map(String::from), "[a-z_]{1,8}", text()]
}

fn any_json() -> impl Strategy<Value = J> {
    nest(leaf().boxed())
}

/// JSON the scanner reads itself: numbers without exponents and of ordinary length.
fn usual_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        "-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,8})?".prop_map(J::Num),
        text().prop_map(J::Str),
    ];
    nest(leaf.boxed())
}

fn nest(leaf: BoxedStrategy<J>) -> impl Strategy<Value = J> {
    leaf.prop_recursive(5, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
            prop::collection::vec((key(), inner), 0..4).prop_map(J::Obj),
        ]
    })
}

/// `usual` most of the time; with `odd` > 0, sometimes anything at all.
fn or_odd<S: Strategy<Value = J> + 'static>(usual: S, odd: u32) -> BoxedStrategy<J> {
    if odd == 0 {
        usual.boxed()
    } else {
        prop_oneof![8 => usual, odd => any_json()].boxed()
    }
}

fn opt_text(odd: u32) -> BoxedStrategy<J> {
    or_odd(
        prop_oneof![4 => text().prop_map(J::Str), 1 => Just(J::Null)],
        odd,
    )
}

/// A field that may be absent.
fn field(name: &'static str, v: BoxedStrategy<J>) -> impl Strategy<Value = Option<(String, J)>> {
    prop::option::weighted(0.75, v.prop_map(move |v| (name.to_string(), v)))
}

/// An object from optional fields, unknown extra fields, in a random order, maybe with a
/// repeated key.
fn object(fields: Vec<BoxedStrategy<Option<(String, J)>>>, odd: u32) -> impl Strategy<Value = J> {
    let value = if odd == 0 {
        usual_json().boxed()
    } else {
        any_json().boxed()
    };
    let extra = prop::collection::vec(("[a-z_]{1,10}", value), 0..3);
    let repeat = if odd == 0 {
        Just(None).boxed()
    } else {
        prop::option::weighted(0.05, any::<usize>()).boxed()
    };
    (fields, extra, any::<u64>(), repeat).prop_map(|(fields, extra, seed, repeat)| {
        let mut all: Vec<(String, J)> = fields.into_iter().flatten().collect();
        // Unknown keys must stay unknown in the usual shape.
        all.extend(
            extra
                .into_iter()
                .filter(|(k, _)| !KEYS.contains(&k.as_str())),
        );
        if let (Some(r), false) = (repeat, all.is_empty()) {
            let dup = all[r % all.len()].clone();
            all.push((dup.0, J::Null));
        }
        let mut s = seed;
        for i in (1..all.len()).rev() {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            all.swap(i, (s >> 33) as usize % (i + 1));
        }
        J::Obj(all)
    })
}

fn list(items: Vec<J>) -> J {
    J::Arr(items)
}

fn delta(odd: u32) -> BoxedStrategy<J> {
    let details = prop_oneof![
        Just(J::Null),
        Just(list(vec![])),
        text().prop_map(|t| list(vec![J::Obj(vec![
            ("type".into(), J::Str("reasoning.text".into())),
            ("text".into(), J::Str(t)),
        ])])),
    ];
    let tools = prop_oneof![
        Just(J::Null),
        Just(list(vec![])),
        (text(), text()).prop_map(|(n, a)| list(vec![J::Obj(vec![
            ("index".into(), J::Num("0".into())),
            (
                "function".into(),
                J::Obj(vec![
                    ("name".into(), J::Str(n)),
                    ("arguments".into(), J::Str(a))
                ])
            ),
        ])])),
    ];
    object(
        vec![
            field("role", Just(J::Str("assistant".into())).boxed()).boxed(),
            field("content", opt_text(odd)).boxed(),
            field("reasoning", opt_text(odd)).boxed(),
            prop::option::weighted(
                0.2,
                opt_text(odd).prop_map(|v| ("reasoning_content".to_string(), v)),
            )
            .boxed(),
            field(
                "reasoning_details",
                or_odd(
                    if odd == 0 {
                        Just(J::Null).boxed()
                    } else {
                        details.boxed()
                    },
                    odd,
                ),
            )
            .boxed(),
            field(
                "tool_calls",
                or_odd(
                    if odd == 0 {
                        Just(list(vec![])).boxed()
                    } else {
                        tools.boxed()
                    },
                    odd,
                ),
            )
            .boxed(),
        ],
        odd,
    )
    .boxed()
}

fn choice(odd: u32) -> BoxedStrategy<J> {
    let finish = prop_oneof![
        4 => Just(J::Null),
        1 => select(vec!["stop", "length", "tool_calls", "error", "content_filter"]).prop_map(|s| J::Str(s.into())),
        1 => text().prop_map(J::Str),
    ];
    let unusual = |v: BoxedStrategy<J>| -> BoxedStrategy<J> {
        if odd == 0 {
            Just(J::Null).boxed()
        } else {
            prop_oneof![3 => Just(J::Null), 1 => v].boxed()
        }
    };
    object(
        vec![
            field("index", Just(J::Num("0".into())).boxed()).boxed(),
            field(
                "delta",
                or_odd(prop_oneof![6 => delta(odd), 1 => Just(J::Null)], odd),
            )
            .boxed(),
            field("finish_reason", or_odd(finish, odd)).boxed(),
            field("native_finish_reason", opt_text(0)).boxed(),
            field("logprobs", Just(J::Null).boxed()).boxed(),
            field("message", unusual(delta(odd))).boxed(),
            field("error", unusual(any_json().boxed())).boxed(),
        ],
        odd,
    )
    .boxed()
}

fn chunk(odd: u32) -> BoxedStrategy<J> {
    let choices = prop_oneof![
        8 => choice(odd).prop_map(|c| list(vec![c])),
        1 => Just(list(vec![])),
        1 => Just(J::Null),
    ];
    let many = prop_oneof![
        prop::collection::vec(choice(odd), 2..3).prop_map(list),
        Just(list(vec![J::Null])),
    ];
    let choices = if odd == 0 {
        choices.boxed()
    } else {
        prop_oneof![6 => choices, 1 => many].boxed()
    };
    let unusual = |v: BoxedStrategy<J>| -> BoxedStrategy<J> {
        if odd == 0 {
            Just(J::Null).boxed()
        } else {
            prop_oneof![3 => Just(J::Null), 1 => v].boxed()
        }
    };
    let created = if odd == 0 {
        "(0|[1-9][0-9]{0,14})".prop_map(J::Num).boxed()
    } else {
        num().prop_map(J::Num).boxed()
    };
    object(
        vec![
            field("id", opt_text(odd)).boxed(),
            field("provider", opt_text(odd)).boxed(),
            field("model", opt_text(odd)).boxed(),
            field(
                "object",
                Just(J::Str("chat.completion.chunk".into())).boxed(),
            )
            .boxed(),
            field("created", or_odd(created, odd)).boxed(),
            field("system_fingerprint", opt_text(0)).boxed(),
            field("choices", or_odd(choices, odd)).boxed(),
            field("usage", unusual(any_json().boxed())).boxed(),
            field("error", unusual(any_json().boxed())).boxed(),
        ],
        odd,
    )
    .boxed()
}

fn render(j: &J, style: &[u8]) -> String {
    let mut out = String::new();
    write(j, &mut Style { bytes: style, i: 0 }, &mut out);
    out
}

/// Runs the payloads through both paths and requires the same steps, errors and state.
fn same(payloads: &[String]) -> Result<(), TestCaseError> {
    let (mut fast, mut slow) = (Accumulator::new(), Accumulator::new());
    for p in payloads {
        let a: Result<Step, _> = fast.step(p);
        let b = slow.step_parsed_only(p);
        prop_assert_eq!(&a, &b, "payload {}", p);
        prop_assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "after {}", p);
    }
    prop_assert_eq!(fast.completion("req"), slow.completion("req"));
    Ok(())
}

/// A payload with one char deleted, inserted or replaced, or cut short.
fn mutate(s: &str, at: usize, op: u8, c: char) -> String {
    let mut v: Vec<char> = s.chars().collect();
    let at = at % (v.len() + 1);
    match op % 4 {
        0 if at < v.len() => {
            v.remove(at);
        }
        1 => v.insert(at, c),
        2 if at < v.len() => v[at] = c,
        _ => v.truncate(at),
    }
    v.into_iter().collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scanner_matches_serde(
        chunks in prop::collection::vec((chunk(1), prop::collection::vec(any::<u8>(), 1..16)), 1..5),
        done in any::<bool>(),
    ) {
        let mut payloads: Vec<String> = chunks.iter().map(|(j, st)| render(j, st)).collect();
        if done {
            payloads.push(" [DONE]".into());
        }
        same(&payloads)?;
    }

    #[test]
    fn usual_chunks_take_the_scanner(
        chunks in prop::collection::vec((chunk(0), prop::collection::vec(any::<u8>(), 1..16)), 1..5),
    ) {
        let payloads: Vec<String> = chunks.iter().map(|(j, st)| render(j, st)).collect();
        for p in &payloads {
            prop_assert!(Accumulator::scanner_reads(p), "not scanned: {}", p);
        }
        same(&payloads)?;
    }

    #[test]
    fn broken_chunks_fail_alike(
        j in chunk(1),
        style in prop::collection::vec(any::<u8>(), 1..16),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(),
            select(vec!['"', '\\', '{', '}', '[', ']', ',', ':', '0', 'e', '-', '.', 'n', 'u', ' ', '\u{1}', 'é'])), 1..3),
    ) {
        let mut p = render(&j, &style);
        for (at, op, c) in edits {
            p = mutate(&p, at, op, c);
        }
        same(&[p])?;
    }
}

/// Bytes that make UTF-8 go wrong: stray continuations, overlongs, surrogates, above U+10FFFF,
/// truncated sequences, and good multi-byte characters.
const ODD_BYTES: [u8; 14] = [
    0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xA9, 0xE0, 0xED, 0xA0, 0xF0, 0xF4, 0x90, 0xF5, 0xFF,
];

proptest! {
    #![proptest_config(config())]

    /// Payloads are not checked for UTF-8 before the scanner: it must refuse every invalid
    /// byte (the caller then reports the first one), and read valid bytes as before.
    #[test]
    fn unchecked_bytes_are_checked_while_scanning(
        j in chunk(1),
        style in prop::collection::vec(any::<u8>(), 1..16),
        edits in prop::collection::vec((any::<usize>(), any::<bool>(), select(ODD_BYTES.to_vec())), 1..4),
    ) {
        let mut b = render(&j, &style).into_bytes();
        for (at, insert, x) in edits {
            let at = at % (b.len() + 1);
            if insert || at == b.len() {
                b.insert(at, x);
            } else {
                b[at] = x;
            }
        }
        let mut acc = Accumulator::new();
        let got = acc.step_bytes(&b);
        match std::str::from_utf8(&b) {
            Err(e) => prop_assert_eq!(got.err(), Some(e.valid_up_to())),
            Ok(s) => {
                let mut slow = Accumulator::new();
                prop_assert_eq!(got.ok(), Some(slow.step_parsed_only(s)));
                prop_assert_eq!(format!("{acc:?}"), format!("{slow:?}"));
            }
        }
    }
}

const MARK: char = '\u{E000}';

/// Sets every `delta.content` of the first choice to MARK (adds one if a delta has none);
/// false if there is no delta object.
fn mark(j: &mut J) -> bool {
    let J::Obj(top) = j else { return false };
    let mut hit = false;
    for (k, v) in top.iter_mut() {
        let J::Arr(items) = v else { continue };
        let Some(J::Obj(choice)) = items.first_mut() else {
            continue;
        };
        if k != "choices" {
            continue;
        }
        for (k, d) in choice.iter_mut() {
            let J::Obj(delta) = d else { continue };
            if k != "delta" {
                continue;
            }
            let mut has = false;
            for (k, c) in delta.iter_mut() {
                if k == "content" {
                    *c = J::Str(MARK.to_string());
                    has = true;
                }
            }
            if !has {
                delta.push(("content".into(), J::Str(MARK.to_string())));
            }
            hit = true;
        }
    }
    hit
}

/// Stand-ins for the content literal: strings, and things that are not one string.
fn hole() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (text(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(t, st)| {
            let mut out = String::new();
            write_str(&t, &mut Style { bytes: &st, i: 0 }, &mut out);
            out
        }),
        1 => select(vec!["null", "5", "\"a\",\"content\":\"b\"", "\"a\",\"content\":null", "\"a\" ",
            " \"a\"", "\"\u{1}\"", "\"x", "\"\\ud800\"", "\"a\"}", "\"\"", "\"a\",\"reasoning\":\"r\"",
            "\"\\\"", "\"a\"\"b\""]).prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Chunks that repeat the previous one's bytes around a new content value (what providers
    /// send) read like any other chunk, whatever stands in that place.
    #[test]
    fn repeated_chunk_frames_read_alike(
        j in chunk(1),
        style in prop::collection::vec(any::<u8>(), 1..16),
        holes in prop::collection::vec(hole(), 1..6),
        other in chunk(1),
        mix in any::<u8>(),
    ) {
        let mut j = j;
        if !mark(&mut j) {
            return Ok(());
        }
        let p = render(&j, &style);
        let forms = [format!("\"{MARK}\""), "\"\\ue000\"".into(), "\"\\uE000\"".into()];
        let at = forms.iter().filter_map(|f| p.find(f.as_str()).map(|i| (i, f.len()))).min();
        let Some((at, n)) = at else { return Ok(()) };
        let (head, tail) = (&p[..at], &p[at + n..]);
        let mut payloads = vec![p.clone()];
        for (i, h) in holes.iter().enumerate() {
            payloads.push(format!("{head}{h}{tail}"));
            // Now and then something else in between: the frame must be read afresh.
            if mix >> (i % 8) & 1 == 1 && i % 3 == 2 {
                payloads.push(render(&other, &style));
            }
        }
        same(&payloads)?;
    }
}

/// Malformed payloads: never a panic, and exactly the full-parser path's typed error.
#[test]
fn malformed_payloads_give_the_serde_error() {
    let cases = [
        "{",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]} x",
        "{\"choices\":[{\"delta\":{\"content\":\"a\\q\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"\\ud800\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"\\udc00\\ud800\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"\\ud800\\u0041\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"\\u12\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"\\u12g4\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\u{1}b\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"unterminated}}]}",
        "{\"choices\":[{\"delta\":{\"content\":5}}]}",
        "{\"choices\":[{\"delta\":{\"content\":nul}}]}",
        "{\"choices\":[{\"delta\":{\"content\":nabc\"x\"}}]}",
        "{\"choices\":[{\"delta\":[]}]}",
        "{\"choices\":[null]}",
        "{\"choices\":{}}",
        "{\"choices\":[{\"finish_reason\":1}]}",
        "{\"id\":1,\"choices\":[]}",
        "{\"created\":\"x\"}",
        "{\"created\":1e999}",
        "{\"created\":01}",
        "{\"created\":-}",
        "{\"created\":1.}",
        "{\"x\":123456789012345678901234567890123456789012345678901234567890e400}",
        "{\"x\":[1,]}",
        "{\"x\":{\"a\" 1}}",
        "{\"x\":tru}",
        "{,}",
        "{\"a\":1,}",
        "[1,2]",
        "\"text\"",
        "42",
        "nul",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":\"x\"}]}}]}",
        "{\"choices\":[{\"delta\":{\"reasoning_details\":[1]}}]}",
        "{\"choices\":[{\"message\":5}]}",
        "{\"x\":\"\\",
        "{\"x\":\"\\u",
        "{\"choices\":[{\"delta\":{\"content\":\"\\ud83d\\ude00\"}}]",
    ];
    let deep = format!("{{\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
    for p in cases.iter().copied().chain([deep.as_str()]) {
        let mut fast = Accumulator::new();
        let mut slow = Accumulator::new();
        let (a, b) = (fast.step(p), slow.step_parsed_only(p));
        assert_eq!(a, b, "{p}");
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{p}");
    }
}

/// The shapes the scanner is for really take it, and give the full parser's answer.
#[test]
fn common_shapes_are_scanned() {
    let cases = [
        r#"{"id":"gen-1","provider":"P","model":"m","object":"chat.completion.chunk","created":1700000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi \u00e9 \ud83d\ude00 \"q\" \\ \/"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"system_fingerprint":null}"#,
        r#" { "choices" : [ { "delta" : { "reasoning" : "th\nink" , "content" : null } } ] , "usage" : null , "error" : null } "#,
        r#"{"choices":[{"delta":{},"finish_reason":"stop"}],"x":{"a":[1,-2.5,true,false,null,{"b":"c"}]}}"#,
        r#"{"choices":[]}"#,
        r#"{"choices":null,"created":-0}"#,
        "{\"choices\":[{\"delta\":{\"content\":\"中文 ж 😀\",\"tool_calls\":[],\"reasoning_details\":[]}}]}",
    ];
    for p in cases {
        assert!(Accumulator::scanner_reads(p), "{p}");
        let mut fast = Accumulator::new();
        let mut slow = Accumulator::new();
        assert_eq!(fast.step(p), slow.step_parsed_only(p), "{p}");
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{p}");
    }
}
