//! The handle behind the JS `ChatStream` (src/js/glue.js wraps it with the async iterator,
//! `textStream()`, `toReadableStream()`, `text()` and `final()`).

use std::mem;

use crate::web::glue::future_to_promise;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

use crate::core::error::Error;
use crate::web::call::{after_read, coalesce, delta_to_js, flush, Phase, Read, SharedLive};
use crate::web::error::to_js;
use crate::web::router::advance;
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

const READ_TWICE: &str =
    "a ChatStream is being read twice at the same time; read it from one place";

fn batch(l: &mut crate::web::call::Live) -> Array {
    let arr = Array::new();
    let text = &l.body.acc.content;
    for d in coalesce(mem::take(&mut l.pending), text) {
        arr.push(&delta_to_js(d, text));
    }
    arr
}

#[wasm_bindgen]
impl ChatStreamHandle {
    /// What the JS side does next, without a promise: an array of deltas, `null` at the end,
    /// the body reader to read once more (then `feed`, `end` or `failRead`), or `false` while
    /// the stream resumes on another candidate (then `pull()`). Throws the stream's error.
    pub fn poll(&self) -> Result<JsValue, JsValue> {
        loop {
            let Ok(mut l) = self.live.try_borrow_mut() else {
                return Err(to_js(&Error::invalid(READ_TWICE)));
            };
            if !l.pending.is_empty() {
                return Ok(batch(&mut l).into());
            }
            match &l.phase {
                Phase::Finished => return Ok(JsValue::NULL),
                Phase::Failed(e) => return Err(to_js(e)),
                Phase::Streaming | Phase::Resuming(_) if l.busy => {
                    return Err(to_js(&Error::invalid(READ_TWICE)))
                }
                Phase::Resuming(_) => return Ok(JsValue::FALSE),
                Phase::Streaming => {}
            }
            // Aborted or timed out between reads: settle now rather than read.
            if let Some(k) = l.ctl.aborted() {
                l.abort(k);
                drop(l);
                flush(&self.live);
                continue;
            }
            l.busy = true;
            return Ok(l.reader.clone());
        }
    }

    /// The piece the reader from `poll` gave.
    pub fn feed(&self, bytes: &[u8]) {
        after_read(&self.live, Read::Bytes(bytes));
    }

    /// The reader from `poll` reported the end of the body.
    pub fn end(&self) {
        after_read(&self.live, Read::End);
    }

    /// The read from `poll` failed with `e`.
    #[wasm_bindgen(js_name = failRead)]
    pub fn fail_read(&self, e: JsValue) {
        after_read(&self.live, Read::Failed(e));
    }

    /// The call's abort signal (user abort, timeout): JS cancels the reader when it fires.
    pub fn signal(&self) -> JsValue {
        self.live
            .try_borrow()
            .map(|l| l.ctl.signal().into())
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// While the stream resumes on another candidate (`poll` gave `false`): settles once
    /// that is decided; then `poll` again. (In any other state it settles at once.)
    pub fn pull(&self) -> Promise {
        let live = self.live.clone();
        future_to_promise(async move {
            advance(&live).await;
            Ok(JsValue::UNDEFINED)
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

    /// Finished or failed: nothing more will happen, so JS may keep the final value and free
    /// this handle.
    pub fn over(&self) -> bool {
        self.live
            .try_borrow()
            .is_ok_and(|l| matches!(l.phase, Phase::Finished | Phase::Failed(_)))
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
