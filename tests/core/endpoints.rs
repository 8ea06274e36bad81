//! core::endpoints: reading OpenRouter's per-model endpoint lists and what they do to a plan
//! (issue 16 item 8). Bodies in tests/fixtures/endpoints (see its README for their shape).

use crate::route::fixtures::*;
use free_router::core::catalog::Capability;
use free_router::core::endpoints::{self, Verdict};
use free_router::core::route::*;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/endpoints/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn verdict(name: &str) -> Verdict {
    endpoints::read(200, &fixture(name)).unwrap()
}

const OR: &str = "openrouter";

#[test]
fn path_drops_the_variant_and_refuses_what_is_not_author_slug() {
    assert_eq!(
        endpoints::path("openai/gpt-oss-20b:free").as_deref(),
        Some("models/openai/gpt-oss-20b/endpoints")
    );
    assert_eq!(
        endpoints::path("nvidia/nemotron-3.5-lightning:free").as_deref(),
        Some("models/nvidia/nemotron-3.5-lightning/endpoints")
    );
    for id in [
        "openrouter/free",
        "~openai/gpt-latest",
        "gpt-4o",
        "a/b/c",
        "a/b?x=1",
        "/slug",
        "author/",
    ] {
        assert_eq!(endpoints::path(id), None, "{id}");
    }
}

#[test]
fn a_free_endpoint_that_is_up_makes_the_model_live_with_its_parameters_and_latency() {
    let v = verdict("healthy.json");
    assert!(v.listed && v.live_free);
    let caps = v.caps.unwrap();
    for c in [
        Capability::Tools,
        Capability::ToolChoice,
        Capability::StructuredOutputs,
        Capability::JsonMode,
        Capability::Reasoning,
    ] {
        assert!(caps.has(c), "{c:?}");
    }
    // The free endpoint's latency, not the faster paid one's.
    assert_eq!(v.latency_ms, Some(636.0));
}

#[test]
fn only_paid_endpoints_means_no_live_free_one() {
    let v = verdict("paid_only.json");
    assert!(v.listed);
    assert!(!v.live_free);
    assert_eq!(v.caps, None);
    assert_eq!(v.latency_ms, None);
}

#[test]
fn a_free_endpoint_without_tools_is_live_but_lacks_them() {
    let v = verdict("no_tools.json");
    assert!(v.live_free);
    let caps = v.caps.unwrap();
    assert!(!caps.has(Capability::Tools));
    assert!(!caps.has(Capability::JsonMode));
    assert_eq!(v.latency_ms, None, "null latency (no key) seeds nothing");
}

