//! Operator API for projects: create, read, update (name, currency, capture, session lifetime,
//! webhook URL, embedding origins, customization, card-testing limits), list an account's, the
//! card-testing guard's status, and which project the local demo page pays into.

use super::{deployment, done};
use crate::audit;
use crate::http::{json, new_id, ApiResult, Ctx};
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::auth::Environment;
use maven_core::customization::Overrides;
use maven_core::error::{ApiError, ErrorCode};
use maven_core::guard::Limits;
use maven_core::model::{is_slug, EnvGateways, Project};
use maven_core::url_policy::{self, Deployment};
use maven_core::validate::Fields;
use serde_json::{json, Value};
use worker::Response;

/// `POST /v1/admin/accounts/{id}/projects`.
pub async fn create(ctx: &mut Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let slug = f.pattern("slug", "^[a-z0-9][a-z0-9-]{0,63}$", is_slug);
    if f.is_object() && body.get("slug").is_none() {
        f.push("slug", "missing", "Field required");
    }
    let name = f.string("name", true, false, 100);
    let currency = f.pattern("currency", "^[a-z]{3}$", |s| {
        s.len() == 3 && s.bytes().all(|b| b.is_ascii_lowercase())
    });
    let capture = f.bool("capture");
    done(f)?;
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let slug = slug.unwrap_or_default();
    if store.project_id_by_slug(account_id, &slug).await?.is_some() {
        return Err(ApiError::Conflict {
            detail: format!("A project with slug '{slug}' already exists in this account."),
            code: ErrorCode::SlugTaken,
        });
    }
    let project = Project {
        id: new_id(),
        account_id: account_id.to_string(),
        slug,
        name: name.unwrap_or_default(),
        currency: currency.unwrap_or_else(|| "usd".into()),
        capture: capture.unwrap_or(true),
        customization: Default::default(),
        gateways: EnvGateways::default(),
        allowed_origins: vec![],
        webhook_url: None,
        webhook_urls: None,
        webhook_secret_sealed: None,
        webhook_secret_previous_sealed: None,
        webhook_secret_previous_until: None,
        session_lifetime_secs: None,
        card_testing: Default::default(),
        created_at: ctx.now,
    };
    store.put_project(&project).await?;
    Ok(json(201, &view(&project)))
}

pub(crate) async fn update(
    ctx: &mut Ctx,
    store: &Store,
    id: &str,
    actor: &Actor,
) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut p = load(store, id).await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let name = f.string("name", false, false, 100);
    let currency = f.pattern("currency", "^[a-z]{3}$", |s| {
        s.len() == 3 && s.bytes().all(|b| b.is_ascii_lowercase())
    });
    let capture = f.bool("capture");
    let lifetime = maven_core::model::SESSION_LIFETIME_RANGE;
    let session_lifetime = f.int(
        "session_lifetime_secs",
        false,
        *lifetime.start() as i64,
        *lifetime.end() as i64,
    );
    let at = deployment(ctx);
    let webhook_url = f.string("webhook_url", false, true, 500).and_then(|u| {
        url_policy::webhook_url(&u, at)
            .map_err(|e| f.push("webhook_url", "value_error", e.message()))
            .ok()
    });
    let origins = parse_origins(&mut f, at);
    let overrides = Overrides::parse(&mut f);
    let card_testing = f.get("card_testing").and_then(|v| {
        let loc = f.at("card_testing");
        Limits::parse(v, loc, p.card_testing, &mut f.errors)
    });
    done(f)?;
    if let Some(l) = card_testing {
        p.card_testing = l;
    }
    if let Some(n) = name {
        p.name = n;
    }
    if let Some(c) = currency {
        p.currency = c;
    }
    if let Some(c) = capture {
        p.capture = c;
    }
    if let Some(s) = session_lifetime {
        p.session_lifetime_secs = Some(s as u64);
    }
    if body.get("webhook_url").is_some() {
        p.set_single_webhook_url(webhook_url);
    }
    if let Some(o) = origins {
        p.allowed_origins = o;
    }
    p.customization = p.customization.merged(&overrides);
    store.put_project(&p).await?;
    for (action, details) in maven_core::audit::project_changes(&body) {
        audit::record(ctx, &p.account_id, actor, action, &p.id, details).await;
    }
    Ok(json(200, &view(&p)))
}

fn parse_origins(f: &mut Fields<'_>, at: Deployment) -> Option<Vec<String>> {
    let v = f.get("allowed_origins")?;
    let Some(items) = v.as_array() else {
        f.push(
            "allowed_origins",
            "list_type",
            "Input should be a valid list",
        );
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut loc = f.at("allowed_origins");
        loc.push(i.into());
        let Some(s) = item.as_str() else {
            f.errors.push(maven_core::FieldError::new(
                loc,
                "string_type",
                "Input should be a valid string",
            ));
            continue;
        };
        match url_policy::origin(s, at) {
            Ok(origin) => out.push(origin),
            Err(e) => {
                let msg = format!(
                    "{} (an origin looks like https://shop.example.com)",
                    e.message()
                );
                f.errors
                    .push(maven_core::FieldError::new(loc, "value_error", msg));
            }
        }
    }
    Some(out)
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
