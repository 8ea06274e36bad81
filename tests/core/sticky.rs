//! `sticky: "auto"`'s conversation key: the same beginning, the same key; no text kept.

use free_router::core::json::{self, Value};
use free_router::core::sticky::conversation_key;

fn msgs(text: &str) -> Vec<Value> {
    match json::from_str(text).expect("valid JSON") {
        Value::Array(a) => a,
        _ => panic!("not an array"),
    }
}

#[test]
fn later_turns_keep_the_key_of_how_the_conversation_began() {
    let first = msgs(
        r#"[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a river."}]"#,
    );
    let later = msgs(
        r#"[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a river."},
        {"role":"assistant","content":"The Nile."},{"role":"user","content":"Another?"}]"#,
    );
    let k = conversation_key(&first).expect("has a user message");
    assert_eq!(Some(k.clone()), conversation_key(&later));
    assert!(k.starts_with("auto:") && k.len() == 5 + 64, "{k}");
    assert!(!k.contains("river") && !k.contains("brief"), "hashes only");
}

#[test]
fn different_beginnings_differ() {
    let a = conversation_key(&msgs(r#"[{"role":"user","content":"Name a river."}]"#));
    let b = conversation_key(&msgs(r#"[{"role":"user","content":"Name a mountain."}]"#));
    let c = conversation_key(&msgs(
        r#"[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a river."}]"#,
    ));
    // The boundary between system prompt and question is part of the key.
    let d = conversation_key(&msgs(
        r#"[{"role":"system","content":"ab"},{"role":"user","content":"c"}]"#,
    ));
    let e = conversation_key(&msgs(
        r#"[{"role":"system","content":"a"},{"role":"user","content":"bc"}]"#,
    ));
    assert!(a != b && a != c && b != c);
    assert_ne!(d, e);
    // Array content counts by its text parts.
    let parts = conversation_key(&msgs(
        r#"[{"role":"user","content":[{"type":"text","text":"Name a river."}]}]"#,
    ));
    let image = conversation_key(&msgs(
        r#"[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"Name a river."}]}]"#,
    ));
    assert!(parts.is_some() && parts != image);
}

#[test]
fn no_user_message_no_key() {
    assert_eq!(conversation_key(&[]), None);
    assert_eq!(
        conversation_key(&msgs(r#"[{"role":"system","content":"x"}]"#)),
        None
    );
    assert_eq!(conversation_key(&msgs(r#"[1, "x", null]"#)), None);
}
