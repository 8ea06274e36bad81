//! OpenRouter catalog parsing and querying over the real Aug-2026 dump and hand-made 2025 samples.

use free_router::core::catalog::{
    parse_openrouter_models, write_model_json, CapSet, Capability, Catalog, ModelFilter, ModelInfo,
    ModelStats, ModelStatus, Pricing, SortKey,
};
use free_router::core::error::ErrorCode;
use free_router::core::json::Value;

const FIXTURE: &str = include_str!("../../fixtures/models_2026-08.json");
/// 2026-08-20T00:00Z: inside the dump's lifetime (one free model expires on 2026-08-24).
const AUG_20: f64 = 1_787_184_000_000.0;
/// 2026-08-25T00:00Z: after `nvidia/nemotron-nano-12b-v2-vl:free` expired.
const AUG_25: f64 = 1_787_616_000_000.0;

const FREE_IDS: [&str; 17] = [
    "dots-studio/dots-3-note-preview:free",
    "liquid/lfm-2.5-2.6b:free",
    "nvidia/nemotron-3.5-lightning:free",
    "poolside/laguna-s-2.1:free",
    "poolside/laguna-xs-2.1:free",
    "cohere/north-mini-code:free",
    "z-ai/glm-5.2:free",
    "nvidia/nemotron-3.5-content-safety:free",
    "nvidia/nemotron-3-ultra-550b-a55b:free",
    "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
    "google/gemma-4-26b-a4b-it:free",
    "google/gemma-4-31b-it:free",
    "nvidia/nemotron-3-super-120b-a12b:free",
    "nvidia/nemotron-3-nano-30b-a3b:free",
    "nvidia/nemotron-nano-12b-v2-vl:free",
    "nvidia/nemotron-nano-9b-v2:free",
    "openai/gpt-oss-20b:free",
];
/// Zero-priced without `:free`: free by API.md's "every price it has is zero" rule.
const ZERO_PRICED: [&str; 2] = ["google/lyria-3-clip-preview", "google/lyria-3-pro-preview"];

fn no_latency(_: &ModelInfo) -> Option<f64> {
    None
}

fn catalog() -> Catalog {
    let models = parse_openrouter_models(FIXTURE, "openrouter").expect("fixture parses");
    let mut c = Catalog::new();
    c.set_provider_models("openrouter", models);
    c
}

fn ids<'a>(v: &[&'a ModelInfo]) -> Vec<&'a str> {
    v.iter().map(|m| m.id.as_str()).collect()
}

fn with_caps(caps: &[Capability]) -> ModelFilter {
    ModelFilter {
        caps: caps.to_vec(),
        ..ModelFilter::default()
    }
}

#[test]
fn fixture_counts() {
    let c = catalog();
    assert_eq!(c.models().len(), 414);
    assert!(c.models().iter().all(|m| m.provider == "openrouter"));
    let free_suffix = c
        .models()
        .iter()
        .filter(|m| m.id.ends_with(":free"))
        .count();
    assert_eq!(free_suffix, 17);
    assert_eq!(c.models().iter().filter(|m| m.free).count(), 20);
    assert_eq!(c.models().iter().filter(|m| m.is_router).count(), 17);

    let default = c.query(&ModelFilter::default(), AUG_20, &no_latency);
    let mut got = ids(&default);
    got.sort();
    let mut want: Vec<&str> = FREE_IDS.iter().chain(&ZERO_PRICED).copied().collect();
    want.sort();
    assert_eq!(got, want);

    // openrouter/free is the only free router, and only with includeRouters.
    let f = ModelFilter {
        include_routers: true,
        ..ModelFilter::default()
    };
    let all = c.query(&f, AUG_20, &no_latency);
    assert_eq!(all.len(), 20);
    let routers: Vec<&str> = all
        .iter()
        .filter(|m| m.is_router)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(routers, ["openrouter/free"]);
}

