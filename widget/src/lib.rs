//! The browser half of Maven Chat Payments, one crate built twice (features `host`, `form`):
//! - merchant page: `Maven.createPayment(options)` returns a controller (a JS object of
//!   forwarders in widget.js, its state in `host`) that mounts the hosted form in an iframe
//!   and relays its events to the merchant's callbacks;
//! - form page (`/widget/{session_id}`): `form::start` drives the static form.html.
//!
//! `widget.js` (the shim in widget/js/widget.js around the host build's glue) defines
//! `window.Maven` synchronously and forwards every call to the host build's one export,
//! [`call`], once the module is instantiated (docs/widget.md, "The controller's boundary");
//! `form.js` starts the form.

#![no_std]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

/// What std's prelude would give: the widget builds without std (below) so that std's panic
/// and formatting machinery stays out of the modules a merchant page downloads.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}

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

/// A panic traps: the browser reports a RuntimeError in the console. std's handler would format
/// a message nobody reads, and keeps `core::fmt` in the module for it. Only the shipped builds
/// (`--no-default-features`) leave std out; `cargo test`/`clippy` builds link it (feature `std`).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Stops the module like a panic would (the browser reports a RuntimeError), for states that
/// cannot happen, without a panic message kept in the module.
#[cfg(any(feature = "host", feature = "form"))]
pub(crate) fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    unreachable!()
}

/// A static for the page's one thread (`thread_local!` is std's): the widget never enables wasm
/// threads, and native builds (tests) never touch these statics.
pub(crate) struct Single<T>(pub core::cell::RefCell<T>);

// SAFETY: see above; every access is on the browser's main thread.
unsafe impl<T> Sync for Single<T> {}

impl<T> Single<T> {
    pub(crate) fn with<R>(&'static self, f: impl FnOnce(&core::cell::RefCell<T>) -> R) -> R {
        f(&self.0)
    }
}

/// The controller's one entry point (widget.js): `createPayment`, every controller method, the
/// page's `message` events and the load timers, by operation number (`host/mod.rs`). One
/// export for all: each exported function costs a wrapper in the module and in its JS glue.
#[cfg(feature = "host")]
#[wasm_bindgen]
pub fn call(handle: u32, op: u32, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    host::call(handle, op, a, b)
}

/// Starts the hosted card form on form.html.
#[cfg(feature = "form")]
#[wasm_bindgen(js_name = startForm)]
pub fn start_form() {
    form::start();
}
