//! The dashboard's Payments page (docs/dashboard-payments.md): its listing query (the merchant
//! API's `parse_list_query` plus the environment the dashboard's test/live switch shows), and
//! one payment's detail: the ledger object, a timeline built from the ledger's event rows and
//! what the session's object remembers of its attempts and operations, and the actions its
//! state allows. Sans-I/O: the worker reads the rows and the object's history and calls these.

use super::{parse_list_query, ListFilters, SessionObject};
use crate::auth::Environment;
use crate::charge::{ChargeState, DoneOp};
use crate::error::{ApiError, FieldError};
use crate::gateway::GatewayKind;
use crate::operation::{rules, OpKind};
use crate::session::SessionStatus;
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};

/// One event row of a session in its project's ledger (`session.created`,
/// `payment.declined`, `payment.refunded`, …), oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEvent {
    pub event: String,
    pub at_ms: u64,
}

/// What the session's object remembers beyond the ledger object: every settled operation with
/// its gateway id, the one in flight, and the charge attempts. Gone a day after the session
/// expired (the object forgets itself), when the ledger's events are all that is left.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentHistory {
    pub attempts: u32,
    pub declines: u32,
    /// A charge attempt whose outcome the gateway has not told yet.
    pub attempt_open: bool,
    pub operations: Vec<OperationView>,
    /// Capture, void or refund sent and not settled (its outcome may be unknown).
    pub operation_open: Option<OperationView>,
}

/// One capture, void or refund, without the merchant's hashed idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationView {
    pub kind: OpKind,
    pub amount_cents: u64,
    /// A refund the gateway took as a void (before settlement).
    pub voided: bool,
    pub gateway_id: Option<String>,
    pub at_ms: Option<u64>,
}

impl PaymentHistory {
    pub fn of(state: &ChargeState) -> Self {
        let done = |d: &DoneOp| OperationView {
            kind: d.kind,
            amount_cents: d.amount_cents,
            voided: d.voided,
            gateway_id: d.gateway_id.clone(),
            at_ms: Some(d.at_ms),
        };
        PaymentHistory {
            attempts: state.attempt,
            declines: state.declines,
            attempt_open: state.open.is_some(),
            operations: state.ops.done.iter().map(done).collect(),
            operation_open: state.ops.open.as_ref().map(|o| OperationView {
                kind: o.kind,
                amount_cents: o.amount_cents,
                voided: false,
                gateway_id: None,
                at_ms: None,
            }),
        }
    }
}

/// One line of the detail's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// RFC 3339 UTC (to the second) and the exact milliseconds.
    pub at: String,
    pub at_ms: u64,
    /// The ledger's event name; `operation.pending` for an operation still in flight.
    pub event: String,
    /// Attempt number, for charge attempts (declined, approved, failed).
    pub attempt: Option<u32>,
    /// Money an operation moved, in minor units.
    pub amount_cents: Option<u64>,
    /// The gateway's id of a capture or refund.
    pub gateway_id: Option<String>,
    /// A refund the gateway took as a void (before settlement).
    pub voided: bool,
}

/// What the merchant can do with the payment now, and up to how much.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailableAction {
    /// `cancel`, `capture`, `void` or `refund`.
    pub action: String,
    /// Largest amount (capture, refund); the default when none is given.
    pub max_amount_cents: Option<u64>,
    /// Whether a smaller amount may be asked.
    pub partial: bool,
}

/// `GET /v1/dashboard/projects/{id}/payments/{session_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentDetail {
    pub payment: SessionObject,
    pub timeline: Vec<TimelineEntry>,
    pub actions: Vec<AvailableAction>,
    /// The session's object still had its history (it forgets a day after expiry).
    pub history_kept: bool,
}

/// The events that end a charge attempt, in the order an attempt's outcome is written.
const ATTEMPT_EVENTS: [&str; 4] = [
    "payment.declined",
    "payment.rejected",
    "payment.approved",
    "payment.failed",
];

fn op_event(kind: OpKind, voided: bool) -> &'static str {
    match kind {
        OpKind::Capture => "payment.captured",
        OpKind::Void => "payment.voided",
        OpKind::Refund if voided => "payment.voided",
        OpKind::Refund => "payment.refunded",
    }
}

