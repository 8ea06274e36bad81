//! The persisted form of a catalog body: when it was fetched, and the body itself, trimmed of
//! what the catalog never reads (localStorage holds about 5 MB per origin, shared).

use serde_json::Value;

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
/// parser will report it).
pub fn trim(body: &str) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(body) else {
        return body.to_string();
    };
    if let Some(Value::Array(items)) = v.get_mut("data") {
        for item in items.iter_mut() {
            if let Value::Object(m) = item {
                for k in UNUSED {
                    m.remove(k);
                }
                if let Some(Value::String(d)) = m.get_mut("description") {
                    if d.chars().count() > DESCRIPTION_CHARS {
                        let cut: String = d.chars().take(DESCRIPTION_CHARS).collect();
                        *d = format!("{cut}…");
                    }
                }
            }
        }
    }
    v.to_string()
}

pub fn wrap(fetched_at_ms: f64, body: &str) -> String {
    format!("{}\n{body}", fetched_at_ms as u64)
}

/// `(fetched_at_ms, body)`, or None for anything that is not what `wrap` wrote.
pub fn unwrap(stored: &str) -> Option<(f64, String)> {
    let (at, body) = stored.split_once('\n')?;
    let at: u64 = at.parse().ok()?;
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
        let a = crate::core::catalog::parse_openrouter_models(&body, "openrouter").unwrap();
        let b = crate::core::catalog::parse_openrouter_models(&t, "openrouter").unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.free, y.free);
            assert_eq!(x.caps, y.caps);
            assert_eq!(x.context_length, y.context_length);
        }
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
