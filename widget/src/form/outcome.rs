//! Loading the session and submitting the card: every answer of the edge becomes one visible
//! state of the form and one message to the host (SPEC §3 statuses → SPEC §4 callbacks).

use super::check::{self, FIELDS};
use super::net::{self, Purpose, Reply};
use super::{view, App, State};
use crate::dom::Cat as _;
use crate::dom::{self, get, get_f64, get_str, object};
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

fn detail(body: &JsValue) -> Option<String> {
    get_str(body, "detail").filter(|d| !d.is_empty())
}

impl App {
    /// The page's session block (`maven_core::form_page`): a session view, `expired`, or
    /// neither for an unknown session.
    pub(super) fn start_from_page(&mut self, page: &JsValue) {
        if let Some(l) = get_str(page, "locale") {
            self.locale = l;
        }
        if dom::get(page, "expired").is_truthy() {
            self.paint();
            self.expire();
        } else if let Some(id) = get_str(page, "session_id") {
            self.session_id = id;
            self.session = Some(App::session_from(page));
            self.on_view(page);
        } else {
            self.paint();
            self.invalid();
        }
    }

    /// Fetches the public session view again: the poll while another payment is processing,
    /// and "Try again" after that poll failed.
    pub(super) fn load(&mut self) {
        let id = &self.session_id;
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            net::request(&net::session_url(id), None, Purpose::Session);
        } else {
            self.on_session(Reply::Http(404, JsValue::NULL));
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
            Reply::Http(404, _) => self.invalid(),
            Reply::Http(410, _) => self.expire(),
            Reply::Http(status, body) => {
                let code = get_str(&body, "error_code")
                    .unwrap_or_else(|| ["http_", &dom::uint(status.into())].cat());
                self.load_error(&code);
            }
            Reply::Network => self.load_error("network_error"),
        }
    }

    /// The form for a session view's status (the page's, or the poll's).
    fn on_view(&mut self, v: &JsValue) {
        self.render();
        match get_str(v, "status").as_deref() {
            // Captured, voided or refunded later by the merchant: the customer's payment
            // itself was completed, and the form never takes another.
            Some(
                "succeeded" | "authorized" | "tokenized" | "captured" | "voided"
                | "partially_refunded" | "refunded",
            ) => self.paid(),
            Some("failed") => self.failure(
                "session_failed",
                "This payment can no longer be completed.",
                None,
                false,
            ),
            Some("processing") => self.processing(),
            Some("cancelled") => self.cancelled(),
            _ if matches!(
                self.state,
                State::Loading | State::Processing | State::Error
            ) =>
            {
                self.ready()
            }
            _ => {}
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
            Reply::Ok(body) => self.success(&body),
            Reply::Http(402, b) => {
                let code = get_str(&b, "error_code").unwrap_or_else(|| "card_declined".into());
                let left = get_f64(&b, "attempts_left");
                self.retry_focus = match code.as_str() {
                    "incorrect_cvc" => check::CVC,
                    "expired_card" => check::EXP,
                    _ => check::NUMBER,
                };
                let message = detail(&b).unwrap_or_else(|| "Your card was declined.".into());
                self.failure(&code, &message, left, left != Some(0.0));
            }
            Reply::Http(422, b) if self.field_errors(&b) => {}
            Reply::Http(409, b) if get_str(&b, "error_code").as_deref() == Some("in_progress") => {
                self.processing()
            }
            Reply::Http(409, b)
                if get_str(&b, "error_code").as_deref() == Some("session_cancelled") =>
            {
                self.cancelled()
            }
            Reply::Http(409, _) => self.paid(),
            Reply::Http(410, _) => self.expire(),
            // The card-testing guard's refusals (`rate_limited`, `card_testing_suspected`)
            // keep their own code; the session itself is not failed by them.
            Reply::Http(429, b)
                if matches!(
                    get_str(&b, "error_code").as_deref(),
                    Some("rate_limited" | "card_testing_suspected")
                ) =>
            {
                let code = get_str(&b, "error_code").unwrap_or_default();
                let m = detail(&b).unwrap_or_else(|| "Too many payment attempts.".into());
                self.failure(&code, &m, None, code == "rate_limited")
            }
            Reply::Http(429, b) => {
                let m = detail(&b).unwrap_or_else(|| "Too many declined attempts.".into());
                self.failure("too_many_attempts", &m, Some(0.0), false)
            }
            Reply::Http(status, b) => {
                let code = get_str(&b, "error_code")
                    .unwrap_or_else(|| ["http_", &dom::uint(status.into())].cat());
                let m = detail(&b).unwrap_or_else(|| {
                    "The payment could not be completed. Please try again.".into()
                });
                self.retry_focus = check::NUMBER;
                self.failure(&code, &m, None, true)
            }
            Reply::Network => self.failure(
                "network_error",
                "Could not reach the payment server. Check your connection and try again.",
                None,
                true,
            ),
        }
        if self.state != State::Ready {
            self.focus_result();
        }
    }

    fn success(&mut self, body: &JsValue) {
        let brand = check::brand_name(&get_str(body, "card_brand").unwrap_or_default());
        let last4 = get_str(body, "card_last4").unwrap_or_default();
        let on_card = [&*self.t(brand), " •••• ", &last4].cat();
        // The session's amount, as the edge formatted it for the page (a charge is always the
        // session's whole amount).
        let amount = self
            .session
            .as_ref()
            .map(|s| s.amount_text.clone())
            .unwrap_or_default();
        let tpl = self.t(match get_str(body, "status").as_deref() {
            Some("tokenized") => "{card} saved",
            Some("authorized") => "{amount} authorized on {card}",
            _ => "{amount} paid with {card}",
        });
        let text = view::fill(&view::fill(&tpl, "{amount}", &amount), "{card}", &on_card);
        let title = self.label("success", "Payment successful");
        self.show(State::Success, "success", &title, &text, false);
        let result = dom::merged(
            body,
            &object(&[("session_id", self.session_id.as_str().into())]),
        );
        self.post(msg::SUCCESS, &result.into());
    }

    fn failure(&mut self, code: &str, message: &str, left: Option<f64>, retry: bool) {
        let title = self.label("failure", "Payment failed");
        let mut text = self.t(message).to_string();
        if let Some(n) = left.filter(|n| *n > 0.0 && retry) {
            text.push(' ');
            if n == 1.0 {
                text.push_str(&self.t("1 attempt left."));
            } else {
                let tpl = self.t("{n} attempts left.");
                text.push_str(&view::fill(&tpl, "{n}", &dom::uint(n as u32)));
            }
        }
        self.show(State::Failure, "failure", &title, &text, retry);
        self.post(msg::FAILURE, &error_payload(code, message, left));
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
                shown[f].get_or_insert(m);
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
        if !self.expired_sent {
            self.expired_sent = true;
            self.post(msg::EXPIRED, &JsValue::UNDEFINED);
        }
    }

    fn paid(&mut self) {
        let m = "This payment is already complete.";
        self.show(State::Paid, "success", "Already paid", m, false);
        self.post(msg::FAILURE, &error_payload("already_completed", m, None));
    }

    /// The merchant cancelled the session: nothing to retry.
    fn cancelled(&mut self) {
        let m = "This payment was cancelled.";
        self.show(State::Failure, "neutral", "Payment cancelled", m, false);
        self.post(msg::FAILURE, &error_payload("session_cancelled", m, None));
    }

    fn processing(&mut self) {
        self.show(
            State::Processing,
            "neutral",
            "Payment in progress",
            "This can take a few seconds.",
            false,
        );
        super::after(2000.0, super::Timer::Poll);
    }

    fn invalid(&mut self) {
        let m = "This payment link is not valid. Ask for a new one to continue.";
        self.show(
            State::Invalid,
            "failure",
            "Payment link not valid",
            m,
            false,
        );
        self.post(msg::FAILURE, &error_payload("session_not_found", m, None));
    }

    fn load_error(&mut self, code: &str) {
        let m = "The payment form could not load. Check your connection and try again.";
        self.show(State::Error, "failure", "Something went wrong", m, true);
        self.post(msg::FAILURE, &error_payload(code, m, None));
    }
}
