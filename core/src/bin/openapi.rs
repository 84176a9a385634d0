//! Prints the OpenAPI 3.1 document of the public API, derived from the same Rust types the
//! worker validates and serializes with. `scripts/build.sh` writes it to www/dist/openapi.json.

use maven_core::api_keys::{KeyStatus, KeyView};
use maven_core::audit::{Actor, Entry};
use maven_core::auth::Environment;
use maven_core::card::FieldMode;
use maven_core::customization::{FormFields, Labels, Theme};
use maven_core::ledger::{CardSummary, Processor, SessionError, SessionObject, SessionPage};
use maven_core::session::{CreateWidgetSession, PublicSession, SessionCreated, SessionStatus};
use maven_core::team::{MemberView, Role};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

// The dashboard's project, gateway and webhook endpoints (the file would pass 1,000 lines).
#[path = "openapi/dashboard.rs"]
mod dashboard;
// The Payments page and the Customize catalog.
#[path = "openapi/payments.rs"]
mod payments;

/// One validation problem (FastAPI shape).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ValidationError {
    #[schema(value_type = Vec<LocItem>)]
    loc: Vec<String>,
    msg: String,
    #[serde(rename = "type")]
    kind: String,
}

/// A `loc` item: an object key or an array index.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum LocItem {
    Key(String),
    Index(i64),
}

/// 422 body: every problem of the request at once.
#[derive(Serialize, ToSchema)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
struct HTTPValidationError {
    detail: Vec<ValidationError>,
}

