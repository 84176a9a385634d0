//! The dashboard's Gateways API under `/v1/dashboard/projects/{id}/gateways…` (owners only):
//! which gateways are set per environment (never their credentials), set credentials
//! (write-only: sealed, never shown again), remove them, and "test connection": one harmless
//! authenticated call to the gateway (`maven_core::gateway::probe`). Every change is audited.

use super::admin::gateways::env_gateway;
use super::dashboard::{actor, owner, project_of};
use crate::audit;
use crate::gateway_http;
use crate::http::{deployment, json, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::error::ApiError;
use maven_core::gateway::probe;
use maven_core::gateway::Credentials;
use serde_json::json;
use std::time::Duration;
use worker::{Method, Response};

/// A connection test waits this long for the gateway.
const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn route(
    ctx: &mut Ctx,
    store: &Store,
    method: &Method,
    project_id: &str,
    rest: &[&str],
) -> ApiResult<Response> {
    let s = owner(ctx).await?;
    let mut p = project_of(store, &s, project_id).await?;
    match (method, rest) {
        (Method::Get, []) => Ok(json(200, &super::admin::view(&p)["gateways"])),
        (Method::Put, [env, gw]) => {
            super::admin::gateways::put(ctx, store, &p.id, env, gw, &actor(&s)).await
        }
        (Method::Delete, [env, gw]) => {
            let (env, gw) = env_gateway(env, gw)?;
            if p.gateways.get_mut(env).remove(&gw).is_none() {
                return Err(ApiError::not_found("Gateway"));
            }
            store.put_project(&p).await?;
            let details = json!({"environment": env, "gateway": gw.as_str()});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "gateway.removed",
                &p.id,
                details,
            )
            .await;
            Ok(json(200, &super::admin::view(&p)["gateways"]))
        }
        (Method::Post, [env, gw, "test"]) => {
            let (env, gw) = env_gateway(env, gw)?;
            let stored = p
                .gateways
                .get(env)
                .get(&gw)
                .cloned()
                .ok_or_else(|| ApiError::not_found("Gateway"))?;
            // The stored host is checked against today's policy before credentials go to it.
            maven_core::url_policy::gateway_base_url(
                &stored.base_url,
                gw,
                env,
                deployment(&ctx.env),
            )
            .map_err(|e| ApiError::BadRequest {
                detail: format!("The gateway address is not allowed: {}", e.message()),
                code: maven_core::error::ErrorCode::GatewayNotConfigured,
            })?;
            let plain = seal_key(&ctx.env)?
                .open(&stored.credentials_sealed, &p.credentials_slot(env, gw))?;
            let credentials: Credentials = serde_json::from_slice(&plain)
                .map_err(|_| ApiError::Internal("stored credentials are unreadable".into()))?;
            let call = probe::call(&stored.base_url, &credentials);
            let started = worker::Date::now().as_millis();
            let result = match gateway_http::send(&call, TIMEOUT).await {
                Ok(reply) => probe::outcome(&credentials, &reply),
                Err(e) => Err(probe::ProbeError::Failed(format!(
                    "The gateway could not be reached: {e}"
                ))),
            };
            let duration_ms = worker::Date::now().as_millis().saturating_sub(started);
            let body = match &result {
                Ok(()) => json!({"ok": true, "gateway": gw.as_str(), "environment": env,
                                 "base_url": stored.base_url, "duration_ms": duration_ms}),
                Err(e) => json!({"ok": false, "gateway": gw.as_str(), "environment": env,
                                  "base_url": stored.base_url, "duration_ms": duration_ms,
                                  "error_code": e.code(), "message": e.message()}),
            };
            let details = json!({"environment": env, "gateway": gw.as_str(), "ok": result.is_ok()});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "gateway.tested",
                &p.id,
                details,
            )
            .await;
            // A refused key is an answer about the credentials, not a failed request.
            Ok(json(200, &body))
        }
        (_, []) | (_, [_, _]) | (_, [_, _, "test"]) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}
