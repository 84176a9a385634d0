//! The browser half of Maven Chat Payments, one crate built twice (features `host`, `form`):
//! - merchant page: `Maven.createPayment(options)` returns a `host::Controller` that mounts
//!   the hosted form in an iframe and relays its events to the merchant's callbacks;
//! - form page (`/widget/{session_id}`): `form::start` drives the static form.html.
//!
//! `widget.js` (the shim in widget/js/widget.js around the host build's glue) defines
//! `window.Maven` synchronously and forwards to `createPayment` once the module is
//! instantiated; `form.js` starts the form.

mod custom;
mod dom;
#[cfg(feature = "form")]
mod form;
#[cfg(feature = "host")]
mod host;
mod protocol;

use wasm_bindgen::prelude::*;

// SAFETY: the widget runs on the browser's main thread only; wasm threads are never enabled.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// `Maven.createPayment(options | sessionId)`. `default_origin` is the origin `widget.js` was
/// loaded from (the loader reads it from `document.currentScript`).
#[cfg(feature = "host")]
#[wasm_bindgen(js_name = createPayment)]
pub fn create_payment(options: JsValue, default_origin: &str) -> Result<host::Controller, JsValue> {
    host::create(options, default_origin)
}

/// Starts the hosted card form on form.html.
#[cfg(feature = "form")]
#[wasm_bindgen(js_name = startForm)]
pub fn start_form() {
    form::start();
}
