//! The ledger (`GET /_sim/ledger`): every money movement the simulated gateways really made,
//! and every decline, so a reconciler can compare per session what was charged with what the
//! product shows. Replays, Authorize.net duplicates and requests a fault stopped before
//! processing never appear; a charge whose answer a fault destroyed afterwards does.
//! Captures of an authorization, voids and refunds are movements of the charge's `object_id`:
//! what a charge holds now is its captures minus its refunds.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Movement {
    /// Money taken (Stripe `succeeded`, Authorize.net authCapture, Braintree
    /// `SUBMITTED_FOR_SETTLEMENT`, Shift4 `captured: true`).
    Captured,
    /// Funds held (auth only).
    Authorized,
    /// A card verified and stored for later use (no money moved).
    Vaulted,
    /// An authorization (or an unsettled capture) released: `amount` is what it held.
    Voided,
    /// Money given back: `amount` of the transaction `object_id` (the charge, not the refund
    /// object, so a reconciler sums per charge).
    Refunded,
}

/// What a handler reports about one money movement or decline.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub object_id: String,
    /// Merchant reference as sent (see `split_reference`).
    pub reference: Option<String>,
    pub attempt: Option<u32>,
    /// ISO 4217 minor units of `currency`.
    pub amount: u64,
    /// Lower case.
    pub currency: String,
}

/// One entry of `ledger`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub gateway: &'static str,
    pub object_id: String,
    pub reference: Option<String>,
    pub attempt: Option<u32>,
    pub status: Movement,
    pub amount: u64,
    pub currency: String,
    /// Which operation moved the money (`payment_intents`, `createTransactionRequest`, …).
    pub operation: String,
}

/// One entry of `declines`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Decline {
    pub seq: u64,
    pub gateway: &'static str,
    /// The gateway's id of the declined object when it made one (`pi_…`, transId, …).
    pub object_id: Option<String>,
    pub reference: Option<String>,
    pub attempt: Option<u32>,
    /// One of the five decline outcomes (`card_declined`, `insufficient_funds`, …).
    pub code: String,
    pub amount: u64,
    pub currency: String,
    pub operation: String,
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
    pub declines: Vec<Decline>,
}

/// Splits a reference that carries the attempt after its last `-` (Authorize.net
/// `invoiceNumber` = 16 hex digits of the session + `-A`; Braintree `orderId` = `S-A`) into
/// (session part, attempt). A reference without a numeric tail is returned whole.
pub fn split_reference(raw: &str) -> (String, Option<u32>) {
    match raw.rsplit_once('-') {
        Some((head, tail))
            if !head.is_empty() && !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (head.to_string(), tail.parse().ok())
        }
        _ => (raw.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_at_the_attempt() {
        assert_eq!(
            split_reference("1a2b3c4d5e6f7a8b-2"),
            ("1a2b3c4d5e6f7a8b".into(), Some(2))
        );
        let s = "3f1c2d4e-0000-4000-8000-00000000abcd";
        assert_eq!(split_reference(&format!("{s}-1")), (s.into(), Some(1)));
        assert_eq!(split_reference("order"), ("order".into(), None));
        assert_eq!(split_reference("x-y"), ("x-y".into(), None));
    }
}
