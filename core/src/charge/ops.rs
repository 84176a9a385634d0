//! Capture, void and refund of a paid session, decided by the session's object like a charge
//! (docs/operations.md): one operation at a time, persisted with its own gateway key before
//! anything is sent, its outcome committed with the session view, the ledger row and the
//! webhook in the same outbox. An outcome nobody knows keeps the operation open; the next
//! operation request (or the alarm) resumes it with the same key before anything else.

use super::{ChargeState, Holder, OutboxEntry, OutboxItem, Timing};
use crate::error::ApiError;
use crate::ledger::SessionObject;
use crate::money::decimal_amount;
use crate::operation::{OpKind, OpOrder, OpRefusal, Rules};
use crate::session::SessionStatus;
use crate::webhook::Operation;
use serde::{Deserialize, Serialize};

/// The session's operations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ops {
    /// Operations opened so far: numbers them, and so their gateway keys.
    pub count: u32,
    pub open: Option<OpenOp>,
    /// Settled operations, oldest first.
    #[serde(default)]
    pub done: Vec<DoneOp>,
}

/// An operation between its claim and its commit: stored before the gateway is called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenOp {
    pub number: u32,
    pub kind: OpKind,
    pub amount_cents: u64,
    pub reason: Option<String>,
    /// The gateway's `Idempotency-Key` (Stripe, Shift4) or our reference on it (Braintree
    /// `orderId`), the same for every resend of this operation.
    pub gateway_key: String,
    /// The merchant's `Idempotency-Key` (hashed), if it sent one: its retry after an unknown
    /// outcome learns this operation's result instead of starting another.
    pub request_key: Option<String>,
    /// A refund of everything captured, nothing refunded yet: a gateway that refunds only
    /// settled transactions voids it instead before settlement.
    pub whole: bool,
    pub holder: Option<Holder>,
    /// A request of it may have reached the gateway.
    pub sent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoneOp {
    pub number: u32,
    pub kind: OpKind,
    pub amount_cents: u64,
    /// A refund the gateway took as a void (before settlement).
    pub voided: bool,
    pub gateway_id: Option<String>,
    pub request_key: Option<String>,
    pub at_ms: u64,
}

/// Permission to send (or resend) one operation until `deadline_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpClaim {
    pub op: OpenOp,
    pub token: String,
    pub deadline_ms: u64,
    /// An earlier try may have reached the gateway: resend with the same key, or look up
    /// first where the gateway does not dedup (`crate::gateway::ops`).
    pub resume: bool,
    /// This claim resumes another request's operation, not the caller's order: once it is
    /// settled the caller claims again for its own.
    pub other: bool,
}

/// What the gateway said about an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OpOutcome {
    /// Done. `voided`: a refund the gateway took as a void.
    Applied {
        gateway_id: Option<String>,
        voided: bool,
    },
    /// Refused, nothing moved (`refusal` when it maps to one of ours, else the gateway's
    /// message).
    Refused {
        refusal: Option<OpRefusal>,
        message: String,
    },
    /// Unknown (timeout, 5xx, unreadable): resolved later with the same key, never guessed.
    Unknown(String),
}

/// The object's answer to the route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OpAnswer {
    Done { object: Box<SessionObject> },
    Refused { refusal: OpRefusal },
    GatewayRefused { message: String },
    Unknown { reason: String },
}

impl OpAnswer {
    pub fn error(&self) -> Option<ApiError> {
        match self {
            OpAnswer::Done { .. } => None,
            OpAnswer::Refused { refusal } => Some(refusal.error()),
            OpAnswer::GatewayRefused { message } => Some(ApiError::Unprocessable {
                detail: format!("The gateway refused the operation: {message}"),
                code: crate::error::ErrorCode::GatewayRefused,
            }),
            OpAnswer::Unknown { .. } => Some(ApiError::GatewayUnavailable(
                "The gateway did not confirm the operation. It will not be applied twice: retry \
                 with the same Idempotency-Key to learn its outcome."
                    .into(),
            )),
        }
    }
}

impl ChargeState {
    /// Money captured so far (a charge captured its whole amount when it succeeded).
    pub fn captured_cents(&self) -> u64 {
        let Some(s) = self.session.as_ref() else {
            return 0;
        };
        let paid_at_once =
            s.result.is_some() && s.capture && s.mode == crate::gateway::Mode::Charge;
        if paid_at_once && self.ledger.amount_captured_cents == 0 && !self.was_voided() {
            s.amount_cents
        } else {
            self.ledger.amount_captured_cents
        }
    }

