//! Operator API for projects: create, read, update (name, currency, capture, session lifetime,
//! webhook URL, embedding origins, customization, card-testing limits, the widget's default
//! color scheme and locale), list an account's, the card-testing guard's status, and which
//! project the local demo page pays into. The rules are `maven_core::rules::project`.

use super::{deployment, done};
use crate::audit;
use crate::http::{json, new_id, ApiResult, Ctx};
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::auth::Environment;
use maven_core::error::{ApiError, ErrorCode};
use maven_core::model::Project;
use maven_core::rules::project;
use maven_core::validate::Fields;
use serde_json::{json, Value};
use worker::Response;

/// `POST /v1/admin/accounts/{id}/projects`.
pub async fn create(ctx: &mut Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let new = project::new_project(&body)?;
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    if store
        .project_id_by_slug(account_id, &new.slug)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            detail: format!(
                "A project with slug '{}' already exists in this account.",
                new.slug
            ),
            code: ErrorCode::SlugTaken,
        });
    }
    let project = new.into_project(new_id(), account_id.to_string(), ctx.now);
    store.put_project(&project).await?;
    Ok(json(201, &view(&project)))
}

/// `PATCH /v1/admin/projects/{id}` (and the dashboard's, after its owner check): the members
/// the body names, each audited (`maven_core::audit::project_changes`).
pub async fn update(ctx: &mut Ctx, store: &Store, id: &str, actor: &Actor) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    patch(ctx, store, id, actor, &body).await
}

/// A `PATCH` body already read (the dashboard checks the caller's role on it first).
pub(crate) async fn patch(
    ctx: &Ctx,
    store: &Store,
    id: &str,
    actor: &Actor,
    body: &Value,
) -> ApiResult<Response> {
    let mut p = load(store, id).await?;
    project::project_patch(body, &p, deployment(ctx))?.apply(&mut p);
    store.put_project(&p).await?;
    for (action, details) in maven_core::audit::project_changes(body) {
        audit::record(ctx, &p.account_id, actor, action, &p.id, details).await;
    }
    Ok(json(200, &view(&p)))
}

pub(crate) async fn load(store: &Store, id: &str) -> ApiResult<Project> {
    store
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))
}

/// The operator's view of a project: everything but secrets.
pub(crate) fn view(p: &Project) -> Value {
    let gws = |env: Environment| -> Value {
        p.gateways
            .get(env)
            .iter()
            .map(|(g, s)| {
                (
                    g.as_str().to_string(),
                    json!({"base_url": s.base_url, "configured": true}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({
        "id": p.id,
        "account_id": p.account_id,
        "slug": p.slug,
        "name": p.name,
        "currency": p.currency,
        "capture": p.capture,
        "session_lifetime_secs": p.session_lifetime(),
        "theme": p.customization.theme,
        "labels": p.customization.labels,
        "fields": p.customization.fields,
        "gateways": {"test": gws(Environment::Test), "live": gws(Environment::Live)},
        "allowed_origins": p.allowed_origins,
        "webhook_url": p.webhook_url,
        "webhook_urls": p.webhook_urls_view(),
        // Whether a secret is set; the secret itself is shown once, when it is created.
        "webhook_secret_set": p.webhook_secret_sealed.is_some(),
        "card_testing": p.card_testing,
        // The widget's defaults when a session gives none (null: light, and English).
        "color_scheme": p.color_scheme,
        "locale": p.locale,
    })
}

/// Local development only (`DEV_MODE=true`): which project the demo page pays into.
pub async fn set_demo(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    crate::routes::demo::require_dev(ctx)?;
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let project_id = f.string("project_id", true, false, 64);
    done(f)?;
    let p = load(store, &project_id.unwrap_or_default()).await?;
    store.put("demo:project", &p.id, None).await?;
    Ok(json(200, &json!({"project_id": p.id})))
}

/// `GET /v1/admin/projects/{id}/guard`: the card-testing flag, the sources blocked now and the
/// breaker's recent trips (docs/card-testing.md).
pub async fn guard_status(ctx: &Ctx, store: &Store, id: &str) -> ApiResult<Response> {
    let project = load(store, id).await?;
    let guard = crate::objects::ObjectStub::new(&ctx.env, "PROJECT_GUARD", &project.id)?;
    let status: maven_core::guard::Status = guard
        .call("/status", &serde_json::json!({ "now": ctx.now }))
        .await?;
    Ok(json(200, &status))
}

/// `GET /v1/admin/accounts/{id}/projects`: `{"projects": [...]}` in creation order, each in the
/// shape of `GET /v1/admin/projects/{id}`.
pub async fn list(store: &Store, account_id: &str) -> ApiResult<Response> {
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let mut out: Vec<Value> = Vec::new();
    for id in store.project_ids(account_id).await? {
        if let Some(p) = store.project(&id).await? {
            out.push(view(&p));
        }
    }
    Ok(json(200, &json!({"projects": out})))
}

/// `GET /v1/admin/projects/{id}`.
pub async fn show(store: &Store, id: &str) -> ApiResult<Response> {
    Ok(json(200, &view(&load(store, id).await?)))
}
