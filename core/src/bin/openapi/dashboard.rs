//! The dashboard's project endpoints in the OpenAPI document: a project (read, change, preview
//! session), its gateways and its webhooks. Every one needs the session cookie (401 without),
//! owners only where marked (403), and answers errors in the shapes of the rest of the API.

use super::{HTTPError, HTTPValidationError};
use maven_core::auth::Environment;
use maven_core::customization::{FormFields, Labels, Theme};
use maven_core::session::SessionCreated;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A configured gateway slot: its API host; the credentials are never shown.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct GatewaySlotView {
    base_url: String,
    configured: bool,
}

/// The gateways configured per environment, by gateway name.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct GatewaysView {
    test: BTreeMap<String, GatewaySlotView>,
    live: BTreeMap<String, GatewaySlotView>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct WebhookUrlsView {
    test: Option<String>,
    live: Option<String>,
}

/// A project as the dashboard sees it: everything but secrets.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ProjectView {
    id: String,
    account_id: String,
    slug: String,
    name: String,
    /// Default currency of new sessions.
    currency: String,
    /// Default for new sessions: false = authorize only.
    capture: bool,
    /// Lifetime of a session created without `expires_in`.
    session_lifetime_secs: u64,
    theme: Theme,
    labels: Labels,
    fields: FormFields,
    gateways: GatewaysView,
    allowed_origins: Vec<String>,
    webhook_url: Option<String>,
    webhook_urls: WebhookUrlsView,
    webhook_secret_set: bool,
    #[schema(value_type = Object)]
    card_testing: String,
    /// The widget's color scheme when a session gives none (`null`: light).
    color_scheme: Option<String>,
    /// The form's BCP 47 locale when a session gives none (`null`: English).
    locale: Option<String>,
}

/// `PATCH …/projects/{project_id}`: every member optional. Members may send only `name`,
/// `webhook_url`, `theme`, `labels` and `fields`; the rest is for owners (403 `owner_required`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ProjectPatch {
    #[schema(max_length = 100)]
    name: Option<String>,
    /// Owners: three lower-case letters.
    #[schema(pattern = "^[a-z]{3}$")]
    currency: Option<String>,
    /// Owners.
    capture: Option<bool>,
    /// Owners: 60 to 3600.
    #[schema(minimum = 60, maximum = 3600)]
    session_lifetime_secs: Option<u64>,
    /// Owners: `https://host[:port]` each.
    allowed_origins: Option<Vec<String>>,
    /// Owners: `light`, `dark` or `auto`; null clears.
    color_scheme: Option<String>,
    /// Owners: a BCP 47 tag; null clears.
    #[schema(max_length = 35)]
    locale: Option<String>,
    /// Owners: card-testing limits (docs/card-testing.md).
    #[schema(value_type = Option<Object>)]
    card_testing: Option<String>,
    /// One URL for both environments; null clears.
    webhook_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    theme: Option<String>,
    #[schema(value_type = Option<Object>)]
    labels: Option<String>,
    #[schema(value_type = Option<Object>)]
    fields: Option<String>,
}

/// `PUT …/gateways/{environment}/{gateway}`: the gateway's credentials (write-only; its fields:
/// docs/gateways.md) and optionally its documented API host for the environment.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct GatewayConfig {
    #[schema(max_length = 300)]
    base_url: Option<String>,
    #[schema(value_type = Object)]
    credentials: String,
}

