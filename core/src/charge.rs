//! The per-session charge state machine, owned by the session's Durable Object from claim to
//! commit (docs/money-safety.md). Sans-I/O: the object passes its own clock (`now_ms`) and says
//! which claim tokens are still running in its memory; this module decides.
//!
//! - `claim` hands out one attempt at a time with a token and a hard deadline. An attempt whose
//!   outcome is unknown stays *open*: the next claim (same card only) or the alarm looks it up
//!   at the gateway first, never guesses.
//! - `commit` records an outcome together with the outbox (the session view for KV, the webhook
//!   job) in the same state value, which the object writes in one storage put before it answers.
//! - `lookup_result` applies what the gateway said about an open attempt; "not found" is trusted
//!   only after a quiet period past the last moment a request of the attempt could have been sent.

use crate::error::ErrorCode;
use crate::error::{ApiError, DeclineCode, FieldError};
use crate::gateway::{ApprovedStatus, LookupResult, Outcome};
use crate::session::{ChargeResult, Session, SessionStatus, MAX_ATTEMPTS};
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

    fn backoff(&self, tries: u32) -> u64 {
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
    /// Record and queue the session's webhook under this delivery id (stable across retries).
    Webhook {
        delivery_id: String,
        decline: Option<LastDecline>,
        at: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    pub tries: u32,
    pub next_try_ms: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChargeState {
    /// The last attempt number handed out (0: none yet).
    pub attempt: u32,
    pub declines: u32,
    pub open: Option<OpenAttempt>,
    /// The session as the object knows it (no card data): what the outbox publishes.
    pub session: Option<Session>,
    pub outbox: Vec<OutboxEntry>,
    /// Claims handed out, for unique tokens.
    pub claims: u64,
    /// An outcome the alarm settled after the customer was told "unknown": the customer's next
    /// submit with the same card learns it instead of starting another attempt.
    #[serde(default)]
    pub unseen: Option<Unseen>,
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

impl ChargeState {
    pub fn result(&self) -> Option<&ChargeResult> {
        self.session.as_ref().and_then(|s| s.result.as_ref())
    }

    pub fn is_failed(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Failed)
    }

    /// Remembers the session (first claim, or a fresher copy while nothing is final).
    pub fn know_session(&mut self, session: &Session) {
        let keep = self
            .session
            .as_ref()
            .is_some_and(|s| s.result.is_some() || s.status == SessionStatus::Failed);
        if !keep {
            self.session = Some(session.clone());
        }
    }

    /// Takes the session for one flow. `running(token)` says whether a holder with that token
    /// still runs in this object's memory (after an eviction nothing does).
    pub fn claim(
        &mut self,
        now_ms: u64,
        card: &CardSeen,
        timing: &Timing,
        running: impl Fn(&str) -> bool,
    ) -> Result<Claim, Finished> {
        let refused = |r| Err(Finished::Refused(r));
        if self.result().is_some() {
            // SPEC: 409 once completed; the form shows "already paid".
            return refused(Refusal::AlreadyCompleted);
        }
        if let Some(u) = self.unseen.take() {
            if u.fingerprint == card.fingerprint {
                return Err(u.finished);
            }
        }
        if self.is_failed() || self.declines >= MAX_ATTEMPTS {
            return refused(Refusal::TooManyAttempts);
        }
        self.reap(now_ms, &running);
        if let Some(open) = &self.open {
            if open.holder.is_some() {
                return refused(Refusal::InProgress);
            }
            if open.fingerprint != card.fingerprint {
                return refused(Refusal::OtherCard);
            }
        }
        self.claims += 1;
        let lookup_first = self.open.is_some();
        if self.open.is_none() {
            self.attempt += 1;
            self.open = Some(OpenAttempt {
                attempt: self.attempt,
                fingerprint: card.fingerprint.to_string(),
                card_brand: card.brand.to_string(),
                card_last4: card.last4.to_string(),
                holder: None,
                sent: false,
                sent_until_ms: 0,
                lookups: 0,
                next_lookup_ms: 0,
            });
        }
        let claims = self.claims;
        let Some(open) = self.open.as_mut() else {
            return refused(Refusal::InProgress);
        };
        let token = format!("{}.{claims}", open.attempt);
        open.holder = Some(Holder {
            token: token.clone(),
            by_alarm: false,
            deadline_ms: now_ms + timing.deadline_ms,
            lease_until_ms: now_ms + timing.lease_ms(),
        });
        Ok(Claim {
            attempt: open.attempt,
            token,
            deadline_ms: now_ms + timing.deadline_ms,
            lookup_first,
        })
    }

    /// The alarm's claim: a lookup of the open attempt when nobody holds it and one is due.
    pub fn claim_lookup(
        &mut self,
        now_ms: u64,
        timing: &Timing,
        running: impl Fn(&str) -> bool,
    ) -> Option<Claim> {
        self.reap(now_ms, &running);
        let claims = self.claims + 1;
        let open = self.open.as_mut()?;
        if open.holder.is_some() || now_ms < open.next_lookup_ms {
            return None;
        }
        self.claims = claims;
        let token = format!("{}.{}", open.attempt, claims);
        open.holder = Some(Holder {
            token: token.clone(),
            by_alarm: true,
            deadline_ms: now_ms + timing.deadline_ms,
            lease_until_ms: now_ms + timing.lease_ms(),
        });
        Some(Claim {
            attempt: open.attempt,
            token,
            deadline_ms: now_ms + timing.deadline_ms,
            lookup_first: true,
        })
    }

    /// A holder that no longer runs (evicted, or past its lease) let go of the attempt: its
    /// requests may have reached the gateway until its deadline.
    fn reap(&mut self, now_ms: u64, running: &impl Fn(&str) -> bool) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        let Some(h) = &open.holder else { return };
        if running(&h.token) && now_ms < h.lease_until_ms {
            return;
        }
        // Sent or not, we cannot tell: assume it was (a lookup settles it).
        open.sent = true;
        open.sent_until_ms = open.sent_until_ms.max(h.deadline_ms.min(now_ms));
        open.holder = None;
        open.next_lookup_ms = 0;
    }

    /// The holder is about to send its first gateway request for the attempt.
    pub fn mark_sent(&mut self, token: &str) {
        if let Some(open) = self.open.as_mut() {
            if open.holder.as_ref().is_some_and(|h| h.token == token) {
                open.sent = true;
            }
        }
    }

    /// Records the outcome of the flow run under `token`. A definitive outcome is the attempt's
    /// whoever reports it; an unknown one from a holder that lost its claim changes nothing.
    pub fn commit(
        &mut self,
        token: &str,
        outcome: &Outcome,
        now_ms: u64,
        timing: &Timing,
        ids: &mut impl FnMut() -> String,
    ) -> Finished {
        let attempt_of_token = token
            .split('.')
            .next()
            .and_then(|a| a.parse::<u32>().ok())
            .unwrap_or(0);
        let Some(open) = self.open.as_mut().filter(|o| o.attempt == attempt_of_token) else {
            return self.settled_answer();
        };
        let is_holder = open.holder.as_ref().is_some_and(|h| h.token == token);
        let by_alarm = is_holder && open.holder.as_ref().is_some_and(|h| h.by_alarm);
        let fingerprint = open.fingerprint.clone();
        let finished = self.settle(outcome, is_holder, now_ms, timing, ids);
        if by_alarm && self.open.is_none() && !matches!(finished, Finished::Approved(_)) {
            // Settled while no customer was waiting: the card's next submit learns it.
            self.unseen = Some(Unseen {
                fingerprint,
                finished: finished.clone(),
            });
        }
        finished
    }

    fn settle(
        &mut self,
        outcome: &Outcome,
        is_holder: bool,
        now_ms: u64,
        timing: &Timing,
        ids: &mut impl FnMut() -> String,
    ) -> Finished {
        let Some(open) = self.open.as_mut() else {
            return self.settled_answer();
        };
        match outcome {
            Outcome::Unavailable(reason) => {
                if is_holder {
                    open.holder = None;
                    open.sent_until_ms = open.sent_until_ms.max(now_ms);
                    open.next_lookup_ms = now_ms + timing.retry_ms;
                }
                Finished::Unavailable {
                    reason: reason.clone(),
                }
            }
            Outcome::Rejected(_) => {
                // Nothing was charged: the attempt closes and does not count as a decline.
                self.open = None;
                Finished::Declined {
                    code: DeclineCode::ProcessingError,
                    attempts_left: MAX_ATTEMPTS.saturating_sub(self.declines),
                }
            }
            Outcome::Approved {
                status,
                transaction_id,
                token: vault_token,
                card_brand,
                card_last4,
            } => {
                // A lookup may not say which card: the attempt's holder saw it.
                let known = |v: &str| !v.is_empty() && v != "unknown";
                let brand = card_brand.as_str();
                let result = ChargeResult {
                    status: *status,
                    transaction_id: transaction_id.clone(),
                    token: vault_token.clone(),
                    card_brand: if known(brand) {
                        brand
                    } else {
                        &open.card_brand
                    }
                    .into(),
                    card_last4: if known(card_last4) {
                        card_last4.clone()
                    } else {
                        open.card_last4.clone()
                    },
                };
                self.open = None;
                self.finalize(
                    SessionStatus::from(*status),
                    Some(result.clone()),
                    None,
                    now_ms,
                    ids,
                );
                Finished::Approved(result)
            }
            Outcome::Declined { code, .. } => {
                let decline = LastDecline {
                    card_brand: open.card_brand.clone(),
                    card_last4: open.card_last4.clone(),
                    error_code: *code,
                };
                self.open = None;
                self.declines += 1;
                if self.declines >= MAX_ATTEMPTS {
                    self.finalize(SessionStatus::Failed, None, Some(decline), now_ms, ids);
                }
                Finished::Declined {
                    code: *code,
                    attempts_left: MAX_ATTEMPTS.saturating_sub(self.declines),
                }
            }
            Outcome::Mismatch { .. } => {
                // Money moved that is not the session's: never shown as paid; the merchant is
                // told through `payment-failed` and must reverse it at the gateway.
                let decline = LastDecline {
                    card_brand: open.card_brand.clone(),
                    card_last4: open.card_last4.clone(),
                    error_code: DeclineCode::ProcessingError,
                };
                self.open = None;
                self.finalize(SessionStatus::Failed, None, Some(decline), now_ms, ids);
                Finished::Declined {
                    code: DeclineCode::ProcessingError,
                    attempts_left: 0,
                }
            }
        }
    }

    /// Applies a lookup of the open attempt made under `token`. `resend_safe`: the gateway
    /// dedups a resend of the same attempt (`GatewayKind::resend_is_safe`), so a holder whose
    /// lookup found nothing may send it again at once instead of waiting out the quiet period.
    pub fn lookup_result(
        &mut self,
        token: &str,
        result: &LookupResult,
        now_ms: u64,
        timing: &Timing,
        resend_safe: bool,
        ids: &mut impl FnMut() -> String,
    ) -> LookupVerdict {
        match result {
            LookupResult::Found(outcome) => {
                LookupVerdict::Settled(self.commit(token, outcome, now_ms, timing, ids))
            }
            LookupResult::NotFound | LookupResult::Unknown(_) => {
                let Some(open) = self.open.as_mut() else {
                    return LookupVerdict::Settled(self.settled_answer());
                };
                if open.holder.as_ref().is_none_or(|h| h.token != token) {
                    return LookupVerdict::Settled(self.settled_answer());
                }
                let quiet_from = open.sent_until_ms + timing.quiet_ms;
                let not_found = matches!(result, LookupResult::NotFound);
                if not_found && (!open.sent || now_ms >= quiet_from) {
                    // Nothing was charged: the attempt closes, not counted as a decline.
                    self.open = None;
                    return LookupVerdict::NotCharged;
                }
                if not_found && resend_safe {
                    // The holder keeps its claim and sends the same attempt again.
                    return LookupVerdict::Resend;
                }
                open.holder = None;
                open.lookups += 1;
                let next = now_ms + timing.backoff(open.lookups - 1);
                open.next_lookup_ms = if not_found {
                    next.min(quiet_from).max(now_ms + 1)
                } else {
                    next
                };
                let wait_ms = open.next_lookup_ms.saturating_sub(now_ms);
                LookupVerdict::Settled(Finished::Pending {
                    retry_after_secs: wait_ms.div_ceil(1000).max(1),
                })
            }
        }
    }

    /// What a late holder is told when the attempt was settled by someone else.
    fn settled_answer(&self) -> Finished {
        if let Some(r) = self.result() {
            return Finished::Approved(r.clone());
        }
        if self.is_failed() {
            return Finished::Refused(Refusal::TooManyAttempts);
        }
        Finished::Unavailable {
            reason: "the attempt was settled by another request".into(),
        }
    }

    fn finalize(
        &mut self,
        status: SessionStatus,
        result: Option<ChargeResult>,
        decline: Option<LastDecline>,
        now_ms: u64,
        ids: &mut impl FnMut() -> String,
    ) {
        if let Some(s) = self.session.as_mut() {
            s.status = status;
            s.result = result;
        }
        let entry = |item| OutboxEntry {
            item,
            tries: 0,
            next_try_ms: now_ms,
        };
        self.outbox.push(entry(OutboxItem::PublishSession));
        self.outbox.push(entry(OutboxItem::Webhook {
            delivery_id: ids(),
            decline,
            at: now_ms / 1000,
        }));
    }

    /// The first outbox entry is done: drop it.
    pub fn outbox_done(&mut self) {
        if !self.outbox.is_empty() {
            self.outbox.remove(0);
        }
    }

    /// The first outbox entry failed: try again later (the order is kept: the view first).
    pub fn outbox_failed(&mut self, now_ms: u64, timing: &Timing) {
        if let Some(e) = self.outbox.first_mut() {
            e.next_try_ms = now_ms + timing.backoff(e.tries);
            e.tries += 1;
        }
    }

    /// When the object must wake up next: an outbox retry, a due lookup, or a lease's end.
    pub fn next_wake_ms(&self) -> Option<u64> {
        let outbox = self.outbox.first().map(|e| e.next_try_ms);
        let open = self.open.as_ref().map(|o| match &o.holder {
            Some(h) => h.lease_until_ms,
            None => o.next_lookup_ms,
        });
        match (outbox, open) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The status the public view should show while nothing is final.
    pub fn approved_status(&self) -> Option<ApprovedStatus> {
        self.result().map(|r| r.status)
    }
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

/// Keyed hash of everything an attempt sends to the gateway about the card (number, expiry,
/// CVC, name, postal code), per session, so a retry can tell "the same card details" from
/// anything else without storing them. `key` is a server secret (the fingerprint subkey).
pub fn card_fingerprint(key: &[u8], session_id: &str, card: &crate::card::ValidCard) -> String {
    let fields: [&str; 6] = [
        card.number.expose(),
        &card.exp_month.to_string(),
        &card.exp_year.to_string(),
        card.cvc.expose(),
        card.name.as_deref().unwrap_or(""),
        card.postal_code.as_deref().unwrap_or(""),
    ];
    let mut input = String::from(session_id);
    for f in fields {
        // Length-prefixed, so no two different field lists hash the same input.
        input.push_str(&format!("|{}:{}", f.len(), f));
    }
    crate::crypto::hmac_hex(key, input.as_bytes())
}

#[cfg(test)]
mod tests;
