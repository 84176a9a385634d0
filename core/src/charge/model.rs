//! The values of the charge state machine (`super`): timings, the open attempt and its holder,
//! the outbox, and the answers a claim or a commit gives.

use crate::error::ErrorCode;
use crate::error::{ApiError, DeclineCode, FieldError};
use crate::session::ChargeResult;
use crate::webhook::LastDecline;
use serde::{Deserialize, Serialize};

/// Timings, in milliseconds of the object's clock (configurable for local fault-injection runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The gateway flow is aborted at this age: well under the lease, so no holder can still
    /// be talking to the gateway when its lease ends.
    pub deadline_ms: u64,
    /// How long after a request's last possible send a "not found" lookup is believed (a
    /// gateway may still process a request that our side abandoned).
    pub quiet_ms: u64,
    /// First outbox / lookup retry delay; doubles per try up to `max_retry_ms`.
    pub retry_ms: u64,
    pub max_retry_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            deadline_ms: 25_000,
            quiet_ms: 60_000,
            retry_ms: 2_000,
            max_retry_ms: 300_000,
        }
    }
}

impl Timing {
    /// The lease: the deadline plus a margin for the commit itself.
    pub fn lease_ms(&self) -> u64 {
        self.deadline_ms + 5_000
    }

    pub(super) fn backoff(&self, tries: u32) -> u64 {
        let exp = tries.min(16);
        self.retry_ms
            .saturating_mul(1u64 << exp)
            .min(self.max_retry_ms)
    }
}

/// The holder of an open attempt: a request (or the alarm) running its flow or lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub token: String,
    /// The alarm's lookup (no customer waits for its answer).
    #[serde(default)]
    pub by_alarm: bool,
    /// The flow is aborted by then; the lease ends at `lease_until_ms`.
    pub deadline_ms: u64,
    pub lease_until_ms: u64,
}

/// An attempt whose outcome is not known yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAttempt {
    pub attempt: u32,
    /// Keyed fingerprint of everything the attempt sent to the gateway (never the number).
    pub fingerprint: String,
    pub card_brand: String,
    pub card_last4: String,
    pub holder: Option<Holder>,
    /// Whether a gateway request of this attempt may have been sent (false until a flow ran).
    pub sent: bool,
    /// The last moment a request of this attempt could have been in flight.
    pub sent_until_ms: u64,
    /// Lookups that did not settle it yet, and when the next one is due.
    pub lookups: u32,
    pub next_lookup_ms: u64,
}

/// Something to tell the world after a commit, drained by the object with retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxItem {
    /// Write the session view (status and result) to KV.
    PublishSession,
    /// Write the session's current row to its project's ledger (docs/ledger.md). Left for the
    /// alarm by the customer's request: never an extra call before the customer's answer.
    Ledger { event: String, at_ms: u64 },
    /// Record and queue the session's webhook under this delivery id (stable across retries).
    Webhook {
        delivery_id: String,
        decline: Option<LastDecline>,
        at: u64,
        /// The capture, void or refund this webhook reports (none for a charge outcome).
        #[serde(default)]
        operation: Option<crate::webhook::Operation>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    pub tries: u32,
    pub next_try_ms: u64,
}

/// An outcome no customer has been told yet, and the card it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unseen {
    pub fingerprint: String,
    pub finished: Finished,
}

/// Why a claim was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    AlreadyCompleted,
    InProgress,
    TooManyAttempts,
    /// Another card while an attempt's outcome is unknown.
    OtherCard,
    /// The merchant cancelled the session.
    Cancelled,
}

impl Refusal {
    pub fn error(self) -> ApiError {
        match self {
            Refusal::AlreadyCompleted => ApiError::Conflict {
                detail: "This payment session is already completed.".into(),
                code: ErrorCode::AlreadyCompleted,
            },
            Refusal::InProgress => ApiError::Conflict {
                detail: "A payment for this session is already in progress.".into(),
                code: ErrorCode::InProgress,
            },
            Refusal::TooManyAttempts => ApiError::TooManyAttempts,
            Refusal::OtherCard => other_card_error(),
            Refusal::Cancelled => cancelled_error(),
        }
    }
}