#[test]
fn capability_counts_over_free_models() {
    let c = catalog();
    let count = |caps: &[Capability]| c.query(&with_caps(caps), AUG_20, &no_latency).len();
    // Verified with a script over the fixture (17 `:free` + 2 zero-priced Lyria models).
    assert_eq!(count(&[Capability::Tools]), 16);
    assert_eq!(count(&[Capability::ToolChoice]), 16);
    assert_eq!(count(&[Capability::StructuredOutputs]), 7);
    assert_eq!(count(&[Capability::JsonMode]), 10);
    assert_eq!(count(&[Capability::Reasoning]), 17);
    assert_eq!(count(&[Capability::Vision]), 8);
    let both = c.query(
        &with_caps(&[Capability::Tools, Capability::Vision]),
        AUG_20,
        &no_latency,
    );
    let mut got = ids(&both);
    got.sort();
    assert_eq!(
        got,
        [
            "dots-studio/dots-3-note-preview:free",
            "google/gemma-4-26b-a4b-it:free",
            "google/gemma-4-31b-it:free",
            "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning:free",
            "nvidia/nemotron-nano-12b-v2-vl:free",
        ]
    );
    let so = c.query(
        &with_caps(&[Capability::StructuredOutputs]),
        AUG_20,
        &no_latency,
    );
    let mut got = ids(&so);
    got.sort();
    assert_eq!(
        got,
        [
            "dots-studio/dots-3-note-preview:free",
            "google/gemma-4-26b-a4b-it:free",
            "liquid/lfm-2.5-2.6b:free",
            "nvidia/nemotron-3-super-120b-a12b:free",
            "nvidia/nemotron-nano-9b-v2:free",
            "openai/gpt-oss-20b:free",
            "z-ai/glm-5.2:free",
        ]
    );
    // The one free model without tools.
    let safety = c
        .get("nvidia/nemotron-3.5-content-safety:free", None)
        .expect("present");
    assert!(!safety.has(Capability::Tools));
}

#[test]
fn capability_counts_over_all_models() {
    let c = catalog();
    let all = |cap: Capability| c.models().iter().filter(|m| m.caps.has(cap)).count();
    assert_eq!(all(Capability::Tools), 347);
    assert_eq!(all(Capability::ToolChoice), 343);
    assert_eq!(all(Capability::StructuredOutputs), 337);
    assert_eq!(all(Capability::JsonMode), 358);
    assert_eq!(all(Capability::Reasoning), 283);
    assert_eq!(all(Capability::Vision), 245);
}

#[test]
fn one_model_normalised() {
    let c = catalog();
    let m = c
        .get("openai/gpt-oss-20b:free", Some("openrouter"))
        .expect("present");
    assert_eq!(m.name, "OpenAI: gpt-oss-20b (free)");
    assert!(m.free);
    assert!(!m.is_router);
    assert_eq!(m.context_length, Some(131_072));
    assert_eq!(m.max_output_tokens, Some(32_768));
    assert_eq!(m.created, Some(1_754_414_229.0));
    assert_eq!(m.input_modalities, ["text"]);
    assert_eq!(m.output_modalities, ["text"]);
    assert_eq!(m.pricing, Pricing::ZERO);
    assert_eq!(m.expires_at, None);
    for cap in [
        Capability::Tools,
        Capability::ToolChoice,
        Capability::StructuredOutputs,
        Capability::JsonMode,
        Capability::Reasoning,
    ] {
        assert!(m.has(cap), "{cap:?}");
    }
    assert!(!m.has(Capability::Vision));
    assert!(c.get("openai/gpt-oss-20b:free", Some("groq")).is_none());

    // Paid: per-token strings become USD per million tokens.
    let q = c.get("qwen/qwen3.8-27b", None).expect("present");
    assert!(!q.free);
    assert_eq!(q.pricing.prompt_per_mtok, 0.45);
    assert_eq!(q.pricing.completion_per_mtok, 3.2);
    assert_eq!(q.pricing.request, 0.0);
    assert!(q.has(Capability::Vision));
    assert_eq!(q.input_modalities, ["text", "image", "video"]);

    // Routers: "-1" prices are unknown; null top_provider context falls back to the model's.
    let auto = c.get("openrouter/auto", None).expect("present");
    assert!(auto.is_router && !auto.free);
    assert_eq!(auto.pricing.total_per_mtok(), None);
    assert_eq!(auto.context_length, Some(2_000_000));
    assert_eq!(auto.max_output_tokens, None);
    let alias = c.get("~openai/gpt-latest", None).expect("present");
    assert!(alias.is_router);
}