#[test]
fn a_404_says_the_model_is_gone_and_other_answers_say_nothing() {
    let v = endpoints::read(404, &fixture("not_found.json")).unwrap();
    assert!(!v.listed && !v.live_free);
    assert_eq!(endpoints::read(500, "{}"), None);
    // A 404 that is not OpenRouter's error object (a proxy without this path, a stub).
    assert_eq!(endpoints::read(404, "{}"), None);
    assert_eq!(endpoints::read(404, "Not Found"), None);
    assert_eq!(endpoints::read(429, &fixture("healthy.json")), None);
    assert_eq!(endpoints::read(200, "<html>proxy</html>"), None);
    assert_eq!(endpoints::read(200, r#"{"data":[]}"#), None);
    let empty = endpoints::read(200, r#"{"data":{"endpoints":[]}}"#).unwrap();
    assert!(empty.listed && !empty.live_free);
}

fn one_endpoint(fields: &str) -> Verdict {
    let body = format!(
        r#"{{"data":{{"endpoints":[{{"pricing":{{"prompt":"0","completion":"0"}}{fields}}}]}}}}"#
    );
    endpoints::read(200, &body).unwrap()
}

#[test]
fn uptime_zero_is_down_and_the_most_recent_window_decides() {
    assert!(!one_endpoint(r#","uptime_last_5m":0,"uptime_last_30m":80"#).live_free);
    assert!(one_endpoint(r#","uptime_last_5m":40,"uptime_last_30m":0"#).live_free);
    assert!(!one_endpoint(r#","uptime_last_5m":null,"uptime_last_30m":0"#).live_free);
    // Status values are undocumented: not read.
    assert!(one_endpoint(r#","status":-2,"uptime_last_30m":99"#).live_free);
    assert!(one_endpoint("").live_free);
}

#[test]
fn latency_in_seconds_or_ms_reads_as_ms_and_empty_parameters_are_unknown() {
    let spec_example = one_endpoint(r#","latency_last_30m":{"p50":0.25,"p90":0.48}"#);
    assert_eq!(spec_example.latency_ms, Some(250.0));
    let live = one_endpoint(r#","latency_last_30m":{"p50":1840}"#);
    assert_eq!(live.latency_ms, Some(1840.0));
    assert_eq!(one_endpoint(r#","supported_parameters":[]"#).caps, None);
    assert_eq!(one_endpoint("").caps, None);
    // A price given as garbage is not free.
    let body = r#"{"data":{"endpoints":[{"pricing":{"prompt":"n/a","completion":"0"}}]}}"#;
    assert!(!endpoints::read(200, body).unwrap().live_free);
}

fn model(i: usize) -> Candidate {
    or_free().swap_remove(i)
}

#[test]
fn apply_evicts_models_without_a_live_free_endpoint_until_the_catalog_refreshes() {
    let mut h = Health::new();
    let gone = model(16);
    endpoints::apply(
        &mut h,
        OR,
        &[(gone.model.clone(), verdict("paid_only.json"))],
        T0,
    );
    assert_eq!(h.usable(&gone, &[], 0, T0), Err(Skip::Evicted));
    h.catalog_refreshed(OR);
    assert_eq!(h.usable(&gone, &[], 0, T0), Ok(()));
}

#[test]
fn apply_learns_the_parameters_no_live_free_endpoint_takes() {
    let mut h = Health::new();
    let c = model(11);
    endpoints::apply(
        &mut h,
        OR,
        &[(c.model.clone(), verdict("no_tools.json"))],
        T0,
    );
    let lacks = Err(Skip::LacksCapability {
        cap: Capability::Tools,
        learned: true,
    });
    assert_eq!(h.usable(&c, &[Capability::Tools], 0, T0), lacks);
    assert_eq!(h.usable(&c, &[], 0, T0), Ok(()));
    // A model whose endpoints take tools is left usable for them.
    let ok = model(15);
    endpoints::apply(
        &mut h,
        OR,
        &[(ok.model.clone(), verdict("healthy.json"))],
        T0,
    );
    assert_eq!(h.usable(&ok, &[Capability::Tools], 0, T0), Ok(()));
}

#[test]
fn a_batch_without_any_live_free_model_evicts_nothing() {
    let (a, b) = (model(0), model(1));
    let mut h = Health::new();
    let none = [
        (a.model.clone(), verdict("paid_only.json")),
        (b.model.clone(), verdict("paid_only.json")),
    ];
    endpoints::apply(&mut h, OR, &none, T0);
    assert_eq!(h.usable(&a, &[], 0, T0), Ok(()));
    assert_eq!(h.usable(&b, &[], 0, T0), Ok(()));
    // A lone model is taken at its word.
    endpoints::apply(&mut h, OR, &none[..1], T0);
    assert_eq!(h.usable(&a, &[], 0, T0), Err(Skip::Evicted));
}

#[test]
fn a_batch_where_every_model_is_404_concludes_nothing() {
    let gone = || endpoints::read(404, &fixture("not_found.json")).unwrap();
    let (a, b) = (model(0), model(1));
    let mut h = Health::new();
    let all = [(a.model.clone(), gone()), (b.model.clone(), gone())];
    endpoints::apply(&mut h, OR, &all, T0);
    assert_eq!(h.usable(&a, &[], 0, T0), Ok(()));
    assert_eq!(h.usable(&b, &[], 0, T0), Ok(()));
    // One 404 among live answers is a model OpenRouter no longer has.
    let mixed = [
        (a.model.clone(), gone()),
        (b.model.clone(), verdict("healthy.json")),
    ];
    endpoints::apply(&mut h, OR, &mixed, T0);
    assert_eq!(h.usable(&a, &[], 0, T0), Err(Skip::Evicted));
    assert_eq!(h.usable(&b, &[], 0, T0), Ok(()));
}

fn first_of(cands: &[Candidate], h: &Health, seed: u64) -> String {
    let p = plan(cands, Strategy::Fastest, h, &[], 0, seed, T0);
    p.order[0].model.clone()
}

#[test]
fn seeded_latency_ranks_fastest_until_the_client_measures_its_own() {
    let cands = vec![model(0), model(1), model(2)];
    let fast = cands[2].model.clone();
    let mut h = Health::new();
    let firsts = |h: &Health| (0..200).filter(|s| first_of(&cands, h, *s) == fast).count();
    let unseeded = firsts(&h);
    h.seed_latency(OR, &cands[0].model, 2_000.0);
    h.seed_latency(OR, &cands[1].model, 900.0);
    h.seed_latency(OR, &cands[2].model, 300.0);
    let seeded = firsts(&h);
    assert!(unseeded < 100, "unseeded: {unseeded} of 200");
    // Only exploration (15 % of plans) puts another model first.
    assert!(seeded >= 160, "seeded: {seeded} of 200");
    // The client's own TTFT wins over the seed.
    h.record_success(OR, &cands[2].model, 5_000.0, None, T0);
    let measured = firsts(&h);
    assert!(measured < 40, "after a slow own sample: {measured} of 200");
    // Seeds stay out of the stats users see and persist.
    assert_eq!(h.stats(OR, &cands[1].model).ttft_ms_p50, None);
}
