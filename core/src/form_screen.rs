//! What the card form shows after an answer of the edge, decided and worded by the edge: the
//! `screen` object the charge answers (`POST /v1/widget-sessions/{id}/charge`) and the form
//! page's session block carry. The form's wasm applies it as it is (state, texts in the page's
//! language, retry button, which field "Try again" focuses, which event the host page gets), so
//! the module every payer downloads holds neither these rules nor their texts in six languages
//! (docs/widget.md, "Screens from the edge").
//!
//! ```json
//! {"state": "failure", "tone": "failure", "label": "failure", "title": "Zahlung fehlgeschlagen",
//!  "text": "Ihre Karte wurde abgelehnt. Noch 2 Versuche.", "retry": true, "focus": "number",
//!  "event": "failure",
//!  "error": {"error_code": "card_declined", "error_message": "Your card was declined.", "attempts_left": 2}}
//! ```
//! `state` is the form's `data-state`; `label` names the label the title comes from (a host
//! page's `updateLabels` of it wins in the form); `focus` is the field "Try again" returns to
//! (the charge body's name); `event` is the host page's callback (`success`, `failure`,
//! `expired`, or absent); `error` is the `onFailure` payload (SPEC §4: English
//! `error_message`, for the merchant's logs).

use crate::card::Brand;
use crate::l10n;
use crate::session::SessionStatus;
use serde_json::{json, Map, Value};

/// What a screen depends on besides the answer: the page's language and the session.
pub struct ScreenContext<'a> {
    /// The page's locale (`l10n::page_locale`).
    pub locale: &'a str,
    /// The session's amount as that locale writes money (the form page's `amount_text`).
    pub amount_text: &'a str,
    /// The resolved `labels.success` / `labels.failure` (a merchant's own, or the English
    /// default, which is then translated).
    pub success_title: &'a str,
    pub failure_title: &'a str,
}

impl ScreenContext<'_> {
    fn tr(&self, en: &str) -> String {
        l10n::translate(self.locale, en)
    }

    fn screen(&self, state: &str, tone: &str, title: &str, text: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("state".into(), state.into());
        m.insert("tone".into(), tone.into());
        m.insert("title".into(), self.tr(title).into());
        m.insert("text".into(), text.into());
        m.insert("retry".into(), false.into());
        m
    }

    /// A failure the host hears about as `onFailure({error_code, error_message, attempts_left?})`.
    fn failure(&self, code: &str, message: &str, left: Option<u64>, retry: bool) -> Value {
        let mut text = self.tr(message);
        match left {
            Some(1) if retry => text = [text, self.tr("1 attempt left.")].join(" "),
            Some(n) if n > 1 && retry => {
                let more = self.tr("{n} attempts left.").replace("{n}", &n.to_string());
                text = [text, more].join(" ");
            }
            _ => {}
        }
        let mut s = self.screen("failure", "failure", self.failure_title, &text);
        s.insert("label".into(), "failure".into());
        s.insert("retry".into(), retry.into());
        notify_failure(&mut s, code, message, left);
        s.into()
    }

    /// Another payment on this session is still with the gateway: the form asks again shortly.
    fn processing(&self) -> Value {
        let text = self.tr("This can take a few seconds.");
        self.screen("processing", "neutral", "Payment in progress", &text)
            .into()
    }

    /// A screen with nothing to retry whose host event is `onFailure(code, message)`.
    fn notice(&self, state: &str, tone: &str, title: &str, code: &str, message: &str) -> Value {
        let mut s = self.screen(state, tone, title, &self.tr(message));
        notify_failure(&mut s, code, message, None);
        s.into()
    }

    fn paid(&self) -> Value {
        let m = "This payment is already complete.";
        self.notice("paid", "success", "Already paid", "already_completed", m)
    }

    fn cancelled(&self) -> Value {
        let m = "This payment was cancelled.";
        self.notice(
            "failure",
            "neutral",
            "Payment cancelled",
            "session_cancelled",
            m,
        )
    }

    fn expired(&self) -> Value {
        let text = self.tr("Ask for a new payment link to continue.");
        let mut s = self.screen(
            "expired",
            "neutral",
            "This payment session has expired",
            &text,
        );
        s.insert("event".into(), "expired".into());
        s.into()
    }

    fn invalid(&self) -> Value {
        let m = "This payment link is not valid. Ask for a new one to continue.";
        self.notice(
            "invalid",
            "failure",
            "Payment link not valid",
            "session_not_found",
            m,
        )
    }
}

fn notify_failure(s: &mut Map<String, Value>, code: &str, message: &str, left: Option<u64>) {
    let mut error = json!({ "error_code": code, "error_message": message });
    if let Some(n) = left {
        error["attempts_left"] = n.into();
    }
    s.insert("event".into(), "failure".into());
    s.insert("error".into(), error);
}

