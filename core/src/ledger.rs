//! The merchant's ledger (docs/ledger.md): the full session object a secret key reads, the row
//! the session's Durable Object sends to its project's ledger from its outbox, and the listing
//! query (`GET /v1/widget-sessions?project=…`), validated here and run by the ledger object.

use crate::auth::Environment;
use crate::error::{ApiError, DeclineCode, FieldError};
use crate::gateway::GatewayKind;
use crate::session::{Session, SessionStatus};
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long the ledger keeps a session after it was created: 13 months (396 days, so a
/// year-over-year reconciliation of the same month still finds every row).
pub const RETENTION_SECS: u64 = 396 * 86_400;

/// `limit` of a listing: 1–100, 10 unless given.
pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 10;

/// What changes a session's ledger object besides its create: kept by the session's object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LedgerFacts {
    /// Bumped on every change; the ledger keeps the highest it saw (outbox retries may
    /// deliver an older row after a newer one).
    pub seq: u64,
    /// Charge attempts handed out (declined, approved or closed unpaid).
    pub attempts: u32,
    pub last_error: Option<DeclineCode>,
    pub updated_ms: u64,
    pub completed_ms: Option<u64>,
    pub amount_captured_cents: u64,
    pub amount_refunded_cents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Processor {
    pub gateway: String,
    pub transaction_id: String,
    /// The gateway's vaulted card or customer reference (tokenize mode), else null.
    pub token: Option<String>,
}

/// The card as the ledger knows it: never the number or the CVC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardSummary {
    pub brand: String,
    pub last4: String,
    /// Not kept by this edge (the card is held in memory for one flow only): null.
    pub exp_month: Option<u32>,
    pub exp_year: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionError {
    /// A decline code (`card_declined`, `insufficient_funds`, …).
    pub code: String,
    pub message: String,
}

/// `GET /v1/widget-sessions/{id}` with a secret key: the whole session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionObject {
    pub session_id: String,
    /// The project's slug.
    pub project: String,
    pub status: SessionStatus,
    /// No further change is possible through the form (anything but `pending`).
    pub is_terminal: bool,
    pub amount_cents: u64,
    pub amount_captured_cents: u64,
    pub amount_refunded_cents: u64,
    pub currency: String,
    pub mode: String,
    pub capture: bool,
    pub gateway: String,
    /// `test` or `live`.
    pub environment: String,
    pub description: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub processor: Option<Processor>,
    pub card: Option<CardSummary>,
    pub error: Option<SessionError>,
    pub attempts: u32,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    pub expires_at: String,
}

impl SessionObject {
    pub fn build(session: &Session, facts: &LedgerFacts) -> Self {
        let result = session.result.as_ref();
        let captured = match session.status {
            SessionStatus::Succeeded => facts.amount_captured_cents.max(session.amount_cents),
            _ => facts.amount_captured_cents,
        };
        let updated = if facts.updated_ms == 0 {
            session.created_at
        } else {
            facts.updated_ms / 1000
        };
        SessionObject {
            session_id: session.id.clone(),
            project: session.project_slug.clone(),
            status: session.status,
            is_terminal: session.status != SessionStatus::Pending,
            amount_cents: session.amount_cents,
            amount_captured_cents: captured,
            amount_refunded_cents: facts.amount_refunded_cents,
            currency: session.currency.clone(),
            mode: session.mode_str().into(),
            capture: session.capture,
            gateway: session.gateway.as_str().into(),
            environment: session.environment.as_str().into(),
            description: session.description.clone(),
            metadata: session.metadata.clone(),
            processor: result.map(|r| Processor {
                gateway: session.gateway.as_str().into(),
                transaction_id: r.transaction_id.clone(),
                token: r.token.clone(),
            }),
            card: result.map(|r| CardSummary {
                brand: r.card_brand.clone(),
                last4: r.card_last4.clone(),
                exp_month: None,
                exp_year: None,
            }),
            error: facts.last_error.map(|c| SessionError {
                code: c.as_str().into(),
                message: c.message().into(),
            }),
            attempts: facts.attempts,
            created_at: rfc3339(session.created_at),
            updated_at: rfc3339(updated.max(session.created_at)),
            completed_at: facts.completed_ms.map(|ms| rfc3339(ms / 1000)),
            expires_at: rfc3339(session.expires_at),
        }
    }
}

/// One ledger write, sent by the session's object from its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    pub session_id: String,
    pub account_id: String,
    pub project_id: String,
    pub environment: Environment,
    pub gateway: GatewayKind,
    /// Unix seconds: the listing's sort key.
    pub created_at: u64,
    pub seq: u64,
    /// What happened (`session.created`, `payment.approved`, …), kept as an event row.
    pub event: String,
    /// Unix milliseconds of the event.
    pub at_ms: u64,
    pub object: SessionObject,
}

