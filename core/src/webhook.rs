//! Webhooks (SPEC §7): which event a session outcome raises, the JSON the merchant receives,
//! and its signature. Delivery bookkeeping (attempts, back-off) is in `webhook::delivery`.
//!
//! Events: `payment-success` (status `succeeded` or `tokenized`), `payment-authorized`
//! (`authorized`, i.e. `capture: false`), `payment-failed` (the session became `failed` with its
//! last allowed decline), `session-cancelled` (the merchant cancelled it while pending); then,
//! for the merchant's operations on a paid session, `payment-captured`, `payment-voided` and
//! `payment-refunded` (docs/operations.md), one per operation. Every event has its own
//! `event_id` (the delivery id): receivers dedup on it. Expired and abandoned sessions raise
//! none.
//!
//! Signatures: every request carries two schemes over the same body, so a merchant can use
//! either.
//! - `Maven-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, keyed with the whole
//!   secret string (`whsec_…`) as UTF-8 bytes, over the exact body bytes.
//! - Standard Webhooks (<https://www.standardwebhooks.com>): `webhook-id` (the delivery id, the
//!   same on every retry), `webhook-timestamp` (unix seconds) and `webhook-signature:
//!   v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is the base64 text
//!   after `whsec_` decoded, as the spec's libraries do. Our secrets (`whsec_` + 48 hex digits)
//!   are valid base64 (36 bytes), so the same string works with both.
//!
//! While a secret is being rolled, both the new and the previous secret sign: `Maven-Signature`
//! holds one `v1=` per secret, `webhook-signature` one space-separated `v1,…` per secret.

pub mod delivery;
pub mod settings;

use crate::auth::{constant_time_eq, hex};
use crate::error::DeclineCode;
use crate::gateway::HttpCall;
use crate::money::decimal_amount;
use crate::session::{Session, SessionStatus};
use crate::time::rfc3339;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SIGNATURE_HEADER: &str = "Maven-Signature";
pub const STANDARD_ID_HEADER: &str = "webhook-id";
pub const STANDARD_TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const STANDARD_SIGNATURE_HEADER: &str = "webhook-signature";
/// How old a signature `verify` accepts by default (replay window), seconds.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    PaymentSuccess,
    PaymentAuthorized,
    PaymentFailed,
    /// The card-testing breaker tripped on the project (`crate::guard`): no session.
    #[serde(rename = "fraud.card_testing")]
    FraudCardTesting,
    SessionCancelled,
    PaymentCaptured,
    PaymentVoided,
    PaymentRefunded,
    /// "Send a test event" from the dashboard: no session.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl Event {
    /// The event a session in `status` raises; `None` for states that raise nothing.
    pub fn for_status(status: SessionStatus) -> Option<Event> {
        match status {
            SessionStatus::Succeeded | SessionStatus::Tokenized => Some(Event::PaymentSuccess),
            SessionStatus::Authorized => Some(Event::PaymentAuthorized),
            SessionStatus::Failed => Some(Event::PaymentFailed),
            SessionStatus::Cancelled => Some(Event::SessionCancelled),
            SessionStatus::Captured => Some(Event::PaymentCaptured),
            SessionStatus::Voided => Some(Event::PaymentVoided),
            SessionStatus::PartiallyRefunded | SessionStatus::Refunded => {
                Some(Event::PaymentRefunded)
            }
            SessionStatus::Pending | SessionStatus::Processing => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Event::PaymentSuccess => "payment-success",
            Event::PaymentAuthorized => "payment-authorized",
            Event::PaymentFailed => "payment-failed",
            Event::FraudCardTesting => "fraud.card_testing",
            Event::SessionCancelled => "session-cancelled",
            Event::PaymentCaptured => "payment-captured",
            Event::PaymentVoided => "payment-voided",
            Event::PaymentRefunded => "payment-refunded",
            Event::WebhookTest => "webhook.test",
        }
    }
}

/// `processor`: the gateway and its ids (transaction / customer, and the reusable token).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Processor {
    pub gateway: String,
    pub transaction_id: Option<String>,
    pub token: Option<String>,
}

