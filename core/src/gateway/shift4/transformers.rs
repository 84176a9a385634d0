//! Shift4 (api.shift4.com) wire types. No OpenAPI is published; fields follow the official
//! `shift4developer/shift4-java` classes named on each struct (JSON camelCase).

use crate::card::{Brand, ValidCard};
use crate::error::DeclineCode;
use crate::gateway::common::{clip, month2};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// `request/ChargeRequest.java` (the fields we send, in WIRE.md order).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRequest {
    /// Minor units.
    pub amount: u64,
    /// Upper-case ISO code.
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `false` = authorize only.
    pub captured: bool,
    pub card: CardRequest,
    pub metadata: Metadata,
}

/// `request/CardRequest.java`; also the body of `POST /tokens` (`TokenRequest.java`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardRequest {
    pub number: Secret,
    pub exp_month: String,
    pub exp_year: String,
    pub cvc: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cardholder_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_zip: Option<String>,
}

impl CardRequest {
    pub fn from_card(card: &ValidCard) -> Self {
        CardRequest {
            number: card.number.clone(),
            exp_month: month2(card.exp_month),
            exp_year: card.exp_year.to_string(),
            cvc: card.cvc.clone(),
            cardholder_name: clip(card.name.as_deref(), 100),
            address_zip: clip(card.postal_code.as_deref(), 16),
        }
    }
}

/// Free-form `metadata` map; our keys are snake_case on purpose (data, not field names). The
/// lookup matches both.
#[derive(Debug, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct Metadata {
    #[serde(default)]
    pub session_id: String,
    /// Attempt number, as a string (metadata values are strings).
    #[serde(default)]
    pub attempt: String,
}

/// `request/CustomerRequest.java`: a customer whose card is a token id. `email` is required by
/// `POST /customers`; see `super::customer_email`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequest {
    pub email: String,
    pub card: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub metadata: Metadata,
}

/// `response/Charge.java`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    pub id: String,
    /// Minor units.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Upper-case ISO code.
    #[serde(default)]
    pub currency: Option<String>,
    pub status: ChargeStatus,
    #[serde(default)]
    pub captured: Option<bool>,
    #[serde(default)]
    pub card: Option<Card>,
    #[serde(default)]
    pub failure_code: Option<String>,
    #[serde(default)]
    pub failure_message: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// `enums/ChargeStatus`: `successful` | `pending` | `failed`, and `Unknown` for any other value
/// (the class's own `UNRECOGNIZED`), which no arm treats as money taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChargeStatus {
    Successful,
    Pending,
    Failed,
    #[serde(other)]
    Unknown,
}

impl ChargeStatus {
    /// The wire value, for messages; an unknown value is not repeated (it came from the body).
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeStatus::Successful => "successful",
            ChargeStatus::Pending => "pending",
            ChargeStatus::Failed => "failed",
            ChargeStatus::Unknown => "(undocumented)",
        }
    }
}

/// `response/Card.java` (also what `Token.java` carries: first6, last4, brand).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub last4: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
}

/// `response/Token.java`.
#[derive(Debug, Deserialize)]
pub struct Token {
    pub id: String,
    #[serde(flatten)]
    pub card: Card,
}

/// `response/Customer.java`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub default_card_id: Option<String>,
    #[serde(default)]
    pub cards: Vec<Card>,
}

/// `response/ErrorResponse.java`: every non-2xx body.
#[derive(Debug, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// `invalid_request` | `card_error` | `gateway_error` | `rate_limit_error`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// `enums/CardBrand` → ours.
pub fn brand(shift4: &str) -> Brand {
    match shift4.to_ascii_lowercase().as_str() {
        "visa" => Brand::Visa,
        "mastercard" => Brand::Mastercard,
        "american express" => Brand::Amex,
        "discover" => Brand::Discover,
        "diners club" => Brand::Diners,
        "jcb" => Brand::Jcb,
        "unionpay" | "china unionpay" => Brand::Unionpay,
        _ => Brand::Unknown,
    }
}

/// `enums/ErrorCode`: our five codes exist there verbatim; the rest are other card problems.
pub fn decline_code(code: &str) -> DeclineCode {
    match code {
        "insufficient_funds" => DeclineCode::InsufficientFunds,
        "expired_card" => DeclineCode::ExpiredCard,
        "incorrect_cvc" | "invalid_cvc" => DeclineCode::IncorrectCvc,
        "processing_error" => DeclineCode::ProcessingError,
        _ => DeclineCode::CardDeclined,
    }
}

/// `response/ListResponse.java`: `GET /charges`, `GET /customers`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    #[serde(default = "Vec::new")]
    pub list: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}