#[test]
fn expiration_excludes_past_models() {
    let c = catalog();
    let id = "nvidia/nemotron-nano-12b-v2-vl:free";
    let m = c.get(id, None).expect("present");
    assert_eq!(m.expires_at.as_deref(), Some("2026-08-24"));
    assert_eq!(m.expires_at_ms, Some(1_787_529_600_000.0));
    assert!(!m.is_expired(AUG_20));
    assert!(m.is_expired(1_787_529_600_000.0));
    assert!(m.is_expired(AUG_25));

    let later = c.query(&ModelFilter::default(), AUG_25, &no_latency);
    assert_eq!(later.len(), 18);
    assert!(!ids(&later).contains(&id));
    let f = ModelFilter {
        include_expired: true,
        ..ModelFilter::default()
    };
    assert!(ids(&c.query(&f, AUG_25, &no_latency)).contains(&id));
}

#[test]
fn sorts_and_limit() {
    let c = catalog();
    let q = |sort, limit| {
        let f = ModelFilter {
            sort: Some(sort),
            limit,
            ..ModelFilter::default()
        };
        ids(&c.query(&f, AUG_20, &no_latency))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(SortKey::Context, Some(5)),
        [
            "google/lyria-3-clip-preview", // ties on 1048576 break by id
            "google/lyria-3-pro-preview",
            "nvidia/nemotron-3-ultra-550b-a55b:free",
            "nvidia/nemotron-3.5-lightning:free",
            "dots-studio/dots-3-note-preview:free",
        ]
    );
    assert_eq!(
        q(SortKey::Newest, Some(3)),
        [
            "dots-studio/dots-3-note-preview:free",
            "liquid/lfm-2.5-2.6b:free",
            "nvidia/nemotron-3.5-lightning:free",
        ]
    );
    assert_eq!(
        q(SortKey::Id, Some(3)),
        [
            "cohere/north-mini-code:free",
            "dots-studio/dots-3-note-preview:free",
            "google/gemma-4-26b-a4b-it:free",
        ]
    );
    // All free prices tie at 0, so price order is id order.
    assert_eq!(q(SortKey::Price, None), q(SortKey::Id, None));
    assert_eq!(q(SortKey::Id, Some(0)).len(), 0);
    assert_eq!(q(SortKey::Id, Some(1000)).len(), 19);

    let paid = ModelFilter {
        free: Some(false),
        sort: Some(SortKey::Price),
        limit: Some(3),
        ..ModelFilter::default()
    };
    assert_eq!(
        ids(&c.query(&paid, AUG_20, &no_latency)),
        [
            "inclusionai/ling-2.6-flash",
            "mistralai/mistral-nemo",
            "inclusionai/ling-3.0-flash"
        ]
    );
    // Unknown router prices sort last.
    let routers = ModelFilter {
        free: None,
        include_routers: true,
        sort: Some(SortKey::Price),
        ..ModelFilter::default()
    };
    let all = c.query(&routers, AUG_20, &no_latency);
    assert_eq!(all.len(), 414);
    let last = all.last().expect("non-empty");
    assert_eq!(last.pricing.total_per_mtok(), None);
}

#[test]
fn latency_sort_uses_the_callback() {
    let c = catalog();
    let lat = |m: &ModelInfo| match m.id.as_str() {
        "z-ai/glm-5.2:free" => Some(120.0),
        "openai/gpt-oss-20b:free" => Some(80.0),
        "liquid/lfm-2.5-2.6b:free" => Some(f64::NAN),
        _ => None,
    };
    let f = ModelFilter {
        sort: Some(SortKey::Latency),
        ..ModelFilter::default()
    };
    let got = ids(&c.query(&f, AUG_20, &lat));
    assert_eq!(&got[..2], ["openai/gpt-oss-20b:free", "z-ai/glm-5.2:free"]);
    // Unobserved (and NaN) ones follow in id order.
    assert_eq!(got[2], "cohere/north-mini-code:free");
    assert_eq!(got.len(), 19);
}