/// Permission to run one flow (or lookup) for an attempt, until `deadline_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub attempt: u32,
    pub token: String,
    pub deadline_ms: u64,
    /// The attempt's outcome is unknown: look it up before anything is sent again.
    pub lookup_first: bool,
}

/// What the customer is told (and what the object answers the route with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finished {
    Approved(ChargeResult),
    Declined {
        code: DeclineCode,
        attempts_left: u32,
    },
    /// The outcome is not known yet; the customer may retry with the same card.
    Unavailable {
        reason: String,
    },
    /// A lookup said "not found" too early to believe: try again after this many seconds.
    Pending {
        retry_after_secs: u64,
    },
    Refused(Refusal),
}

impl Finished {
    /// The error a non-approved finish answers with.
    pub fn error(&self) -> Option<ApiError> {
        match self {
            Finished::Approved(_) => None,
            Finished::Declined {
                code,
                attempts_left,
            } => Some(ApiError::Declined {
                code: *code,
                attempts_left: *attempts_left,
            }),
            Finished::Unavailable { .. } => Some(ApiError::GatewayUnavailable(
                "The payment processor did not confirm the payment. You will not be charged \
                 twice: try again with the same card."
                    .into(),
            )),
            Finished::Pending { retry_after_secs } => Some(ApiError::GatewayUnavailable(format!(
                "We are still confirming your earlier attempt with the payment processor. You \
                 will not be charged twice: try again in {retry_after_secs} seconds with the \
                 same card."
            ))),
            Finished::Refused(r) => Some(r.error()),
        }
    }
}

/// A charge of a cancelled session: 409, and the form says so.
pub fn cancelled_error() -> ApiError {
    ApiError::Conflict {
        detail: "This payment session was cancelled by the merchant.".into(),
        code: ErrorCode::SessionCancelled,
    }
}

/// The session object's answer to a cancel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CancelAnswer {
    Cancelled {
        object: Box<crate::ledger::SessionObject>,
    },
    Refused {
        refusal: CancelRefusal,
    },
}

/// Why a cancel was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelRefusal {
    /// Paid, failed or already cancelled: only a pending session can be cancelled.
    NotPending,
    /// A charge is running, or its outcome is still being looked up: it may have paid.
    InProgress,
}

impl CancelRefusal {
    pub fn error(self) -> ApiError {
        match self {
            CancelRefusal::NotPending => ApiError::Conflict {
                detail: "Only a pending session can be cancelled.".into(),
                code: ErrorCode::SessionNotPending,
            },
            CancelRefusal::InProgress => ApiError::Conflict {
                detail: "A payment for this session is in progress; it cannot be cancelled now."
                    .into(),
                code: ErrorCode::InProgress,
            },
        }
    }
}

/// The answer to another card while an earlier attempt's outcome is unknown. That attempt may
/// have charged its card, and only a lookup can tell; a new attempt with another card could
/// charge the session twice. A 422 on the card number, so the form shows it at the field.
pub fn other_card_error() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        vec!["body".into(), "card".into(), "number".into()],
        "value_error",
        "We could not confirm your earlier payment attempt yet. To make sure you are not \
         charged twice, enter the same card details again.",
    )])
}

/// The card as the attempt's holder presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSeen<'a> {
    pub fingerprint: &'a str,
    pub brand: &'a str,
    pub last4: &'a str,
}

/// What a lookup of an open attempt decided.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupVerdict {
    /// Settled (found, or still unknown: the answer says so).
    Settled(Finished),
    /// The gateway has no transaction and none can still land: the attempt is closed unpaid,
    /// and the holder may start a fresh attempt.
    NotCharged,
    /// Not found yet, and the gateway dedups a resend: the holder sends the same attempt again.
    Resend,
}
