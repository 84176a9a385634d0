//! The two requests the form makes, both to its own origin: the public session view and the
//! charge, which carries the form token the edge put in the page (`Maven-Form-Token`). Plain promise callbacks rather than an async runtime (wasm-bindgen-futures costs more
//! bytes than this whole module), and no serde: the body is a JS object through `JSON`.

use crate::dom::Cat as _;
use crate::dom::{object, window};
#[allow(unused_imports)]
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// Any promise, with untyped `then` / `catch` taking plain JS functions.
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, on_fulfilled: &JsValue) -> Thenable;
    #[wasm_bindgen(method)]
    fn catch(this: &Thenable, on_rejected: &JsValue) -> Thenable;
}

/// Which request an answer belongs to.
#[derive(Clone, Copy)]
pub enum Purpose {
    Session,
    Charge,
}

pub enum Reply {
    /// 2xx with its JSON body.
    Ok(JsValue),
    /// Any other status with its JSON body (`null` when it had none).
    Http(u16, JsValue),
    /// No answer at all (offline, DNS, refused).
    Network,
}

/// `fetch(url)` (a JSON POST when `body` is given), then `App::on_reply` with the outcome.
pub fn request(url: &str, body: Option<JsValue>, purpose: Purpose) {
    let init = RequestInit::new();
    let mut headers = vec![("accept", JsValue::from_str("application/json"))];
    if let Some(b) = body {
        init.set_method("POST");
        headers.push(("content-type", "application/json".into()));
        init.set_body(&b);
        if let Some(t) = form_token() {
            headers.push(("maven-form-token", t.into()));
        }
    }
    init.set_headers(&object(&headers));
    // 0 until a response arrives: still 0 at the end means the network failed.
    let status = Rc::new(Cell::new(0u16));
    let seen = status.clone();
    let on_response = Closure::once_into_js(move |r: JsValue| -> JsValue {
        let r: Response = r.unchecked_into();
        seen.set(r.status());
        match r.json() {
            // A body that is not JSON reads as null.
            Ok(p) => p
                .unchecked_into::<Thenable>()
                .catch(&Closure::once_into_js(|_: JsValue| JsValue::NULL))
                .into(),
            Err(_) => JsValue::NULL,
        }
    });
    let on_network_error = Closure::once_into_js(|_: JsValue| JsValue::NULL);
    let finish = Closure::once_into_js(move |json: JsValue| {
        let mut reply = Some(match status.get() {
            0 => Reply::Network,
            200..=299 => Reply::Ok(json),
            s => Reply::Http(s, json),
        });
        super::with(&mut |app| {
            if let Some(r) = reply.take() {
                app.on_reply(purpose, r);
            }
        });
    });
    let p: Thenable = window()
        .fetch_with_str_and_init(url, &init)
        .unchecked_into();
    p.then(&on_response).catch(&on_network_error).then(&finish);
}

/// The token the edge served the page with (`<meta name="maven-form-token">`), if any.
fn form_token() -> Option<String> {
    crate::dom::document()
        .query_selector("meta[name=maven-form-token]")
        .ok()??
        .get_attribute("content")
}

pub fn session_url(id: &str) -> String {
    ["/v1/widget-sessions/", id].cat()
}

pub fn charge_url(id: &str) -> String {
    ["/v1/widget-sessions/", id, "/charge"].cat()
}
