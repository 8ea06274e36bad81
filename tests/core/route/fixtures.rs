//! Shared candidates for the route tests (health, plan, props).
//! Ids: the 17 `:free` OpenRouter ids of the Aug-2026 catalog snapshot, plus Groq and Gemini
//! free-tier ids and two paid OpenRouter ids.
#![allow(dead_code)]

use free_router::core::catalog::Capability;
use free_router::core::route::*;

pub const T0: f64 = 1_787_000_000_000.0;

pub const OR_FREE: [&str; 17] = [
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

pub fn cand(provider: &str, provider_rank: usize, model: &str, catalog_rank: usize) -> Candidate {
    Candidate {
        provider: provider.to_string(),
        provider_rank,
        model: model.to_string(),
        free: true,
        is_openrouter_free_pool: provider == "openrouter" && model.ends_with(":free"),
        context_length: Some(131_072),
        caps: vec![Capability::Tools],
        catalog_rank,
        price: 0.0,
    }
}

fn paid(model: &str, catalog_rank: usize, price: f64) -> Candidate {
    Candidate {
        free: false,
        price,
        ..cand("openrouter", 0, model, catalog_rank)
    }
}

/// The 17 OpenRouter free-pool candidates, with realistic capabilities.
pub fn or_free() -> Vec<Candidate> {
    OR_FREE
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut c = cand("openrouter", 0, m, i);
            if m.contains("content-safety") {
                c.caps.clear();
                c.context_length = Some(8_192);
            }
            if m.contains("gemma-4") || m.contains("-vl") || m.contains("omni") {
                c.caps.push(Capability::Vision);
            }
            if m.contains("nemotron-3") || m.contains("gpt-oss") {
                c.caps.push(Capability::StructuredOutputs);
            }
            c
        })
        .collect()
}

pub fn groq() -> Vec<Candidate> {
    [
        "llama-3.3-70b-versatile",
        "openai/gpt-oss-120b",
        "llama-3.1-8b-instant",
    ]
    .iter()
    .enumerate()
    .map(|(i, m)| cand("groq", 1, m, 100 + i))
    .collect()
}

pub fn gemini() -> Vec<Candidate> {
    let mut v: Vec<Candidate> = ["gemini-2.5-flash", "gemma-3-27b-it"]
        .iter()
        .enumerate()
        .map(|(i, m)| cand("gemini", 2, m, 200 + i))
        .collect();
    v[0].caps.push(Capability::Vision);
    v[0].context_length = Some(1_048_576);
    v
}

/// Paid spill candidates, listed dearest first on purpose.
pub fn paid_or() -> Vec<Candidate> {
    vec![
        paid("z-ai/glm-5.2", 300, 2.2),
        paid("openai/gpt-oss-20b", 301, 0.25),
    ]
}

/// 17 + 3 + 2 + 2 = 24 candidates, in a scrambled input order.
pub fn all() -> Vec<Candidate> {
    let mut v = paid_or();
    v.extend(gemini());
    v.extend(or_free().into_iter().rev());
    v.extend(groq());
    v
}

pub fn id(c: &Candidate) -> String {
    format!("{}/{}", c.provider, c.model)
}

pub fn ids(v: &[Candidate]) -> Vec<String> {
    v.iter().map(id).collect()
}

/// splitmix64 for test seeds.
pub struct TestRng(pub u64);

impl TestRng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// Records `n` successes with this TTFT, then `fails` failures.
pub fn measure(h: &mut Health, c: &Candidate, ttft: f64, n: u32, fails: u32) {
    for _ in 0..n {
        h.record_success(&c.provider, &c.model, ttft, Some(50.0), T0);
    }
    for _ in 0..fails {
        h.record_failure_stat(&c.provider, &c.model, T0);
    }
}
