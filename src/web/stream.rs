//! The handle behind the JS `ChatStream` (src/js/glue.js wraps it with the async iterator,
//! `textStream()`, `toReadableStream()`, `text()` and `final()`).

use std::mem;

use crate::web::glue::future_to_promise;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::web::call::{advance, coalesce, delta_to_js, flush, Phase, SharedLive};
use crate::web::error::to_js;
use crate::web::transport::AbortKind;

#[wasm_bindgen(skip_typescript)]
pub struct ChatStreamHandle {
    live: SharedLive,
}

impl ChatStreamHandle {
    pub fn new(live: SharedLive) -> Self {
        ChatStreamHandle { live }
    }
}

enum Next {
    Batch(Array),
    End,
    Fail(Error),
    Read,
}

#[wasm_bindgen]
impl ChatStreamHandle {
    /// The next batch of deltas (an array), `null` at the end, or a rejection.
    pub fn pull(&self) -> Promise {
        let live = self.live.clone();
        future_to_promise(async move {
            loop {
                let next = match live.try_borrow_mut() {
                    Err(_) => Next::Fail(Error::invalid(
                        "a ChatStream is being read twice at the same time; read it from one place",
                    )),
                    Ok(mut l) => {
                        if !l.pending.is_empty() {
                            let arr = Array::new();
                            for d in coalesce(mem::take(&mut l.pending)) {
                                arr.push(&delta_to_js(d));
                            }
                            Next::Batch(arr)
                        } else {
                            match &l.phase {
                                Phase::Finished => Next::End,
                                Phase::Failed(e) => Next::Fail(e.clone()),
                                Phase::Streaming | Phase::Resuming(_) if l.busy => {
                                    Next::Fail(Error::invalid(
                                        "a ChatStream is being read twice at the same time; read it from one place",
                                    ))
                                }
                                Phase::Streaming | Phase::Resuming(_) => Next::Read,
                            }
                        }
                    }
                };
                match next {
                    Next::Batch(a) => return Ok(a.into()),
                    Next::End => return Ok(JsValue::NULL),
                    Next::Fail(e) => return Err(to_js(&e)),
                    Next::Read => advance(&live).await,
                }
            }
        })
    }

    pub fn model(&self) -> String {
        self.live
            .try_borrow()
            .map(|l| l.served_model().to_string())
            .unwrap_or_default()
    }

    pub fn provider(&self) -> String {
        self.live
            .try_borrow()
            .map(|l| l.provider_id().to_string())
            .unwrap_or_default()
    }

    #[wasm_bindgen(js_name = routeJson)]
    pub fn route_json(&self) -> String {
        self.live
            .try_borrow()
            .map(|l| l.route_value().to_string())
            .unwrap_or_else(|_| "null".into())
    }

    /// The aggregated completion; throws the stream's error if it failed.
    #[wasm_bindgen(js_name = finalJson)]
    pub fn final_json(&self) -> Result<String, JsValue> {
        let l = self
            .live
            .try_borrow()
            .map_err(|_| to_js(&Error::invalid("the stream is busy")))?;
        match &l.phase {
            Phase::Finished => Ok(l.final_value().to_string()),
            Phase::Failed(e) => Err(to_js(e)),
            Phase::Streaming | Phase::Resuming(_) => Err(to_js(&Error::invalid(
                "the stream has not finished; await stream.final() instead",
            ))),
        }
    }

    pub fn abort(&self, _reason: JsValue) {
        let ctl = match self.live.try_borrow() {
            Ok(l) => l.ctl.clone(),
            Err(_) => return,
        };
        ctl.abort(AbortKind::User);
        // A read in flight notices the abort itself; otherwise settle the state now.
        if let Ok(mut l) = self.live.try_borrow_mut() {
            if !l.busy {
                l.abort(AbortKind::User);
            }
        }
        flush(&self.live);
    }
}
