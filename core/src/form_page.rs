//! What the edge renders into the per-session form page (`GET /widget/{id}`) besides the
//! strings block (`l10n`): the session itself, so the form's wasm starts from the page instead
//! of fetching `GET /v1/widget-sessions/{id}` first (one round trip less before the form is
//! ready, and no session-loading code in the module every payer downloads).
//!
//! A JSON data block, `<script type="application/json" id="mv-session">`: never executed, so
//! the page's strict `script-src` does not apply to it. It always carries `locale` (the page's
//! locale, canonical: `<html lang>` and number formatting), and then one of:
//! - the public session view (`PublicSession`) plus `amount_text`, the amount as that locale
//!   writes money (formatted by the edge's `Intl.NumberFormat`, passed in: this module is
//!   sans-I/O), with its labels in that locale's language where they are the English defaults;
//! - `"expired": true` for a session past its expiry without a result (the API's 410);
//! - nothing else for an unknown session (the API's 404);
//! - and `screen` when the form cannot take a card (`form_screen`): paid, failed, cancelled,
//!   processing, expired or unknown.

use crate::customization::Labels;
use crate::form_screen::{session_screen, Found, ScreenContext};
use crate::l10n;
use crate::session::PublicSession;
use serde_json::{json, Value};

/// The session as the page shows it.
pub enum PageSession<'a> {
    Live {
        view: &'a PublicSession,
        amount_text: &'a str,
    },
    Expired,
    Unknown,
}

/// The canonical form of a well-formed BCP 47 tag ("de-ch" → "de-CH"), else "en".
pub fn canonical_locale(tag: &str) -> String {
    icu_locale_core::Locale::try_from_str(tag)
        .map(|l| l.to_string())
        .unwrap_or_else(|_| "en".into())
}

/// The block's JSON object. A session the form cannot take a card for (paid, failed,
/// cancelled, processing, expired, unknown) also carries the `screen` to show instead
/// (`form_screen::session_screen`).
pub fn session_json(session: &PageSession, locale: &str) -> Value {
    let locale = canonical_locale(locale);
    let defaults = Labels::default();
    let (mut v, found, labels, amount_text) = match session {
        PageSession::Live { view, amount_text } => {
            let mut v = serde_json::to_value(view).unwrap_or_else(|_| json!({}));
            v["amount_text"] = json!(amount_text);
            // The labels in the page's language: an English default is translated, a
            // merchant's own text stays as written (the form shows them as they come).
            if let Some(labels) = v.get_mut("labels").and_then(Value::as_object_mut) {
                for text in labels.values_mut() {
                    if let Some(en) = text.as_str() {
                        *text = l10n::translate(&locale, en).into();
                    }
                }
            }
            (v, Found::Session(view.status), &view.labels, *amount_text)
        }
        PageSession::Expired => (json!({ "expired": true }), Found::Expired, &defaults, ""),
        PageSession::Unknown => (json!({}), Found::Unknown, &defaults, ""),
    };
    let cx = ScreenContext {
        locale: &locale,
        amount_text,
        success_title: &labels.success,
        failure_title: &labels.failure,
    };
    if let Some(screen) = session_screen(&found, &cx) {
        v["screen"] = screen;
    }
    v["locale"] = json!(locale);
    v
}

/// The data block (`session_json`'s object) for the page's `<head>`. Every `<` is escaped
/// (`\u003c`, still the same JSON string): a description or label containing `</script>`
/// cannot end the element.
pub fn session_element(block: &Value) -> String {
    let json = block.to_string().replace('<', "\\u003c");
    [
        "<script type=\"application/json\" id=\"mv-session\">",
        &json,
        "</script>",
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pending CHF session with the default customization, rendered for Switzerland.
    fn sample_view() -> PublicSession {
        PublicSession {
            session_id: "s1".into(),
            status: crate::session::SessionStatus::Pending,
            amount_cents: 123_450,
            currency: "chf".into(),
            description: Some("Tea </script><script>alert(1)</script>".into()),
            mode: "charge".into(),
            capture: true,
            expires_at: "2026-11-29T15:00:00Z".into(),
            environment: "test".into(),
            project_name: "Demo".into(),
            theme: Default::default(),
            labels: Default::default(),
            fields: Default::default(),
            locale: Some("de-CH".into()),
            color_scheme: None,
        }
    }

    #[test]
    fn locales_are_canonical_or_english() {
        assert_eq!(canonical_locale("de-ch"), "de-CH");
        assert_eq!(canonical_locale("pt-br"), "pt-BR");
        assert_eq!(canonical_locale("ja"), "ja");
        assert_eq!(canonical_locale("not a tag!"), "en");
        assert_eq!(canonical_locale(""), "en");
    }

    #[test]
    fn a_live_session_is_its_view_plus_amount_and_locale_and_cannot_end_the_element() {
        let view = sample_view();
        let live = PageSession::Live {
            view: &view,
            amount_text: "CHF 1’234.50",
        };
        let v = session_json(&live, "de-ch");
        assert_eq!(v["amount_text"], "CHF 1’234.50");
        assert_eq!(v["locale"], "de-CH");
        assert_eq!(v["amount_cents"], 123_450);
        assert_eq!(v["status"], "pending");
        assert!(v.get("screen").is_none(), "a pending session takes a card");
        // Labels in the page's language (German: the de-CH page).
        assert_eq!(v["labels"]["card_number"], "Kartennummer");
        let el = session_element(&session_json(&live, "de-CH"));
        let inner = el
            .strip_prefix("<script type=\"application/json\" id=\"mv-session\">")
            .and_then(|s| s.strip_suffix("</script>"))
            .unwrap();
        assert!(!inner.contains('<'), "{inner}");
        // Still the same JSON once parsed.
        assert_eq!(serde_json::from_str::<Value>(inner).unwrap(), v);
    }

    #[test]
    fn a_paid_session_carries_its_screen_in_the_pages_language() {
        let mut view = PublicSession {
            status: crate::session::SessionStatus::Captured,
            locale: None,
            ..sample_view()
        };
        let live = |view: &PublicSession| {
            session_json(
                &PageSession::Live {
                    view,
                    amount_text: "CHF 1’234.50",
                },
                "de",
            )
        };
        let v = live(&view);
        assert_eq!(v["screen"]["state"], "paid");
        assert_eq!(v["screen"]["title"], "Bereits bezahlt");
        view.status = crate::session::SessionStatus::Failed;
        view.labels.failure = "Leider nein".into();
        let v = live(&view);
        assert_eq!(v["screen"]["title"], "Leider nein");
        assert_eq!(v["screen"]["error"]["error_code"], "session_failed");
    }

    #[test]
    fn expired_and_unknown_carry_only_the_locale_and_their_screen() {
        let expired = session_json(&PageSession::Expired, "fr");
        assert_eq!(expired["expired"], true);
        assert_eq!(expired["locale"], "fr");
        assert_eq!(expired["screen"]["event"], "expired");
        let unknown = session_json(&PageSession::Unknown, "de-ch");
        assert_eq!(unknown["locale"], "de-CH");
        assert_eq!(unknown["screen"]["state"], "invalid");
        assert_eq!(unknown.as_object().unwrap().len(), 2);
    }
}
