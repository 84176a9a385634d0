//! `GET /v1/auth/check` and `GET /v1/projects`: what a merchant key can see.

use crate::auth;
use crate::http::{json, ApiResult, Ctx};
use crate::store::Store;
use serde_json::json;
use worker::Response;

pub async fn auth_check(ctx: &Ctx) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    Ok(json(
        200,
        &json!({"account": caller.account_id, "environment": caller.environment.as_str()}),
    ))
}

pub async fn list(ctx: &Ctx) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let caller = auth::merchant(ctx, &store).await?;
    let mut out = Vec::new();
    for id in store.project_ids(&caller.account_id).await? {
        if let Some(p) = store.project(&id).await? {
            out.push(json!({
                "id": p.id,
                "slug": p.slug,
                "name": p.name,
                // Only the gateways usable with this key's environment.
                "gateways": p.gateway_names(caller.environment),
            }));
        }
    }
    Ok(json(200, &out))
}
