//! Small DOM and JS-object helpers shared by both modes (each build uses a subset). Plain `Reflect` access instead of serde:
//! the widget reads a handful of fields, and a derive-based decoder would cost more bytes than
//! the reads themselves.

// Each mode's build (feature `host` or `form`) uses part of this module.
#![cfg_attr(not(all(feature = "host", feature = "form")), allow(dead_code))]

#[allow(unused_imports)]
use crate::prelude::*;
use js_sys::Object;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Window};

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

/// The form page's document (a plain read: the typed getter is one more import and shim).
pub fn document() -> Document {
    get(&window(), "document").unchecked_into()
}

#[wasm_bindgen]
extern "C" {
    // Defined in each module's shell (widget.js, form.js): a plain property read and write,
    // which need no error plumbing in the module or its glue (`Reflect.get`/`set` throw, so
    // their bindings catch).
    /// `o[k]`; undefined for null or undefined `o`, or when the read throws.
    #[wasm_bindgen(js_name = mvGet)]
    fn js_get(o: &JsValue, k: &str) -> JsValue;
    /// `o[k] = v` (on our own objects).
    #[wasm_bindgen(js_name = mvSet)]
    fn js_set(o: &JsValue, k: &str, v: &JsValue);
    /// `o[m](a, b)`; a throw comes back as `Err`. Both arguments are always passed (undefined
    /// when unused): only for methods where a trailing undefined means "not given". (The
    /// controller declares its own copy: moving it here changed the host's output by 2 bytes.)
    #[wasm_bindgen(js_name = mvCall, catch)]
    pub fn js_call(o: &JsValue, m: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue>;
}

/// `obj[key]`: undefined for anything without properties. Primitives' properties count
/// (a string's `length`), and functions' (`Element.prototype`).
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_get(obj, key)
}

pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

pub fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

/// `o[m]()`, its result or undefined when it threw.
pub fn call0(o: &JsValue, m: &str) -> JsValue {
    js_call(o, m, &JsValue::UNDEFINED, &JsValue::UNDEFINED).unwrap_or(JsValue::UNDEFINED)
}

/// `o[m](a)`, its result or undefined when it threw.
pub fn call1(o: &JsValue, m: &str, a: &JsValue) -> JsValue {
    js_call(o, m, a, &JsValue::UNDEFINED).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(obj: &Object, key: &str, value: &JsValue) {
    js_set(obj, key, value);
}

/// A plain object from key/value pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

/// A global of the page (`JSON`, `Math`, `Object`…): with `js_call`, one import for what
/// would be a typed binding (a JS shim and a wasm wrapper) per function.
pub fn global(name: &str) -> JsValue {
    get(&window(), name)
}

/// `Object.assign({}, a, b)`: a shallow merge where `b` wins (non-objects are skipped).
pub fn merged(a: &JsValue, b: &JsValue) -> Object {
    let out = Object::new();
    let object = global("Object");
    for src in [a, b] {
        if src.is_object() {
            let _ = js_call(&object, "assign", &out, src);
        }
    }
    out
}

/// A plain, non-array, non-function object (what option bags and partials must be).
pub fn is_plain_object(v: &JsValue) -> bool {
    v.is_object() && !js_sys::Array::is_array(v) && !v.is_function()
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
    (0..(h.len() + 1).saturating_sub(n.len()))
        .find(|&i| h.get(i..).is_some_and(|t| t.starts_with(n)))
}

/// Decimal text of a non-negative integer without pulling `std::fmt` into a hot path. Digits
/// from the highest power of ten down, with no indexing: a bounds check's panic message would
/// keep core's integer formatting in the module.
pub fn uint(n: u32) -> String {
    let mut s = String::new();
    let mut d = 1_000_000_000;
    while d > 1 && n < d {
        d /= 10;
    }
    while d > 0 {
        s.push(char::from(b'0' + (n / d % 10) as u8));
        d /= 10;
    }
    s
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
