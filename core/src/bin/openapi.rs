//! Prints the OpenAPI 3.1 document of the public API, derived from the same Rust types the
//! worker validates and serializes with. `scripts/build.sh` writes it to www/dist/openapi.json.

use maven_core::card::FieldMode;
use maven_core::customization::{FormFields, Labels, Theme};
use maven_core::session::{CreateWidgetSession, PublicSession, SessionCreated, SessionStatus};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

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

#[utoipa::path(
    get,
    path = "/v1/widget-sessions/{session_id}",
    tag = "Widget Sessions",
    operation_id = "get_widget_session_v1_widget_sessions__session_id__get",
    summary = "Public view of a session (used by the card form)",
    description = "No API key: the session id is the credential. Theme, labels and fields are resolved (project customization merged with the session's overrides). Never returns gateway credentials or keys.",
    params(("session_id" = String, Path, description = "The session's UUID")),
    responses(
        (status = 200, description = "Successful Response", body = PublicSession),
        (status = 404, description = "Unknown session", body = HTTPError),
        (status = 410, description = "Expired session (`error_code: session_expired`)", body = HTTPError),
    ),
    security(())
)]
#[allow(dead_code)]
fn get_widget_session() {}

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
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Maven API",
        version = "1.0.0",
        description = "Maven Chat Payments: create short-lived payment sessions from your server and collect cards in a hosted, themed form inside your chat."
    ),
    paths(create_widget_session, get_widget_session, health, auth_check, list_projects),
    components(schemas(
        CreateWidgetSession, SessionCreated, PublicSession, SessionStatus, Theme, Labels,
        FormFields, FieldMode, HTTPValidationError, ValidationError, LocItem, HTTPError, Health,
        AuthCheck, ProjectSummary
    )),
    modifiers(&SecurityAddon),
    tags((name = "Widget Sessions", description = "Chat payment sessions"))
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