#[test]
fn search_min_context_price_provider() {
    let c = catalog();
    let run = |f: ModelFilter| c.query(&f, AUG_20, &no_latency).len();
    let search = |s: &str, free| ModelFilter {
        search: Some(s.into()),
        free,
        ..ModelFilter::default()
    };
    assert_eq!(run(search("nemotron", Some(true))), 8);
    assert_eq!(run(search("GEMMA", Some(true))), 3);
    assert_eq!(run(search("GeMmA", None)), 10);
    assert_eq!(run(search("no such model anywhere", None)), 0);
    // Description text is searched too ("Full-length songs" is in Lyria Pro's description).
    let songs = c.query(
        &search("full-length songs", Some(true)),
        AUG_20,
        &no_latency,
    );
    assert_eq!(ids(&songs), ["google/lyria-3-pro-preview"]);

    let big = ModelFilter {
        min_context: Some(1_000_000),
        ..ModelFilter::default()
    };
    let mut got = ids(&c.query(&big, AUG_20, &no_latency));
    got.sort();
    assert_eq!(
        got,
        [
            "google/lyria-3-clip-preview",
            "google/lyria-3-pro-preview",
            "nvidia/nemotron-3-ultra-550b-a55b:free",
            "nvidia/nemotron-3.5-lightning:free",
        ]
    );
    assert_eq!(
        run(ModelFilter {
            free: None,
            min_context: Some(1_000_000),
            ..ModelFilter::default()
        }),
        118
    );

    let cheap = |free| ModelFilter {
        free,
        max_prompt_price: Some(0.1),
        ..ModelFilter::default()
    };
    assert_eq!(run(cheap(None)), 84);
    assert_eq!(run(cheap(Some(false))), 65);
    // Routers with unknown ("-1") prices never pass a price cap; the cheap `~deepseek` alias does.
    let with_routers = ModelFilter {
        include_routers: true,
        ..cheap(Some(false))
    };
    let hits = c.query(&with_routers, AUG_20, &no_latency);
    assert_eq!(hits.len(), 66);
    let routers: Vec<&str> = hits
        .iter()
        .filter(|m| m.is_router)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(routers, ["~deepseek/deepseek-v4-flash-latest"]);
    assert_eq!(
        run(ModelFilter {
            free: Some(false),
            ..ModelFilter::default()
        }),
        378
    );

    let by_provider = |p: &str| ModelFilter {
        provider: Some(p.into()),
        ..ModelFilter::default()
    };
    assert_eq!(run(by_provider("openrouter")), 19);
    assert_eq!(run(by_provider("groq")), 0);
}

#[test]
fn set_provider_models_replaces_in_place() {
    let mut c = catalog();
    let extra = |id: &str| ModelInfo {
        id: id.into(),
        provider: "wrong".into(),
        name: id.into(),
        description: String::new(),
        free: true,
        context_length: Some(8192),
        max_output_tokens: None,
        input_modalities: vec!["text".into()],
        output_modalities: vec!["text".into()],
        caps: [Capability::Tools].into_iter().collect::<CapSet>(),
        pricing: Pricing::ZERO,
        expires_at: None,
        expires_at_ms: None,
        created: None,
        is_router: false,
        caps_known: true,
    };
    c.set_provider_models("groq", vec![extra("llama-3.1-8b-instant")]);
    assert_eq!(c.models().len(), 415);
    assert_eq!(c.models()[414].provider, "groq");
    // Replacing openrouter keeps it ahead of groq.
    let fewer = parse_openrouter_models(FIXTURE, "openrouter").expect("parses");
    c.set_provider_models("openrouter", fewer.into_iter().take(3).collect());
    assert_eq!(c.models().len(), 4);
    assert_eq!(c.models()[3].id, "llama-3.1-8b-instant");
    // Search indexes follow the replacement.
    let f = ModelFilter {
        search: Some("LLAMA-3.1".into()),
        ..ModelFilter::default()
    };
    assert_eq!(
        ids(&c.query(&f, AUG_20, &no_latency)),
        ["llama-3.1-8b-instant"]
    );
    c.set_provider_models("groq", Vec::new());
    assert_eq!(c.models().len(), 3);
    assert!(c.query(&f, AUG_20, &no_latency).is_empty());
}

