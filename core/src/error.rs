//! The one error type of the API. Every failure the edge answers with is an `ApiError`, and
//! `status()` + `body()` render it in one place, so every error body has `detail`.

#[allow(unused_imports)]
use crate::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

/// One entry of a FastAPI-shaped 422: `{"loc": [...], "msg": "...", "type": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub loc: Vec<Loc>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// A `loc` item: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Loc {
    Key(String),
    Index(usize),
}

impl From<&str> for Loc {
    fn from(s: &str) -> Self {
        Loc::Key(s.to_string())
    }
}

impl From<usize> for Loc {
    fn from(i: usize) -> Self {
        Loc::Index(i)
    }
}

impl FieldError {
    pub fn new(loc: Vec<Loc>, kind: &'static str, msg: impl Into<String>) -> Self {
        FieldError {
            loc,
            msg: msg.into(),
            kind,
        }
    }
}

/// Declines answered with 402, in the vocabulary of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineCode {
    CardDeclined,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
    ProcessingError,
}

impl DeclineCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => "card_declined",
            DeclineCode::InsufficientFunds => "insufficient_funds",
            DeclineCode::ExpiredCard => "expired_card",
            DeclineCode::IncorrectCvc => "incorrect_cvc",
            DeclineCode::ProcessingError => "processing_error",
        }
    }

    /// The sentence a customer reads.
    pub fn message(self) -> &'static str {
        match self {
            DeclineCode::CardDeclined => "Your card was declined.",
            DeclineCode::InsufficientFunds => "Your card has insufficient funds.",
            DeclineCode::ExpiredCard => "Your card has expired.",
            DeclineCode::IncorrectCvc => "Your card's security code is incorrect.",
            DeclineCode::ProcessingError => {
                "An error occurred while processing your card. Try again."
            }
        }
    }
}

/// Every machine-readable `error_code` the API answers with besides the decline codes: one
/// enum, so errors cross module and Durable Object boundaries typed, never as free strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    GatewayNotConfigured,
    InvalidRequest,
    AlreadyCompleted,
    SlugTaken,
    InvalidIdempotencyKey,
    InvalidBody,
    InProgress,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    CurrencyNotSupported,
    AmountNotSupported,
    SessionExpired,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyAttempts,
    GatewayUnavailable,
    RateLimited,
    CardTestingSuspected,
    FormTokenMissing,
    FormTokenInvalid,
    FormTokenExpired,
    OriginNotAllowed,
    KeyNotActive,
    AccountLocked,
    AlreadyMember,
    OwnerRequired,
    CsrfFailed,
    SessionCancelled,
    SessionNotPending,
    /// Capture or void of a session that is not `authorized`.
    NotAuthorized,
    /// Refund of a session with no captured money (not yet captured, voided, failed, …).
    NotRefundable,
    /// A capture above the authorized amount.
    AmountExceedsAuthorized,
    /// A refund above what is captured and not yet refunded.
    AmountExceedsRefundable,
    /// A partial capture on a gateway that captures only the whole authorization.
    PartialCaptureUnsupported,
    /// A partial refund before the gateway settled the transaction (Authorize.net, Braintree).
    RefundBeforeSettlement,
    /// The gateway refused the operation (nothing moved); `detail` has its message.
    GatewayRefused,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::GatewayNotConfigured => "gateway_not_configured",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::AlreadyCompleted => "already_completed",
            ErrorCode::SlugTaken => "slug_taken",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::InProgress => "in_progress",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::IdempotencyInProgress => "idempotency_in_progress",
            ErrorCode::CurrencyNotSupported => "currency_not_supported",
            ErrorCode::AmountNotSupported => "amount_not_supported",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::GatewayUnavailable => "gateway_unavailable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::CardTestingSuspected => "card_testing_suspected",
            ErrorCode::FormTokenMissing => "form_token_missing",
            ErrorCode::FormTokenInvalid => "form_token_invalid",
            ErrorCode::FormTokenExpired => "form_token_expired",
            ErrorCode::OriginNotAllowed => "origin_not_allowed",
            ErrorCode::KeyNotActive => "key_not_active",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::AlreadyMember => "already_member",
            ErrorCode::OwnerRequired => "owner_required",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::SessionCancelled => "session_cancelled",
            ErrorCode::SessionNotPending => "session_not_pending",
            ErrorCode::NotAuthorized => "session_not_authorized",
            ErrorCode::NotRefundable => "session_not_refundable",
            ErrorCode::AmountExceedsAuthorized => "amount_exceeds_authorized",
            ErrorCode::AmountExceedsRefundable => "amount_exceeds_refundable",
            ErrorCode::PartialCaptureUnsupported => "partial_capture_unsupported",
            ErrorCode::RefundBeforeSettlement => "refund_before_settlement",
            ErrorCode::GatewayRefused => "gateway_refused",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 422 with every problem listed.
    Validation(Vec<FieldError>),
    /// 400 with a machine code, e.g. `gateway_not_configured`.
    BadRequest {
        detail: String,
        code: ErrorCode,
    },
    Unauthorized(String),
    /// 403 with a machine code, e.g. `form_token_missing`.
    Forbidden {
        detail: String,
        code: ErrorCode,
    },
    NotFound(String),
    MethodNotAllowed,
    Conflict {
        detail: String,
        code: ErrorCode,
    },
    /// 422 for a well-formed request the session's money cannot take (over-refund, …).
    Unprocessable {
        detail: String,
        code: ErrorCode,
    },
    Gone(String),
    PayloadTooLarge,
    UnsupportedMediaType,
    Declined {
        code: DeclineCode,
        attempts_left: u32,
    },
    TooManyAttempts,
    /// 429 from the card-testing guard (`crate::guard`), distinct from a session's own
    /// `too_many_attempts`; the edge adds `Retry-After`.
    Throttled {
        code: ErrorCode,
        retry_after_secs: u64,
    },
    /// 429 with `Retry-After` (seconds).
    RateLimited {
        detail: String,
        code: ErrorCode,
        retry_after: u64,
    },
    GatewayUnavailable(String),
    Internal(String),
}

