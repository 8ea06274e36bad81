//! Health: what each `Action` does, stats, persistence, sticky sessions.

use super::fixtures::*;
use free_router::core::catalog::Capability;
use free_router::core::classify::Action;
use free_router::core::error::ErrorCode;
use free_router::core::route::*;

const TOOLS: &[Capability] = &[Capability::Tools];

fn find<'a>(v: &'a [Candidate], model: &str) -> &'a Candidate {
    v.iter().find(|c| c.model == model).unwrap()
}

#[test]
fn cooldown_ends_at_the_exact_ms() {
    let mut h = Health::new();
    let c = &groq()[0];
    let until = T0 + 30_000.0;
    h.apply(
        &c.provider,
        &c.model,
        &Action::Cooldown { until_ms: until },
        T0,
    );
    let cooling = Err(Skip::CoolingDown { until_ms: until });
    assert_eq!(h.usable(c, &[], 0, T0), cooling);
    assert_eq!(h.usable(c, &[], 0, until - 0.001), cooling);
    assert_eq!(h.usable(c, &[], 0, until), Ok(()));
    assert_eq!(
        h.status(&c.provider, &c.model, T0),
        ModelState::CoolingDown { until_ms: until }
    );
    assert_eq!(h.status(&c.provider, &c.model, T0).as_str(), "cooling_down");
    assert_eq!(
        h.status(&c.provider, &c.model, until),
        ModelState::Available
    );
    // A shorter cooldown does not cut a longer one; other models are untouched.
    h.apply(
        &c.provider,
        &c.model,
        &Action::Cooldown { until_ms: T0 + 5.0 },
        T0,
    );
    assert_eq!(h.usable(c, &[], 0, T0 + 10.0), cooling);
    assert_eq!(h.usable(&groq()[1], &[], 0, T0), Ok(()));
    // A success during the cooldown does not lift it (an older request finishing).
    h.record_success(&c.provider, &c.model, 200.0, None, T0 + 1.0);
    assert_eq!(h.usable(c, &[], 0, T0 + 10.0), cooling);
    // Non-finite times are ignored.
    let d = &groq()[1];
    h.apply(
        &d.provider,
        &d.model,
        &Action::Cooldown { until_ms: f64::NAN },
        T0,
    );
    h.apply(
        &d.provider,
        &d.model,
        &Action::Cooldown {
            until_ms: f64::INFINITY,
        },
        T0,
    );
    assert_eq!(h.usable(d, &[], 0, T0), Ok(()));
}

#[test]
fn eviction_lasts_until_that_providers_catalog_refresh() {
    let mut h = Health::new();
    let or = or_free();
    let a = find(&or, "openai/gpt-oss-20b:free");
    let g = &groq()[0];
    h.apply(&a.provider, &a.model, &Action::Evict, T0);
    h.apply(&g.provider, &g.model, &Action::Evict, T0);
    let far = T0 + 1e10;
    assert_eq!(h.usable(a, &[], 0, far), Err(Skip::Evicted));
    assert_eq!(h.status(&a.provider, &a.model, far).as_str(), "evicted");
    let p = plan(&or, Strategy::Ordered, &h, &[], 0, 0, far);
    assert_eq!(p.order.len(), 16);
    assert_eq!(p.skipped, vec![(a.clone(), Skip::Evicted)]);
    h.catalog_refreshed("openrouter");
    assert_eq!(h.usable(a, &[], 0, far), Ok(()));
    assert_eq!(h.usable(g, &[], 0, far), Err(Skip::Evicted));
    h.catalog_refreshed("groq");
    assert_eq!(h.usable(g, &[], 0, far), Ok(()));
}

