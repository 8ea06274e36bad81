//! Candidate order per strategy.

use std::collections::{HashMap, HashSet};

use super::fixtures::*;
use free_router::core::catalog::Capability;
use free_router::core::classify::Action;
use free_router::core::route::*;

const STRATEGIES: [Strategy; 4] = [
    Strategy::Random,
    Strategy::Ordered,
    Strategy::Fastest,
    Strategy::Seeded,
];

fn run(cands: &[Candidate], s: Strategy, h: &Health, seed: u64) -> Vec<String> {
    let p = plan(cands, s, h, &[], 0, seed, T0);
    assert!(p.skipped.is_empty());
    ids(&p.order)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn strategy_names_round_trip() {
    for s in Strategy::ALL {
        assert_eq!(Strategy::from_str(s.as_str()), Some(s));
    }
    assert_eq!(Strategy::from_str("seeded"), Some(Strategy::Seeded));
    assert_eq!(Strategy::from_str("Random"), None);
    assert_eq!(Strategy::from_str(""), None);
}

#[test]
fn ordered_is_provider_then_catalog_then_paid_by_price() {
    let h = Health::new();
    let got = run(&all(), Strategy::Ordered, &h, 0);
    let mut want: Vec<String> = OR_FREE.iter().map(|m| format!("openrouter/{m}")).collect();
    want.extend(ids(&groq()));
    want.extend(ids(&gemini()));
    want.push("openrouter/openai/gpt-oss-20b".into());
    want.push("openrouter/z-ai/glm-5.2".into());
    assert_eq!(got, want);
    // Input order does not matter.
    let mut shuffled = all();
    TestRng(9).shuffle(&mut shuffled);
    assert_eq!(run(&shuffled, Strategy::Ordered, &h, 0), want);
}

#[test]
fn free_before_paid_in_every_strategy() {
    let h = Health::new();
    let cands = all();
    for s in STRATEGIES {
        for seed in 0..50 {
            let p = plan(&cands, s, &h, &[], 0, seed, T0);
            let first_paid = p.order.iter().position(|c| !c.free).unwrap();
            assert_eq!(first_paid, 22, "{s:?}");
            assert!(p.order[..22].iter().all(|c| c.free));
            let prices: Vec<f64> = p.order[22..].iter().map(|c| c.price).collect();
            assert_eq!(prices, vec![0.25, 2.2]);
        }
    }
}

#[test]
fn random_is_a_permutation_and_roughly_uniform() {
    let h = Health::new();
    let cands = or_free();
    let all_ids = sorted(ids(&cands));
    let mut rng = TestRng(2026);
    let mut first: HashMap<String, u32> = HashMap::new();
    let mut last: HashMap<String, u32> = HashMap::new();
    let n = 10_000;
    for _ in 0..n {
        let got = run(&cands, Strategy::Random, &h, rng.next_u64());
        assert_eq!(sorted(got.clone()), all_ids);
        *first.entry(got[0].clone()).or_default() += 1;
        *last.entry(got[16].clone()).or_default() += 1;
    }
    // Chi-square with 16 degrees of freedom: mean 16, p(> 50) is about 2e-5.
    let expected = n as f64 / 17.0;
    for counts in [&first, &last] {
        assert_eq!(counts.len(), 17);
        let chi: f64 = counts
            .values()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi < 50.0, "chi-square {chi}");
    }
}

#[test]
fn random_follows_the_seed_not_the_input_order() {
    let h = Health::new();
    let cands = or_free();
    let mut rev = cands.clone();
    rev.reverse();
    assert_eq!(
        run(&cands, Strategy::Random, &h, 77),
        run(&rev, Strategy::Random, &h, 77)
    );
    assert_ne!(
        run(&cands, Strategy::Random, &h, 77),
        run(&cands, Strategy::Random, &h, 78)
    );
}

#[test]
fn seeded_is_deterministic_for_seed_and_set() {
    let h = Health::new();
    let cands = or_free();
    let mut rng = TestRng(5);
    for seed in [0, 1, 42, u64::MAX] {
        let want = run(&cands, Strategy::Seeded, &h, seed);
        assert_eq!(sorted(want.clone()), sorted(ids(&cands)));
        for _ in 0..20 {
            let mut shuffled = cands.clone();
            rng.shuffle(&mut shuffled);
            assert_eq!(run(&shuffled, Strategy::Seeded, &h, seed), want);
        }
    }
    // Different seeds, different orders (17! orders: a clash would be a bug).
    let orders: HashSet<Vec<String>> = [1u64, 2, 3, 42, 1000, 0xDEAD_BEEF]
        .iter()
        .map(|&s| run(&cands, Strategy::Seeded, &h, s))
        .collect();
    assert_eq!(orders.len(), 6);
    // A new model does not reshuffle the others.
    let before = run(&cands, Strategy::Seeded, &h, 42);
    let mut more = cands.clone();
    more.push(cand("openrouter", 0, "qwen/qwen-4-coder:free", 17));
    let after: Vec<String> = run(&more, Strategy::Seeded, &h, 42)
        .into_iter()
        .filter(|i| !i.contains("qwen"))
        .collect();
    assert_eq!(after, before);
}

