//! Loading the session and submitting the card: every answer of the edge becomes one visible
//! state of the form and one message to the host (SPEC §3 statuses → SPEC §4 callbacks).

use super::check::{self, FIELDS};
use super::net::{self, Purpose, Reply};
use super::{App, State};
use crate::custom::Kind;
use crate::dom::Cat as _;
use crate::dom::{self, get, get_str, object};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::protocol as msg;
use js_sys::Array;
use maven_core::card::{self, FieldMode};
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

fn error_payload(code: &str, message: &str, attempts_left: Option<f64>) -> JsValue {
    let o = object(&[
        ("error_code", code.into()),
        ("error_message", message.into()),
    ]);
    if let Some(n) = attempts_left {
        dom::set(&o, "attempts_left", &JsValue::from_f64(n));
    }
    o.into()
}

impl App {
    /// The page's session block (`maven_core::form_page`): a session view, with the `screen`
    /// to show when the form cannot take a card (paid, failed, expired, unknown…).
    pub(super) fn start_from_page(&mut self, page: &JsValue) {
        if let Some(l) = get_str(page, "locale") {
            self.locale = l;
        }
        if let Some(id) = get_str(page, "session_id") {
            self.session_id = id;
            self.session = Some(App::session_from(page));
        }
        self.on_view(page);
    }

