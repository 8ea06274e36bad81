//! Observability: `onEvent` and add/removeEventListener. Events are built as JSON only when
//! someone listens.

use std::cell::RefCell;

use crate::core::json::{Map, Value};
use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::map::Put;
use crate::web::glue;

#[derive(Default)]
pub struct Events {
    /// (type filter or None for all, listener)
    /// A listener is a function or an object with `handleEvent` (checked when added).
    listeners: RefCell<Vec<(Option<String>, JsValue)>>,
}

impl Events {
    pub fn new(on_event: &JsValue) -> Self {
        let ev = Events::default();
        if let Some(f) = on_event.dyn_ref::<Function>() {
            ev.listeners.borrow_mut().push((None, f.clone().into()));
        }
        ev
    }

    pub fn add(&self, kind: String, f: JsValue) {
        let mut l = self.listeners.borrow_mut();
        if !l
            .iter()
            .any(|(k, g)| k.as_deref() == Some(&kind) && g == &f)
        {
            l.push((Some(kind), f));
        }
    }

    pub fn remove(&self, kind: &str, f: &JsValue) {
        self.listeners
            .borrow_mut()
            .retain(|(k, g)| !(k.as_deref() == Some(kind) && g == f));
    }

    pub fn wants(&self, kind: &str) -> bool {
        self.listeners
            .borrow()
            .iter()
            .any(|(k, _)| k.as_deref().is_none_or(|k| k == kind))
    }

    /// Emit `{type, at, ...fields}`. `fields` is only built when someone listens.
    pub fn emit(&self, kind: &str, now_ms: f64, fields: impl FnOnce(&mut Map)) {
        if !self.wants(kind) {
            return;
        }
        let mut m = Map::new();
        fields(&mut m);
        self.emit_map(kind, now_ms, m);
    }

    pub fn emit_map(&self, kind: &str, now_ms: f64, fields: Map) {
        if !self.wants(kind) {
            return;
        }
        let mut m = Map::new();
        m.put("type", kind.into());
        m.put("at", now_ms.into());
        m.extend(fields);
        let json = crate::web::secrets::redact(&Value::Object(m).to_string());
        // Snapshot the listeners: one may add or remove listeners while we dispatch.
        let arr = Array::new();
        for (k, f) in self.listeners.borrow().iter() {
            if k.as_deref().is_none_or(|k| k == kind) {
                arr.push(f);
            }
        }
        glue::dispatch(&arr, &json);
    }
}