fn text_of<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The screen for a charge answer (`status`, JSON `body`) of SPEC §3.
pub fn charge_screen(status: u16, body: &Value, cx: &ScreenContext) -> Value {
    let code = text_of(body, "error_code");
    let detail = text_of(body, "detail");
    match (status, code) {
        (200..=299, _) => {
            let card = [
                cx.tr(Brand::from_name(text_of(body, "card_brand").unwrap_or("")).display_name()),
                " •••• ".into(),
                text_of(body, "card_last4").unwrap_or("").into(),
            ]
            .concat();
            let tpl = match text_of(body, "status") {
                Some("tokenized") => "{card} saved",
                Some("authorized") => "{amount} authorized on {card}",
                _ => "{amount} paid with {card}",
            };
            let text = cx
                .tr(tpl)
                .replace("{amount}", cx.amount_text)
                .replace("{card}", &card);
            let mut s = cx.screen("success", "success", cx.success_title, &text);
            s.insert("label".into(), "success".into());
            s.insert("event".into(), "success".into());
            s.into()
        }
        (402, _) => {
            let code = code.unwrap_or("card_declined");
            let left = body.get("attempts_left").and_then(Value::as_u64);
            let mut s = cx.failure(
                code,
                detail.unwrap_or("Your card was declined."),
                left,
                left != Some(0),
            );
            // "Try again" goes to the field the decline points at.
            s["focus"] = match code {
                "incorrect_cvc" => "cvc",
                "expired_card" => "exp_month",
                _ => "number",
            }
            .into();
            s
        }
        (409, Some("in_progress")) => cx.processing(),
        (409, Some("session_cancelled")) => cx.cancelled(),
        (409, _) => cx.paid(),
        (410, _) => cx.expired(),
        // The card-testing guard's refusals keep their own code; the session is not failed.
        (429, Some(c @ ("rate_limited" | "card_testing_suspected"))) => cx.failure(
            c,
            detail.unwrap_or("Too many payment attempts."),
            None,
            c == "rate_limited",
        ),
        (429, _) => cx.failure(
            "too_many_attempts",
            detail.unwrap_or("Too many declined attempts."),
            Some(0),
            false,
        ),
        (s, c) => {
            let code = c.map(String::from).unwrap_or_else(|| format!("http_{s}"));
            let m = detail.unwrap_or("The payment could not be completed. Please try again.");
            let mut s = cx.failure(&code, m, None, true);
            s["focus"] = "number".into();
            s
        }
    }
}

/// The session as the form page (or its poll) finds it.
pub enum Found {
    Session(SessionStatus),
    /// Past its expiry without a result (the API's 410).
    Expired,
    /// No such session (the API's 404).
    Unknown,
}