/// "Test connection": one harmless authenticated call; `ok: false` says why.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ConnectionTest {
    ok: bool,
    gateway: String,
    environment: Environment,
    base_url: String,
    duration_ms: u64,
    error_code: Option<String>,
    message: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct WebhookSettings {
    urls: WebhookUrlsView,
    secret_set: bool,
    /// RFC 3339: the previous secret signs too until then.
    previous_secret_until: Option<String>,
    /// Only in the answer of a roll: the new secret, shown this once.
    #[schema(nullable = false)]
    webhook_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct WebhookUrlBody {
    /// null clears.
    #[schema(max_length = 500)]
    url: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct SecretRoll {
    /// How long the old secret keeps signing (default 86400).
    #[schema(minimum = 0, maximum = 604800)]
    overlap_secs: Option<u64>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TestEvent {
    environment: Environment,
}

/// A webhook delivery with every attempt and the exact signed payload.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Delivery {
    id: String,
    project_id: String,
    session_id: String,
    event: String,
    environment: Option<String>,
    status: String,
    created_at: String,
    next_attempt_at: Option<String>,
    #[schema(value_type = Vec<Object>)]
    attempts: Vec<String>,
    #[schema(value_type = Object)]
    payload: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Deliveries {
    deliveries: Vec<Delivery>,
}

pub(super) const NO_SESSION: &str = "No session cookie, or an ended one";
const NOT_OWNER: &str = "A member where owners are required (`owner_required`), or a state change without the session's X-CSRF-Token or from another origin (`csrf_failed`)";
pub(super) const CSRF: &str =
    "A state change without the session's X-CSRF-Token or from another origin (`csrf_failed`)";
pub(super) const NO_PROJECT: &str = "No such project in the signed-in account";

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}", tag = "dashboard",
    operation_id = "dashboard_project", summary = "A project of the account (no secrets)",
    params(("project_id" = String, Path, description = "The project's UUID")),
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_project() {}

#[utoipa::path(patch, path = "/v1/dashboard/projects/{project_id}", tag = "dashboard",
    operation_id = "dashboard_update_project",
    summary = "Change a project: Settings (owners) and Customize (members too)",
    description = "Settings (`allowed_origins`, `currency`, `capture`, `session_lifetime_secs`, `color_scheme`, `locale`, `card_testing`) are for owners: a member's request naming any of them is refused whole (403 `owner_required`) before it is validated, and nothing changes. Members may change `name`, `webhook_url`, `theme`, `labels` and `fields`. Each change is audited.",
    params(("project_id" = String, Path, description = "The project's UUID")),
    request_body(content = ProjectPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed project", body = ProjectView),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_update_project() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/preview-session", tag = "dashboard",
    operation_id = "dashboard_preview_session", summary = "A short test session for Customize's live preview",
    params(("project_id" = String, Path, description = "The project's UUID")),
    responses(
        (status = 201, description = "The preview session", body = SessionCreated),
        (status = 400, description = "No test gateway configured (`gateway_not_configured`)", body = HTTPError),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_preview_session() {}

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}/gateways", tag = "dashboard",
    operation_id = "dashboard_gateways", summary = "Configured gateways per environment (owners; never their credentials)",
    params(("project_id" = String, Path, description = "The project's UUID")),
    responses(
        (status = 200, description = "Gateways", body = GatewaysView),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_gateways() {}

#[utoipa::path(put, path = "/v1/dashboard/projects/{project_id}/gateways/{environment}/{gateway}", tag = "dashboard",
    operation_id = "dashboard_set_gateway", summary = "Set a gateway's credentials (owners; write-only, sealed)",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("environment" = Environment, Path, description = "test or live"),
        ("gateway" = String, Path, description = "stripe, authorizenet, braintree or shift4"),
    ),
    request_body(content = GatewayConfig, content_type = "application/json"),
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = "No such project, environment or gateway", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error (a key of the other environment, a host the gateway does not document)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_set_gateway() {}

#[utoipa::path(delete, path = "/v1/dashboard/projects/{project_id}/gateways/{environment}/{gateway}", tag = "dashboard",
    operation_id = "dashboard_remove_gateway", summary = "Remove a gateway's credentials (owners)",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("environment" = Environment, Path, description = "test or live"),
        ("gateway" = String, Path, description = "stripe, authorizenet, braintree or shift4"),
    ),
    responses(
        (status = 200, description = "The gateways left", body = GatewaysView),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = "No such project, or that gateway is not set", body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_remove_gateway() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/gateways/{environment}/{gateway}/test", tag = "dashboard",
    operation_id = "dashboard_test_gateway", summary = "Test connection: one harmless authenticated call (owners)",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("environment" = Environment, Path, description = "test or live"),
        ("gateway" = String, Path, description = "stripe, authorizenet, braintree or shift4"),
    ),
    responses(
        (status = 200, description = "The gateway's answer: `ok`, or why not", body = ConnectionTest),
        (status = 400, description = "The stored host is no longer allowed (`gateway_not_configured`)", body = HTTPError),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = "No such project, or that gateway is not set", body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_test_gateway() {}

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}/webhooks", tag = "dashboard",
    operation_id = "dashboard_webhooks", summary = "Webhook URLs per environment and the secret's state",
    params(("project_id" = String, Path, description = "The project's UUID")),
    responses(
        (status = 200, description = "Webhook settings", body = WebhookSettings),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_webhooks() {}

#[utoipa::path(put, path = "/v1/dashboard/projects/{project_id}/webhooks/urls/{environment}", tag = "dashboard",
    operation_id = "dashboard_set_webhook_url", summary = "Set (or clear) one environment's webhook URL",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("environment" = Environment, Path, description = "test or live"),
    ),
    request_body(content = WebhookUrlBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Webhook settings", body = WebhookSettings),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_set_webhook_url() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/webhooks/secret", tag = "dashboard",
    operation_id = "dashboard_roll_webhook_secret", summary = "Roll the signing secret (owners; shown once)",
    params(("project_id" = String, Path, description = "The project's UUID")),
    request_body(content = SecretRoll, content_type = "application/json"),
    responses(
        (status = 201, description = "Webhook settings with the new `webhook_secret`", body = WebhookSettings),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = NOT_OWNER, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_roll_webhook_secret() {}

#[utoipa::path(get, path = "/v1/dashboard/projects/{project_id}/webhooks/deliveries", tag = "dashboard",
    operation_id = "dashboard_webhook_deliveries", summary = "Recent deliveries, newest first",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("limit" = Option<u64>, Query, description = "1 to 100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "Deliveries", body = Deliveries),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 422, description = "Validation Error (`limit`)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_webhook_deliveries() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/webhooks/deliveries/{delivery_id}/resend", tag = "dashboard",
    operation_id = "dashboard_resend_delivery", summary = "Send a delivery again",
    params(
        ("project_id" = String, Path, description = "The project's UUID"),
        ("delivery_id" = String, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Queued again", body = Delivery),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = "No such project, or no such delivery of it", body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_resend_delivery() {}

#[utoipa::path(post, path = "/v1/dashboard/projects/{project_id}/webhooks/test", tag = "dashboard",
    operation_id = "dashboard_test_webhook", summary = "Send a signed `webhook.test` event",
    params(("project_id" = String, Path, description = "The project's UUID")),
    request_body(content = TestEvent, content_type = "application/json"),
    responses(
        (status = 202, description = "Queued", body = Delivery),
        (status = 401, description = NO_SESSION, body = HTTPError),
        (status = 403, description = CSRF, body = HTTPError),
        (status = 404, description = NO_PROJECT, body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error (no URL or secret for that environment yet)", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
pub fn dashboard_test_webhook() {}
