//! Operator API for a project's gateway credentials: set them per environment (sealed at rest,
//! never shown again) and remove them. The dashboard's Gateways page uses `put` too; what a
//! valid slot is lives in `maven_core::rules::gateway_slot` and each gateway's module.

use super::{deployment, load, view};
use crate::audit;
use crate::http::{json, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::auth::Environment;
use maven_core::error::ApiError;
use maven_core::gateway::GatewayKind;
use maven_core::model::StoredGateway;
use maven_core::rules::gateway_slot::gateway_slot;
use serde_json::json;
use worker::Response;

pub(crate) fn env_gateway(env: &str, gw: &str) -> ApiResult<(Environment, GatewayKind)> {
    match (Environment::parse(env), GatewayKind::parse(gw)) {
        (Some(e), Some(g)) => Ok((e, g)),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

/// `PUT /v1/admin/projects/{id}/gateways/{env}/{gateway}` (and the dashboard's Gateways page):
/// validated by `maven_core::rules::gateway_slot`, the credentials sealed to their slot.
pub(crate) async fn put(
    ctx: &mut Ctx,
    store: &Store,
    id: &str,
    env: &str,
    gw: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    let (env, gw) = env_gateway(env, gw)?;
    let body = ctx.json_body().await?;
    let mut p = load(store, id).await?;
    let slot = gateway_slot(&body, gw, env, deployment(ctx))?;
    let plain = serde_json::to_vec(&slot.credentials)
        .map_err(|_| ApiError::Internal("could not encode credentials".into()))?;
    let sealed_to = p.credentials_slot(env, gw);
    let sealed = seal_key(&ctx.env)?.seal(random_bytes::<12>()?, &plain, &sealed_to)?;
    let base_url = slot.base_url;
    p.gateways.get_mut(env).insert(
        gw,
        StoredGateway {
            base_url: base_url.clone(),
            credentials_sealed: sealed,
        },
    );
    store.put_project(&p).await?;
    // Which slot and host changed, never the credentials.
    let details = json!({"environment": env, "gateway": gw.as_str(), "base_url": base_url});
    audit::record(
        ctx,
        &p.account_id,
        actor,
        "gateway.credentials_set",
        &p.id,
        details,
    )
    .await;
    Ok(json(200, &view(&p)))
}

/// `DELETE /v1/admin/projects/{id}/gateways/{env}/{gateway}`.
pub async fn remove(
    ctx: &Ctx,
    store: &Store,
    id: &str,
    env: &str,
    gw: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    let mut p = load(store, id).await?;
    let (env, gw) = env_gateway(env, gw)?;
    p.gateways.get_mut(env).remove(&gw);
    store.put_project(&p).await?;
    let details = json!({"environment": env, "gateway": gw.as_str()});
    audit::record(ctx, &p.account_id, actor, "gateway.removed", &p.id, details).await;
    Ok(json(200, &view(&p)))
}
