use crate::core::json::Map;

use super::{base, Adapter, CallShape};

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
