//! The two requests the form makes, both to its own origin: the page's session block (its
//! poll) and the charge, which carries the form token the edge put in the page
//! (`Maven-Form-Token`) and the page's locale (`Accept-Language`: the answer's `screen` is
//! worded in it).
//!
//! The fetch itself is form.js's `mvFetch` (a dozen lines of promise plumbing): it calls the
//! exported `onReply` with the status and JSON body. Doing it from Rust took a closure per
//! promise callback, and wasm-bindgen's closure machinery (shims, table, JS glue) was ~2 KB
//! gzip of the form for nothing the Rust side decides; what each answer means stays here and
//! in `outcome.rs`.

use crate::dom::Cat as _;
#[allow(unused_imports)]
use crate::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// form.js: `fetch(url)`, a JSON POST of `body` (with the page's form token) when given;
    /// then `onReply(purpose, status, json)`, status 0 when there was no answer at all.
    #[wasm_bindgen(js_name = mvFetch)]
    fn mv_fetch(url: &str, body: Option<&str>, purpose: u8);
}

/// Which request an answer belongs to (the number crosses to JS and back).
#[derive(Clone, Copy)]
pub enum Purpose {
    Session = 0,
    Charge = 1,
}

pub enum Reply {
    /// 2xx with its JSON body.
    Ok(JsValue),
    /// Any other status with its JSON body (`null` when it had none).
    Http(u16, JsValue),
    /// No answer at all (offline, DNS, refused).
    Network,
}

impl Reply {
    pub fn new(status: u16, json: JsValue) -> Reply {
        match status {
            0 => Reply::Network,
            200..=299 => Reply::Ok(json),
            s => Reply::Http(s, json),
        }
    }
}

/// Starts the request; `App::on_reply` gets the outcome.
pub fn request(url: &str, body: Option<&str>, purpose: Purpose) {
    mv_fetch(url, body, purpose as u8);
}

/// The page's session block as it is now, in the page's locale (`GET /widget/{id}/state`).
pub fn state_url(id: &str, locale: &str) -> String {
    ["/widget/", id, "/state?l=", locale].cat()
}

pub fn charge_url(id: &str) -> String {
    ["/v1/widget-sessions/", id, "/charge"].cat()
}