// ---- 2025 shape and odd inputs ------------------------------------------------------------

const SHAPE_2025: &str = r#"{"data":[
 {"id":"meta-llama/llama-3.3-70b-instruct","name":"Meta: Llama 3.3 70B Instruct (free)",
  "created":1733506137,"description":"Llama 3.3 is a 70B model.","context_length":131072,
  "architecture":{"modality":"text->text","input_modalities":["text"],"output_modalities":["text"],"tokenizer":"Llama3","instruct_type":"llama3"},
  "pricing":{"prompt":"0","completion":"0","request":"0","image":"0","web_search":"0","internal_reasoning":"0"},
  "top_provider":{"context_length":131072,"max_completion_tokens":null,"is_moderated":false},
  "per_request_limits":null,"supported_parameters":["max_tokens","temperature","tools","tool_choice"]},
 {"id":"openai/gpt-4o-mini","name":"OpenAI: GPT-4o-mini","created":1721260800,"description":"GPT-4o mini.",
  "context_length":128000,
  "architecture":{"modality":"text+image->text","input_modalities":["text","image"],"output_modalities":["text"],"tokenizer":"GPT","instruct_type":null},
  "pricing":{"prompt":"0.00000015","completion":"0.0000006","request":"0","image":"0.000217","web_search":"0","internal_reasoning":"0"},
  "top_provider":{"context_length":128000,"max_completion_tokens":16384,"is_moderated":true},
  "per_request_limits":null,"supported_parameters":["max_tokens","response_format","structured_outputs","tools"]},
 {"id":"acme/image-only-price","name":"Acme","created":1721260800,"description":"",
  "pricing":{"prompt":"0","completion":"0","request":"0","image":"0.001","web_search":"0","internal_reasoning":"0"}}
]}"#;

#[test]
fn shape_2025_all_zero_prices_is_free() {
    let m = parse_openrouter_models(SHAPE_2025, "openrouter").expect("parses");
    assert_eq!(m.len(), 3);
    assert!(
        m[0].free,
        "every price key \"0\" means free even without :free"
    );
    assert!(m[0].has(Capability::Tools) && m[0].has(Capability::ToolChoice));
    assert_eq!(m[0].max_output_tokens, None);
    assert!(!m[1].free);
    assert_eq!(m[1].pricing.prompt_per_mtok, 0.15);
    assert_eq!(m[1].pricing.completion_per_mtok, 0.6);
    assert!(m[1].has(Capability::Vision) && m[1].has(Capability::StructuredOutputs));
    assert!(m[1].has(Capability::JsonMode) && !m[1].has(Capability::Reasoning));
    // Any non-zero price (here per image) makes a model not free.
    assert!(!m[2].free);
    // No architecture: text in, text out.
    assert_eq!(m[2].input_modalities, ["text"]);
    assert_eq!(m[2].context_length, None);
}

