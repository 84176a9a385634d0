//! Stripe's wire shapes: the OpenAPI `error` object (400/401/402/404), API-key auth, and the
//! form body with Stripe's "Received unknown parameter" check.

use crate::cards::Outcome;
use crate::http::{self, Request, Response};
use serde_json::{json, Map, Value};

use super::SECRET_KEY;

/// Stripe OpenAPI `error`.
pub fn error(kind: &str, code: Option<&str>, param: Option<&str>, msg: &str) -> Value {
    let mut e = Map::new();
    e.insert("type".into(), kind.into());
    if let Some(code) = code {
        e.insert("code".into(), code.into());
        let doc = format!(
            "https://stripe.com/docs/error-codes/{}",
            code.replace('_', "-")
        );
        e.insert("doc_url".into(), doc.into());
    }
    if let Some(param) = param {
        e.insert("param".into(), param.into());
    }
    e.insert("message".into(), msg.into());
    json!({ "error": e })
}

pub fn invalid(code: &str, param: &str, msg: &str) -> Response {
    Response::json(
        400,
        &error("invalid_request_error", Some(code), Some(param), msg),
    )
}

pub fn missing(param: &str) -> Response {
    invalid(
        "parameter_missing",
        param,
        &format!("Missing required param: {param}."),
    )
}

/// `card_error` for a decline (402); `extra` carries `payment_intent`, `charge`, ….
pub fn card_error(outcome: Outcome, extra: &[(&str, Value)]) -> Response {
    let (code, decline, msg) = match outcome {
        Outcome::InsufficientFunds => (
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        Outcome::ExpiredCard => ("expired_card", "expired_card", "Your card has expired."),
        Outcome::IncorrectCvc => (
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
        Outcome::ProcessingError => (
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
        Outcome::CardDeclined | Outcome::Approved => (
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
    };
    let mut body = error("card_error", Some(code), None, msg);
    if let Some(e) = body["error"].as_object_mut() {
        e.insert("decline_code".into(), decline.into());
        for (k, v) in extra {
            e.insert((*k).into(), v.clone());
        }
    }
    Response::json(402, &body)
}

/// Card syntax errors at `/v1/payment_methods` (402 `card_error` with a `param`).
pub fn card_field_error(code: &str, param: &str, msg: &str) -> Response {
    Response::json(402, &error("card_error", Some(code), Some(param), msg))
}

pub fn auth(req: &Request) -> Result<(), Response> {
    let key = match http::bearer(req) {
        Some(k) => Some(k.to_string()),
        None => http::basic_auth(req).map(|(user, _)| user),
    };
    match key {
        Some(k) if k == SECRET_KEY => Ok(()),
        Some(k) => {
            let tail: String = k.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            let head: String = k.chars().take(8).collect();
            let msg = format!("Invalid API Key provided: {head}****{tail}");
            Err(Response::json(401, &error("invalid_request_error", None, None, &msg)))
        }
        None => Err(Response::json(401, &error("invalid_request_error", None, None,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."))),
    }
}

/// A parsed form body with Stripe's "unknown parameter" check.
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `metadata[k]=v` pairs → `{"k": "v"}`.
    pub fn object(&self, prefix: &str) -> Value {
        let mut m = Map::new();
        for (k, v) in &self.0 {
            if let Some(inner) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('[')) {
                m.insert(inner.trim_end_matches(']').to_string(), v.clone().into());
            }
        }
        Value::Object(m)
    }

    /// First key that is neither listed nor a `metadata[key]` entry (one level, no nested
    /// brackets: `metadata[a][b]` is unknown), as Stripe's "Received unknown parameter".
    pub fn unknown(&self, exact: &[&str]) -> Option<String> {
        self.0
            .iter()
            .map(|(k, _)| k)
            .find(|k| !exact.contains(&k.as_str()) && metadata_key(k).is_none())
            .cloned()
    }

    /// Stripe's metadata limits (docs.stripe.com/api/metadata): at most 50 keys, keys up to 40
    /// characters, values up to 500.
    pub fn metadata_error(&self) -> Option<Response> {
        let entries: Vec<(&str, &str)> = self
            .0
            .iter()
            .filter_map(|(k, v)| metadata_key(k).map(|key| (key, v.as_str())))
            .collect();
        if entries.len() > 50 {
            return Some(invalid(
                "parameter_invalid_string",
                "metadata",
                "Invalid metadata: metadata can have up to 50 keys.",
            ));
        }
        for (key, value) in entries {
            let param = format!("metadata[{key}]");
            if key.is_empty() || key.chars().count() > 40 {
                let msg = "Invalid metadata: metadata keys must be 1 to 40 characters.";
                return Some(invalid("parameter_invalid_string", &param, msg));
            }
            if value.chars().count() > 500 {
                let msg = "Invalid metadata: metadata values can have up to 500 characters.";
                return Some(invalid("parameter_invalid_string", &param, msg));
            }
        }
        None
    }
}

/// `metadata[key]` → `key` (no nested brackets inside).
fn metadata_key(k: &str) -> Option<&str> {
    let inner = k.strip_prefix("metadata[")?.strip_suffix(']')?;
    (!inner.contains('[') && !inner.contains(']')).then_some(inner)
}

/// `billing_details[…]` parameters of `POST /v1/payment_methods` (spec3
/// `billing_details_inner_params`, `billing_details_address`).
pub const BILLING_DETAILS: &[&str] = &[
    "billing_details[name]",
    "billing_details[email]",
    "billing_details[phone]",
    "billing_details[address][city]",
    "billing_details[address][country]",
    "billing_details[address][line1]",
    "billing_details[address][line2]",
    "billing_details[address][postal_code]",
    "billing_details[address][state]",
];

/// The unknown-parameter answer.
pub fn unknown_param(k: &str) -> Response {
    invalid(
        "parameter_unknown",
        k,
        &format!("Received unknown parameter: {k}"),
    )
}