/// The screen a form opened on (or polling) this session shows instead of the card fields;
/// `None` while it takes a card.
pub fn session_screen(found: &Found, cx: &ScreenContext) -> Option<Value> {
    Some(match found {
        Found::Expired => cx.expired(),
        Found::Unknown => cx.invalid(),
        Found::Session(s) if s.is_paid() => cx.paid(),
        Found::Session(SessionStatus::Failed) => cx.failure(
            "session_failed",
            "This payment can no longer be completed.",
            None,
            false,
        ),
        Found::Session(SessionStatus::Processing) => cx.processing(),
        Found::Session(SessionStatus::Cancelled) => cx.cancelled(),
        Found::Session(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(locale: &str) -> ScreenContext<'_> {
        ScreenContext {
            locale,
            amount_text: "12,34 €",
            success_title: "Payment successful",
            failure_title: "Payment failed",
        }
    }

    #[test]
    fn success_names_amount_and_card_in_the_pages_language() {
        let body = json!({"status": "succeeded", "card_brand": "visa", "card_last4": "4242"});
        let s = charge_screen(200, &body, &cx("de-CH"));
        assert_eq!(s["state"], "success");
        assert_eq!(s["event"], "success");
        assert_eq!(s["title"], l10n::translate("de", "Payment successful"));
        assert_ne!(s["title"], "Payment successful");
        let text = s["text"].as_str().unwrap();
        assert!(
            text.contains("12,34 €") && text.contains("Visa •••• 4242"),
            "{text}"
        );
        let body = json!({"status": "tokenized", "card_brand": "mastercard", "card_last4": "4444"});
        let saved = charge_screen(200, &body, &cx("en"));
        assert_eq!(saved["text"], "Mastercard •••• 4444 saved");
        let unknown = json!({"status": "succeeded", "card_brand": "", "card_last4": "1111"});
        assert_eq!(
            charge_screen(200, &unknown, &cx("fr"))["text"],
            "12,34 € payés avec Carte •••• 1111"
        );
        let held = json!({"status": "authorized", "card_brand": "amex", "card_last4": "0005"});
        assert_eq!(
            charge_screen(200, &held, &cx("en"))["text"],
            "12,34 € authorized on American Express •••• 0005"
        );
    }

    #[test]
    fn a_merchants_title_is_kept_as_written() {
        let mut c = cx("fr");
        c.success_title = "Merci !";
        let s = charge_screen(200, &json!({"status": "succeeded"}), &c);
        assert_eq!(s["title"], "Merci !");
    }

    #[test]
    fn declines_count_attempts_and_point_at_a_field() {
        let body = json!({"detail": "Your card's security code is incorrect.",
            "error_code": "incorrect_cvc", "attempts_left": 2});
        let s = charge_screen(402, &body, &cx("en"));
        assert_eq!(s["state"], "failure");
        assert_eq!(s["retry"], true);
        assert_eq!(s["focus"], "cvc");
        assert_eq!(
            s["text"],
            "Your card's security code is incorrect. 2 attempts left."
        );
        assert_eq!(
            s["error"],
            json!({"error_code": "incorrect_cvc",
                "error_message": "Your card's security code is incorrect.", "attempts_left": 2})
        );
        let last = json!({"error_code": "card_declined", "attempts_left": 1});
        assert_eq!(
            charge_screen(402, &last, &cx("en"))["text"],
            "Your card was declined. 1 attempt left."
        );
        let none = json!({"error_code": "expired_card", "attempts_left": 0});
        let s = charge_screen(402, &none, &cx("en"));
        assert_eq!(
            (s["retry"].clone(), s["focus"].clone()),
            (json!(false), json!("exp_month"))
        );
        assert_eq!(s["text"], "Your card was declined.");
        // Translated: the decline text and the count.
        let s = charge_screen(402, &last, &cx("es"));
        assert_eq!(
            s["text"],
            [
                l10n::translate("es", "Your card was declined."),
                l10n::translate("es", "1 attempt left.")
            ]
            .join(" ")
        );
        assert_eq!(s["error"]["error_message"], "Your card was declined.");
    }

    #[test]
    fn every_other_answer_has_its_screen() {
        let c = cx("en");
        let s = |status, body: Value| charge_screen(status, &body, &c);
        let p = s(409, json!({"error_code": "in_progress"}));
        assert_eq!(
            (p["state"].clone(), p.get("event")),
            (json!("processing"), None)
        );
        let p = s(409, json!({"error_code": "session_cancelled"}));
        assert_eq!(p["error"]["error_code"], "session_cancelled");
        assert_eq!(p["title"], "Payment cancelled");
        let p = s(409, json!({"error_code": "already_completed"}));
        assert_eq!(
            (p["state"].clone(), p["tone"].clone()),
            (json!("paid"), json!("success"))
        );
        assert_eq!(p["error"]["error_code"], "already_completed");
        let p = s(410, json!({"error_code": "session_expired"}));
        assert_eq!(
            (p["state"].clone(), p["event"].clone()),
            (json!("expired"), json!("expired"))
        );
        let p = s(
            429,
            json!({"error_code": "rate_limited", "detail": "Slow down."}),
        );
        assert_eq!(
            (p["text"].clone(), p["retry"].clone()),
            (json!("Slow down."), json!(true))
        );
        let p = s(429, json!({"error_code": "card_testing_suspected"}));
        assert_eq!(
            (p["text"].clone(), p["retry"].clone()),
            (json!("Too many payment attempts."), json!(false))
        );
        let p = s(429, json!({"error_code": "too_many_attempts"}));
        assert_eq!(p["error"]["attempts_left"], 0);
        assert_eq!(p["retry"], false);
        let p = s(
            502,
            json!({"error_code": "gateway_unavailable", "detail": "Try again."}),
        );
        assert_eq!(
            (p["retry"].clone(), p["error"]["error_code"].clone()),
            (json!(true), json!("gateway_unavailable"))
        );
        let p = s(503, Value::Null);
        assert_eq!(p["error"]["error_code"], "http_503");
        assert_eq!(
            p["text"],
            "The payment could not be completed. Please try again."
        );
    }

    #[test]
    fn session_screens() {
        let c = cx("ja");
        assert!(session_screen(&Found::Session(SessionStatus::Pending), &c).is_none());
        let paid = session_screen(&Found::Session(SessionStatus::Refunded), &c).unwrap();
        assert_eq!(paid["state"], "paid");
        assert_eq!(paid["title"], l10n::translate("ja", "Already paid"));
        let s = session_screen(&Found::Session(SessionStatus::Failed), &c).unwrap();
        assert_eq!(
            (s["state"].clone(), s["retry"].clone()),
            (json!("failure"), json!(false))
        );
        assert_eq!(s["error"]["error_code"], "session_failed");
        let s = session_screen(&Found::Session(SessionStatus::Processing), &c).unwrap();
        assert_eq!(s["state"], "processing");
        let s = session_screen(&Found::Expired, &c).unwrap();
        assert_eq!(s["event"], "expired");
        let s = session_screen(&Found::Unknown, &c).unwrap();
        assert_eq!(
            (s["state"].clone(), s["error"]["error_code"].clone()),
            (json!("invalid"), json!("session_not_found"))
        );
    }
}