/// Every other error: a sentence, and a machine code where useful.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct HTTPError {
    detail: String,
    #[schema(nullable = false)]
    error_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Health {
    status: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct AuthCheck {
    /// Account id.
    account: String,
    /// `test` or `live`, from the key's prefix.
    environment: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct ProjectSummary {
    id: String,
    slug: String,
    name: String,
    /// Gateways configured for the key's environment.
    gateways: Vec<String>,
}

#[allow(dead_code)]
type Metadata = BTreeMap<String, String>;

const CREATE_DESCRIPTION: &str = "Create a chat/web payment session.\n\n\
Call this from your **server** with your secret API key. Hand the returned\n\
`session_id` to your frontend and mount the widget:\n\
`Maven.createPayment({ sessionId }).mount(\"#slot\")`.\n\n\
Theme, labels, and fields are set once per project in the dashboard\n\
(Chat Payments tab → Customize) and applied automatically.\n\n\
Unknown body fields are rejected (422 `extra_forbidden`). Send an `Idempotency-Key` header to \
make retries safe: the same key and body within 24 h return the same session; the same key \
with another body is 409.";

#[utoipa::path(
    post,
    path = "/v1/widget-sessions",
    tag = "Widget Sessions",
    operation_id = "create_widget_session_v1_widget_sessions_post",
    summary = "Create a chat payment session",
    description = CREATE_DESCRIPTION,
    request_body(content = CreateWidgetSession, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 printable ASCII characters; retries with the same key and body return the same session.")),
    responses(
        (status = 201, description = "Successful Response", body = SessionCreated),
        (status = 400, description = "Gateway not configured for the project in this environment (`error_code: gateway_not_configured`), a currency the session's gateway cannot take (`currency_not_supported`; Braintree: no merchant account for it), or an amount it cannot express (`amount_not_supported`; Stripe: three-decimal amounts end in 0)", body = HTTPError),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Project not found", body = HTTPError),
        (status = 409, description = "Idempotency-Key reused with another body (`idempotency_key_reused`), or a request with that key still in progress (`idempotency_in_progress`)", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
        (status = 429, description = "Over 600 creations a minute from one account and client address (`error_code: rate_limited`); retry after the `Retry-After` seconds", body = HTTPError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn create_widget_session() {}

/// With a secret key the full object, without one the form's public view.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SessionView {
    Full(SessionObject),
    Public(PublicSession),
}

#[utoipa::path(
    get,
    path = "/v1/widget-sessions/{session_id}",
    tag = "Widget Sessions",
    operation_id = "get_widget_session_v1_widget_sessions__session_id__get",
    summary = "A session: the full object with a secret key, else the public view (used by the card form)",
    description = "**With your secret API key** (server side): the full session object from the project's ledger, kept 13 months: status, amounts captured and refunded, the processor's transaction id, the card's brand and last 4 (never the number or CVC), the last error, the attempts and the timestamps. Another account's (or the other environment's) session is 404.\n\n**Without a key** (the card form): the public view; the session id is the credential. Theme, labels and fields are resolved (project customization merged with the session's overrides). 410 once expired. Never returns gateway credentials or keys.",
    params(("session_id" = String, Path, description = "The session's UUID")),
    responses(
        (status = 200, description = "The full object (with a key) or the public view (without)", body = SessionView),
        (status = 401, description = "An API key that is not known", body = HTTPError),
        (status = 404, description = "Unknown session, or another account's", body = HTTPError),
        (status = 410, description = "Expired session, public view only (`error_code: session_expired`)", body = HTTPError),
    ),
    security((), ("API Key" = []))
)]
#[allow(dead_code)]
fn get_widget_session() {}

#[utoipa::path(
    get,
    path = "/v1/widget-sessions",
    tag = "Widget Sessions",
    operation_id = "list_widget_sessions_v1_widget_sessions_get",
    summary = "List a project's sessions, newest first",
    description = "One page of the project's ledger (13 months), newest first (`created_at`, then `session_id`, descending), in the key's environment. Page on with `starting_after` = the last `session_id` of the page while `has_more` is true.",
    params(
        ("project" = String, Query, description = "Project UUID or slug (of the key's account)"),
        ("status" = Option<SessionStatus>, Query, description = "Only sessions in this status"),
        ("created_gte" = Option<u64>, Query, description = "Created at or after (unix seconds)", minimum = 0, maximum = 253402300799i64),
        ("created_lt" = Option<u64>, Query, description = "Created before (unix seconds)", minimum = 0, maximum = 253402300799i64),
        ("limit" = Option<u32>, Query, description = "Page size, 1–100 (default 10)", minimum = 1, maximum = 100),
        ("starting_after" = Option<String>, Query, description = "A session_id from the previous page: the page starts after it"),
    ),
    responses(
        (status = 200, description = "A page", body = SessionPage),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Project not found", body = HTTPError),
        (status = 422, description = "Validation Error (`loc: [\"query\", …]`; also a `starting_after` that is not in the listing)", body = HTTPValidationError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn list_widget_sessions() {}

#[utoipa::path(
    post,
    path = "/v1/widget-sessions/{session_id}/cancel",
    tag = "Widget Sessions",
    operation_id = "cancel_widget_session_v1_widget_sessions__session_id__cancel_post",
    summary = "Cancel a pending session",
    description = "A `pending` session becomes `cancelled`: the form shows it (and the page's `onFailure` gets `session_cancelled`), a charge is then 409 `session_cancelled`, and the project's webhook receives `session-cancelled`. Any other state is 409 `session_not_pending`; a charge whose outcome is still being confirmed is 409 `in_progress`.",
    params(("session_id" = String, Path, description = "The session's UUID")),
    responses(
        (status = 200, description = "The cancelled session", body = SessionObject),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Unknown session, or another account's", body = HTTPError),
        (status = 409, description = "Not pending (`session_not_pending`), or a payment in progress (`in_progress`)", body = HTTPError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn cancel_widget_session() {}

/// `POST …/capture` body (all optional: an empty body or none captures the whole authorization).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct CaptureBody {
    /// At most the authorized amount; less is a partial capture (Stripe, Authorize.net,
    /// Braintree; Shift4 captures the whole authorization only). The rest is released.
    #[schema(minimum = 1, maximum = 99999999)]
    amount_cents: Option<u64>,
}

/// `POST …/refund` body (all optional: an empty body or none refunds everything left).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct RefundBody {
    /// At most what is captured and not yet refunded.
    #[schema(minimum = 1, maximum = 99999999)]
    amount_cents: Option<u64>,
    #[schema(value_type = Option<String>, pattern = "^(duplicate|fraudulent|requested_by_customer)$")]
    reason: Option<String>,
}

/// A 422 of an operation: field errors (a list in `detail`) or a money rule (`detail` text and
/// `error_code`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OperationRefused {
    Validation(HTTPValidationError),
    Rule(HTTPError),
}

const OP_KEY: &str = "Up to 255 printable ASCII characters. The same key with the same request returns the first answer (`Idempotent-Replayed: true`); after a 502 the retry with the same key resumes the operation and returns its outcome.";

#[utoipa::path(
    post,
    path = "/v1/widget-sessions/{session_id}/capture",
    tag = "Widget Sessions",
    operation_id = "capture_widget_session_v1_widget_sessions__session_id__capture_post",
    summary = "Capture an authorized payment",
    description = "An `authorized` session (created with `capture: false`) becomes `captured` for `amount_cents` (default: the whole authorization); the webhook receives `payment-captured`. Decided inside the session, so concurrent requests capture once.",
    params(
        ("session_id" = String, Path, description = "The session's UUID"),
        ("Idempotency-Key" = Option<String>, Header, description = OP_KEY),
    ),
    request_body(content = Option<CaptureBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The captured session", body = SessionObject),
        (status = 400, description = "Invalid Idempotency-Key (`invalid_idempotency_key`)", body = HTTPError),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Unknown session, or another account's", body = HTTPError),
        (status = 409, description = "Not authorized (`session_not_authorized`), another operation in progress (`in_progress`), or the Idempotency-Key reused or in progress", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "A body that is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error, more than authorized (`amount_exceeds_authorized`), a partial capture the gateway does not support (`partial_capture_unsupported`), or the gateway refused (`gateway_refused`)", body = OperationRefused),
        (status = 502, description = "The gateway did not confirm (`gateway_unavailable`): retry with the same Idempotency-Key", body = HTTPError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn capture_widget_session() {}

#[utoipa::path(
    post,
    path = "/v1/widget-sessions/{session_id}/void",
    tag = "Widget Sessions",
    operation_id = "void_widget_session_v1_widget_sessions__session_id__void_post",
    summary = "Void an authorized payment",
    description = "An `authorized` session becomes `voided`: the hold on the card is released and nothing is taken; the webhook receives `payment-voided`. No body.",
    params(
        ("session_id" = String, Path, description = "The session's UUID"),
        ("Idempotency-Key" = Option<String>, Header, description = OP_KEY),
    ),
    responses(
        (status = 200, description = "The voided session", body = SessionObject),
        (status = 400, description = "Invalid Idempotency-Key (`invalid_idempotency_key`)", body = HTTPError),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Unknown session, or another account's", body = HTTPError),
        (status = 409, description = "Not authorized (`session_not_authorized`), another operation in progress (`in_progress`), or the Idempotency-Key reused or in progress", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "A body that is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error (a void takes no fields), or the gateway refused (`gateway_refused`)", body = OperationRefused),
        (status = 502, description = "The gateway did not confirm (`gateway_unavailable`): retry with the same Idempotency-Key", body = HTTPError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn void_widget_session() {}

#[utoipa::path(
    post,
    path = "/v1/widget-sessions/{session_id}/refund",
    tag = "Widget Sessions",
    operation_id = "refund_widget_session_v1_widget_sessions__session_id__refund_post",
    summary = "Refund a captured payment",
    description = "A `succeeded`, `captured` or `partially_refunded` session gives back `amount_cents` (default: everything left) and becomes `partially_refunded` or `refunded`; the webhook receives `payment-refunded`. Several partial refunds add up to at most what was captured. Authorize.net and Braintree refund only settled transactions (about a day): before that a refund of everything is a void (the session becomes `voided`, webhook `payment-voided`) and a partial refund is 422 `refund_before_settlement`.",
    params(
        ("session_id" = String, Path, description = "The session's UUID"),
        ("Idempotency-Key" = Option<String>, Header, description = OP_KEY),
    ),
    request_body(content = Option<RefundBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The refunded session", body = SessionObject),
        (status = 400, description = "Invalid Idempotency-Key (`invalid_idempotency_key`)", body = HTTPError),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
        (status = 404, description = "Unknown session, or another account's", body = HTTPError),
        (status = 409, description = "Nothing captured (`session_not_refundable`), another operation in progress (`in_progress`), or the Idempotency-Key reused or in progress", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "A body that is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error, more than is left (`amount_exceeds_refundable`), a partial refund before settlement (`refund_before_settlement`), or the gateway refused (`gateway_refused`)", body = OperationRefused),
        (status = 502, description = "The gateway did not confirm (`gateway_unavailable`): retry with the same Idempotency-Key", body = HTTPError),
    ),
    security(("API Key" = []))
)]
#[allow(dead_code)]
fn refund_widget_session() {}

#[utoipa::path(get, path = "/health", tag = "Meta", operation_id = "health_health_get",
    summary = "Liveness", responses((status = 200, description = "OK", body = Health)), security(()))]
#[allow(dead_code)]
fn health() {}

#[utoipa::path(get, path = "/v1/auth/check", tag = "Auth", operation_id = "auth_check_v1_auth_check_get",
    summary = "Check an API key",
    responses(
        (status = 200, description = "The key's account and environment", body = AuthCheck),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
    ),
    security(("API Key" = [])))]
#[allow(dead_code)]
fn auth_check() {}

#[utoipa::path(get, path = "/v1/projects", tag = "Projects", operation_id = "list_projects_v1_projects_get",
    summary = "Projects of the key's account",
    responses(
        (status = 200, description = "Projects", body = Vec<ProjectSummary>),
        (status = 401, description = "Missing or unknown API key", body = HTTPError),
    ),
    security(("API Key" = [])))]