impl LedgerRow {
    pub fn new(session: &Session, facts: &LedgerFacts, event: &str, at_ms: u64) -> Self {
        LedgerRow {
            session_id: session.id.clone(),
            account_id: session.account_id.clone(),
            project_id: session.project_id.clone(),
            environment: session.environment,
            gateway: session.gateway,
            created_at: session.created_at,
            seq: facts.seq,
            event: event.into(),
            at_ms,
            object: SessionObject::build(session, facts),
        }
    }

    /// The row the create route writes itself (docs/ledger.md, "The created row"): version 0,
    /// so any row from the session's object (which starts at 1) replaces it, whatever order
    /// they arrive in.
    pub fn created(session: &Session, at_ms: u64) -> Self {
        Self::new(session, &LedgerFacts::default(), "session.created", at_ms)
    }

    /// Unix seconds before which the row may be deleted.
    pub fn keep_until(&self) -> u64 {
        self.created_at + RETENTION_SECS
    }
}

/// What a listing filters and pages by, as the merchant asked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListFilters {
    pub status: Option<SessionStatus>,
    pub created_gte: Option<u64>,
    pub created_lt: Option<u64>,
    pub limit: u32,
    pub starting_after: Option<String>,
}

/// A validated listing request (the project is resolved by the route).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListQuery {
    pub project: String,
    #[serde(flatten)]
    pub filters: ListFilters,
}

/// What the route asks the project's ledger: the filters within one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRequest {
    pub environment: Environment,
    #[serde(flatten)]
    pub filters: ListFilters,
}

/// A page: newest first. `starting_after_unknown`: the cursor names no session of this
/// project (the route answers 422 on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPage {
    pub data: Vec<SessionObject>,
    pub has_more: bool,
}

/// The ledger object's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerReply {
    Page(SessionPage),
    UnknownCursor,
    Object {
        object: Option<Box<SessionObject>>,
    },
    Written {
        applied: bool,
    },
    /// One session's event rows, oldest first (`/events`).
    Events {
        events: Vec<detail::LedgerEvent>,
    },
}

fn status_of(s: &str) -> Option<SessionStatus> {
    serde_json::from_value(serde_json::Value::String(s.into())).ok()
}

pub const STATUSES: [&str; 11] = [
    "pending",
    "processing",
    "succeeded",
    "authorized",
    "tokenized",
    "failed",
    "cancelled",
    "captured",
    "voided",
    "partially_refunded",
    "refunded",
];

/// Validates the query string of a listing, every problem at once (422, `loc: ["query", …]`).
/// Unknown parameters are ignored, as in the rest of the API's query strings.
pub fn parse_list_query(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
    let get = |k: &str| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v);
    let mut errors = Vec::new();
    let at = |k: &str| vec!["query".into(), k.into()];
    let project = match get("project") {
        Some(p) if !p.is_empty() && p.len() <= 100 => Some(p.clone()),
        Some(_) => {
            errors.push(FieldError::new(
                at("project"),
                "string_too_short",
                "String should have 1 to 100 characters",
            ));
            None
        }
        None => {
            errors.push(FieldError::new(at("project"), "missing", "Field required"));
            None
        }
    };
    let status = get("status").and_then(|s| {
        let st = status_of(s).filter(|_| STATUSES.contains(&s.as_str()));
        if st.is_none() {
            errors.push(FieldError::new(
                at("status"),
                "literal_error",
                format!(
                    "Input should be {}",
                    crate::validate::quoted_list(&STATUSES)
                ),
            ));
        }
        st
    });
    let mut int = |k: &str, min: u64, max: u64| -> Option<u64> {
        let v = get(k)?;
        match v.parse::<u64>() {
            Ok(n) if n < min => {
                errors.push(FieldError::new(
                    at(k),
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {min}"),
                ));
                None
            }
            Ok(n) if n > max => {
                errors.push(FieldError::new(
                    at(k),
                    "less_than_equal",
                    format!("Input should be less than or equal to {max}"),
                ));
                None
            }
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    at(k),
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                ));
                None
            }
        }
    };
    // Unix seconds up to the year 9999.
    let created_gte = int("created_gte", 0, 253_402_300_799);
    let created_lt = int("created_lt", 0, 253_402_300_799);
    let limit = int("limit", 1, u64::from(MAX_LIMIT)).map(|n| n as u32);
    let starting_after = get("starting_after").and_then(|v| {
        if crate::model::is_uuid(v) {
            Some(v.clone())
        } else {
            errors.push(FieldError::new(
                at("starting_after"),
                "uuid_parsing",
                "Input should be a valid UUID (a session_id)",
            ));
            None
        }
    });
    match project {
        Some(project) if errors.is_empty() => Ok(ListQuery {
            project,
            filters: ListFilters {
                status,
                created_gte,
                created_lt,
                limit: limit.unwrap_or(DEFAULT_LIMIT),
                starting_after,
            },
        }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// The 422 for a cursor that names no session of the project.
pub fn unknown_cursor() -> ApiError {
    ApiError::validation(vec![FieldError::new(
        vec!["query".into(), "starting_after".into()],
        "value_error",
        "starting_after must be the session_id of a session in this project's listing",
    )])
}

pub mod detail;

#[cfg(test)]
mod tests;
