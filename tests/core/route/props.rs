//! Property tests: loading never panics; any history of actions leaves `plan` a sub-permutation.

use std::collections::HashMap;

use super::fixtures::*;
use free_router::core::catalog::Capability;
use free_router::core::classify::Action;
use free_router::core::route::{
    plan_with, Candidate, Health, ModelRef, PlanRequest, Strategy as Route,
};
use proptest::prelude::*;

fn any_cap() -> impl Strategy<Value = Capability> {
    prop::sample::select(Capability::ALL.to_vec())
}

fn any_time() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0.0..1e7f64).prop_map(|d| T0 + d),
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
    ]
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any_time().prop_map(|until_ms| Action::Cooldown { until_ms }),
        Just(Action::Evict),
        any_cap().prop_map(Action::LacksCapability),
        any::<u64>().prop_map(Action::ContextAtMost),
        Just(Action::TryNext),
        Just(Action::ProviderOut),
        any_time().prop_map(|until_ms| Action::FreePoolExhausted { until_ms }),
        Just(Action::Stop),
    ]
}

#[derive(Clone, Debug)]
enum Step {
    Apply(usize, Action),
    Success(usize, f64, Option<f64>),
    Failure(usize),
    Refresh(usize),
}

fn any_step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..n, any_action()).prop_map(|(i, a)| Step::Apply(i, a)),
        3 => (0..n, any::<f64>(), any::<Option<f64>>()).prop_map(|(i, t, s)| Step::Success(i, t, s)),
        2 => (0..n).prop_map(Step::Failure),
        1 => (0..n).prop_map(Step::Refresh),
    ]
}

fn multiset(v: &[Candidate]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for c in v {
        *m.entry(id(c)).or_default() += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn stats_from_json_never_panics(s in any::<String>()) {
        let mut h = Health::new();
        let _ = h.stats_from_json(&s);
        let _ = h.stats_to_json();
    }

    #[test]
    fn stats_from_jsonish_never_panics(s in r#"[\[\]{}":,0-9a-z.eE+-]{0,80}"#) {
        let mut h = Health::new();
        let _ = h.stats_from_json(&s);
        let _ = h.stats_from_json(&format!(r#"{{"m":[{{"p":"a","m":"b",{s}}}],"p":[{s}]}}"#));
        let mut back = Health::new();
        prop_assert!(back.stats_from_json(&h.stats_to_json()).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_history_leaves_plan_a_sub_permutation(
        steps in prop::collection::vec(any_step(24), 0..40),
        strategy in prop::sample::select(Route::ALL.to_vec()),
        caps in prop::collection::vec(any_cap(), 0..2),
        min_context in prop_oneof![Just(0u64), any::<u64>(), 0..300_000u64],
        seed in any::<u64>(),
        now in any_time(),
        pin in prop::option::of(0..24usize),
        explicit in prop::option::of(prop::collection::vec((0..24usize, any::<bool>()), 0..6)),
    ) {
        let cands = all();
        let mut h = Health::new();
        for step in &steps {
            match step {
                Step::Apply(i, a) => h.apply(&cands[*i].provider, &cands[*i].model, a, now),
                Step::Success(i, t, s) => {
                    h.record_success(&cands[*i].provider, &cands[*i].model, *t, *s, now)
                }
                Step::Failure(i) => h.record_failure_stat(&cands[*i].provider, &cands[*i].model, now),
                Step::Refresh(i) => h.catalog_refreshed(&cands[*i].provider),
            }
        }
        let req = PlanRequest {
            needs_caps: caps.clone(),
            min_context,
            pinned: pin.map(|i| ModelRef::new(Some(&cands[i].provider), &cands[i].model)),
            explicit: explicit.map(|v| {
                v.into_iter()
                    .map(|(i, p)| ModelRef::new(p.then_some(cands[i].provider.as_str()), &cands[i].model))
                    .collect()
            }),
        };
        let listed: Vec<Candidate> = cands
            .iter()
            .filter(|c| req.explicit.iter().all(|l| l.iter().any(|r| r.matches(c))))
            .cloned()
            .collect();
        let p = plan_with(&cands, strategy, &h, &req, seed, now);
        // Every candidate exactly once: planned or skipped.
        let mut both = p.order.clone();
        both.extend(p.skipped.iter().map(|(c, _)| c.clone()));
        prop_assert_eq!(multiset(&both), multiset(&listed));
        for c in &p.order {
            prop_assert_eq!(h.usable(c, &caps, min_context, now), Ok(()));
        }
        for (c, s) in &p.skipped {
            prop_assert_eq!(h.usable(c, &caps, min_context, now), Err(*s));
        }
        if strategy != Route::Router {
            let pinned = usize::from(pin.is_some_and(|i| p.order.first() == Some(&cands[i])));
            let rest = &p.order[pinned..];
            let first_paid = rest.iter().position(|c| !c.free).unwrap_or(rest.len());
            prop_assert!(rest[first_paid..].iter().all(|c| !c.free));
            if let Some(i) = pin.filter(|&i| listed.contains(&cands[i])) {
                if h.usable(&cands[i], &caps, min_context, now).is_ok() {
                    prop_assert_eq!(&p.order[0], &cands[i]);
                }
            }
        }
        if let Some(t) = h.earliest_recovery(&cands, now) {
            prop_assert!(t > now);
        }
        let mut back = Health::new();
        prop_assert!(back.stats_from_json(&h.stats_to_json()).is_ok());
    }
}
