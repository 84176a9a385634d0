//! Merchant operations on a paid session: capture, void and refund (docs/operations.md).
//! This module parses the request bodies and says what each gateway allows; the per-session
//! rules (state, amounts, one operation at a time, the outbox) are `ChargeState`'s
//! (`crate::charge`, `ops`), and the gateway calls are `crate::gateway::ops`'.

use crate::error::{ApiError, ErrorCode};
use crate::gateway::GatewayKind;
use crate::validate::Fields;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Capture,
    Void,
    Refund,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Capture => "capture",
            OpKind::Void => "void",
            OpKind::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<OpKind> {
        [OpKind::Capture, OpKind::Void, OpKind::Refund]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// What the merchant asked for (`amount_cents` absent: the whole authorized or refundable
/// amount).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpOrder {
    pub kind: OpKind,
    pub amount_cents: Option<u64>,
    pub reason: Option<String>,
}

/// Refund reasons, as Stripe names them (the other gateways take none: it is kept in our
/// ledger and webhook only).
pub const REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];

/// Largest amount any session can have (the create route's bound).
const MAX_AMOUNT: i64 = 99_999_999;

/// Parses the body of `POST …/{capture|void|refund}` (an empty body is `{}`).
pub fn parse_order(kind: OpKind, body: &Value) -> Result<OpOrder, ApiError> {
    let empty = Value::Object(Default::default());
    let body = if body.is_null() { &empty } else { body };
    let mut f = Fields::new(body, vec!["body".into()]);
    let (amount, reason) = match kind {
        OpKind::Void => (None, None),
        OpKind::Capture => (f.int("amount_cents", false, 1, MAX_AMOUNT), None),
        OpKind::Refund => {
            let amount = f.int("amount_cents", false, 1, MAX_AMOUNT);
            let reason = f.literal("reason", false, &REASONS).map(str::to_string);
            (amount, reason)
        }
    };
    let errors = f.finish();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(OpOrder {
        kind,
        amount_cents: amount.map(|a| a as u64),
        reason,
    })
}

/// What a gateway lets a merchant do, from its published API (docs/gateways.md,
/// "Capture, void and refund").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// A capture of less than the authorized amount (the rest is released).
    pub partial_capture: bool,
    /// Refunds only once the transaction settled; before that only a void releases it.
    pub refund_needs_settlement: bool,
}

pub fn rules(gateway: GatewayKind) -> Rules {
    match gateway {
        GatewayKind::Stripe => Rules {
            partial_capture: true,
            refund_needs_settlement: false,
        },
        GatewayKind::Authorizenet | GatewayKind::Braintree => Rules {
            partial_capture: true,
            refund_needs_settlement: true,
        },
        // Shift4's capture request carries only the charge id (its Java SDK's CaptureRequest
        // has no amount): the whole authorization is captured.
        GatewayKind::Shift4 => Rules {
            partial_capture: false,
            refund_needs_settlement: false,
        },
    }
}

/// Why an operation was refused before anything was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpRefusal {
    /// Capture or void of a session that is not authorized.
    NotAuthorized,
    /// Refund of a session with nothing captured.
    NotRefundable,
    ExceedsAuthorized,
    ExceedsRefundable,
    PartialCaptureUnsupported,
    /// Another operation of the session is running.
    InProgress,
    /// A partial refund the gateway cannot take yet (not settled).
    NotSettled,
}

impl OpRefusal {
    pub fn error(self) -> ApiError {
        let (conflict, code, detail) = match self {
            OpRefusal::NotAuthorized => (
                true,
                ErrorCode::NotAuthorized,
                "Only an authorized (not yet captured) payment can be captured or voided.",
            ),
            OpRefusal::NotRefundable => (
                true,
                ErrorCode::NotRefundable,
                "Only a captured payment can be refunded.",
            ),
            OpRefusal::InProgress => (
                true,
                ErrorCode::InProgress,
                "Another operation on this payment is in progress; retry when it has finished.",
            ),
            OpRefusal::ExceedsAuthorized => (
                false,
                ErrorCode::AmountExceedsAuthorized,
                "amount_cents is more than the authorized amount.",
            ),
            OpRefusal::ExceedsRefundable => (
                false,
                ErrorCode::AmountExceedsRefundable,
                "amount_cents is more than what is captured and not yet refunded.",
            ),
            OpRefusal::PartialCaptureUnsupported => (
                false,
                ErrorCode::PartialCaptureUnsupported,
                "This gateway captures only the whole authorized amount: omit amount_cents.",
            ),
            OpRefusal::NotSettled => (
                false,
                ErrorCode::RefundBeforeSettlement,
                "The gateway refunds this payment only once it has settled (usually within a \
                 day). Before that only the whole amount can be refunded (it is voided).",
            ),
        };
        let detail = detail.to_string();
        if conflict {
            ApiError::Conflict { detail, code }
        } else {
            ApiError::Unprocessable { detail, code }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_parse_and_bad_ones_are_422() {
        let o = parse_order(
            OpKind::Refund,
            &json!({"amount_cents": 5, "reason": "duplicate"}),
        )
        .unwrap();
        assert_eq!(o.amount_cents, Some(5));
        assert_eq!(o.reason.as_deref(), Some("duplicate"));
        assert_eq!(
            parse_order(OpKind::Capture, &Value::Null)
                .unwrap()
                .amount_cents,
            None
        );
        for (kind, bad) in [
            (OpKind::Capture, json!({"amount_cents": 0})),
            (OpKind::Capture, json!({"amount_cents": -3})),
            (OpKind::Refund, json!({"amount_cents": "5"})),
            (OpKind::Refund, json!({"reason": "because"})),
            (OpKind::Void, json!({"amount_cents": 5})),
            (OpKind::Capture, json!([])),
        ] {
            let e = parse_order(kind, &bad).unwrap_err();
            assert_eq!(e.status(), 422, "{bad}");
        }
    }

    #[test]
    fn refusals_are_409_for_state_and_422_for_amounts() {
        assert_eq!(OpRefusal::NotAuthorized.error().status(), 409);
        assert_eq!(OpRefusal::InProgress.error().status(), 409);
        let e = OpRefusal::ExceedsRefundable.error();
        assert_eq!(e.status(), 422);
        assert_eq!(e.body()["error_code"], "amount_exceeds_refundable");
        assert_eq!(
            OpRefusal::NotSettled.error().body()["error_code"],
            "refund_before_settlement"
        );
    }

    #[test]
    fn gateway_rules() {
        assert!(rules(GatewayKind::Stripe).partial_capture);
        assert!(!rules(GatewayKind::Shift4).partial_capture);
        assert!(rules(GatewayKind::Braintree).refund_needs_settlement);
        assert!(rules(GatewayKind::Authorizenet).refund_needs_settlement);
        assert!(!rules(GatewayKind::Stripe).refund_needs_settlement);
    }
}
