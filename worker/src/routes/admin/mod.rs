//! Operator API under `/v1/admin/…` (the seed script and operators use it), one file per
//! resource: accounts (and their audit log), API keys (plaintext shown once), projects (with
//! customization, embedding origins and the card-testing guard), gateway credentials (sealed at
//! rest), webhook secret and deliveries, the sealing keys, and the preview session the
//! dashboard's Customize page shows. The route table is here; the validation rules are in
//! `maven_core`.

pub mod accounts;
pub mod api_keys;
pub mod gateways;
pub mod keys;
pub mod preview;
pub mod projects;
pub mod webhooks;

pub(crate) use projects::{load, view};

use crate::auth;
use crate::http::{ApiResult, Ctx};
use crate::routes::dashboard;
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::error::ApiError;
use maven_core::url_policy::Deployment;
use maven_core::validate::Fields;
use worker::{Method, Response};

pub async fn route(ctx: &mut Ctx, method: &Method, seg: &[&str]) -> ApiResult<Response> {
    auth::operator(ctx)?;
    let store = Store::from_env(&ctx.env)?;
    let actor = &Actor::Operator;
    match (method, seg) {
        (Method::Post, ["accounts"]) => accounts::create(ctx, &store).await,
        (Method::Post, ["accounts", id, "keys"]) => api_keys::create(ctx, &store, id, actor).await,
        (Method::Post, ["accounts", id, "invites"]) => {
            dashboard::invite(ctx, &store, id, None).await
        }
        (Method::Get, ["accounts", id, "keys"]) => api_keys::list(ctx, &store, id).await,
        (Method::Delete, ["accounts", id, "keys", key]) => {
            api_keys::revoke(ctx, &store, id, key, actor).await
        }
        (Method::Post, ["accounts", id, "keys", key, "roll"]) => {
            api_keys::roll(ctx, &store, id, key, actor).await
        }
        (Method::Post, ["accounts", id, "projects"]) => projects::create(ctx, &store, id).await,
        (Method::Get, ["accounts", id, "projects"]) => projects::list(&store, id).await,
        (Method::Get, ["projects", id]) => projects::show(&store, id).await,
        (Method::Get, ["accounts", id, "audit"]) => accounts::audit_list(ctx, &store, id).await,
        (Method::Patch, ["projects", id]) => projects::update(ctx, &store, id, actor).await,
        (Method::Put, ["projects", id, "gateways", env, gw]) => {
            gateways::put(ctx, &store, id, env, gw, actor).await
        }
        (Method::Delete, ["projects", id, "gateways", env, gw]) => {
            gateways::remove(ctx, &store, id, env, gw, actor).await
        }
        (Method::Post, ["projects", id, "preview-session"]) => {
            preview::preview_session(ctx, &store, load(&store, id).await?).await
        }
        (Method::Post, ["projects", id, "webhook-secret"]) => {
            webhooks::new_secret(ctx, &store, load(&store, id).await?, actor).await
        }
        (Method::Get, ["projects", id, "webhook-deliveries"]) => {
            webhooks::list(ctx, &store, load(&store, id).await?).await
        }
        (Method::Post, ["webhook-deliveries", id, "resend"]) => {
            webhooks::resend(ctx, &store, id, None).await
        }
        (Method::Get, ["projects", id, "guard"]) => projects::guard_status(ctx, &store, id).await,
        (Method::Put, ["demo"]) => projects::set_demo(ctx, &store).await,
        (Method::Get, ["keys"]) => keys::show(ctx),
        (Method::Post, ["keys", "reseal"]) => keys::reseal(ctx, &store).await,
        (_, ["keys"])
        | (_, ["keys", "reseal"])
        | (_, ["accounts"])
        | (_, ["accounts", _, "keys" | "projects" | "invites" | "audit"])
        | (_, ["accounts", _, "keys", _])
        | (_, ["accounts", _, "keys", _, "roll"])
        | (_, ["projects", _])
        | (_, ["projects", _, "gateways", _, _])
        | (_, ["projects", _, "webhook-secret" | "webhook-deliveries" | "preview-session"])
        | (_, ["projects", _, "guard"])
        | (_, ["webhook-deliveries", _, "resend"])
        | (_, ["demo"]) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

/// Loopback URLs (the simulator, the tests' receivers) are accepted only in local development.
fn deployment(ctx: &Ctx) -> Deployment {
    crate::http::deployment(&ctx.env)
}

/// A 422 with every field error collected, or nothing (`maven_core::rules::finish`).
pub(crate) fn done(f: Fields<'_>) -> ApiResult<()> {
    maven_core::rules::finish(f)
}
