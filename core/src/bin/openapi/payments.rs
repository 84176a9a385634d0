//! The dashboard's Payments page and Customize catalog in the OpenAPI document
//! (docs/dashboard-payments.md): the project's ledger, one payment's detail, and cancel,
//! capture, void and refund run as the signed-in user's account. Session cookie required (401
//! without), X-CSRF-Token on every change, errors in the shapes of the rest of the API.

use super::dashboard::{CSRF, NO_PROJECT, NO_SESSION};
use super::{HTTPError, HTTPValidationError, OperationRefused, RefundBody};
use maven_core::ledger::{SessionObject, SessionPage};
use maven_core::session::SessionStatus;
use serde::Serialize;
use utoipa::ToSchema;

/// One payment: its object, the timeline of what happened to it, and what may be done next.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct PaymentDetail {
    payment: SessionObject,
    /// Ledger events and operations, oldest first: `{at_ms, event, amount_cents?, …}`.
    #[schema(value_type = Vec<Object>)]
    timeline: Vec<String>,
    /// The actions the payment's status allows: `{action, max_amount_cents?}`.
    #[schema(value_type = Vec<Object>)]
    actions: Vec<String>,
    /// False once the session's object forgot its history (a day after expiry).
    history_kept: bool,
}

/// What the Customize page edits: theme keys, label names and defaults, field modes, limits.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CustomizationCatalog {
    #[schema(value_type = Object)]
    theme: String,
    #[schema(value_type = Vec<Object>)]
    labels: Vec<String>,
    #[schema(value_type = Object)]
    fields: String,
    #[schema(value_type = Object)]
    limits: String,
}

/// One gateway on the Gateways page and the fields of its `credentials` object.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct GatewayInfo {
    /// `stripe`, `authorizenet`, `braintree` or `shift4`.
    gateway: String,
    /// As the gateway writes its own name.
    name: String,
    fields: Vec<maven_core::gateway::CredentialField>,
}

/// Every gateway the edge speaks to, with its credential fields.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct GatewayCatalog {
    gateways: Vec<GatewayInfo>,
}

/// Every currency the API takes, with its ISO 4217 exponent (the minor unit's decimal digits).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct CurrencyExponents {
    /// `{"usd": 2, "jpy": 0, "kwd": 3, …}`
    #[schema(value_type = Object)]
    currencies: String,
}

const ENVIRONMENT: &str = "The environment the dashboard's switch shows: test or live";
const OP_KEY: &str = "Required on capture, void and refund: the page makes one per confirmation, so a double click does it once";

#[utoipa::path(get, path = "/v1/dashboard/customization", tag = "dashboard",
    operation_id = "dashboard_customization", summary = "The Customize page's keys, label names and defaults",
    responses(
        (status = 200, description = "The catalog", body = CustomizationCatalog),
        (status = 401, description = NO_SESSION, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_customization() {}

#[utoipa::path(get, path = "/v1/dashboard/gateways", tag = "dashboard",
    operation_id = "dashboard_gateway_catalog", summary = "Each gateway's credential fields, for the Gateways page's forms",
    responses(
        (status = 200, description = "The gateways", body = GatewayCatalog),
        (status = 401, description = NO_SESSION, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_gateway_catalog() {}

#[utoipa::path(get, path = "/v1/dashboard/currencies", tag = "dashboard",
    operation_id = "dashboard_currencies", summary = "Each currency's minor-unit digits, for showing and entering amounts",
    responses(
        (status = 200, description = "The currencies", body = CurrencyExponents),
        (status = 401, description = NO_SESSION, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_currencies() {}

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}/payments", tag = "dashboard",
    operation_id = "dashboard_payments", summary = "The project's payments, newest first, a page at a time",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("environment" = String, Query, description = ENVIRONMENT),
        ("status" = Option<SessionStatus>, Query, description = "Only payments in this status"),
        ("created_gte" = Option<u64>, Query, description = "Created at or after (unix seconds)", minimum = 0, maximum = 253402300799i64),
        ("created_lt" = Option<u64>, Query, description = "Created before (unix seconds)", minimum = 0, maximum = 253402300799i64),
        ("limit" = Option<u32>, Query, description = "Page size, 1–100 (default 10)", minimum = 1, maximum = 100),
        ("starting_after" = Option<String>, Query, description = "A session_id from the previous page: the page starts after it"),
    ),
    responses(
        (status = 200, description = "A page", body = SessionPage),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 422, description = "Validation Error (a filter, the page size or the environment)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_payments() {}

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}/payments/{session_id}", tag = "dashboard",
    operation_id = "dashboard_payment", summary = "One payment with its timeline and the actions its status allows",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("session_id" = String, Path, description = "The session's UUID"),
        ("environment" = String, Query, description = ENVIRONMENT),
    ),
    responses(
        (status = 200, description = "The payment", body = PaymentDetail),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 404, description = "No such project, or no such payment of it in that environment", body = HTTPError),
        (status = 422, description = "Validation Error (the environment)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_payment() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/payments/{session_id}/cancel", tag = "dashboard",
    operation_id = "dashboard_cancel_payment", summary = "Cancel an open payment (as POST /v1/widget-sessions/{id}/cancel)",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("session_id" = String, Path, description = "The session's UUID"),
        ("environment" = String, Query, description = ENVIRONMENT),
    ),
    responses(
        (status = 200, description = "The cancelled payment", body = SessionObject),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = "No such project, or no such payment of it", body = HTTPError),
        (status = 409, description = "Not open any more (`session_not_pending`)", body = HTTPError),
        (status = 422, description = "Validation Error (the environment)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_cancel_payment() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/payments/{session_id}/{operation}", tag = "dashboard",
    operation_id = "dashboard_operate_payment", summary = "Capture, void or refund (as POST /v1/widget-sessions/{id}/{operation})",
    description = "The same rules and answers as the merchant API's capture, void and refund; each one done is in the audit log with the user.",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("session_id" = String, Path, description = "The session's UUID"),
        ("operation" = String, Path, description = "capture, void or refund"),
        ("environment" = String, Query, description = ENVIRONMENT),
        ("Idempotency-Key" = String, Header, description = OP_KEY),
    ),
    request_body(content = Option<RefundBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The payment after the operation", body = SessionObject),
        (status = 400, description = "No or an invalid Idempotency-Key (`invalid_idempotency_key`)", body = HTTPError),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = "No such project, payment or operation", body = HTTPError),
        (status = 409, description = "Not in a status that allows it, another operation in progress, or the Idempotency-Key reused or in progress", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "A body that is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error, or the gateway refused (`gateway_refused`)", body = OperationRefused),
        (status = 502, description = "The gateway did not confirm (`gateway_unavailable`): retry with the same Idempotency-Key", body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_operate_payment() {}
