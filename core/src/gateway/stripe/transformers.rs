//! Stripe wire types. Requests follow `stripe/openapi` spec3.yaml (API 2023-08-16) request
//! bodies of `POST /v1/payment_methods`, `/v1/payment_intents`, `/v1/customers`; responses follow
//! its `payment_method`, `payment_intent`, `customer` and `error`/`api_errors` schemas.

use crate::card::{Brand, ValidCard};
use crate::error::DeclineCode;
use crate::secret::Secret;
use serde::Deserialize;

/// `application/x-www-form-urlencoded` with Stripe's bracket nesting. Keys keep their brackets
/// readable (as in Stripe's curl examples); values are fully escaped.
#[derive(Default)]
struct Form(String);

impl Form {
    fn push(&mut self, key: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        escape(&mut self.0, key, b"[]");
        self.0.push('=');
        escape(&mut self.0, value, b"");
    }

    fn push_opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(key, v);
        }
    }
}

/// WHATWG urlencoded byte serializer: alnum and `*-._` stay, space is `+`, the rest `%XX`.
fn escape(out: &mut String, s: &str, keep: &[u8]) {
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ if keep.contains(&b) => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// `POST /v1/payment_methods` (`type=card`, `card_details_params`, `billing_details_inner_params`).
#[derive(Debug)]
pub struct PaymentMethodRequest {
    pub card_number: Secret,
    pub exp_month: u32,
    pub exp_year: u32,
    pub cvc: Secret,
    pub name: Option<String>,
    pub postal_code: Option<String>,
}

impl PaymentMethodRequest {
    pub fn from_card(card: &ValidCard) -> Self {
        PaymentMethodRequest {
            card_number: card.number.clone(),
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            cvc: card.cvc.clone(),
            name: card.name.clone(),
            postal_code: card.postal_code.clone(),
        }
    }

    /// The form body; the only place the card number and CVC leave their `Secret`.
    pub fn encode(&self) -> String {
        let mut f = Form::default();
        f.push("type", "card");
        f.push("card[number]", self.card_number.expose());
        f.push("card[exp_month]", &self.exp_month.to_string());
        f.push("card[exp_year]", &self.exp_year.to_string());
        f.push("card[cvc]", self.cvc.expose());
        f.push_opt("billing_details[name]", self.name.as_deref());
        f.push_opt(
            "billing_details[address][postal_code]",
            self.postal_code.as_deref(),
        );
        f.0
    }
}

/// `capture_method` of a PaymentIntent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureMethod {
    Automatic,
    Manual,
}

/// `POST /v1/payment_intents`, created and confirmed in one call.
#[derive(Debug)]
pub struct PaymentIntentRequest {
    /// In Stripe's minor units (`super::amount_for`).
    pub amount: u64,
    /// Lower-case ISO code, as Stripe documents.
    pub currency: String,
    pub payment_method: String,
    pub capture_method: CaptureMethod,
    pub description: Option<String>,
    pub session_id: String,
    pub attempt: u32,
}

impl PaymentIntentRequest {
    pub fn encode(&self) -> String {
        let mut f = Form::default();
        f.push("amount", &self.amount.to_string());
        f.push("currency", &self.currency);
        f.push("confirm", "true");
        f.push("payment_method_types[]", "card");
        // Fail instead of parking in `requires_action` (3DS): no customer is there to act.
        f.push("error_on_requires_action", "true");
        f.push("payment_method", &self.payment_method);
        f.push(
            "capture_method",
            match self.capture_method {
                CaptureMethod::Automatic => "automatic",
                CaptureMethod::Manual => "manual",
            },
        );
        f.push_opt("description", self.description.as_deref());
        f.push("metadata[session_id]", &self.session_id);
        f.push("metadata[attempt]", &self.attempt.to_string());
        f.0
    }
}

/// `POST /v1/customers` with the payment method to attach (which makes Stripe check the card).
#[derive(Debug)]
pub struct CustomerRequest {
    pub payment_method: String,
    pub description: Option<String>,
    pub session_id: String,
    pub attempt: u32,
}

impl CustomerRequest {
    pub fn encode(&self) -> String {
        let mut f = Form::default();
        f.push("payment_method", &self.payment_method);
        f.push_opt("description", self.description.as_deref());
        f.push("metadata[session_id]", &self.session_id);
        f.push("metadata[attempt]", &self.attempt.to_string());
        f.0
    }
}

/// The query string of a Search API lookup (`GET /v1/{payment_intents,customers}/search`) for
/// one attempt, by the metadata every create carries; `expand` names what to expand.
pub fn search_query(session_id: &str, attempt: u32, expand: Option<&str>) -> String {
    // Search query language: quotes inside a value are escaped with a backslash.
    let quote = |v: &str| v.replace('\\', "\\\\").replace('\'', "\\'");
    let query = format!(
        "metadata['session_id']:'{}' AND metadata['attempt']:'{attempt}'",
        quote(session_id)
    );
    let mut f = Form::default();
    f.push("query", &query);
    f.push_opt("expand[]", expand);
    f.0
}

/// Schema `payment_method` (only what we read).
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    #[serde(default)]
    pub card: Option<PaymentMethodCard>,
}

/// Schema `payment_method_card`.
#[derive(Debug, Clone, Deserialize)]
pub struct PaymentMethodCard {
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
}