#[test]
fn prices_as_numbers_nulls_and_unknown_fields() {
    let body = r#"{"data":[
      {"id":"a/num","pricing":{"prompt":0.000001,"completion":2e-6,"request":0.5},
       "context_length":null,"top_provider":{"context_length":32768},"brand_new_field":{"x":[1,2]}},
      {"id":"a/zero-num","pricing":{"prompt":0,"completion":0}},
      {"id":"a/missing-keys","pricing":{}},
      {"id":"a/no-pricing"},
      {"id":"a/garbage","pricing":{"prompt":"abc","completion":"0"},"created":"soon"},
      {"id":"a/negative","pricing":{"prompt":"-1","completion":"-1"}},
      {"id":"a/wrong-types","name":7,"description":["x"],"context_length":"4096",
       "architecture":"text","top_provider":[1],"supported_parameters":"tools","expiration_date":20260101},
      {"name":"no id"}, 42, "str", null,
      {"id":""}
    ],"total_count":9,"links":{"next":null}}"#;
    let m = parse_openrouter_models(body, "openrouter").expect("parses");
    let ids: Vec<&str> = m.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "a/num",
            "a/zero-num",
            "a/missing-keys",
            "a/no-pricing",
            "a/garbage",
            "a/negative",
            "a/wrong-types"
        ]
    );
    assert_eq!(m[0].pricing.prompt_per_mtok, 1.0);
    assert_eq!(m[0].pricing.completion_per_mtok, 2.0);
    assert_eq!(m[0].pricing.request, 0.5);
    assert_eq!(
        m[0].context_length,
        Some(32768),
        "null falls back to top_provider"
    );
    assert!(!m[0].free);
    assert!(m[1].free, "numeric zeros are zero");
    assert!(m[2].free, "missing price keys count as 0");
    assert!(!m[3].free, "no pricing at all is unknown, not free");
    assert_eq!(m[3].pricing, Pricing::UNKNOWN);
    assert!(!m[4].free);
    assert_eq!(Pricing::known(m[4].pricing.prompt_per_mtok), None);
    assert_eq!(m[4].created, None);
    assert!(!m[5].free);
    assert_eq!(m[5].pricing.total_per_mtok(), None);
    let w = &m[6];
    assert_eq!(w.name, "a/wrong-types");
    assert_eq!(w.description, "");
    assert_eq!(w.context_length, Some(4096), "numeric strings are accepted");
    assert!(w.caps.is_empty());
    assert_eq!(w.expires_at, None);
}

#[test]
fn missing_or_bad_data_is_a_parse_error() {
    for body in [
        r#"{"models":[]}"#,
        r#"{"data":null}"#,
        r#"{"data":{"id":"x"}}"#,
        r#"{}"#,
    ] {
        let e = parse_openrouter_models(body, "openrouter").expect_err(body);
        assert_eq!(e.code, ErrorCode::Parse);
        assert!(e.message.contains("`data`"), "{}", e.message);
        assert_eq!(e.provider.as_deref(), Some("openrouter"));
    }
    for body in [
        "",
        "<html>Cloudflare</html>",
        "{\"data\":[",
        "[1,2]",
        "\"x\"",
    ] {
        let e = parse_openrouter_models(body, "openrouter").expect_err(body);
        assert_eq!(e.code, ErrorCode::Parse, "{body}");
    }
    assert!(parse_openrouter_models(r#"{"data":[]}"#, "openrouter")
        .expect("empty list")
        .is_empty());
}

#[test]
fn expiration_dates() {
    let body = r#"{"data":[
      {"id":"a","expiration_date":"1970-01-02"},
      {"id":"b","expiration_date":"2000-03-01"},
      {"id":"c","expiration_date":"2024-02-29"},
      {"id":"d","expiration_date":"2025-02-29"},
      {"id":"e","expiration_date":"2026-13-01"},
      {"id":"f","expiration_date":"2026-8-1"},
      {"id":"g","expiration_date":"2026-08-24T12:00:00Z"},
      {"id":"h","expiration_date":"2026-08-24junk"},
      {"id":"i","expiration_date":"１９７０-01-01"}
    ]}"#;
    let m = parse_openrouter_models(body, "x").expect("parses");
    let ms: Vec<Option<f64>> = m.iter().map(|m| m.expires_at_ms).collect();
    assert_eq!(
        ms,
        [
            Some(86_400_000.0),
            Some(951_868_800_000.0),
            Some(1_709_164_800_000.0),
            None,
            None,
            None,
            Some(1_787_529_600_000.0),
            None,
            None
        ]
    );
    assert_eq!(m[6].expires_at.as_deref(), Some("2026-08-24"));
}

// ---- JSON output -----------------------------------------------------------------------------

