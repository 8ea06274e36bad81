use super::clean::clean;
use super::hints::{context_tokens, first_number, last_number, message_wait};
use super::read::tag_status;
use crate::core::text;

#[test]
fn civil_days() {
    assert_eq!(crate::core::time::days_from_civil(1970, 1, 1), 0);
    assert_eq!(crate::core::time::days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(crate::core::time::days_from_civil(1969, 12, 31), -1);
}

#[test]
fn context_numbers() {
    let h = "this endpoint's maximum context length is 131072 tokens. however, you requested about 140000 tokens";
    assert_eq!(context_tokens(h), Some(131_072));
    let h = "prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 maximum context length";
    assert_eq!(context_tokens(h), Some(32_768));
    assert_eq!(context_tokens("context length exceeded"), None);
}

#[test]
fn number_runs() {
    assert_eq!(first_number("about 1,234 and 5"), Some(1234));
    assert_eq!(last_number("about 1,234 and 5"), Some(5));
    assert_eq!(first_number("1,,2 tokens"), Some(12));
    assert_eq!(first_number(", , ,"), None);
    assert_eq!(last_number(""), None);
    assert_eq!(first_number("99999999999999999999999 7"), Some(7));
    assert_eq!(last_number("7 99999999999999999999999"), Some(7));
    assert_eq!(last_number("x131072é"), Some(131_072));
}

#[test]
fn clean_redacts_keys() {
    let s = clean(
        "Incorrect API key provided: sk-abc123. Authorization: Bearer xyz",
        200,
    );
    assert!(!s.contains("abc123") && !s.contains("xyz"), "{s}");
}

#[test]
fn waits_in_words() {
    assert_eq!(
        message_wait("please try again in 9m52.272s. need more"),
        Some(592_272)
    );
    assert_eq!(message_wait("please retry in 41.2s."), Some(41_200));
    assert_eq!(message_wait("try again in 20 seconds"), Some(20_000));
    assert_eq!(message_wait("retry after 2 minutes"), Some(120_000));
    assert_eq!(
        message_wait("retry after the reset; try again in 5s"),
        Some(5_000)
    );
    assert_eq!(message_wait("please retry shortly"), None);
}

#[test]
fn tag_statuses() {
    let cases = [
        ("rate_limit_exceeded", Some(429)),
        ("capacity_exhausted", Some(429)),
        ("server", Some(500)),
        ("unknown", Some(500)),
        ("bad_gateway", Some(502)),
        ("temporarily_unavailable", Some(503)),
        ("request_timeout", Some(408)),
        ("failed_precondition", Some(400)),
        ("unauthenticated", Some(401)),
        ("insufficient_credits", Some(402)),
        ("forbidden", Some(403)),
        ("model_not_found", Some(404)),
        ("payload_too_large", Some(413)),
        ("unprocessable_entity", Some(422)),
        ("", None),
        ("rate_limit", None),
        ("server error", None),
    ];
    for (t, want) in cases {
        assert_eq!(tag_status(t), want, "{t}");
    }
}

#[test]
fn durations_format() {
    assert_eq!(text::duration(0), "0 s");
    assert_eq!(text::duration(5_000), "5 s");
    assert_eq!(text::duration(125_000), "2 min 5 s");
    assert_eq!(text::duration(11_520_000), "3 h 12 min");
}

/// Where the cut falls: a word that ends at `max` is kept whole, a cut inside one (or at the
/// space after a word) ends in an ellipsis; Unicode whitespace collapses to one space.
#[test]
fn clean_cuts_at_max_chars() {
    for (s, max, want) in [
        ("abcde fgh", 5, "abcde"),
        ("abcd efgh", 5, "abcd…"),
        ("abcdefgh", 5, "abcde…"),
        ("  \t ", 5, ""),
        ("ab\u{a0}cd  ef", 10, "ab cd ef"),
        ("déf déf", 3, "déf"),
        ("déf déf", 4, "déf…"),
        ("Bearer abc def", 12, "Bearer [reda…"),
    ] {
        assert_eq!(clean(s, max), want, "{s:?} {max}");
    }
}