/// A: fast and reliable; B: faster but flaky; C: slow; D: fast once, 0 % lately; E, F: new.
fn fastest_setup() -> (Vec<Candidate>, Health) {
    let c = or_free();
    let pick = |i: usize| c[i].clone();
    let cands = vec![pick(0), pick(1), pick(2), pick(3), pick(4), pick(5)];
    let mut h = Health::new();
    measure(&mut h, &cands[0], 300.0, 10, 0); // score 300
    measure(&mut h, &cands[1], 200.0, 5, 5); // 200 / 0.5 = 400
    measure(&mut h, &cands[2], 1500.0, 10, 0); // 1500
    measure(&mut h, &cands[3], 100.0, 3, 20); // 0 % in the window
    (cands, h)
}

#[test]
fn fastest_prefers_fast_and_reliable_and_sinks_zero_success() {
    let (cands, h) = fastest_setup();
    let name = |i: usize| id(&cands[i]);
    let mut normal = 0;
    for seed in 0..1000 {
        let got = run(&cands, Strategy::Fastest, &h, seed);
        if got[0] != name(0) {
            continue; // an exploring plan
        }
        normal += 1;
        assert_eq!(got[..3], [name(0), name(1), name(2)]);
        // Untried models before the one that keeps failing.
        assert_eq!(sorted(got[3..5].to_vec()), sorted(vec![name(4), name(5)]));
        assert_eq!(got[5], name(3));
    }
    assert!(normal > 750, "{normal}");
}

#[test]
fn fastest_explores_least_sampled_at_the_documented_rate() {
    let (cands, h) = fastest_setup();
    let mut rng = TestRng(11);
    let mut explored: HashMap<String, u32> = HashMap::new();
    let n = 1000;
    for _ in 0..n {
        let got = run(&cands, Strategy::Fastest, &h, rng.next_u64());
        if got[0] != id(&cands[0]) {
            *explored.entry(got[0].clone()).or_default() += 1;
        }
    }
    // Only the two unmeasured models are explored, about EXPLORE_RATE of the time
    // (binomial sd is about 11 for 1000 plans).
    let total: u32 = explored.values().sum();
    let want = EXPLORE_RATE * n as f64;
    assert!((total as f64 - want).abs() < 50.0, "{total}");
    assert_eq!(
        sorted(explored.keys().cloned().collect()),
        sorted(vec![id(&cands[4]), id(&cands[5])])
    );
    assert!(explored.values().all(|&c| c > 40), "{explored:?}");
}

#[test]
fn fastest_explores_a_sunk_model_when_nothing_is_new() {
    let (mut cands, mut h) = fastest_setup();
    cands.truncate(4);
    // D has the fewest samples: exploration is its only way back.
    measure(&mut h, &cands[0], 300.0, 30, 0);
    measure(&mut h, &cands[1], 200.0, 30, 0);
    measure(&mut h, &cands[2], 1500.0, 30, 0);
    let mut back = 0;
    for seed in 0..1000 {
        let got = run(&cands, Strategy::Fastest, &h, seed);
        if got[0] == id(&cands[3]) {
            back += 1;
        } else {
            // B's window is all successes now: fastest first.
            assert_eq!(got[0], id(&cands[1]));
            assert_eq!(got[3], id(&cands[3]));
        }
    }
    assert!((100..200).contains(&back), "{back}");
}

#[test]
fn fastest_cold_start_is_a_permutation_and_deterministic() {
    let h = Health::new();
    let cands = all();
    let a = run(&cands, Strategy::Fastest, &h, 3);
    assert_eq!(a, run(&cands, Strategy::Fastest, &h, 3));
    assert_eq!(sorted(a), sorted(ids(&cands)));
}