#[allow(dead_code)]
fn list_projects() {}

// ---- the merchant dashboard's API (cookie session; X-CSRF-Token on every change) ----

/// `POST /v1/dashboard/session` body.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct SignIn {
    email: String,
    password: String,
}

/// `POST /v1/dashboard/invites/accept` body: the code from the invite link.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct AcceptInvite {
    code: String,
    name: String,
    /// 12 to 128 characters.
    password: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct DashboardUser {
    user_id: String,
    email: String,
    name: String,
    role: Role,
}

/// The signed-in user and the session's CSRF token (send it in `X-CSRF-Token`).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct DashboardSession {
    account_id: String,
    user: DashboardUser,
    csrf_token: String,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct SignedOut {
    signed_out: u64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct NewInvite {
    email: String,
    role: Role,
    /// `code` for `POST /v1/dashboard/invites/accept`.
    code: String,
    invite_url: String,
    expires_at: u64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct InviteRequest {
    email: String,
    role: Role,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Members {
    members: Vec<MemberView>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct KeyList {
    keys: Vec<KeyView>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct CreateKey {
    environment: Environment,
    #[schema(nullable = false)]
    name: Option<String>,
}

/// A key's list view plus its plaintext `key`, shown this once.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct RevealedKey {
    key: String,
    key_id: String,
    name: String,
    environment: Environment,
    prefix: String,
    last4: String,
    created_at: u64,
    status: KeyStatus,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct RollKey {
    /// 0 (the old key stops now) to 604800 (7 days).
    expires_in_secs: u64,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Rolled {
    key: RevealedKey,
    rolled: KeyView,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct AuditEntries {
    entries: Vec<Entry>,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct DashboardProjects {
    projects: Vec<dashboard::ProjectView>,
}

macro_rules! dashboard_errors {
    () => {
        "401: no session or an ended one; 403: a member where owners are required, or a state change without the session's X-CSRF-Token"
    };
}

#[utoipa::path(post, path = "/v1/dashboard/session", tag = "dashboard",
    operation_id = "dashboard_sign_in", summary = "Sign in with e-mail and password",
    description = "Sets the `mvn_session` cookie (HttpOnly, Secure, SameSite=Strict, 12 h). Five wrong passwords within 15 minutes lock the user for 15 minutes (429, `Retry-After`).",
    request_body(content = SignIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in", body = DashboardSession),
        (status = 401, description = "Incorrect e-mail or password", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
        (status = 429, description = "Locked out (`account_locked`), see `Retry-After`", body = HTTPError),
    ), security(()))]
#[allow(dead_code)]
fn dashboard_sign_in() {}

#[utoipa::path(get, path = "/v1/dashboard/session", tag = "dashboard",
    operation_id = "dashboard_session", summary = "The signed-in user and the CSRF token",
    responses(
        (status = 200, description = "Signed in", body = DashboardSession),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_session() {}

#[utoipa::path(delete, path = "/v1/dashboard/session", tag = "dashboard",
    operation_id = "dashboard_sign_out", summary = "Sign out this session",
    responses(
        (status = 200, description = "Signed out; the cookie is cleared", body = SignedOut),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_sign_out() {}

#[utoipa::path(post, path = "/v1/dashboard/session/revoke-all", tag = "dashboard",
    operation_id = "dashboard_sign_out_everywhere", summary = "Sign out every session of this user",
    responses(
        (status = 200, description = "How many sessions ended", body = SignedOut),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_sign_out_everywhere() {}

#[utoipa::path(post, path = "/v1/dashboard/invites/accept", tag = "dashboard",
    operation_id = "dashboard_accept_invite", summary = "Accept an invite (one-time) and sign in",
    request_body(content = AcceptInvite, content_type = "application/json"),
    responses(
        (status = 201, description = "User created and signed in", body = DashboardSession),
        (status = 404, description = "Invalid, used or expired invite", body = HTTPError),
        (status = 409, description = "The address already signs in to an account (`already_member`)", body = HTTPError),
        (status = 413, description = "Body over 16 KiB", body = HTTPError),
        (status = 415, description = "Content-Type is not application/json", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(()))]
#[allow(dead_code)]
fn dashboard_accept_invite() {}

#[utoipa::path(post, path = "/v1/dashboard/invites", tag = "dashboard",
    operation_id = "dashboard_invite", summary = "Invite a user (owners)",
    request_body(content = InviteRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The one-time invite link", body = NewInvite),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
        (status = 409, description = "Already a user (`already_member`)", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_invite() {}

#[utoipa::path(get, path = "/v1/dashboard/members", tag = "dashboard",
    operation_id = "dashboard_members", summary = "Users of the account",
    responses(
        (status = 200, description = "Members", body = Members),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_members() {}

#[utoipa::path(get, path = "/v1/dashboard/projects", tag = "dashboard",
    operation_id = "dashboard_projects", summary = "Projects of the account (no secrets)",
    responses(
        (status = 200, description = "Projects", body = DashboardProjects),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_projects() {}

#[utoipa::path(get, path = "/v1/dashboard/keys", tag = "dashboard",
    operation_id = "dashboard_list_keys", summary = "API keys (owners)",
    responses(
        (status = 200, description = "Keys, newest first", body = KeyList),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_list_keys() {}

#[utoipa::path(post, path = "/v1/dashboard/keys", tag = "dashboard",
    operation_id = "dashboard_create_key", summary = "Create an API key (owners; shown once)",
    request_body(content = CreateKey, content_type = "application/json"),
    responses(
        (status = 201, description = "The key, with its plaintext this once", body = RevealedKey),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_create_key() {}

#[utoipa::path(delete, path = "/v1/dashboard/keys/{key_id}", tag = "dashboard",
    operation_id = "dashboard_revoke_key", summary = "Revoke an API key (owners; refused everywhere within 5 s)",
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The revoked key", body = KeyView),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
        (status = 404, description = "No such key in this account", body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_revoke_key() {}

#[utoipa::path(post, path = "/v1/dashboard/keys/{key_id}/roll", tag = "dashboard",
    operation_id = "dashboard_roll_key", summary = "Roll an API key (owners): a new key now, the old one until the expiry",
    params(("key_id" = String, Path, description = "The key's id")),
    request_body(content = RollKey, content_type = "application/json"),
    responses(
        (status = 201, description = "The new key (plaintext this once) and the old one", body = Rolled),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
        (status = 404, description = "No such key in this account", body = HTTPError),
        (status = 409, description = "The key is not active (`key_not_active`)", body = HTTPError),
        (status = 422, description = "Validation Error", body = HTTPValidationError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_roll_key() {}

#[utoipa::path(get, path = "/v1/dashboard/audit", tag = "dashboard",
    operation_id = "dashboard_audit", summary = "Audit log (owners), newest first",
    params(("limit" = Option<u64>, Query, description = "1 to 1000 (default 50)")),
    responses(
        (status = 200, description = "Entries", body = AuditEntries),
        (status = 401, description = dashboard_errors!(), body = HTTPError),
        (status = 403, description = dashboard_errors!(), body = HTTPError),
    ), security(("Session" = [])))]
#[allow(dead_code)]
fn dashboard_audit() {}

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "API Key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Enter your API key: mvn_test_xxx or mvn_live_xxx"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "Session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "mvn_session",
                "The dashboard session cookie (set by sign-in); state changes also need X-CSRF-Token",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Maven API",
        version = "1.0.0",
        description = "Maven Chat Payments: create short-lived payment sessions from your server and collect cards in a hosted, themed form inside your chat."
    ),
    paths(
        create_widget_session, get_widget_session, list_widget_sessions, cancel_widget_session,
        capture_widget_session, void_widget_session, refund_widget_session, health, auth_check, list_projects,
        dashboard_sign_in, dashboard_session, dashboard_sign_out, dashboard_sign_out_everywhere,
        dashboard_accept_invite, dashboard_invite, dashboard_members, dashboard_projects,
        dashboard_list_keys, dashboard_create_key, dashboard_revoke_key, dashboard_roll_key,
        dashboard_audit, dashboard::dashboard_project, dashboard::dashboard_update_project,
        dashboard::dashboard_preview_session, dashboard::dashboard_gateways,
        dashboard::dashboard_set_gateway, dashboard::dashboard_remove_gateway,
        dashboard::dashboard_test_gateway, dashboard::dashboard_webhooks,
        dashboard::dashboard_set_webhook_url, dashboard::dashboard_roll_webhook_secret,
        dashboard::dashboard_webhook_deliveries, dashboard::dashboard_resend_delivery,
        dashboard::dashboard_test_webhook, payments::dashboard_customization, payments::dashboard_gateway_catalog,
        payments::dashboard_currencies,
        payments::dashboard_payments, payments::dashboard_payment,
        payments::dashboard_cancel_payment, payments::dashboard_operate_payment
    ),
    components(schemas(
        CreateWidgetSession, CaptureBody, RefundBody, SessionCreated, PublicSession, SessionStatus, Theme, Labels,
        SessionView, SessionObject, SessionPage, Processor, CardSummary, SessionError,
        FormFields, FieldMode, HTTPValidationError, OperationRefused, ValidationError, LocItem, HTTPError, Health,
        AuthCheck, ProjectSummary, SignIn, AcceptInvite, DashboardUser, DashboardSession, SignedOut,
        NewInvite, InviteRequest, Members, KeyList, CreateKey, RevealedKey, RollKey, Rolled,
        AuditEntries, DashboardProjects, KeyView, KeyStatus, Environment, Role, MemberView, Entry,
        Actor
    )),
    modifiers(&SecurityAddon),
    tags(
        (name = "Widget Sessions", description = "Chat payment sessions"),
        (name = "dashboard", description = "The merchant dashboard's API: a session cookie from sign-in (401 without), X-CSRF-Token on every change; owners and members (docs/dashboard-auth.md)")
    )
)]
struct ApiDoc;

fn main() {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("could not render the OpenAPI document: {e}");
            std::process::exit(1);
        }
    }
}