    /// Fetches the page's session block again (`GET /widget/{id}/state`): the poll while
    /// another payment is processing, and "Try again" after that poll failed.
    pub(super) fn load(&mut self) {
        // The id came from the edge's block: a UUID. Anything else is not put in a URL.
        let id = &self.session_id;
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            net::request(&net::state_url(id, &self.locale), None, Purpose::Session);
        }
    }

    pub(super) fn on_timer(&mut self, timer: super::Timer) {
        match timer {
            super::Timer::Expire if matches!(self.state, State::Ready | State::Failure) => {
                self.expire()
            }
            super::Timer::Poll => self.load(),
            super::Timer::Ready => self.post_ready(),
            _ => {}
        }
    }

    pub(super) fn on_reply(&mut self, purpose: Purpose, reply: Reply) {
        match purpose {
            Purpose::Session => self.on_session(reply),
            Purpose::Charge => self.on_charge(reply),
        }
    }

    pub(super) fn submit(&mut self) {
        if let Some(body) = self.begin_submit() {
            net::request(
                &net::charge_url(&self.session_id),
                Some(&body),
                Purpose::Charge,
            );
        }
    }

    pub(super) fn retry(&mut self) {
        match self.state {
            State::Failure => {
                self.set_state(State::Ready);
                // `get`: an out-of-range index would bring core's panic formatting along.
                let el = self.els.inputs.get(self.retry_focus);
                self.focus = el.map(|el| HtmlElement::from(el.clone()));
            }
            State::Error => {
                self.set_state(State::Loading);
                self.load();
            }
            _ => {}
        }
    }

    fn on_session(&mut self, reply: Reply) {
        match reply {
            Reply::Ok(v) => self.on_view(&v),
            Reply::Http(status, body) => {
                let code = get_str(&body, "error_code")
                    .unwrap_or_else(|| ["http_", &dom::uint(status.into())].cat());
                self.load_error(&code);
            }
            Reply::Network => self.load_error("network_error"),
        }
    }

    /// The form for a session block (the page's, or the poll's).
    fn on_view(&mut self, v: &JsValue) {
        self.render();
        let screen = get(v, "screen");
        if screen.is_truthy() {
            self.screen(v, &screen);
        } else if matches!(
            self.state,
            State::Loading | State::Processing | State::Error
        ) {
            self.ready()
        }
    }

    fn ready(&mut self) {
        self.set_state(State::Ready);
        let Some(s) = &self.session else { return };
        let ms = s.expires_ms - js_sys::Date::now();
        if ms > 0.0 && ms.is_finite() {
            super::after(ms + 500.0, super::Timer::Expire);
        }
    }

    fn show(&mut self, state: State, tone: &str, title: &str, text: &str, retry: bool) {
        self.set_state(state);
        let (title, text) = (self.t(title), self.t(text));
        let e = &self.els;
        let _ = e.result.set_attribute("data-tone", tone);
        e.result_title.set_text_content(Some(&title));
        e.result_text.set_text_content(Some(&text));
        e.retry.set_hidden(!retry);
        self.announce(&[&*title, ". ", &text].cat());
    }

    /// After a submit the focus moves to the result, so keyboard and screen reader users land on it.
    fn focus_result(&mut self) {
        self.focus = Some(self.els.result_title.clone());
    }

    fn begin_submit(&mut self) -> Option<String> {
        if self.state != State::Ready || self.reveal_problems() {
            return None;
        }
        let v = self.values();
        let (month, year) = check::expiry(&v.exp)?;
        let c = object(&[
            ("number", card::digits_only(&v.number).into()),
            ("exp_month", JsValue::from_f64(month.into())),
            ("exp_year", JsValue::from_f64(year.into())),
            ("cvc", card::digits_only(&v.cvc).into()),
        ]);
        let (name_mode, postal_mode) = self.modes();
        if name_mode != FieldMode::Hidden && !v.name.trim().is_empty() {
            dom::set(&c, "name", &v.name.trim().into());
        }
        if postal_mode != FieldMode::Hidden && !v.postal.trim().is_empty() {
            dom::set(&c, "postal_code", &v.postal.trim().into());
        }
        let body = js_sys::JSON::stringify(&object(&[("card", c.into())])).ok()?;
        self.set_state(State::Submitting);
        self.announce("Processing payment…");
        Some(String::from(body))
    }

    fn on_charge(&mut self, reply: Reply) {
        match reply {
            Reply::Http(422, b) if self.field_errors(&b) => {}
            Reply::Network => self.failure(
                "network_error",
                "Could not reach the payment server. Check your connection and try again.",
            ),
            Reply::Ok(b) | Reply::Http(_, b) if get(&b, "screen").is_truthy() => {
                self.screen(&b, &get(&b, "screen"))
            }
            // An answer without a screen: not the charge route's (a proxy's, a platform
            // error page).
            Reply::Ok(b) => self.failure(
                &get_str(&b, "error_code").unwrap_or_default(),
                "The payment could not be completed. Please try again.",
            ),
            Reply::Http(status, b) => {
                let code = get_str(&b, "error_code")
                    .unwrap_or_else(|| ["http_", &dom::uint(status.into())].cat());
                self.failure(
                    &code,
                    "The payment could not be completed. Please try again.",
                )
            }
        }
        if self.state != State::Ready {
            self.focus_result();
        }
    }

    /// Shows what the edge decided for an answer (`maven_core::form_screen`), worded in the
    /// page's language, and tells the host page.
    fn screen(&mut self, body: &JsValue, s: &JsValue) {
        let state = match get_str(s, "state").as_deref() {
            Some("success") => State::Success,
            Some("paid") => State::Paid,
            Some("expired") => State::Expired,
            Some("processing") => State::Processing,
            Some("invalid") => State::Invalid,
            _ => State::Failure,
        };
        let text = |k| get_str(s, k).unwrap_or_default();
        // A title the host page set with `updateLabels` wins (the edge knows the session's).
        let title = get_str(s, "label")
            .and_then(|k| get_str(&self.over[Kind::Labels as usize], &k))
            .unwrap_or_else(|| text("title"));
        self.retry_focus = check::field_of(&text("focus")).unwrap_or(check::NUMBER);
        self.show(
            state,
            &text("tone"),
            &title,
            &text("text"),
            get(s, "retry").is_truthy(),
        );
        match text("event").as_str() {
            "success" => {
                // SPEC §4: the charge body plus `session_id` (the screen is ours).
                let result = dom::merged(
                    body,
                    &object(&[("session_id", self.session_id.as_str().into())]),
                );
                let _ = js_sys::Reflect::delete_property(&result, &"screen".into());
                self.post(msg::SUCCESS, &result.into());
            }
            "failure" => self.post(msg::FAILURE, &get(s, "error")),
            "expired" => self.post_expired(),
            _ => {}
        }
        if state == State::Processing {
            super::after(2000.0, super::Timer::Poll);
        }
    }

    /// A failure the form finds itself (no answer, or not the edge's).
    fn failure(&mut self, code: &str, message: &str) {
        let title = self.label("failure");
        self.retry_focus = check::NUMBER;
        self.show(State::Failure, "failure", &title, message, true);
        self.post(msg::FAILURE, &error_payload(code, message, None));
    }

    /// A 422 naming card fields: back to the form with the messages under those fields.
    fn field_errors(&mut self, body: &JsValue) -> bool {
        let items = get(body, "detail");
        if !Array::is_array(&items) {
            return false;
        }
        let mut shown: check::Shown = Default::default();
        for item in Array::from(&items).iter() {
            let loc = get(&item, "loc");
            let last = Array::is_array(&loc)
                .then(|| Array::from(&loc).pop().as_string())
                .flatten();
            if let (Some(f), Some(m)) = (
                last.as_deref().and_then(check::field_of),
                get_str(&item, "msg"),
            ) {
                // `get_mut`: `field_of` is shared (not inlined), so an index would bring
                // core's bounds-check panic along.
                if let Some(slot) = shown.get_mut(f) {
                    slot.get_or_insert(m);
                }
            }
        }
        let Some(first) = (0..FIELDS).find(|&i| shown[i].is_some()) else {
            return false;
        };
        self.set_state(State::Ready);
        self.shown = shown;
        self.render_errors();
        let p = self.problems();
        self.post_change(&p);
        if let Some(m) = &self.shown[first] {
            self.announce(m);
        }
        self.focus = Some(HtmlElement::from(self.els.inputs[first].clone()));
        true
    }

    /// The session's time ran out while the form was open.
    pub(super) fn expire(&mut self) {
        if matches!(self.state, State::Success | State::Paid) {
            return;
        }
        self.show(
            State::Expired,
            "neutral",
            "This payment session has expired",
            "Ask for a new payment link to continue.",
            false,
        );
        self.post_expired();
    }

    fn post_expired(&mut self) {
        if !self.expired_sent {
            self.expired_sent = true;
            self.post(msg::EXPIRED, &JsValue::UNDEFINED);
        }
    }

    fn load_error(&mut self, code: &str) {
        let m = "The payment form could not load. Check your connection and try again.";
        self.show(State::Error, "failure", "Something went wrong", m, true);
        self.post(msg::FAILURE, &error_payload(code, m, None));
    }
}