#[test]
fn pinned_goes_first_when_usable() {
    let mut h = Health::new();
    let cands = all();
    let pin = ModelRef::new(Some("groq"), "llama-3.1-8b-instant");
    let req = PlanRequest {
        pinned: Some(pin.clone()),
        ..PlanRequest::default()
    };
    for s in STRATEGIES {
        for seed in 0..20 {
            let p = plan_with(&cands, s, &h, &req, seed, T0);
            assert_eq!(id(&p.order[0]), "groq/llama-3.1-8b-instant");
            assert_eq!(p.order.len(), cands.len());
        }
    }
    // A pinned paid model (the caller allowed it) still goes first.
    let req = PlanRequest {
        pinned: Some(ModelRef::new(None, "z-ai/glm-5.2")),
        ..PlanRequest::default()
    };
    let p = plan_with(&cands, Strategy::Ordered, &h, &req, 0, T0);
    assert_eq!(id(&p.order[0]), "openrouter/z-ai/glm-5.2");
    assert_eq!(
        id(&p.order[1]),
        "openrouter/dots-studio/dots-3-note-preview:free"
    );
    // Unusable: skipped, the rest in strategy order.
    h.apply("groq", "llama-3.1-8b-instant", &Action::Evict, T0);
    let req = PlanRequest {
        pinned: Some(pin),
        ..PlanRequest::default()
    };
    let p = plan_with(&cands, Strategy::Ordered, &h, &req, 0, T0);
    assert_eq!(
        id(&p.order[0]),
        "openrouter/dots-studio/dots-3-note-preview:free"
    );
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.skipped[0].1, Skip::Evicted);
}

#[test]
fn explicit_list_only_in_its_order() {
    let h = Health::new();
    let mut cands = all();
    // The same id on two providers.
    cands.push(cand("cerebras", 3, "openai/gpt-oss-120b", 400));
    let req = PlanRequest {
        explicit: Some(vec![
            ModelRef::new(None, "gemini-2.5-flash"),
            ModelRef::new(Some("openrouter"), "openai/gpt-oss-20b:free"),
            ModelRef::new(None, "no/such-model:free"),
            ModelRef::new(None, "openai/gpt-oss-120b"),
            ModelRef::new(None, "openai/gpt-oss-20b"),
        ]),
        ..PlanRequest::default()
    };
    let want = [
        "gemini/gemini-2.5-flash",
        "openrouter/openai/gpt-oss-20b:free",
        "groq/openai/gpt-oss-120b",
        "cerebras/openai/gpt-oss-120b",
        "openrouter/openai/gpt-oss-20b",
    ];
    for s in STRATEGIES {
        for seed in 0..10 {
            let p = plan_with(&cands, s, &h, &req, seed, T0);
            assert_eq!(ids(&p.order), want, "{s:?}");
            assert!(p.skipped.is_empty());
        }
    }
}

#[test]
fn router_keeps_input_order_but_filters_unusable() {
    let mut h = Health::new();
    let cands = all();
    let p = plan(&cands, Strategy::Router, &h, &[], 0, 1, T0);
    assert_eq!(p.order, cands);
    h.apply("openrouter", "z-ai/glm-5.2", &Action::ProviderOut, T0);
    let p = plan(&cands, Strategy::Router, &h, &[], 0, 1, T0);
    assert!(p.order.iter().all(|c| c.provider != "openrouter"));
    assert_eq!(p.skipped.len(), 19);
}

#[test]
fn needs_filter_by_catalog_caps_and_context() {
    let h = Health::new();
    let cands = all();
    let p = plan(
        &cands,
        Strategy::Ordered,
        &h,
        &[Capability::Vision],
        0,
        0,
        T0,
    );
    assert_eq!(
        ids(&p.order),
        [
            "openrouter/nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
            "openrouter/google/gemma-4-26b-a4b-it:free",
            "openrouter/google/gemma-4-31b-it:free",
            "openrouter/nvidia/nemotron-nano-12b-v2-vl:free",
            "gemini/gemini-2.5-flash",
        ]
    );
    assert_eq!(p.skipped.len(), cands.len() - 5);
    assert!(p.skipped.iter().all(|(_, s)| *s
        == Skip::LacksCapability {
            cap: Capability::Vision,
            learned: false
        }));
    let p = plan(
        &cands,
        Strategy::Ordered,
        &h,
        &[Capability::Tools],
        0,
        0,
        T0,
    );
    assert_eq!(p.skipped.len(), 1);
    assert!(p.skipped[0].0.model.contains("content-safety"));
    let p = plan(&cands, Strategy::Ordered, &h, &[], 200_000, 0, T0);
    assert_eq!(ids(&p.order), ["gemini/gemini-2.5-flash"]);
    assert_eq!(
        p.skipped[0].1,
        Skip::ContextTooSmall {
            max: 131_072,
            learned: false
        }
    );
    assert_eq!(p.earliest_recovery(), None);
}
