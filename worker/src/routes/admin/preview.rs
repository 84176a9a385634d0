//! The preview session of the dashboard's "Customize" page (www/dashboard): a short-lived test
//! session whose form is the page's live preview (operator and dashboard routes both use it).

use crate::auth::Caller;
use crate::http::{json, ApiResult, Ctx};
use crate::routes::sessions::create_session;
use crate::store::Store;
use maven_core::auth::Environment;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::model::Project;
use serde_json::json;
use worker::Response;

/// How long a preview session lives; the page asks for a new one when it expires.
const PREVIEW_EXPIRES_IN: u64 = 900;
const PREVIEW_AMOUNT_CENTS: u64 = 1234;

/// `POST /v1/admin/projects/{id}/preview-session`: a test-environment session for the project
/// (its first configured test gateway, 12.34 in its currency), created through the same path
/// as a merchant's, so the preview resolves theme, labels and fields exactly as customers see.
pub async fn preview_session(ctx: &Ctx, store: &Store, p: Project) -> ApiResult<Response> {
    let gateway = p
        .gateways
        .get(Environment::Test)
        .keys()
        .next()
        .copied()
        .ok_or_else(|| ApiError::BadRequest {
            detail: format!(
                "Project '{}' has no test gateway configured, so it cannot show a preview: add \
                 one with PUT /v1/admin/projects/{}/gateways/test/{{gateway}}.",
                p.slug, p.id
            ),
            code: ErrorCode::GatewayNotConfigured,
        })?;
    let caller = Caller {
        account_id: p.account_id.clone(),
        environment: Environment::Test,
    };
    let body = json!({
        "project": p.id,
        "amount_cents": PREVIEW_AMOUNT_CENTS,
        "gateway": gateway.as_str(),
        "description": "Order #1042 · preview",
        "expires_in": PREVIEW_EXPIRES_IN,
        "metadata": {"source": "dashboard-preview"},
    });
    let session = create_session(store, &caller, &body, ctx.now).await?;
    crate::created_rows::note(ctx, &session);
    Ok(json(201, &session.created_body(&ctx.origin)))
}