#[test]
fn learned_capability_only_blocks_requests_needing_it() {
    let mut h = Health::new();
    let or = or_free();
    let c = find(&or, "z-ai/glm-5.2:free");
    let lacks = Action::LacksCapability(Capability::Tools);
    h.apply(&c.provider, &c.model, &lacks, T0);
    assert_eq!(
        h.usable(c, TOOLS, 0, T0),
        Err(Skip::LacksCapability {
            cap: Capability::Tools,
            learned: true
        })
    );
    assert_eq!(h.usable(c, &[], 0, T0), Ok(()));
    assert_eq!(
        h.usable(c, &[Capability::StructuredOutputs], 0, T0),
        Err(Skip::LacksCapability {
            cap: Capability::StructuredOutputs,
            learned: false
        })
    );
    assert_eq!(h.status(&c.provider, &c.model, T0), ModelState::Available);
    // Survives a catalog refresh (the catalog would claim tools again).
    h.catalog_refreshed("openrouter");
    assert!(h.usable(c, TOOLS, 0, T0).is_err());
    let p = plan(&or, Strategy::Ordered, &h, TOOLS, 0, 0, T0);
    assert_eq!(p.order.len(), 15); // minus glm and content-safety
}

#[test]
fn learned_context_limit() {
    let mut h = Health::new();
    let c = &groq()[0];
    h.apply(&c.provider, &c.model, &Action::ContextAtMost(8_192), T0);
    assert_eq!(h.usable(c, &[], 8_192, T0), Ok(()));
    assert_eq!(h.usable(c, &[], 0, T0), Ok(()));
    assert_eq!(
        h.usable(c, &[], 8_193, T0),
        Err(Skip::ContextTooSmall {
            max: 8_192,
            learned: true
        })
    );
    // A larger learned bound does not loosen a smaller one.
    h.apply(&c.provider, &c.model, &Action::ContextAtMost(32_000), T0);
    assert!(h.usable(c, &[], 8_193, T0).is_err());
    // The catalog's own length when it is the smaller one.
    let d = &groq()[1];
    h.apply(&d.provider, &d.model, &Action::ContextAtMost(500_000), T0);
    assert_eq!(
        h.usable(d, &[], 200_000, T0),
        Err(Skip::ContextTooSmall {
            max: 131_072,
            learned: false
        })
    );
}

