//! `core::json` against serde_json (what it replaced) as the reference: on random documents,
//! valid or broken, both accept or reject the same texts, give the same values (numbers
//! bit-identical), print the same text, and fail with the same message.

use free_router::core::json::{self, Map, Number, Value};
use free_router::json;
use proptest::prelude::*;

/// serde_json's value as ours, to compare.
fn ours(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(if let Some(u) = n.as_u64() {
            Number::from(u)
        } else if let Some(i) = n.as_i64() {
            Number::from(i)
        } else {
            Number::from_f64(n.as_f64().unwrap()).unwrap()
        }),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(ours).collect()),
        serde_json::Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), ours(v))).collect())
        }
    }
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let mine = json::from_str(text);
    let reference = serde_json::from_str::<serde_json::Value>(text);
    match (&mine, &reference) {
        (Ok(a), Ok(b)) => {
            prop_assert_eq!(a, &ours(b), "{}", text);
            // Same bits for floats (`-0.0` included): PartialEq alone would miss the sign.
            prop_assert_eq!(a.to_string(), b.to_string(), "{}", text);
            // Read back alike too (serde_json's default float reading is not always exact,
            // so the reference is serde_json reading its own text).
            let back = serde_json::from_str::<serde_json::Value>(&b.to_string()).unwrap();
            prop_assert_eq!(
                json::from_str(&a.to_string()).unwrap(),
                ours(&back),
                "read back"
            );
        }
        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{:?}", text),
        _ => prop_assert!(
            false,
            "{:?}: ours {:?}, serde_json {:?}",
            text,
            mine,
            reference
        ),
    }
    Ok(())
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n", "\t", "\r\n  "])
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| serde_json::Value::from(x).to_string()),
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?",
        "-?[1-9][0-9]{0,3}[eE][+-]?[0-9]{8,12}",
        Just("-0".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-9223372036854775809".to_string()),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| serde_json::Value::from(s).to_string()),
        "\"([a-z \u{e9}\u{1F600}]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2})*\"",
    ]
}

fn document() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number(),
        string(),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(vec!["\"a\"", "\"b\"", "\"id\"", "\"\\u0061\"", "\"\""])
                .prop_map(str::to_string),
            string(),
        ];
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..6).prop_map(|v| {
                let items: Vec<String> = v
                    .into_iter()
                    .map(|(a, x, b)| format!("{a}{x}{b}"))
                    .collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((key, ws(), inner), 0..6).prop_map(|v| {
                let items: Vec<String> = v
                    .into_iter()
                    .map(|(k, w, x)| format!("{k}{w}:{w}{x}"))
                    .collect();
                format!("{{{}}}", items.join(","))
            }),
        ]
    })
}

