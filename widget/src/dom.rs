//! Small DOM and JS-object helpers shared by both modes (each build uses a subset). Plain `Reflect` access instead of serde:
//! the widget reads a handful of fields, and a derive-based decoder would cost more bytes than
//! the reads themselves.

// Each mode's build (feature `host` or `form`) uses part of this module.
#![cfg_attr(not(all(feature = "host", feature = "form")), allow(dead_code))]

#[allow(unused_imports)]
use crate::prelude::*;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Event, EventTarget, Window};

#[wasm_bindgen]
extern "C" {
    /// The global `window`, bound directly: `web_sys::window()` probes globalThis / self /
    /// global with an `instanceof Window` check, code both builds would carry for nothing.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Window;
}

pub fn window() -> Window {
    WINDOW.with(Window::clone)
}

pub fn document() -> Document {
    window().document().expect_throw("Maven: no document")
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

pub fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

pub fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A plain object from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

/// `Object.assign({}, a, b)`: a shallow merge where `b` wins.
pub fn merged(a: &JsValue, b: &JsValue) -> Object {
    let out = Object::new();
    for src in [a, b] {
        if let Some(o) = src.dyn_ref::<Object>() {
            Object::assign(&out, o);
        }
    }
    out
}

/// A plain, non-array, non-function object (what option bags and partials must be).
pub fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !js_sys::Array::is_array(v) && !v.is_function()
}

/// The exception every wrong use of the SDK throws: an `Error` named `MavenError`.
pub fn error(msg: &str) -> JsValue {
    let e = js_sys::Error::new(msg);
    e.set_name("MavenError");
    e.into()
}

/// Calls a merchant callback. An exception thrown by the merchant's code is reported like an
/// uncaught error (`reportError`) instead of unwinding through the widget.
pub fn call(f: &Option<Function>, arg: &JsValue) {
    if let Some(f) = f {
        if let Err(e) = f.call1(&JsValue::UNDEFINED, arg) {
            let w = window();
            if let Ok(report) = Reflect::get(&w, &"reportError".into()) {
                if let Some(report) = report.dyn_ref::<Function>() {
                    let _ = report.call1(&w, &e);
                }
            }
        }
    }
}

/// An event listener owned by a Rust value: dropping it removes the listener, so `destroy()`
/// and teardown cannot leave one behind.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Listener {
    pub fn new(target: &EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) -> Self {
        let callback = Closure::<dyn FnMut(Event)>::new(f);
        let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            kind,
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}

#[wasm_bindgen]
extern "C" {
    // The handle as the page's `setTimeout` returns it: not always a number (a page may
    // replace timers, e.g. with fake clocks), and `clearTimeout` must get it back unchanged.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_any(f: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout_any(id: &JsValue);
}

/// A one-shot timer owned by a Rust value: dropping it cancels the timer (a load timeout must not
/// fire for a frame that was destroyed or replaced).
pub struct Timer {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn new(ms: f64, f: impl FnMut() + 'static) -> Self {
        let callback = Closure::<dyn FnMut()>::new(f);
        let id = set_timeout_any(callback.as_ref().unchecked_ref(), ms.clamp(0.0, 2e9));
        Timer {
            id,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout_any(&self.id);
    }
}

/// A random id from `crypto.randomUUID()` (122 random bits).
pub fn random_id() -> String {
    window()
        .crypto()
        .map(|c| c.random_uuid())
        .expect_throw("Maven: crypto.randomUUID is unavailable")
}

/// `[a, b, c].cat()`: string concatenation without `[&str]::concat`, whose overflow checks and
/// panic paths cost ~1 KB of wasm per build.
pub trait Cat {
    fn cat(&self) -> String;
}

impl Cat for [&str] {
    fn cat(&self) -> String {
        let mut s = String::new();
        for part in self {
            s.push_str(part);
        }
        s
    }
}

/// `items` separated by ", " (a plain loop: `[&str]::join` pulls in ~1 KB of generic copy code).
pub fn list(items: &[&str]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(item);
    }
    s
}

/// Byte offset of `needle` in `hay` (a plain loop: `str::find` / `replace` with a string pattern
/// pull in the two-way searcher, a few KB of wasm).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..(h.len() + 1).saturating_sub(n.len())).find(|&i| h[i..].starts_with(n))
}

/// Decimal text of a non-negative integer without pulling `std::fmt` into a hot path.
pub fn uint(mut n: u32) -> String {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf[i..].iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::{find, list, uint};

    #[test]
    fn find_bytes() {
        assert_eq!(find("Pay {amount}", "{amount}"), Some(4));
        assert_eq!(find("Pay", "{amount}"), None);
        assert_eq!(find("", ""), Some(0));
    }

    #[test]
    fn list_text() {
        assert_eq!(list(&[]), "");
        assert_eq!(list(&["ready"]), "ready");
        assert_eq!(list(&["ready", "change", "blur"]), "ready, change, blur");
    }

    #[test]
    fn uint_text() {
        assert_eq!(uint(0), "0");
        assert_eq!(uint(7), "7");
        assert_eq!(uint(1234), "1234");
        assert_eq!(uint(u32::MAX), "4294967295");
    }
}