#[test]
fn try_next_and_stop_change_nothing() {
    let mut h = Health::new();
    let c = &groq()[0];
    for a in [Action::TryNext, Action::Stop] {
        h.apply(&c.provider, &c.model, &a, T0);
    }
    assert_eq!(h.usable(c, TOOLS, 1_000, T0), Ok(()));
    assert_eq!(h.stats(&c.provider, &c.model), StatsView::default());
    assert_eq!(h.stats_to_json(), r#"{"v":1,"m":[],"p":[]}"#);
}

#[test]
fn provider_out_blocks_every_model_of_that_provider_for_the_session() {
    let mut h = Health::new();
    let cands = all();
    h.apply(
        "openrouter",
        "openai/gpt-oss-20b:free",
        &Action::ProviderOut,
        T0,
    );
    let p = plan(&cands, Strategy::Random, &h, &[], 0, 5, T0 + 1e9);
    assert_eq!(p.order.len(), 5);
    assert!(p.order.iter().all(|c| c.provider != "openrouter"));
    assert!(p.skipped.iter().all(|(_, s)| *s == Skip::ProviderOut));
    assert_eq!(p.skipped.len(), 19);
    assert_eq!(p.earliest_recovery(), None);
    h.catalog_refreshed("openrouter");
    assert_eq!(
        h.status("openrouter", "z-ai/glm-5.2", T0 + 1e12),
        ModelState::ProviderOut
    );
    assert!(!h.stats_to_json().contains("openrouter"));
}

#[test]
fn daily_free_pool_is_account_wide() {
    let mut h = Health::new();
    let cands = all();
    let until = T0 + 3.0 * 3_600_000.0; // next 00:00 UTC
    let spent = Action::FreePoolExhausted { until_ms: until };
    h.apply("openrouter", "nvidia/nemotron-nano-9b-v2:free", &spent, T0);
    for s in [
        Strategy::Random,
        Strategy::Ordered,
        Strategy::Fastest,
        Strategy::Seeded,
    ] {
        let p = plan(&cands, s, &h, &[], 0, 1, T0 + 1.0);
        assert!(p.order.iter().all(|c| !c.is_openrouter_free_pool), "{s:?}");
        let got = ids(&p.order);
        assert!(got.contains(&"openrouter/openai/gpt-oss-20b".to_string()));
        assert!(got.contains(&"groq/llama-3.3-70b-versatile".to_string()));
        assert_eq!(p.order.len(), 7);
        assert_eq!(p.skipped.len(), 17);
        assert!(p
            .skipped
            .iter()
            .all(|(_, s)| *s == Skip::PoolExhausted { until_ms: until }));
        assert_eq!(p.earliest_recovery(), Some(until));
    }
    assert_eq!(h.earliest_recovery(&cands, T0), Some(until));
    assert_eq!(
        h.status("openrouter", "z-ai/glm-5.2:free", T0),
        ModelState::PoolExhausted { until_ms: until }
    );
    assert_eq!(
        h.status("openrouter", "z-ai/glm-5.2", T0),
        ModelState::Available
    );
    // Back at `until`, to the ms.
    let p = plan(&cands, Strategy::Ordered, &h, &[], 0, 1, until - 1.0);
    assert_eq!(p.order.len(), 7);
    let p = plan(&cands, Strategy::Ordered, &h, &[], 0, 1, until);
    assert_eq!(p.order.len(), 24);
    assert_eq!(h.earliest_recovery(&cands, until), None);
}

#[test]
fn the_longer_time_block_is_reported() {
    let mut h = Health::new();
    let or = or_free();
    let c = &or[0];
    let pool = T0 + 10_000.0;
    h.apply(
        &c.provider,
        &c.model,
        &Action::FreePoolExhausted { until_ms: pool },
        T0,
    );
    h.apply(
        &c.provider,
        &c.model,
        &Action::Cooldown {
            until_ms: T0 + 60_000.0,
        },
        T0,
    );
    assert_eq!(
        h.usable(c, &[], 0, T0),
        Err(Skip::CoolingDown {
            until_ms: T0 + 60_000.0
        })
    );
    assert_eq!(
        h.usable(&or[1], &[], 0, T0),
        Err(Skip::PoolExhausted { until_ms: pool })
    );
}

#[test]
fn earliest_recovery_ignores_permanent_skips() {
    let mut h = Health::new();
    let cands = all();
    assert_eq!(h.earliest_recovery(&cands, T0), None);
    let cool = |h: &mut Health, c: &Candidate, ms: f64| {
        h.apply(
            &c.provider,
            &c.model,
            &Action::Cooldown { until_ms: T0 + ms },
            T0,
        )
    };
    let g = groq();
    cool(&mut h, &g[0], 5_000.0);
    cool(&mut h, &g[1], 3_000.0);
    cool(&mut h, &g[2], 1_000.0);
    h.apply(&g[2].provider, &g[2].model, &Action::Evict, T0);
    h.apply(
        "openrouter",
        "x:free",
        &Action::FreePoolExhausted { until_ms: T0 + 9e6 },
        T0,
    );
    assert_eq!(h.earliest_recovery(&cands, T0), Some(T0 + 3_000.0));
    assert_eq!(
        h.earliest_recovery(&cands, T0 + 3_000.0),
        Some(T0 + 5_000.0)
    );
    assert_eq!(h.earliest_recovery(&cands, T0 + 5_000.0), Some(T0 + 9e6));
    let p = plan(&cands, Strategy::Ordered, &h, &[], 0, 0, T0);
    assert_eq!(p.earliest_recovery(), Some(T0 + 3_000.0));
    // A model that could not serve this request anyway does not count.
    h.apply(
        &g[1].provider,
        &g[1].model,
        &Action::LacksCapability(Capability::Tools),
        T0,
    );
    let p = plan(&cands, Strategy::Ordered, &h, TOOLS, 0, 0, T0);
    assert_eq!(p.earliest_recovery(), Some(T0 + 5_000.0));
}

#[test]
fn stats_p50_success_rate_and_speed() {
    let mut h = Health::new();
    let (p, m) = ("groq", "llama-3.3-70b-versatile");
    assert_eq!(h.stats(p, m), StatsView::default());
    for t in [300.0, 100.0, 200.0] {
        h.record_success(p, m, t, Some(100.0), T0);
    }
    let s = h.stats(p, m);
    assert_eq!(s.ttft_ms_p50, Some(200.0));
    assert_eq!(s.success_rate, Some(1.0));
    assert_eq!(s.tokens_per_sec, Some(100.0));
    assert_eq!(s.samples, 3);
    h.record_success(p, m, 400.0, Some(200.0), T0);
    let s = h.stats(p, m);
    assert_eq!(s.ttft_ms_p50, Some(250.0)); // even count: mean of the middle two
    assert!((s.tokens_per_sec.unwrap() - 130.0).abs() < 1e-9); // 0.3 weight on the newest
    h.record_failure_stat(p, m, T0);
    assert_eq!(h.stats(p, m).success_rate, Some(0.8));
    // Bounded windows: only the last 20 TTFTs and outcomes count.
    for _ in 0..TTFT_WINDOW {
        h.record_success(p, m, 1_000.0, None, T0);
    }
    let s = h.stats(p, m);
    assert_eq!(s.ttft_ms_p50, Some(1_000.0));
    assert_eq!(s.success_rate, Some(1.0));
    assert_eq!(s.samples, 25);
    for _ in 0..5 {
        h.record_failure_stat(p, m, T0);
    }
    assert_eq!(h.stats(p, m).success_rate, Some(0.75));
    // Garbage samples are not counted as times.
    h.record_success(p, m, f64::NAN, Some(f64::INFINITY), T0);
    h.record_success(p, m, -5.0, Some(-1.0), T0);
    let s = h.stats(p, m);
    assert_eq!(s.ttft_ms_p50, Some(1_000.0));
    assert_eq!(s.samples, 32);
}

#[test]
fn stats_json_round_trip_keeps_stats_and_time_blocks_only() {
    let mut h = Health::new();
    let or = or_free();
    let g = groq();
    measure(&mut h, &or[0], 320.0, 7, 3);
    measure(&mut h, &g[0], 95.0, 12, 0);
    h.record_success(&g[1].provider, &g[1].model, 1234.4, Some(812.33), T0);
    h.apply(
        &g[2].provider,
        &g[2].model,
        &Action::Cooldown {
            until_ms: T0 + 60_000.0,
        },
        T0,
    );
    h.apply(&or[1].provider, &or[1].model, &Action::Evict, T0);
    h.apply(
        &or[2].provider,
        &or[2].model,
        &Action::LacksCapability(Capability::Tools),
        T0,
    );
    h.apply(
        &or[3].provider,
        &or[3].model,
        &Action::ContextAtMost(4096),
        T0,
    );
    h.apply("mistral", "mistral-small", &Action::ProviderOut, T0);
    let until = T0 + 7_200_000.0;
    h.apply(
        "openrouter",
        &or[4].model,
        &Action::FreePoolExhausted { until_ms: until },
        T0,
    );

    let json = h.stats_to_json();
    let mut back = Health::new();
    back.stats_from_json(&json).unwrap();
    for c in [&or[0], &g[0]] {
        assert_eq!(
            back.stats(&c.provider, &c.model),
            h.stats(&c.provider, &c.model)
        );
    }
    let s = back.stats(&g[1].provider, &g[1].model);
    assert_eq!(s.ttft_ms_p50, Some(1234.0)); // whole ms
    assert_eq!(s.tokens_per_sec, Some(812.3));
    assert_eq!(
        back.usable(&g[2], &[], 0, T0),
        Err(Skip::CoolingDown {
            until_ms: T0 + 60_000.0
        })
    );
    assert_eq!(
        back.usable(&or[5], &[], 0, T0),
        Err(Skip::PoolExhausted { until_ms: until })
    );
    // Session-only state is not in it.
    assert_eq!(back.usable(&or[1], &[], 0, until), Ok(()));
    assert_eq!(back.usable(&or[2], TOOLS, 0, until), Ok(()));
    assert_eq!(back.usable(&or[3], &[], 100_000, until), Ok(()));
    assert_eq!(
        back.status("mistral", "mistral-small", T0),
        ModelState::Available
    );
    // Same state, same text: loading is idempotent.
    assert_eq!(back.stats_to_json(), json);
    back.stats_from_json(&json).unwrap();
    assert_eq!(back.stats_to_json(), json);
}

#[test]
fn stats_json_is_bounded_and_ages_out() {
    let mut h = Health::new();
    for i in 0..300 {
        h.record_success("groq", &format!("m{i}"), 100.0, None, T0 + i as f64);
    }
    h.record_success("groq", "ancient", 100.0, None, T0 - 40.0 * 86_400_000.0);
    let json = h.stats_to_json();
    let mut back = Health::new();
    back.stats_from_json(&json).unwrap();
    assert_eq!(back.stats("groq", "m299").samples, 1);
    assert_eq!(back.stats("groq", "m44").samples, 1);
    assert_eq!(back.stats("groq", "m43").samples, 0); // 256 newest kept
    assert_eq!(back.stats("groq", "ancient").samples, 0);
    // About 70 bytes per model here.
    assert!(json.len() < 256 * 72, "{}", json.len());
}

#[test]
fn stats_json_tolerates_garbage() {
    let mut h = Health::new();
    measure(&mut h, &groq()[0], 100.0, 2, 0);
    let before = h.stats_to_json();
    for bad in [
        "",
        "null",
        "42",
        "[1,2]",
        "{",
        "\"m\"",
        "{\"m\":7}",
        "{\"m\":[1]]",
    ] {
        let e = h.stats_from_json(bad);
        if let Err(e) = e {
            assert_eq!(e.code, ErrorCode::Parse);
        }
        assert_eq!(h.stats_to_json(), before, "{bad}");
    }
    // Bad entries are skipped, odd values sanitised, good entries kept.
    let doc = r#"{"v":9,"x":true,"m":[1,null,{"p":"a"},{"p":"","m":"b","n":3},
        {"p":"a","m":"b","n":250,"o":4294967295,"c":0,"t":[-1,5,1e308,30],"s":-3,"l":"x"},
        {"p":"a","m":"c","n":300},
        {"p":"groq","m":"ok","n":2,"o":1,"c":9,"t":[100,300],"s":12.5,"l":1}],
        "p":[{"p":"openrouter","u":"soon"},{"p":"groq","u":1e13}]}"#;
    let mut back = Health::new();
    back.stats_from_json(doc).unwrap();
    let s = back.stats("groq", "ok");
    assert_eq!(
        (s.ttft_ms_p50, s.success_rate, s.samples),
        (Some(200.0), Some(0.5), 9)
    );
    assert_eq!(s.tokens_per_sec, Some(12.5));
    assert_eq!(back.stats("a", "b"), StatsView::default()); // "l" was a string
    assert_eq!(back.stats("a", "c").samples, 0); // n out of range
    let mut back = Health::new();
    back.stats_from_json(r#"{"m":[{"p":"a","m":"b","n":250,"o":4294967295,"t":[5,30]}]}"#)
        .unwrap();
    let s = back.stats("a", "b");
    assert_eq!(
        (s.ttft_ms_p50, s.success_rate, s.samples),
        (Some(17.5), Some(1.0), 20)
    );
    // A negative time is not a saved time: that entry goes, the others stay.
    let doc = r#"{"m":[{"p":"a","m":"d","n":1,"o":1,"t":[-1,5]},{"p":"a","m":"e","n":1}]}"#;
    back.stats_from_json(doc).unwrap();
    assert_eq!(back.stats("a", "d").samples, 0);
    assert_eq!(back.stats("a", "e").samples, 1);
    assert_eq!(back.status("groq", "x", T0), ModelState::Available);
}