/// `openrouter/fusion`, `pareto-code` and `bodybuilder` list no parameters at all, yet fusion
/// takes tools: an empty list on a router says nothing, so it neither claims nor denies.
#[test]
fn routers_with_no_parameters_have_unknown_capabilities() {
    let c = catalog();
    let unknown: Vec<&str> = c
        .models()
        .iter()
        .filter(|m| !m.caps_known)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        unknown,
        [
            "openrouter/fusion",
            "openrouter/pareto-code",
            "openrouter/bodybuilder"
        ]
    );
    let fusion = c.get("openrouter/fusion", None).expect("present");
    assert!(fusion.has(Capability::Tools) && fusion.has(Capability::StructuredOutputs));
    assert!(
        !fusion.has(Capability::Vision),
        "vision comes from the modalities"
    );
    // An ordinary model that lists parameters but not tools still lacks them.
    let safety = c
        .get("nvidia/nemotron-3.5-content-safety:free", None)
        .expect("present");
    assert!(safety.caps_known && !safety.has(Capability::Tools));

    let routers_with_tools = ModelFilter {
        caps: vec![Capability::Tools],
        include_routers: true,
        free: None,
        ..ModelFilter::default()
    };
    let hits = ids(&c.query(&routers_with_tools, AUG_20, &no_latency));
    assert!(hits.contains(&"openrouter/fusion"), "{hits:?}");
    assert!(hits.contains(&"openrouter/free"));

    let mut out = String::new();
    write_model_json(
        &mut out,
        fusion,
        ModelStatus::Available,
        &ModelStats::default(),
    );
    let v: Value = free_router::core::json::from_str(&out).expect("valid JSON");
    let caps = &v["capabilities"];
    assert_eq!(
        caps["tools"],
        Value::Null,
        "unknown is null, not false: {out}"
    );
    assert_eq!(caps["reasoning"], Value::Null);
    assert_eq!(caps["vision"], Value::Bool(false));
    let mut out = String::new();
    let free = c.get("openrouter/free", None).expect("present");
    write_model_json(
        &mut out,
        free,
        ModelStatus::Available,
        &ModelStats::default(),
    );
    let v: Value = free_router::core::json::from_str(&out).expect("valid JSON");
    assert_eq!(v["capabilities"]["tools"], Value::Bool(true));
}

#[test]
fn write_model_json_has_the_api_keys() {
    let c = catalog();
    let m = c.get("openai/gpt-oss-20b:free", None).expect("present");
    let mut out = String::new();
    let stats = ModelStats {
        ttft_ms_p50: Some(412.5),
        tokens_per_sec: None,
        success_rate: Some(1.0),
    };
    write_model_json(&mut out, m, ModelStatus::CoolingDown, &stats);
    let v: Value = free_router::core::json::from_str(&out).expect("valid JSON");
    let obj = v.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "capabilities",
            "contextLength",
            "created",
            "description",
            "expiresAt",
            "free",
            "id",
            "inputModalities",
            "maxOutputTokens",
            "name",
            "outputModalities",
            "pricing",
            "provider",
            "stats",
            "status"
        ]
    );
    let sub_keys = |k: &str| {
        let mut v: Vec<String> = obj[k]
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        sub_keys("capabilities"),
        [
            "jsonMode",
            "reasoning",
            "structuredOutputs",
            "toolChoice",
            "tools",
            "vision"
        ]
    );
    assert_eq!(
        sub_keys("pricing"),
        ["completionPerMTok", "promptPerMTok", "request"]
    );
    assert_eq!(
        sub_keys("stats"),
        ["successRate", "tokensPerSec", "ttftMsP50"]
    );
    assert_eq!(v["id"], "openai/gpt-oss-20b:free");
    assert_eq!(v["provider"], "openrouter");
    assert_eq!(v["free"], true);
    assert_eq!(v["contextLength"], 131072);
    assert_eq!(v["maxOutputTokens"], 32768);
    assert_eq!(v["capabilities"]["tools"], true);
    assert_eq!(v["capabilities"]["vision"], false);
    assert_eq!(v["pricing"]["promptPerMTok"], 0.0);
    assert_eq!(v["expiresAt"], Value::Null);
    assert_eq!(v["created"], 1754414229);
    assert_eq!(v["status"], "cooling_down");
    assert_eq!(v["stats"]["ttftMsP50"], 412.5);
    assert_eq!(v["stats"]["tokensPerSec"], Value::Null);
    assert_eq!(v["description"], m.description.as_str());

    // Every model of the fixture round-trips, including unknown prices as null.
    let mut all = String::from("[");
    for (i, m) in c.models().iter().enumerate() {
        if i > 0 {
            all.push(',');
        }
        write_model_json(&mut all, m, ModelStatus::Available, &ModelStats::default());
    }
    all.push(']');
    let v: Value = free_router::core::json::from_str(&all).expect("valid JSON");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 414);
    let auto = arr
        .iter()
        .find(|m| m["id"] == "openrouter/auto")
        .expect("present");
    assert_eq!(auto["pricing"]["promptPerMTok"], Value::Null);
    assert_eq!(auto["status"], "available");
    for (m, j) in c.models().iter().zip(arr) {
        assert_eq!(j["name"], m.name.as_str());
        assert_eq!(j["description"], m.description.as_str());
    }
}

