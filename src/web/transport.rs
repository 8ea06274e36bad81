//! fetch (global or injected), abort plumbing, and reading a Response.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::web::glue;

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

type Listener = Closure<dyn FnMut(JsValue)>;

pub use crate::core::call::AbortKind;

/// Abort state of one call: the user's signal, the timeout and `stream.abort()` all end here.
pub struct CallCtl {
    pub controller: web_sys::AbortController,
    pub kind: Cell<Option<AbortKind>>,
    pub timeout_ms: Option<u64>,
    pub user_reason: RefCell<JsValue>,
    timer: RefCell<Option<JsValue>>,
    unlink: RefCell<Option<Function>>,
    // Kept alive while JS may call them; released in `release`.
    closures: RefCell<Vec<Listener>>,
}

impl CallCtl {
    pub fn new(user_signal: &JsValue, timeout_ms: Option<u64>) -> Rc<CallCtl> {
        let ctl = Rc::new(CallCtl {
            controller: glue::new_controller(),
            kind: Cell::new(None),
            timeout_ms,
            user_reason: RefCell::new(JsValue::UNDEFINED),
            timer: RefCell::new(None),
            unlink: RefCell::new(None),
            closures: RefCell::new(Vec::new()),
        });
        if glue::is_abort_signal(user_signal) {
            let weak: Weak<CallCtl> = Rc::downgrade(&ctl);
            let c = Closure::<dyn FnMut(JsValue)>::new(move |reason: JsValue| {
                if let Some(ctl) = weak.upgrade() {
                    *ctl.user_reason.borrow_mut() = reason;
                    ctl.abort(AbortKind::User);
                }
            });
            let unlink = glue::link_signal(user_signal, c.as_ref().unchecked_ref());
            *ctl.unlink.borrow_mut() = Some(unlink);
            ctl.closures.borrow_mut().push(c);
        }
        if let Some(ms) = timeout_ms {
            let weak: Weak<CallCtl> = Rc::downgrade(&ctl);
            let c = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                if let Some(ctl) = weak.upgrade() {
                    ctl.abort(AbortKind::Timeout);
                }
            });
            let t = glue::start_timer(ms as f64, c.as_ref().unchecked_ref());
            *ctl.timer.borrow_mut() = Some(t);
            ctl.closures.borrow_mut().push(c);
        }
        ctl
    }

    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }

    pub fn aborted(&self) -> Option<AbortKind> {
        self.kind.get()
    }

    pub fn abort(&self, kind: AbortKind) {
        if self.kind.get().is_some() {
            return;
        }
        self.kind.set(Some(kind));
        glue::abort_controller(
            &self.controller,
            match kind {
                AbortKind::User => "aborted",
                AbortKind::Timeout => "timeout",
            },
        );
    }

    /// The call is over: stop the timer and stop listening to the user's signal.
    pub fn release(&self) {
        if let Some(t) = self.timer.borrow_mut().take() {
            glue::stop_timer(&t);
        }
        if let Some(u) = self.unlink.borrow_mut().take() {
            let _ = u.call0(&JsValue::UNDEFINED);
        }
        // Only drop the closures once nothing can call them any more.
        self.closures.borrow_mut().clear();
    }
}

impl Drop for CallCtl {
    fn drop(&mut self) {
        if let Some(t) = self.timer.get_mut().take() {
            glue::stop_timer(&t);
        }
        if let Some(u) = self.unlink.get_mut().take() {
            let _ = u.call0(&JsValue::UNDEFINED);
        }
    }
}

/// The outcome of awaiting a JS promise under a call's abort signal.
pub enum Wait<T> {
    Ok(T),
    Aborted(AbortKind),
    Failed(JsValue),
}

pub async fn wait(p: js_sys::Promise, ctl: &CallCtl) -> Wait<JsValue> {
    let r = JsFuture::from(p).await;
    // An abort wins over whatever error the abort caused downstream.
    if let Some(k) = ctl.aborted() {
        return Wait::Aborted(k);
    }
    match r {
        Ok(v) => Wait::Ok(v),
        Err(e) => Wait::Failed(e),
    }
}

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    type Whole;
    #[wasm_bindgen(js_name = fetchWhole)]
    #[allow(clippy::too_many_arguments)]
    fn fetch_whole(
        fetch: &JsValue,
        url: &str,
        method: &str,
        headers: &Object,
        body: &str,
        signal: &JsValue,
        ms: f64,
        bytes: bool,
    ) -> Promise;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Whole) -> u16;
    #[wasm_bindgen(method, getter)]
    fn fail(this: &Whole) -> u8;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Whole) -> JsValue;
}

/// A whole request: its status and body, or how it failed.
pub struct Fetched {
    pub status: u16,
    /// 0 the body arrived; 1 timeout, 2 aborted, 3 network failure before the answer; 4, 5, 6
    /// the same while reading the body.
    pub fail: u8,
    /// The text (a `Uint8Array` when bytes were asked for), or on failure what went wrong.
    pub body: JsValue,
}

impl Fetched {
    pub fn text(&self) -> String {
        self.body.as_string().unwrap_or_default()
    }
}

/// Fetch `url` and read its whole body under `timeout_ms` and the caller's `signal`, in one
/// JS call (fetchWhole): one await, and the abort plumbing in JS. `body` "" sends none.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    fetch: &JsValue,
    url: &str,
    method: &str,
    headers: &Object,
    body: &str,
    signal: &JsValue,
    timeout_ms: u64,
    bytes: bool,
) -> Fetched {
    let p = fetch_whole(
        fetch,
        url,
        method,
        headers,
        body,
        signal,
        timeout_ms as f64,
        bytes,
    );
    match JsFuture::from(p).await {
        Ok(v) => {
            let w: &Whole = v.unchecked_ref();
            Fetched {
                status: w.status(),
                fail: w.fail(),
                body: w.body(),
            }
        }
        // fetchWhole never rejects; were it to, the server was not reached.
        Err(e) => Fetched {
            status: 0,
            fail: 3,
            body: e,
        },
    }
}

pub fn headers_object(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o
}

/// Response headers as (lowercased name, value) pairs.
pub fn response_headers(resp: &JsValue) -> Vec<(String, String)> {
    header_pairs(&glue::response_headers(resp)).unwrap_or_default()
}

/// `[[name, value], ..]`; anything else is no headers at all.
#[inline(never)]
fn header_pairs(json: &str) -> Option<Vec<(String, String)>> {
    use crate::core::json::{self, Value};
    let v = json::from_str(json).ok()?;
    let list = v.as_array()?;
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        match p.as_array()?.as_slice() {
            [Value::String(k), Value::String(v)] => out.push((k.clone(), v.clone())),
            _ => return None,
        }
    }
    Some(out)
}

/// Copy a JS byte array into `buf` (reused between pieces), without zero-filling it first.
pub fn copy_piece(piece: &JsValue, buf: &mut Vec<u8>) {
    let arr: &Uint8Array = piece.unchecked_ref();
    let n = arr.length() as usize;
    buf.clear();
    buf.reserve(n);
    if let Some(spare) = buf.spare_capacity_mut().get_mut(..n) {
        // `copy_to_uninit` writes all `n` bytes and returns them as initialised.
        let filled = arr.copy_to_uninit(spare).len();
        // SAFETY: the first `filled` (= n) bytes of the spare capacity were just written.
        unsafe { buf.set_len(filled) };
    }
}