    fn was_voided(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.status == SessionStatus::Voided)
    }

    fn status(&self) -> Option<SessionStatus> {
        self.session.as_ref().map(|s| s.status)
    }

    /// Checks `order` against the session's state and opens it, or first resumes an
    /// operation whose outcome is unknown (`OpClaim::other`, or the caller's own retry).
    pub fn begin_op(
        &mut self,
        order: &OpOrder,
        request_key: Option<&str>,
        rules: Rules,
        now_ms: u64,
        timing: &Timing,
        running: impl Fn(&str) -> bool,
    ) -> Result<OpClaim, OpAnswer> {
        self.reap_op(now_ms, &running);
        if let Some(open) = &self.ops.open {
            if open.holder.is_some() {
                return Err(OpAnswer::Refused {
                    refusal: OpRefusal::InProgress,
                });
            }
            let own = request_key.is_some() && open.request_key.as_deref() == request_key;
            return Ok(self.hold_op(now_ms, timing, !own));
        }
        // The caller's retry of an operation that was settled since: its answer again.
        if let Some(key) = request_key {
            if self
                .ops
                .done
                .iter()
                .any(|d| d.request_key.as_deref() == Some(key))
            {
                if let Some(object) = self.object() {
                    return Err(OpAnswer::Done {
                        object: Box::new(object),
                    });
                }
            }
        }
        let amount = self
            .check_op(order, rules)
            .map_err(|refusal| OpAnswer::Refused { refusal })?;
        let session_id = self
            .session
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        self.ops.count += 1;
        let number = self.ops.count;
        let whole = order.kind == OpKind::Refund
            && self.ledger.amount_refunded_cents == 0
            && amount == self.captured_cents();
        self.ops.open = Some(OpenOp {
            number,
            kind: order.kind,
            amount_cents: amount,
            reason: order.reason.clone(),
            gateway_key: format!("mvn-{session_id}-op{number}"),
            request_key: request_key.map(str::to_string),
            whole,
            holder: None,
            sent: false,
        });
        Ok(self.hold_op(now_ms, timing, false))
    }

    /// The amount `order` moves, or why it cannot.
    fn check_op(&self, order: &OpOrder, rules: Rules) -> Result<u64, OpRefusal> {
        let status = self.status().ok_or(OpRefusal::NotRefundable)?;
        let authorized = self
            .session
            .as_ref()
            .map(|s| s.amount_cents)
            .unwrap_or_default();
        match order.kind {
            OpKind::Capture | OpKind::Void if status != SessionStatus::Authorized => {
                Err(OpRefusal::NotAuthorized)
            }
            OpKind::Void => Ok(authorized),
            OpKind::Capture => {
                let amount = order.amount_cents.unwrap_or(authorized);
                if amount > authorized {
                    Err(OpRefusal::ExceedsAuthorized)
                } else if amount < authorized && !rules.partial_capture {
                    Err(OpRefusal::PartialCaptureUnsupported)
                } else {
                    Ok(amount)
                }
            }
            OpKind::Refund => {
                let refundable_state = matches!(
                    status,
                    SessionStatus::Succeeded
                        | SessionStatus::Captured
                        | SessionStatus::PartiallyRefunded
                        | SessionStatus::Refunded
                );
                if !refundable_state || self.captured_cents() == 0 {
                    return Err(OpRefusal::NotRefundable);
                }
                let left = self
                    .captured_cents()
                    .saturating_sub(self.ledger.amount_refunded_cents);
                let amount = order.amount_cents.unwrap_or(left);
                if amount == 0 || amount > left {
                    Err(OpRefusal::ExceedsRefundable)
                } else {
                    Ok(amount)
                }
            }
        }
    }

    fn hold_op(&mut self, now_ms: u64, timing: &Timing, other: bool) -> OpClaim {
        self.claims += 1;
        let claims = self.claims;
        let Some(open) = self.ops.open.as_mut() else {
            unreachable!("hold_op is called with an open operation");
        };
        let token = format!("op{}.{claims}", open.number);
        let resume = open.sent;
        open.holder = Some(Holder {
            token: token.clone(),
            by_alarm: false,
            deadline_ms: now_ms + timing.deadline_ms,
            lease_until_ms: now_ms + timing.lease_ms(),
        });
        OpClaim {
            op: open.clone(),
            token,
            deadline_ms: now_ms + timing.deadline_ms,
            resume,
            other,
        }
    }

    /// A holder that no longer runs let go: its request may have reached the gateway.
    fn reap_op(&mut self, now_ms: u64, running: &impl Fn(&str) -> bool) {
        let Some(open) = self.ops.open.as_mut() else {
            return;
        };
        if let Some(h) = &open.holder {
            if !(running(&h.token) && now_ms < h.lease_until_ms) {
                open.holder = None;
                open.sent = true;
            }
        }
    }

    /// The holder is about to send the operation's first request.
    pub fn op_sent(&mut self, token: &str) {
        if let Some(open) = self.ops.open.as_mut() {
            if open.holder.as_ref().is_some_and(|h| h.token == token) {
                open.sent = true;
            }
        }
    }

    /// Records what the gateway said about the operation claimed under `token`.
    pub fn commit_op(
        &mut self,
        token: &str,
        outcome: &OpOutcome,
        now_ms: u64,
        ids: &mut impl FnMut() -> String,
    ) -> OpAnswer {
        let Some(open) = self
            .ops
            .open
            .as_mut()
            .filter(|o| o.holder.as_ref().is_some_and(|h| h.token == token))
        else {
            return OpAnswer::Refused {
                refusal: OpRefusal::InProgress,
            };
        };
        match outcome {
            OpOutcome::Unknown(reason) => {
                open.holder = None;
                open.sent = true;
                OpAnswer::Unknown {
                    reason: reason.clone(),
                }
            }
            OpOutcome::Refused { refusal, message } => {
                self.ops.open = None;
                match refusal {
                    Some(refusal) => OpAnswer::Refused { refusal: *refusal },
                    None => OpAnswer::GatewayRefused {
                        message: message.clone(),
                    },
                }
            }
            OpOutcome::Applied { gateway_id, voided } => {
                let open = open.clone();
                self.ops.open = None;
                self.apply_op(&open, gateway_id.clone(), *voided, now_ms, ids);
                match self.object() {
                    Some(object) => OpAnswer::Done {
                        object: Box::new(object),
                    },
                    None => OpAnswer::Refused {
                        refusal: OpRefusal::NotRefundable,
                    },
                }
            }
        }
    }

    fn apply_op(
        &mut self,
        op: &OpenOp,
        gateway_id: Option<String>,
        voided: bool,
        now_ms: u64,
        ids: &mut impl FnMut() -> String,
    ) {
        let captured = self.captured_cents();
        let (status, event) = match op.kind {
            OpKind::Capture => {
                self.ledger.amount_captured_cents = op.amount_cents;
                (SessionStatus::Captured, "payment.captured")
            }
            OpKind::Void => (SessionStatus::Voided, "payment.voided"),
            // Before settlement the gateway released the whole capture: nothing was taken.
            OpKind::Refund if voided => {
                self.ledger.amount_captured_cents = 0;
                (SessionStatus::Voided, "payment.voided")
            }
            OpKind::Refund => {
                self.ledger.amount_captured_cents = captured;
                self.ledger.amount_refunded_cents += op.amount_cents;
                if self.ledger.amount_refunded_cents >= captured {
                    (SessionStatus::Refunded, "payment.refunded")
                } else {
                    (SessionStatus::PartiallyRefunded, "payment.refunded")
                }
            }
        };
        self.ops.done.push(DoneOp {
            number: op.number,
            kind: op.kind,
            amount_cents: op.amount_cents,
            voided,
            gateway_id,
            request_key: op.request_key.clone(),
            at_ms: now_ms,
        });
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.status = status;
        let operation = Operation {
            kind: op.kind,
            amount_cents: op.amount_cents,
            amount: decimal_amount(op.amount_cents, &session.currency),
            reason: op.reason.clone(),
            voided,
            amount_captured_cents: self.ledger.amount_captured_cents,
            amount_refunded_cents: self.ledger.amount_refunded_cents,
        };
        let entry = |item| OutboxEntry {
            item,
            tries: 0,
            next_try_ms: now_ms,
        };
        self.outbox.push(entry(OutboxItem::PublishSession));
        self.push_ledger(event, now_ms);
        self.outbox.push(entry(OutboxItem::Webhook {
            delivery_id: ids(),
            decline: None,
            at: now_ms / 1000,
            operation: Some(operation),
        }));
    }
}

#[cfg(test)]
mod tests;
