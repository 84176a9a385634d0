//! The host ↔ form message protocol. Every message is `{mv: 1, ch, t, p}`: a marker, the
//! per-mount channel id, a type and a payload. Both sides also check `event.origin` and
//! `event.source` before looking at the data; anything that does not match is ignored.

// Each mode's build (feature `host` or `form`) uses part of this module.
#![cfg_attr(not(all(feature = "host", feature = "form")), allow(dead_code))]

use crate::dom::{get, get_f64, get_str, object};
#[allow(unused_imports)]
use crate::prelude::*;
use wasm_bindgen::JsValue;

// Form → host.
pub const HELLO: &str = "hello";
pub const READY: &str = "ready";
pub const RESIZE: &str = "resize";
pub const CHANGE: &str = "change";
pub const SUCCESS: &str = "success";
pub const FAILURE: &str = "failure";
pub const EXPIRED: &str = "expired";
pub const FOCUS: &str = "focus";
pub const BLUR: &str = "blur";
pub const ESCAPE: &str = "escape";
// "loaderror": the form page's script or wasm failed. form.js sends it (it has no wasm to speak
// with); the host finds it among its event names (host/frame.rs).
// Host → form.
pub const INIT: &str = "init";
pub const UPDATE_THEME: &str = "update-theme";
pub const UPDATE_LABELS: &str = "update-labels";
pub const UPDATE_FIELDS: &str = "update-fields";
/// `controller.focus()` / `blur()` (same names as the form's reports, other direction).
pub const DO_FOCUS: &str = "do-focus";
pub const DO_BLUR: &str = "do-blur";

pub fn message(channel: &str, kind: &str, payload: &JsValue) -> JsValue {
    object(&[
        ("mv", JsValue::from_f64(1.0)),
        ("ch", JsValue::from_str(channel)),
        ("t", JsValue::from_str(kind)),
        ("p", payload.clone()),
    ])
    .into()
}

/// The type and payload of a message on `channel`, or `None` for anything else.
pub fn parse(data: &JsValue, channel: &str) -> Option<(String, JsValue)> {
    if get_f64(data, "mv") != Some(1.0) || get_str(data, "ch").as_deref() != Some(channel) {
        return None;
    }
    Some((get_str(data, "t")?, get(data, "p")))
}