/// Schema `payment_intent`.
#[derive(Debug, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: IntentStatus,
    /// Minor units as Stripe counts them.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Lower-case ISO code.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub last_payment_error: Option<ApiErrorBody>,
    /// An id, or the object when expanded (lookups expand it for brand and last 4).
    #[serde(default)]
    pub payment_method: Option<serde_json::Value>,
}

impl PaymentIntent {
    /// The expanded `payment_method`, if it was.
    pub fn expanded_payment_method(&self) -> Option<PaymentMethod> {
        self.payment_method
            .as_ref()
            .filter(|v| v.is_object())
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

/// `payment_intent.status`: the values the schema lists, and `Unknown` for any other (a status
/// added later, or a typo), which no arm treats as money taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Canceled,
    Succeeded,
    #[serde(other)]
    Unknown,
}

impl IntentStatus {
    /// The wire value, for messages; an unknown value is not repeated (it came from the body).
    pub fn as_str(self) -> &'static str {
        match self {
            IntentStatus::RequiresPaymentMethod => "requires_payment_method",
            IntentStatus::RequiresConfirmation => "requires_confirmation",
            IntentStatus::RequiresAction => "requires_action",
            IntentStatus::Processing => "processing",
            IntentStatus::RequiresCapture => "requires_capture",
            IntentStatus::Canceled => "canceled",
            IntentStatus::Succeeded => "succeeded",
            IntentStatus::Unknown => "(undocumented)",
        }
    }
}

/// Schema `search_result` (`GET /v1/…/search`).
#[derive(Debug, Deserialize)]
pub struct SearchResult<T> {
    pub data: Vec<T>,
}

/// A list (`GET /v1/customers/{id}/payment_methods`).
#[derive(Debug, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

/// Schema `customer`.
#[derive(Debug, Deserialize)]
pub struct Customer {
    pub id: String,
}

/// Schema `error`: every non-2xx body.
#[derive(Debug, Deserialize)]
pub struct ErrorResponse {
    pub error: ApiErrorBody,
}

/// Schema `api_errors`.
#[derive(Debug, Deserialize)]
pub struct ApiErrorBody {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// The parameter an `invalid_request_error` is about.
    #[serde(default)]
    pub param: Option<String>,
}

/// `payment_method_card.brand` → ours (`eftpos_au` and future brands → unknown).
pub fn brand(stripe: &str) -> Brand {
    match stripe {
        "visa" => Brand::Visa,
        "mastercard" => Brand::Mastercard,
        "amex" => Brand::Amex,
        "discover" => Brand::Discover,
        "diners" => Brand::Diners,
        "jcb" => Brand::Jcb,
        "unionpay" => Brand::Unionpay,
        _ => Brand::Unknown,
    }
}

/// Stripe's `code` / `decline_code` → our vocabulary (docs.stripe.com/declines/codes).
pub fn decline_code(err: &ApiErrorBody) -> DeclineCode {
    let code = err.code.as_deref().unwrap_or_default();
    let decline = err.decline_code.as_deref().unwrap_or_default();
    if decline == "insufficient_funds" || code == "insufficient_funds" {
        DeclineCode::InsufficientFunds
    } else if code == "expired_card" || decline == "expired_card" {
        DeclineCode::ExpiredCard
    } else if matches!(code, "incorrect_cvc" | "invalid_cvc") || decline == "incorrect_cvc" {
        DeclineCode::IncorrectCvc
    } else if code == "processing_error" || decline == "processing_error" {
        DeclineCode::ProcessingError
    } else {
        DeclineCode::CardDeclined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_values_but_keeps_key_brackets() {
        let mut f = Form::default();
        f.push("billing_details[name]", "Zoë O'Neil & co=1");
        assert_eq!(f.0, "billing_details[name]=Zo%C3%AB+O%27Neil+%26+co%3D1");
    }

    #[test]
    fn intent_status_names_are_the_wire_values() {
        use IntentStatus::*;
        for s in [
            RequiresPaymentMethod,
            RequiresConfirmation,
            RequiresAction,
            Processing,
            RequiresCapture,
            Canceled,
            Succeeded,
        ] {
            let parsed: IntentStatus =
                serde_json::from_str(&format!("\"{}\"", s.as_str())).unwrap();
            assert_eq!(parsed, s);
        }
        let other: IntentStatus = serde_json::from_str(r#""requires_source""#).unwrap();
        assert_eq!(other, Unknown);
    }

    #[test]
    fn decline_mapping() {
        let e = |code: &str, decline: &str| ApiErrorBody {
            kind: Some("card_error".into()),
            code: Some(code.into()),
            decline_code: Some(decline.into()).filter(|d: &String| !d.is_empty()),
            message: None,
            param: None,
        };
        assert_eq!(
            decline_code(&e("card_declined", "generic_decline")),
            DeclineCode::CardDeclined
        );
        assert_eq!(
            decline_code(&e("card_declined", "insufficient_funds")),
            DeclineCode::InsufficientFunds
        );
        assert_eq!(
            decline_code(&e("expired_card", "")),
            DeclineCode::ExpiredCard
        );
        assert_eq!(
            decline_code(&e("incorrect_cvc", "")),
            DeclineCode::IncorrectCvc
        );
        assert_eq!(
            decline_code(&e("processing_error", "")),
            DeclineCode::ProcessingError
        );
        assert_eq!(
            decline_code(&e("incorrect_number", "")),
            DeclineCode::CardDeclined
        );
    }
}