impl PaymentDetail {
    /// Merges the ledger's events with the object's operations (matched by event and time:
    /// an operation and its ledger row are written with the same clock reading).
    pub fn build(
        payment: SessionObject,
        events: &[LedgerEvent],
        history: Option<&PaymentHistory>,
    ) -> Self {
        let ops = history.map(|h| h.operations.as_slice()).unwrap_or_default();
        let mut attempt = 0;
        let mut timeline: Vec<TimelineEntry> = events
            .iter()
            .map(|e| {
                let op = ops
                    .iter()
                    .find(|o| o.at_ms == Some(e.at_ms) && op_event(o.kind, o.voided) == e.event);
                let is_attempt = ATTEMPT_EVENTS.contains(&e.event.as_str());
                if is_attempt {
                    attempt += 1;
                }
                TimelineEntry {
                    at: rfc3339(e.at_ms / 1000),
                    at_ms: e.at_ms,
                    event: e.event.clone(),
                    attempt: is_attempt.then_some(attempt),
                    amount_cents: op.map(|o| o.amount_cents),
                    gateway_id: op.and_then(|o| o.gateway_id.clone()),
                    voided: op.is_some_and(|o| o.voided),
                }
            })
            .collect();
        // An operation the ledger has not received yet (the outbox runs a moment later).
        for o in ops {
            let at_ms = o.at_ms.unwrap_or_default();
            let event = op_event(o.kind, o.voided);
            if !timeline
                .iter()
                .any(|t| t.at_ms == at_ms && t.event == event)
            {
                timeline.push(TimelineEntry {
                    at: rfc3339(at_ms / 1000),
                    at_ms,
                    event: event.into(),
                    attempt: None,
                    amount_cents: Some(o.amount_cents),
                    gateway_id: o.gateway_id.clone(),
                    voided: o.voided,
                });
            }
        }
        timeline.sort_by_key(|t| t.at_ms);
        let open = history.and_then(|h| h.operation_open.as_ref());
        if let Some(o) = open {
            let at_ms = timeline.last().map(|t| t.at_ms).unwrap_or_default();
            timeline.push(TimelineEntry {
                at: rfc3339(at_ms / 1000),
                at_ms,
                event: format!("{}.pending", o.kind.as_str()),
                attempt: None,
                amount_cents: Some(o.amount_cents),
                gateway_id: None,
                voided: false,
            });
        }
        let actions = if open.is_some() {
            vec![]
        } else {
            available_actions(&payment)
        };
        PaymentDetail {
            payment,
            timeline,
            actions,
            history_kept: history.is_some(),
        }
    }
}

/// The buttons that make sense: cancel while pending; capture (partly where the gateway
/// allows) and void while authorized; refund while captured money is not all refunded. The
/// session's object decides again when the action is sent (docs/operations.md).
pub fn available_actions(p: &SessionObject) -> Vec<AvailableAction> {
    let act = |action: &str, max: Option<u64>, partial: bool| AvailableAction {
        action: action.into(),
        max_amount_cents: max,
        partial,
    };
    let gateway = GatewayKind::parse(&p.gateway);
    match p.status {
        SessionStatus::Pending => vec![act("cancel", None, false)],
        SessionStatus::Authorized => {
            let partial = gateway.is_some_and(|g| rules(g).partial_capture);
            vec![
                act("capture", Some(p.amount_cents), partial),
                act("void", None, false),
            ]
        }
        SessionStatus::Succeeded | SessionStatus::Captured | SessionStatus::PartiallyRefunded => {
            let left = p
                .amount_captured_cents
                .saturating_sub(p.amount_refunded_cents);
            if left > 0 {
                vec![act("refund", Some(left), true)]
            } else {
                vec![]
            }
        }
        _ => vec![],
    }
}

/// The dashboard's listing query: the merchant API's filters (`status`, `created_gte`,
/// `created_lt`, `limit`, `starting_after`) for `project_id`, and `environment` (required).
pub fn dashboard_list_query(
    pairs: &[(String, String)],
    project_id: &str,
) -> Result<(Environment, ListFilters), ApiError> {
    let env = environment_param(pairs);
    let mut with_project: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "project")
        .cloned()
        .collect();
    with_project.push(("project".into(), project_id.into()));
    match (env, parse_list_query(&with_project)) {
        (Ok(env), Ok(q)) => Ok((env, q.filters)),
        (Err(e), Ok(_)) => Err(ApiError::validation(vec![e])),
        (Ok(_), Err(e)) => Err(e),
        // Every problem at once, as the rest of the API reports them.
        (Err(env_err), Err(e)) => {
            let mut errors = vec![env_err];
            if let ApiError::Validation(more) = e {
                errors.extend(more);
            }
            Err(ApiError::validation(errors))
        }
    }
}

/// `?environment=test|live`, required on every Payments call (the dashboard's switch).
pub fn environment_param(pairs: &[(String, String)]) -> Result<Environment, FieldError> {
    let at = || vec!["query".into(), "environment".into()];
    match pairs.iter().rev().find(|(k, _)| k == "environment") {
        Some((_, v)) => Environment::parse(v).ok_or_else(|| {
            FieldError::new(at(), "literal_error", "Input should be 'test' or 'live'")
        }),
        None => Err(FieldError::new(at(), "missing", "Field required")),
    }
}

#[cfg(test)]
#[path = "detail_tests.rs"]
mod tests;
