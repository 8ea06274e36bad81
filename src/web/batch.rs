//! `batch()`: bounded concurrency over the normal call path with `waitForQuota`, so items wait
//! for windows instead of burning requests into 429s. Results keep input order.

use std::cell::Cell;
use std::rc::Rc;

use crate::core::json::{self, Map, Value};
use crate::web::glue::future_to_promise;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::error::{Error, ErrorCode};
use crate::core::options::{opt_u64, CallOptions, WaitForQuota};
use crate::web::error::to_js;
use crate::web::glue;
use crate::web::router::chat_once;
use crate::web::state::Inner;

/// How long one item may wait for quota: long enough for minute windows and cooldowns, short
/// enough that a spent daily limit fails the rest of the batch quickly.
const ITEM_WAIT_MS: u64 = 10 * 60_000;

struct Shared {
    inner: Rc<Inner>,
    requests: Vec<Result<Map, Error>>,
    next: Cell<usize>,
    done: Cell<usize>,
    failed: Cell<usize>,
    /// The answer itself, filled in place: every index is set once its item ends.
    results: Array,
    on_progress: Option<Function>,
    signal: JsValue,
    waited_at_start: f64,
}

fn item(ok: bool, payload: &JsValue) -> JsValue {
    let o = Object::new();
    let _ = Reflect::set(&o, &"ok".into(), &ok.into());
    let _ = Reflect::set(&o, &(if ok { "result" } else { "error" }).into(), payload);
    o.into()
}

fn progress(s: &Shared) {
    let Some(f) = &s.on_progress else {
        return;
    };
    let o = Object::new();
    let _ = Reflect::set(&o, &"done".into(), &(s.done.get() as f64).into());
    let _ = Reflect::set(&o, &"failed".into(), &(s.failed.get() as f64).into());
    let _ = Reflect::set(&o, &"total".into(), &(s.requests.len() as f64).into());
    let waited = s.inner.waited_ms() - s.waited_at_start;
    let _ = Reflect::set(&o, &"waitingMs".into(), &waited.round().into());
    // A throwing callback must not stop the batch.
    let _ = f.call1(&JsValue::UNDEFINED, &o);
}

fn aborted(signal: &JsValue) -> bool {
    glue::is_abort_signal(signal)
        && Reflect::get(signal, &"aborted".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
}

async fn worker(s: Rc<Shared>) {
    loop {
        let i = s.next.get();
        if i >= s.requests.len() {
            return;
        }
        s.next.set(i + 1);
        let outcome = match &s.requests[i] {
            Err(e) => Err(to_js(e)),
            Ok(_) if aborted(&s.signal) => Err(to_js(&Error::new(
                ErrorCode::Aborted,
                "the batch was aborted before this item started",
            ))),
            Ok(req) => {
                let copts = CallOptions {
                    timeout_ms: None,
                    fallback: None,
                    max_attempts: None,
                    wait_for_quota: WaitForQuota::UpTo(ITEM_WAIT_MS),
                    session_id: None,
                    strategy: None,
                    resume_on_error: false,
                    provider: None,
                    attempt_timeout_ms: None,
                    validate_output: true,
                    sticky: None,
                };
                chat_once(s.inner.clone(), req.clone(), copts, s.signal.clone())
                    .await
                    .and_then(|v| glue::json_parse(&v.to_string()))
            }
        };
        let v = match outcome {
            Ok(r) => {
                s.done.set(s.done.get() + 1);
                item(true, &r)
            }
            Err(e) => {
                s.done.set(s.done.get() + 1);
                s.failed.set(s.failed.get() + 1);
                item(false, &e)
            }
        };
        s.results.set(i as u32, v);
        progress(&s);
    }
}

pub fn run(inner: Rc<Inner>, requests: JsValue, options: JsValue) -> Promise {
    future_to_promise(async move {
        if !Array::is_array(&requests) {
            return Err(to_js(&Error::invalid(
                "batch(requests) takes an array of chat requests",
            )));
        }
        let split = glue::split_options(&options);
        let opts: Value = json::from_str(&split.json()).unwrap_or(Value::Null);
        let empty = Map::new();
        let o = opts.as_object().unwrap_or(&empty);
        if let Some(why) = o.get("__unserializable").and_then(Value::as_str) {
            return Err(to_js(&Error::invalid(format!(
                "batch options could not be read: {why}"
            ))));
        }
        for k in o.keys() {
            if !["concurrency", "onProgress"].contains(&k.as_str()) {
                return Err(to_js(&Error::invalid(format!(
                    "batch options.{k} is not a known option (known: concurrency, onProgress, signal)"
                ))));
            }
        }
        let concurrency = opt_u64(o, "concurrency", "batch options.")
            .map_err(|m| to_js(&Error::invalid(m)))?
            .unwrap_or(4);
        if !(1..=64).contains(&concurrency) {
            return Err(to_js(&Error::invalid(
                "batch options.concurrency must be between 1 and 64",
            )));
        }
        let on_progress: Option<Function> = Reflect::get(&options, &"onProgress".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let signal = split.signal();
        if !signal.is_undefined() && !signal.is_null() && !glue::is_abort_signal(&signal) {
            return Err(to_js(&Error::invalid(
                "batch options.signal must be an AbortSignal",
            )));
        }
        // Read through JSON.stringify (which reports a throwing getter or Proxy as an error),
        // never element by element through imports that would let such a throw cross wasm.
        let text = glue::json_stringify(&requests)?;
        let all = crate::core::boundary::parse_argument(&text, "batch requests are", "requests")
            .map_err(|e| to_js(&e))?;
        let items = match all {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        let mut reqs = Vec::with_capacity(items.len());
        for (i, r) in items.into_iter().enumerate() {
            reqs.push(match r {
                Value::Object(m) => Ok(m),
                _ => Err(Error::invalid(format!(
                    "requests[{i}] must be a chat request object"
                ))),
            });
        }
        let n = reqs.len();
        let s = Rc::new(Shared {
            waited_at_start: inner.waited_ms(),
            inner,
            requests: reqs,
            next: Cell::new(0),
            done: Cell::new(0),
            failed: Cell::new(0),
            results: Array::new_with_length(n as u32),
            on_progress,
            signal,
        });
        let workers = Array::new();
        for _ in 0..concurrency.min(n.max(1) as u64) {
            let s = s.clone();
            workers.push(&future_to_promise(async move {
                worker(s).await;
                Ok(JsValue::UNDEFINED)
            }));
        }
        JsFuture::from(Promise::all(&workers)).await?;
        Ok(s.results.clone().into())
    })
}