#[test]
fn sessions_pin_keep_wait_repin() {
    let mut h = Health::new();
    let mut s = Sessions::new();
    let cands = all();
    let req = PlanRequest::default();
    assert!(s.is_empty());
    assert_eq!(
        s.check("chat-1", &cands, &h, &req, T0, 10_000.0),
        PinCheck::Unpinned
    );
    s.pin("chat-1", "groq", "llama-3.3-70b-versatile");
    assert_eq!(
        s.get("chat-1"),
        Some(("groq".into(), "llama-3.3-70b-versatile".into()))
    );
    let c = find(&cands, "llama-3.3-70b-versatile").clone();
    assert_eq!(
        s.check("chat-1", &cands, &h, &req, T0, 10_000.0),
        PinCheck::Keep(c.clone())
    );
    // The pin goes first in the plan.
    let pinned = PlanRequest {
        pinned: Some(ModelRef::new(Some("groq"), "llama-3.3-70b-versatile")),
        ..req.clone()
    };
    let p = plan_with(&cands, Strategy::Random, &h, &pinned, 99, T0);
    assert_eq!(p.order[0], c);

    // Short cooldown: wait; long one: repin.
    h.apply(
        &c.provider,
        &c.model,
        &Action::Cooldown {
            until_ms: T0 + 5_000.0,
        },
        T0,
    );
    assert_eq!(
        s.check("chat-1", &cands, &h, &req, T0, 10_000.0),
        PinCheck::Wait {
            candidate: c.clone(),
            until_ms: T0 + 5_000.0
        }
    );
    let from = ("groq".to_string(), "llama-3.3-70b-versatile".to_string());
    assert_eq!(
        s.check("chat-1", &cands, &h, &req, T0, 1_000.0),
        PinCheck::Repin {
            from: from.clone(),
            reason: Some(Skip::CoolingDown {
                until_ms: T0 + 5_000.0
            })
        }
    );
    // Evicted, a need it cannot meet, or gone from the catalog: repin.
    h.apply(&c.provider, &c.model, &Action::Evict, T0);
    assert_eq!(
        s.check("chat-1", &cands, &h, &req, T0 + 6_000.0, 0.0),
        PinCheck::Repin {
            from: from.clone(),
            reason: Some(Skip::Evicted)
        }
    );
    h.catalog_refreshed("groq");
    let vision = PlanRequest {
        needs_caps: vec![Capability::Vision],
        ..req.clone()
    };
    assert!(matches!(
        s.check("chat-1", &cands, &h, &vision, T0 + 6_000.0, 0.0),
        PinCheck::Repin {
            reason: Some(Skip::LacksCapability { .. }),
            ..
        }
    ));
    assert_eq!(
        s.check("chat-1", &gemini(), &h, &req, T0 + 6_000.0, 0.0),
        PinCheck::Repin { from, reason: None }
    );
    // Pool exhausted / provider out on an OpenRouter pin.
    s.pin("chat-2", "openrouter", "z-ai/glm-5.2:free");
    let spent = Action::FreePoolExhausted { until_ms: T0 + 1e6 };
    h.apply("openrouter", "z-ai/glm-5.2:free", &spent, T0);
    assert!(matches!(
        s.check("chat-2", &cands, &h, &req, T0, 10_000.0),
        PinCheck::Repin {
            reason: Some(Skip::PoolExhausted { .. }),
            ..
        }
    ));
    h.apply("openrouter", "z-ai/glm-5.2:free", &Action::ProviderOut, T0);
    assert!(matches!(
        s.check("chat-2", &cands, &h, &req, T0 + 2e6, 10_000.0),
        PinCheck::Repin {
            reason: Some(Skip::ProviderOut),
            ..
        }
    ));
    // Repin after the next success, then unpin.
    s.pin("chat-2", "gemini", "gemini-2.5-flash");
    assert_eq!(
        s.get("chat-2"),
        Some(("gemini".into(), "gemini-2.5-flash".into()))
    );
    assert_eq!(s.len(), 2);
    s.unpin("chat-2");
    assert_eq!(s.get("chat-2"), None);
    assert_eq!(s.len(), 1);
}

#[test]
fn sessions_are_bounded_least_recently_pinned_first() {
    let mut s = Sessions::new();
    for i in 0..MAX_SESSIONS {
        s.pin(&format!("s{i}"), "groq", "llama-3.1-8b-instant");
    }
    assert_eq!(s.len(), MAX_SESSIONS);
    // Re-pinning s0 after a success makes it recent; s1 is now the oldest.
    s.pin("s0", "groq", "llama-3.1-8b-instant");
    s.pin("new", "gemini", "gemini-2.5-flash");
    assert_eq!(s.len(), MAX_SESSIONS);
    assert!(s.get("s0").is_some());
    assert!(s.get("s1").is_none());
    assert!(s.get("new").is_some());
    for i in 0..10 {
        s.pin(&format!("more{i}"), "groq", "x");
    }
    assert_eq!(s.len(), MAX_SESSIONS);
    assert!(s.get("s11").is_none());
    assert!(s.get("s12").is_some());
}