/// The card and the reason of the last decline, for `payment-failed` (brand and last 4 only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastDecline {
    pub card_brand: String,
    pub card_last4: String,
    pub error_code: DeclineCode,
}

/// What a `payment-captured`, `payment-voided` or `payment-refunded` reports: the operation
/// and the session's totals after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub kind: crate::operation::OpKind,
    /// What this operation moved (a void: the amount released).
    pub amount_cents: u64,
    /// The same as a decimal string in major units.
    pub amount: String,
    pub reason: Option<String>,
    /// A refund the gateway took as a void (before settlement): nothing was taken.
    pub voided: bool,
    pub amount_captured_cents: u64,
    pub amount_refunded_cents: u64,
}

/// The webhook body. Never holds a card number, CVC, credential or key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// Unique per event, the same on every retry of its delivery: receivers dedup on it.
    #[serde(default)]
    pub event_id: String,
    pub event: Event,
    pub session_id: String,
    pub status: SessionStatus,
    /// The project's slug.
    pub project: String,
    /// `test` or `live`.
    pub environment: String,
    /// Major units as a decimal string per the currency's exponent: `"12.34"` usd, `"1000"` jpy.
    /// A string, so no JSON parser turns it into a float.
    pub amount: String,
    pub amount_cents: u64,
    pub currency: String,
    pub mode: String,
    pub processor: Processor,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    /// The decline of a `payment-failed` (SPEC §3 codes); null otherwise.
    pub error_code: Option<DeclineCode>,
    /// Who started the payment: always null for chat sessions.
    pub caller: Option<String>,
    pub source: String,
    pub metadata: BTreeMap<String, String>,
    /// When the event happened (RFC 3339 UTC).
    pub created_at: String,
    /// The merchant's capture, void or refund this event reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

impl Payload {
    /// Names the event (`event_id`: the delivery id, stable across retries) and the operation
    /// it reports, if any.
    pub fn for_event(mut self, event_id: &str, operation: Option<&Operation>) -> Payload {
        self.event_id = event_id.to_string();
        self.operation = operation.cloned();
        self
    }

    /// The payload for the session's current outcome, or `None` when it raises no event.
    /// `decline` describes the last declined card of a failed session.
    pub fn for_session(
        session: &Session,
        decline: Option<&LastDecline>,
        now: u64,
    ) -> Option<Payload> {
        let event = Event::for_status(session.status)?;
        let result = session.result.as_ref();
        let decline = decline.filter(|_| event == Event::PaymentFailed);
        Some(Payload {
            event_id: String::new(),
            event,
            session_id: session.id.clone(),
            status: session.status,
            project: session.project_slug.clone(),
            environment: session.environment.as_str().into(),
            amount: decimal_amount(session.amount_cents, &session.currency),
            amount_cents: session.amount_cents,
            currency: session.currency.clone(),
            mode: session.mode_str().into(),
            processor: Processor {
                gateway: session.gateway.as_str().into(),
                transaction_id: result.map(|r| r.transaction_id.clone()),
                token: result.and_then(|r| r.token.clone()),
            },
            card_brand: result
                .map(|r| r.card_brand.clone())
                .or_else(|| decline.map(|d| d.card_brand.clone())),
            card_last4: result
                .map(|r| r.card_last4.clone())
                .or_else(|| decline.map(|d| d.card_last4.clone())),
            error_code: decline.map(|d| d.error_code),
            caller: None,
            source: "chat".into(),
            metadata: session.metadata.clone(),
            created_at: rfc3339(now),
            operation: None,
        })
    }
}