/// Largest request body the API accepts (SPEC §2).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::Validation(_) => 422,
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Declined { .. } => 402,
            ApiError::Forbidden { .. } => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::Conflict { .. } => 409,
            ApiError::Unprocessable { .. } => 422,
            ApiError::Gone(_) => 410,
            ApiError::PayloadTooLarge => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::TooManyAttempts
            | ApiError::Throttled { .. }
            | ApiError::RateLimited { .. } => 429,
            ApiError::Internal(_) => 500,
            ApiError::GatewayUnavailable(_) => 502,
        }
    }

    pub fn body(&self) -> Value {
        match self {
            ApiError::Validation(errors) => json!({ "detail": errors }),
            ApiError::BadRequest { detail, code }
            | ApiError::Conflict { detail, code }
            | ApiError::Unprocessable { detail, code }
            | ApiError::Forbidden { detail, code } => {
                json!({ "detail": detail, "error_code": code.as_str() })
            }
            ApiError::Unauthorized(d) | ApiError::NotFound(d) | ApiError::Internal(d) => {
                json!({ "detail": d })
            }
            ApiError::Gone(d) => {
                json!({ "detail": d, "error_code": ErrorCode::SessionExpired.as_str() })
            }
            ApiError::MethodNotAllowed => json!({ "detail": "Method Not Allowed" }),
            ApiError::PayloadTooLarge => json!({
                "detail": format!("Request body is larger than {} bytes", MAX_BODY_BYTES),
                "error_code": ErrorCode::PayloadTooLarge.as_str()
            }),
            ApiError::UnsupportedMediaType => json!({
                "detail": "Content-Type must be application/json",
                "error_code": ErrorCode::UnsupportedMediaType.as_str()
            }),
            ApiError::Declined {
                code,
                attempts_left,
            } => json!({
                "detail": code.message(),
                "error_code": code.as_str(),
                "attempts_left": attempts_left
            }),
            ApiError::TooManyAttempts => json!({
                "detail": "Too many declined attempts; this payment session has failed.",
                "error_code": ErrorCode::TooManyAttempts.as_str(),
                "attempts_left": 0
            }),
            ApiError::Throttled {
                code,
                retry_after_secs,
            } => json!({
                "detail": if *code == ErrorCode::CardTestingSuspected {
                    "Payments from this source are paused after repeated declines. Try again later."
                } else {
                    "Too many payment attempts. Try again later."
                },
                "error_code": code.as_str(),
                "retry_after": retry_after_secs
            }),
            ApiError::RateLimited { detail, code, .. } => {
                json!({ "detail": detail, "error_code": code.as_str() })
            }
            ApiError::GatewayUnavailable(d) => {
                json!({ "detail": d, "error_code": ErrorCode::GatewayUnavailable.as_str() })
            }
        }
    }
}

impl core::fmt::Display for ApiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {}", self.status(), self.body())
    }
}

impl core::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_renders_fastapi_shape() {
        let e = ApiError::validation(vec![FieldError::new(
            vec!["body".into(), "amount_cents".into()],
            "int_type",
            "Input should be a valid integer",
        )]);
        assert_eq!(e.status(), 422);
        assert_eq!(
            e.body(),
            json!({"detail": [{"loc": ["body", "amount_cents"], "msg": "Input should be a valid integer", "type": "int_type"}]})
        );
    }

    #[test]
    fn every_error_has_detail() {
        let all = [
            ApiError::Unauthorized("x".into()),
            ApiError::MethodNotAllowed,
            ApiError::PayloadTooLarge,
            ApiError::UnsupportedMediaType,
            ApiError::TooManyAttempts,
            ApiError::Throttled {
                code: ErrorCode::RateLimited,
                retry_after_secs: 3,
            },
            ApiError::Gone("expired".into()),
            ApiError::Forbidden {
                detail: "no".into(),
                code: ErrorCode::FormTokenMissing,
            },
            ApiError::Declined {
                code: DeclineCode::InsufficientFunds,
                attempts_left: 2,
            },
        ];
        for e in all {
            assert!(e.body().get("detail").is_some(), "{e}");
        }
    }

    #[test]
    fn throttled_is_429_with_its_own_code() {
        let e = ApiError::Throttled {
            code: ErrorCode::CardTestingSuspected,
            retry_after_secs: 60,
        };
        assert_eq!(e.status(), 429);
        assert_eq!(e.body()["error_code"], "card_testing_suspected");
        assert_eq!(e.body()["retry_after"], 60);
        assert_ne!(
            e.body()["error_code"],
            ApiError::TooManyAttempts.body()["error_code"]
        );
    }

    #[test]
    fn forbidden_renders_detail_and_code() {
        let e = ApiError::Forbidden {
            detail: "Not from the payment form.".into(),
            code: ErrorCode::OriginNotAllowed,
        };
        assert_eq!(e.status(), 403);
        assert_eq!(
            e.body(),
            json!({"detail": "Not from the payment form.", "error_code": "origin_not_allowed"})
        );
    }

    #[test]
    fn decline_body_has_code_and_attempts() {
        let e = ApiError::Declined {
            code: DeclineCode::IncorrectCvc,
            attempts_left: 1,
        };
        assert_eq!(e.status(), 402);
        assert_eq!(e.body()["error_code"], "incorrect_cvc");
        assert_eq!(e.body()["attempts_left"], 1);
    }
}
