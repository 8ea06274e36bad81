//! The persisted form of a catalog body: when it was fetched, and the body itself, trimmed of
//! what the catalog never reads (localStorage holds about 5 MB per origin, shared).

use std::borrow::Cow;

use super::catalog::{parse_body, write_json, J};

/// Fields of an OpenRouter model entry that normalisation does not use.
const UNUSED: [&str; 8] = [
    "hugging_face_id",
    "default_parameters",
    "per_request_limits",
    "supported_voices",
    "links",
    "benchmarks",
    "knowledge_cutoff",
    "alias_target",
];
const DESCRIPTION_CHARS: usize = 300;

/// Drop unused fields and shorten descriptions. A body that is not JSON is kept as is (the
/// parser will report it). Uses the catalog's own JSON tree: only paid when the copy is kept.
pub fn trim(body: &str) -> String {
    let Ok(mut v) = parse_body(body) else {
        return body.to_string();
    };
    if let J::Obj(o) = &mut v {
        if let Some(J::Arr(items)) = o.get_mut("data") {
            for item in items.iter_mut() {
                if let J::Obj(m) = item {
                    m.0.retain(|(k, _)| !UNUSED.contains(&k.as_ref()));
                    if let Some(J::Str(d)) = m.get_mut("description") {
                        if crate::core::text::char_count(d) > DESCRIPTION_CHARS {
                            let cut = crate::core::text::first_chars(d, DESCRIPTION_CHARS);
                            *d = Cow::Owned(format!("{cut}…"));
                        }
                    }
                }
            }
        }
    }
    let mut out = String::with_capacity(body.len());
    write_json(&mut out, &v);
    out
}

pub fn wrap(fetched_at_ms: f64, body: &str) -> String {
    format!("{}\n{body}", fetched_at_ms as u64)
}

/// `(fetched_at_ms, body)`, or None for anything that is not what `wrap` wrote.
pub fn unwrap(stored: &str) -> Option<(f64, String)> {
    let (at, body) = stored.split_once('\n')?;
    let at = crate::core::num::parse_u64(at)?;
    Some((at as f64, body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_keeps_what_the_parser_reads() {
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/models_2026-08.json"
        ))
        .unwrap();
        let t = trim(&body);
        assert!(
            t.len() < body.len() * 2 / 3,
            "{} vs {}",
            t.len(),
            body.len()
        );
        same_after_trim(&body);
    }

    /// Everything the catalog reads survives trimming, but long descriptions are shortened.
    fn same_after_trim(body: &str) {
        let t = trim(body);
        let a = crate::core::catalog::parse_openrouter_models(body, "openrouter").unwrap();
        let b = crate::core::catalog::parse_openrouter_models(&t, "openrouter").unwrap();
        assert_eq!(a.len(), b.len());
        for (x, mut y) in a.into_iter().zip(b) {
            let n = x.description.chars().count();
            if n > DESCRIPTION_CHARS {
                assert_eq!(y.description.chars().count(), DESCRIPTION_CHARS + 1);
                assert!(x
                    .description
                    .starts_with(y.description.trim_end_matches('…')));
                y.description = x.description.clone();
            }
            assert_eq!(x, y);
        }
    }

    #[test]
    fn trim_keeps_the_2025_shape_and_odd_values() {
        // Numeric prices, null context lengths, escapes, exponents, unknown and nested fields.
        let body = r#"{"data":[
            {"id":"a/one","name":"A \"one\"\n","created":1.7e9,"context_length":null,
             "pricing":{"prompt":0.000001,"completion":"0.000002","request":"0","image":0},
             "top_provider":{"context_length":8192,"max_completion_tokens":null},
             "architecture":{"modality":"text+image->text","input_modalities":["text","image"],"tokenizer":"GPT"},
             "supported_parameters":["tools","response_format"],"links":{"details":"/x"},
             "per_request_limits":null,"extra":[1,{"z":[true,false,null]}],"description":"\u00e9"},
            {"id":"openrouter/auto","pricing":{"prompt":"-1","completion":"-1"},
             "architecture":{"tokenizer":"Router"},"expiration_date":"2026-01-01"},
            3, "junk", {"no":"id"}],"total_count":5}"#;
        same_after_trim(body);
        assert!(!trim(body).contains("links"));
    }

    #[test]
    fn wrap_round_trip_and_garbage() {
        let w = wrap(1_700_000_000_123.0, "{\"data\":[]}\nmore");
        assert_eq!(
            unwrap(&w),
            Some((1_700_000_000_123.0, "{\"data\":[]}\nmore".into()))
        );
        assert_eq!(unwrap("garbage"), None);
        assert_eq!(unwrap("-5\n{}"), None);
        assert_eq!(unwrap(""), None);
        assert_eq!(trim("not json"), "not json");
    }
}
