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

mod fingerprint;
mod model;
mod ops;

pub use fingerprint::card_fingerprint;
pub use model::*;
pub use ops::*;

use crate::error::DeclineCode;
use crate::gateway::{LookupResult, Outcome};
use crate::ledger::{LedgerFacts, LedgerRow};
use crate::session::{ChargeResult, Session, SessionStatus, MAX_ATTEMPTS};
use crate::webhook::LastDecline;
use serde::{Deserialize, Serialize};

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
    /// What the merchant's ledger shows besides the session itself (docs/ledger.md).
    #[serde(default)]
    pub ledger: LedgerFacts,
    /// Capture, void and refund (`ops`).
    #[serde(default)]
    pub ops: Ops,
}

impl ChargeState {
    pub fn result(&self) -> Option<&ChargeResult> {
        self.session.as_ref().and_then(|s| s.result.as_ref())
    }

    pub fn is_cancelled(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Cancelled)
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
            .is_some_and(|s| s.result.is_some() || s.status != SessionStatus::Pending);
        if !keep {
            self.session = Some(session.clone());
        }
    }

    /// The session was just created: its first ledger row goes out through the outbox.
    pub fn record_created(&mut self, session: &Session, now_ms: u64) {
        self.know_session(session);
        self.push_ledger("session.created", now_ms);
    }

    /// The ledger row for the state as it is now (the outbox sends the latest, whatever
    /// event queued it: the ledger keeps the highest `seq`).
    pub fn ledger_row(&self, event: &str, at_ms: u64) -> Option<LedgerRow> {
        let session = self.session.as_ref()?;
        Some(LedgerRow::new(session, &self.ledger, event, at_ms))
    }

    /// Something the merchant's ledger shows changed: bump its version and queue the row.
    fn push_ledger(&mut self, event: &str, now_ms: u64) {
        self.ledger.seq += 1;
        self.ledger.updated_ms = now_ms;
        self.ledger.attempts = self.attempt;
        self.outbox.push(OutboxEntry {
            item: OutboxItem::Ledger {
                event: event.into(),
                at_ms: now_ms,
            },
            tries: 0,
            next_try_ms: now_ms,
        });
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
        // An outcome the alarm settled while nobody waited is the answer the same card would
        // have had (an approval included): its next submit gets it, once.
        if self
            .unseen
            .as_ref()
            .is_some_and(|u| u.fingerprint == card.fingerprint)
        {
            if let Some(u) = self.unseen.take() {
                return Err(u.finished);
            }
        }
        if self.result().is_some() {
            // SPEC: 409 once completed; the form shows "already paid".
            return refused(Refusal::AlreadyCompleted);
        }
        if self.is_cancelled() {
            return refused(Refusal::Cancelled);
        }
        if self.is_failed() || self.declines >= MAX_ATTEMPTS {
            return refused(Refusal::TooManyAttempts);
        }
        self.reap(now_ms, &running);
        if let Some(open) = &self.open {
            // Another card while the open attempt's outcome is unknown is told to use the same
            // card, whether or not the alarm is looking the attempt up right now: the answer
            // must not depend on that timing. A customer's own submit still in flight is
            // `InProgress` for any card (a double click with an edited card).
            let by_alarm = open.holder.as_ref().is_some_and(|h| h.by_alarm);
            if open.fingerprint != card.fingerprint && (open.holder.is_none() || by_alarm) {
                return refused(Refusal::OtherCard);
            }
            if open.holder.is_some() {
                return refused(Refusal::InProgress);
            }
        }
        self.claims += 1;
        let lookup_first = self.open.is_some();
        if self.open.is_none() {
            // A new attempt (another card's) makes an earlier unseen outcome stale.
            self.unseen = None;
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
        Ok(hold(open, claims, false, lookup_first, now_ms, timing))
    }

    /// The merchant cancels a pending session. Refused while an attempt is open: it may have
    /// charged the card, and only its lookup can tell.
    pub fn cancel(
        &mut self,
        now_ms: u64,
        running: impl Fn(&str) -> bool,
        ids: &mut impl FnMut() -> String,
    ) -> Result<(), CancelRefusal> {
        let pending = self
            .session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Pending && s.result.is_none());
        if !pending || self.declines >= MAX_ATTEMPTS {
            return Err(CancelRefusal::NotPending);
        }
        self.reap(now_ms, &running);
        if self.open.is_some() {
            return Err(CancelRefusal::InProgress);
        }
        self.unseen = None;
        self.finalize(SessionStatus::Cancelled, None, None, now_ms, ids);
        Ok(())
    }

    /// The session's ledger object now.
    pub fn object(&self) -> Option<crate::ledger::SessionObject> {
        let session = self.session.as_ref()?;
        Some(crate::ledger::SessionObject::build(session, &self.ledger))
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
        Some(hold(open, claims, true, true, now_ms, timing))
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
        if by_alarm && self.open.is_none() {
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
                self.push_ledger("payment.rejected", now_ms);
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
                self.ledger.last_error = Some(*code);
                if self.declines >= MAX_ATTEMPTS {
                    self.finalize(SessionStatus::Failed, None, Some(decline), now_ms, ids);
                } else {
                    self.push_ledger("payment.declined", now_ms);
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
                self.ledger.last_error = Some(DeclineCode::ProcessingError);
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
        if !matches!(status, SessionStatus::Failed | SessionStatus::Cancelled) {
            self.ledger.last_error = None;
        }
        self.ledger.completed_ms = Some(now_ms);
        let entry = |item| OutboxEntry {
            item,
            tries: 0,
            next_try_ms: now_ms,
        };
        self.outbox.push(entry(OutboxItem::PublishSession));
        // The ledger before the webhook: a merchant told by the webhook finds the outcome in
        // the ledger (GET with its key) already.
        let event = match status {
            SessionStatus::Failed => "payment.failed",
            SessionStatus::Cancelled => "session.cancelled",
            _ => "payment.approved",
        };
        self.push_ledger(event, now_ms);
        self.outbox.push(entry(OutboxItem::Webhook {
            delivery_id: ids(),
            decline,
            at: now_ms / 1000,
            operation: None,
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
        // A running operation's lease: past it, the alarm keeps the object (and its open
        // operation) until a request resumes it.
        let op = self
            .ops
            .open
            .as_ref()
            .and_then(|o| o.holder.as_ref().map(|h| h.lease_until_ms));
        let open = match (open, op) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (outbox, open) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (None, None) => self.forget_at_ms(),
            (a, b) => a.or(b),
        }
    }

    /// When the object may delete its storage: a day after the session expired (as KV keeps
    /// the view), once nothing is open or waiting in the outbox. Later requests never reach the
    /// object: the route answers 409 or 410 from the view first.
    pub fn forget_at_ms(&self) -> Option<u64> {
        let session = self.session.as_ref()?;
        if session.result.is_some() {
            // A paid session can be captured, voided or refunded as long as the ledger keeps
            // it: its operations need this state.
            return Some((session.created_at + crate::ledger::RETENTION_SECS) * 1000);
        }
        Some((session.expires_at + crate::session::GONE_RETENTION_SECS) * 1000)
    }

    /// Whether the storage can go now (see `forget_at_ms`).
    pub fn may_forget(&self, now_ms: u64) -> bool {
        self.open.is_none()
            && self.ops.open.is_none()
            && self.outbox.is_empty()
            && self.forget_at_ms().is_some_and(|t| now_ms >= t)
    }
}

/// Gives the open attempt a holder (claim number `claims`) until its deadline and lease.
fn hold(
    open: &mut OpenAttempt,
    claims: u64,
    by_alarm: bool,
    lookup_first: bool,
    now_ms: u64,
    timing: &Timing,
) -> Claim {
    let token = format!("{}.{claims}", open.attempt);
    open.holder = Some(Holder {
        token: token.clone(),
        by_alarm,
        deadline_ms: now_ms + timing.deadline_ms,
        lease_until_ms: now_ms + timing.lease_ms(),
    });
    Claim {
        attempt: open.attempt,
        token,
        deadline_ms: now_ms + timing.deadline_ms,
        lookup_first,
    }
}

#[cfg(test)]
mod tests;
