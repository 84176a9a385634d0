//! The local demo's "merchant server": creates a session for the seeded demo project, so the
//! demo page never holds a secret key. Only when the `DEV_MODE` var is "true".

use crate::auth::Caller;
use crate::http::{json, ApiResult, Ctx};
use crate::routes::sessions::create_session;
use crate::store::Store;
use maven_core::auth::Environment;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::model::Project;
use serde_json::{json, Value};
use worker::Response;

pub fn require_dev(ctx: &Ctx) -> ApiResult<()> {
    let on = ctx
        .env
        .var("DEV_MODE")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false);
    if on {
        Ok(())
    } else {
        Err(ApiError::NotFound("Not Found".into()))
    }
}

pub async fn create_session_for_demo(ctx: &mut Ctx) -> ApiResult<Response> {
    require_dev(ctx)?;
    let store = Store::from_env(&ctx.env)?;
    let project_id: String = store
        .get("demo:project")
        .await?
        .ok_or_else(|| ApiError::NotFound("The demo is not seeded: run `make dev`.".into()))?;
    let project: Project = store
        .project(&project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let mut body = ctx.json_body().await.unwrap_or_else(|_| json!({}));
    let Value::Object(map) = &mut body else {
        return Err(ApiError::BadRequest {
            detail: "The body must be a JSON object.".into(),
            code: ErrorCode::InvalidBody,
        });
    };
    // The page may choose amount, gateway, mode, description; the project is fixed.
    map.insert("project".into(), json!(project.id));
    map.entry("amount_cents").or_insert(json!(1234));
    map.entry("gateway").or_insert(json!("stripe"));
    map.entry("description")
        .or_insert(json!("Order #1042 · Wireless headphones"));
    let caller = Caller {
        account_id: project.account_id.clone(),
        environment: Environment::Test,
    };
    let session = create_session(&store, &caller, &body, ctx.now).await?;
    crate::created_rows::note(ctx, &session);
    // As a merchant's server would: the amount written with its currency's own digits
    // (maven_core::money), which a browser's Intl gets wrong for HUF, IDR and MGA.
    let mut body = json!(session.created_body(&ctx.origin));
    body["amount_text"] = json!(super::widget_page::money_text(
        session.amount_cents,
        &session.currency,
        "en-US"
    ));
    Ok(json(201, &body))
}
