use crate::core::json::Map;

use super::{base, Adapter, CallShape, Facts};

/// OpenRouter takes the whole OpenAI body plus its own routing fields (`provider`,
/// `plugins`, `session_id`) and always reports usage.
pub struct OpenRouter;

impl Adapter for OpenRouter {
    fn chat_body(&self, req: &Map, call: &CallShape) -> Map {
        // Never `models`: the client routes, and OpenRouter's own fallback could land on a
        // paid model.
        let mut body = base(req, call, &["provider", "plugins", "transforms", "debug"]);
        if let Some(s) = call.session {
            body.insert("session_id".into(), s.into());
        }
        body
    }

    fn attribution(&self) -> bool {
        true
    }
}

pub const FACTS: Facts = Facts {
    public_catalog: true,
    keyless_catalog: false,
    openrouter_catalog: true,
    free_pool: true,
    pacific_day: false,
    key_info: true,
    router_model: Some("openrouter/free"),
};

/// The account-wide free pool (`api_reference/limits.mdx`): 20 a minute; 50 a day, 1000 once
/// 10 USD of credits were ever bought.
pub fn free_pool_limits(credits: bool) -> [u64; 6] {
    [20, 0, if credits { 1000 } else { 50 }, 0, 0, 0]
}