/// A valid document with one edit: a byte removed, a JSON-significant byte inserted, or cut.
fn broken() -> impl Strategy<Value = String> {
    let extra = prop::sample::select(vec![
        "{", "}", "[", "]", ",", ":", "\"", "\\", "-", ".", "e", "0", "x", "\u{1}", " ", "\u{feff}",
    ]);
    (document(), any::<prop::sample::Index>(), 0u8..3, extra).prop_map(|(doc, at, how, extra)| {
        let cuts: Vec<usize> = (0..=doc.len())
            .filter(|&i| doc.is_char_boundary(i))
            .collect();
        let i = cuts[at.index(cuts.len())];
        match how {
            0 => doc[..i].to_string(),
            1 => format!("{}{extra}{}", &doc[..i], &doc[i..]),
            _ => {
                let next = cuts.iter().find(|&&j| j > i).copied().unwrap_or(i);
                format!("{}{}", &doc[..i], &doc[next..])
            }
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn valid_documents_read_as_serde_json_reads_them(doc in document(), a in ws(), b in ws()) {
        check(&format!("{a}{doc}{b}"))?;
    }

    #[test]
    fn broken_documents_fail_as_serde_json_fails(doc in broken()) {
        check(&doc)?;
    }

    #[test]
    fn numbers_are_bit_identical(n in number()) {
        let mine = json::from_str(&n).ok().and_then(|v| v.as_f64());
        let reference = serde_json::from_str::<serde_json::Value>(&n).ok().and_then(|v| v.as_f64());
        prop_assert_eq!(mine.map(f64::to_bits), reference.map(f64::to_bits), "{}", n);
        check(&n)?;
    }

    #[test]
    fn any_text_is_refused_or_read_alike(s in "[\\[\\]{}\",:0-9a-z\\\\ .eE+-]{0,24}") {
        check(&s)?;
    }
}

#[test]
fn fixed_cases() {
    for text in [
        "",
        " ",
        "[",
        "[1,",
        "[1,]",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":1,",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":}",
        "{1:2}",
        "nul",
        "nulx",
        "tru",
        "01",
        "-",
        "1.",
        "1.e5",
        "1e",
        "1e+",
        "-01",
        "1e999",
        "-1e999",
        "1e-999",
        "0e99999999999",
        "1e99999999999",
        "1e-99999999999",
        "123456789012345678901234567890",
        "0.000000000000000000000000000001234567890123456789",
        "\"\\ud800\"",
        "\"\\ud800\\u0041\"",
        "\"\\udc00\"",
        "\"\\ud83d\\ude00\"",
        "\"\\u00\"",
        "\"\\uzzzz\"",
        "\"a\u{1}b\"",
        "\"a\u{7f}\u{2028}b\"",
        "\"\\/\"",
        "[1] [2]",
        "\u{feff}{}",
        "{\"a\":1,\"a\":2}",
        "{\"b\":1,\"a\":2,\"c\":{\"z\":null,\"y\":[]}}",
    ] {
        check(text).unwrap();
    }
    // Every offset of a special byte in a long string (strings are scanned 8 bytes at a time).
    let plain = "abcdefghijklmnopqrstu\u{e9}vwxyz0123";
    for at in 0..=plain.len() {
        if !plain.is_char_boundary(at) {
            continue;
        }
        for special in ["\u{1}", "\u{1f}", "\"", "\\n", "\\", "\u{7f}", " "] {
            check(&format!("\"{}{special}{}\"", &plain[..at], &plain[at..])).unwrap();
        }
    }
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    for n in [126, 127, 128, 129, 500] {
        check(&deep(n)).unwrap();
    }
}

#[test]
fn accessors_and_builders() {
    let v = json!({"b": [1, -2, 2.5, "x", null, true], "a": {"c/d": {"~e": 7}}, "n": 1000});
    assert_eq!(
        v.to_string(),
        r#"{"a":{"c/d":{"~e":7}},"b":[1,-2,2.5,"x",null,true],"n":1000}"#
    );
    assert_eq!(v["b"][0], 1);
    assert_eq!(v["b"][1].as_i64(), Some(-2));
    assert_eq!(v["b"][1].as_u64(), None);
    assert_eq!(v["b"][2].as_u64(), None);
    assert_eq!(v["b"][2], 2.5);
    assert_eq!(v["b"][3], "x");
    assert!(v["missing"]["deeper"][3].is_null());
    assert_eq!(Value::from(f64::NAN), Value::Null);
    assert_eq!(Value::from(f64::INFINITY).to_string(), "null");
    assert_eq!(Value::from(1.0).to_string(), "1.0");
    assert_eq!(Value::from(1e-7).to_string(), "1e-7");
    let want = "\"\\u0000\\b\\f\\n\\r\\t\\\"\\\\\\u001f\u{7f}\"";
    assert_eq!(
        json!("\u{0}\u{8}\u{c}\n\r\t\"\\\u{1f}\u{7f}").to_string(),
        want
    );
    let mut m = Map::new();
    assert_eq!(m.insert("k".into(), json!(1)), None);
    assert_eq!(m.insert("k".into(), json!(2)), Some(json!(1)));
    *m.entry("j").or_insert(json!(0)) = json!(3);
    m.entry("k").or_insert(json!(9));
    assert_eq!(Value::Object(m.clone()).to_string(), r#"{"j":3,"k":2}"#);
    assert_eq!(m.remove("j"), Some(json!(3)));
    assert!(!m.contains_key("j"));
    let name = "x";
    let list = vec!["a", "b"];
    assert_eq!(
        json!({ name: list, "k": [] }).to_string(),
        r#"{"k":[],"x":["a","b"]}"#
    );
    assert_eq!(list.len(), 2, "json! borrows, as serde_json's does");
}

#[test]
fn errors_say_what_and_where() {
    for (text, want) in [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("{\"a\":\n  [1, }", "expected value at line 2 column 7"),
        ("[1 2]", "expected `,` or `]` at line 1 column 4"),
        ("{\"a\" 1}", "expected `:` at line 1 column 6"),
        (
            "\"a\nb\"",
            "control character (\\u0000-\\u001F) found while parsing a string at line 2 column 0",
        ),
        ("[1e400]", "number out of range at line 1 column 6"),
        ("{} x", "trailing characters at line 1 column 4"),
    ] {
        assert_eq!(
            json::from_str(text).unwrap_err().to_string(),
            want,
            "{text:?}"
        );
    }
}

/// The writer skips eight plain bytes a step: every special byte at every offset of a long
/// text, next to multi-byte characters, still comes out as serde_json writes it.
#[test]
fn escapes_at_every_offset_of_long_texts() {
    let specials = [
        '"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '€', '😀', ' ',
    ];
    for len in 0..40 {
        for at in 0..len {
            for c in specials {
                let mut s: String = (0..len)
                    .map(|k| if k % 7 == 3 { 'ß' } else { 'a' })
                    .collect();
                let byte_at = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
                s.insert(byte_at, c);
                let mut ours = String::new();
                json::push_str(&mut ours, &s);
                assert_eq!(ours, serde_json::to_string(&s).unwrap(), "{s:?}");
            }
        }
    }
}