#[test]
fn write_model_json_escapes_strings() {
    let body = r#"{"data":[{"id":"q\"uote\\d","name":"tab\there\u0001 \u2028 é 😀","description":"line\nbreak</script>"}]}"#;
    let m = parse_openrouter_models(body, "p\"x").expect("parses");
    let mut out = String::new();
    write_model_json(
        &mut out,
        &m[0],
        ModelStatus::Evicted,
        &ModelStats::default(),
    );
    let v: Value = free_router::core::json::from_str(&out).expect("valid JSON");
    assert_eq!(v["id"], "q\"uote\\d");
    assert_eq!(v["provider"], "p\"x");
    assert_eq!(v["name"], "tab\there\u{1} \u{2028} é 😀");
    assert_eq!(v["description"], "line\nbreak</script>");
    assert_eq!(v["status"], "evicted");
}

// ---- scale -----------------------------------------------------------------------------------

#[test]
fn ten_thousand_models_parse_and_query() {
    let mut body = String::from("{\"data\":[");
    for i in 0..10_000 {
        if i > 0 {
            body.push(',');
        }
        let free = i % 10 == 0;
        body.push_str(&format!(
            r#"{{"id":"vendor{v}/model-{i}{suffix}","name":"Model {i}","created":{created},
            "description":"Synthetic model number {i} for scale tests.","context_length":{ctx},
            "architecture":{{"input_modalities":["text"{img}],"output_modalities":["text"]}},
            "pricing":{{"prompt":"{p}","completion":"{p}"}},
            "top_provider":{{"context_length":null,"max_completion_tokens":4096}},
            "supported_parameters":["max_tokens"{tools}]}}"#,
            v = i % 37,
            suffix = if free { ":free" } else { "" },
            created = 1_700_000_000 + i,
            ctx = 4096 * (1 + i % 64),
            img = if i % 3 == 0 { ",\"image\"" } else { "" },
            p = if free {
                "0".to_owned()
            } else {
                format!("0.00000{}", 1 + i % 9)
            },
            tools = if i % 2 == 0 { ",\"tools\"" } else { "" },
        ));
    }
    body.push_str("]}");
    let models = parse_openrouter_models(&body, "openrouter").expect("parses");
    assert_eq!(models.len(), 10_000);
    let mut c = Catalog::new();
    c.set_provider_models("openrouter", models);
    let f = ModelFilter {
        caps: vec![Capability::Tools, Capability::Vision],
        sort: Some(SortKey::Context),
        ..ModelFilter::default()
    };
    let hits = c.query(&f, 0.0, &no_latency);
    // Free: i % 10 == 0; tools: even; vision: i % 3 == 0 -> i % 30 == 0.
    assert_eq!(hits.len(), 334);
    assert!(hits
        .windows(2)
        .all(|w| w[0].context_length >= w[1].context_length));
    let s = ModelFilter {
        free: None,
        search: Some("MODEL 9999".into()),
        ..ModelFilter::default()
    };
    assert_eq!(c.query(&s, 0.0, &no_latency).len(), 1);
}
