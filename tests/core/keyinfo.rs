//! OpenRouter's `GET /api/v1/key` read into `KeyInfo` (shapes from reference 4.4 and section 0).

use free_router::core::json::{self, Value};
use free_router::core::keyinfo::{parse, FreeDaily};

const WITH_DAILY: &str = r#"{"data":{"label":"sk-or-v1-abc...xyz","limit":null,"limit_reset":null,
"limit_remaining":null,"include_byok_in_limit":false,"usage":0.25,"usage_daily":0,"usage_weekly":0,
"usage_monthly":0.25,"byok_usage":0,"is_free_tier":true,"is_management_key":false,
"free_model_daily_requests":{"used":37,"limit":1000,"remaining":963},
"rate_limit":{"requests":-1,"interval":"10s","note":"deprecated"}}}"#;

#[test]
fn the_daily_count_is_read_whatever_is_free_tier_says() {
    let k = parse(WITH_DAILY).expect("parses");
    assert!(k.is_free_tier);
    assert_eq!(
        k.free_daily,
        Some(FreeDaily {
            used: 37,
            limit: 1000,
            remaining: 963
        })
    );
    let v = k.to_value("openrouter", 5.0);
    let back: Value = json::from_str(&json::to_string(&v)).expect("JSON");
    assert_eq!(back["freeRequestsPerDay"].as_f64(), Some(1000.0));
    assert_eq!(back["freeDailyRequests"]["remaining"].as_f64(), Some(963.0));
    assert_eq!(back["isFreeTier"], Value::Bool(true));
    assert_eq!(back["label"].as_str(), Some("sk-or-v1-abc...xyz"));
    assert_eq!(back["usage"].as_f64(), Some(0.25));
    assert_eq!(back["fetchedAt"].as_f64(), Some(5.0));
}

#[test]
fn without_the_field_the_documented_default_stands() {
    let k = parse(r#"{"data":{"is_free_tier":false,"usage":1.5}}"#).expect("parses");
    assert_eq!(k.free_daily, None);
    let v = k.to_value("openrouter", 0.0);
    assert_eq!(v["freeDailyRequests"], Value::Null);
    assert_eq!(v["freeRequestsPerDay"].as_f64(), Some(50.0));
}

#[test]
fn odd_counts_are_ignored_or_completed() {
    for bad in [
        r#"{"used":-1,"limit":50,"remaining":51}"#,
        r#"{"used":"3","limit":50}"#,
        r#"{"used":1,"limit":1e300}"#,
        r#"null"#,
        r#"[1,2,3]"#,
    ] {
        let body =
            format!(r#"{{"data":{{"is_free_tier":true,"free_model_daily_requests":{bad}}}}}"#);
        assert_eq!(parse(&body).expect("parses").free_daily, None, "{bad}");
    }
    let body =
        r#"{"data":{"is_free_tier":true,"free_model_daily_requests":{"used":60,"limit":50}}}"#;
    let d = parse(body).expect("parses").free_daily.expect("present");
    assert_eq!((d.used, d.limit, d.remaining), (60, 50, 0));
}

#[test]
fn bodies_that_are_not_key_info_say_what_is_wrong() {
    assert!(parse("<html>").unwrap_err().contains("not JSON"));
    assert!(parse(r#"{"data":{}}"#)
        .unwrap_err()
        .contains("data.is_free_tier"));
}

mod refresh {
    use free_router::core::keyinfo::{refresh_due, Refresh, REFRESH_EVERY_MS};

    const NOW: f64 = 1_000_000_000.0;

    #[test]
    fn the_day_far_from_its_end_asks_nothing() {
        assert_eq!(refresh_due(50, 0, None, false, NOW), Refresh::Skip);
        assert_eq!(refresh_due(50, 44, None, false, NOW), Refresh::Skip);
        assert_eq!(refresh_due(1000, 899, None, true, NOW), Refresh::Skip);
    }

    #[test]
    fn near_the_end_a_reading_is_refreshed_behind_the_request() {
        assert_eq!(refresh_due(50, 45, None, false, NOW), Refresh::Behind);
        assert_eq!(refresh_due(1000, 900, None, true, NOW), Refresh::Behind);
        // A cached reading that says the day is over: asked again, off the request path.
        assert_eq!(
            refresh_due(50, 50, Some(NOW - REFRESH_EVERY_MS), true, NOW),
            Refresh::Behind
        );
    }

    #[test]
    fn a_day_that_would_refuse_the_request_with_no_reading_asks_first() {
        assert_eq!(refresh_due(50, 50, None, false, NOW), Refresh::First);
        assert_eq!(refresh_due(50, 70, None, false, NOW), Refresh::First);
        // Asked before without an answer (an error): still asked first, a minute later.
        assert_eq!(
            refresh_due(50, 50, Some(NOW - 61_000.0), false, NOW),
            Refresh::First
        );
    }

    #[test]
    fn at_most_once_a_minute() {
        for taken in [45, 50, 60] {
            assert_eq!(
                refresh_due(50, taken, Some(NOW - 59_999.0), false, NOW),
                Refresh::Skip
            );
            assert_eq!(refresh_due(50, taken, Some(NOW), true, NOW), Refresh::Skip);
        }
        // A clock that went backwards: the old time says nothing about staleness.
        assert_ne!(
            refresh_due(50, 50, Some(NOW + 5_000.0), true, NOW),
            Refresh::Skip
        );
    }
}