/// A new webhook secret from 24 random bytes: `whsec_` + 48 hex digits (192 bits).
pub fn new_secret(random: &[u8; 24]) -> String {
    format!("whsec_{}", hex(random))
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn v1(secret: &str, t: u64, body: &str) -> String {
    hex(&hmac_sha256(
        secret.as_bytes(),
        &[t.to_string().as_bytes(), b".", body.as_bytes()],
    ))
}

/// The `Maven-Signature` header value for `body` sent at unix time `t`.
pub fn sign(secret: &str, t: u64, body: &str) -> String {
    sign_all(&[secret], t, body)
}

/// `Maven-Signature` with one `v1=` per secret (the new one first during a roll).
pub fn sign_all(secrets: &[&str], t: u64, body: &str) -> String {
    let mut out = format!("t={t}");
    for s in secrets {
        out.push_str(",v1=");
        out.push_str(&v1(s, t, body));
    }
    out
}

/// The Standard Webhooks signing key: the base64 after `whsec_`. `None` when it is not base64
/// (no secret we generate), so no signature a merchant's library could never verify is sent.
pub fn standard_key(secret: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .filter(|k| !k.is_empty())
}

/// One Standard Webhooks signature, `v1,<base64>`, of `"<id>.<t>.<body>"`.
pub fn standard_sign(key: &[u8], id: &str, t: u64, body: &str) -> String {
    use base64::Engine;
    let mac = hmac_sha256(
        key,
        &[
            id.as_bytes(),
            b".",
            t.to_string().as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac)
    )
}

/// The `webhook-signature` value: one `v1,…` per secret that has a Standard Webhooks key.
pub fn standard_sign_all(secrets: &[&str], id: &str, t: u64, body: &str) -> Option<String> {
    let sigs: Vec<String> = secrets
        .iter()
        .filter_map(|s| standard_key(s))
        .map(|k| standard_sign(&k, id, t, body))
        .collect();
    (!sigs.is_empty()).then(|| sigs.join(" "))
}

/// Checks Standard Webhooks headers the way the spec's libraries do: any `v1,` entry of the
/// space-separated list may match, the timestamp must be within the tolerance.
pub fn verify_standard(
    secret: &str,
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &str,
    now: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let key = standard_key(secret).ok_or(VerifyError::Malformed)?;
    let t = timestamp
        .trim()
        .parse::<u64>()
        .map_err(|_| VerifyError::Malformed)?;
    if now.abs_diff(t) > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    let expected = standard_sign(&key, id, t, body);
    let any = signature
        .split_whitespace()
        .filter(|s| s.starts_with("v1,"))
        .any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()));
    if any {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// No `t=` or no `v1=` in the header.
    Malformed,
    /// `t` is further than the tolerance from now (a replay, or a wrong clock).
    Stale,
    /// No `v1` matches: wrong secret, or the body was changed.
    Mismatch,
}

/// Checks a `Maven-Signature` header against the raw body, as a merchant's server should:
/// every `v1=` entry is tried (several appear while a secret rotates), in constant time.
pub fn verify(
    secret: &str,
    header: &str,
    body: &str,
    now: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<u64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let t = t.ok_or(VerifyError::Malformed)?;
    if candidates.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if now.abs_diff(t) > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    let expected = v1(secret, t, body);
    if candidates
        .iter()
        .any(|c| constant_time_eq(c.as_bytes(), expected.as_bytes()))
    {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// The POST of one attempt: `body` signed at `now` with every secret in `secrets` (the current
/// one first; the previous one too while a roll overlaps). `Maven-Delivery` and `webhook-id`
/// name the delivery (the id the dashboard shows).
pub fn http_call(url: &str, secrets: &[&str], delivery_id: &str, body: &str, now: u64) -> HttpCall {
    let mut headers = vec![
        ("content-type".into(), "application/json".into()),
        ("user-agent".into(), "Maven-Webhooks/1".into()),
        (SIGNATURE_HEADER.into(), sign_all(secrets, now, body)),
        ("maven-delivery".into(), delivery_id.to_string()),
        (STANDARD_ID_HEADER.into(), delivery_id.to_string()),
        (STANDARD_TIMESTAMP_HEADER.into(), now.to_string()),
    ];
    if let Some(sig) = standard_sign_all(secrets, delivery_id, now, body) {
        headers.push((STANDARD_SIGNATURE_HEADER.into(), sig));
    }
    HttpCall {
        method: "POST",
        url: url.to_string(),
        headers,
        body: body.to_string(),
    }
}

#[cfg(test)]
mod tests;
