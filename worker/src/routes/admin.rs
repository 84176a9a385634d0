//! Operator API under `/v1/admin/…` (the dashboard and the seed script use it): accounts, API
//! keys (plaintext shown once), projects, gateway credentials (sealed at rest), customization,
//! embedding origins, webhook URL, secret and deliveries (those in `admin_webhooks`), an
//! account's projects and the dashboard's preview session (those in `admin_dashboard`).

use super::{admin_api_keys, admin_dashboard, admin_keys, admin_webhooks, dashboard};
use crate::audit;
use crate::auth;
use crate::http::{json, new_id, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::auth::Environment;
use maven_core::credential_env;
use maven_core::customization::Overrides;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::gateway::{Credentials, GatewayKind};
use maven_core::guard::Limits;
use maven_core::model::{is_slug, Account, EnvGateways, Project, StoredGateway};
use maven_core::url_policy::{self, Deployment, UrlError};
use maven_core::validate::Fields;
use maven_core::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::{Method, Response};

pub async fn route(ctx: &mut Ctx, method: &Method, seg: &[&str]) -> ApiResult<Response> {
    auth::operator(ctx)?;
    let store = Store::from_env(&ctx.env)?;
    let actor = &Actor::Operator;
    match (method, seg) {
        (Method::Post, ["accounts"]) => create_account(ctx, &store).await,
        (Method::Post, ["accounts", id, "keys"]) => {
            admin_api_keys::create(ctx, &store, id, actor).await
        }
        (Method::Post, ["accounts", id, "invites"]) => {
            dashboard::invite(ctx, &store, id, None).await
        }
        (Method::Get, ["accounts", id, "keys"]) => admin_api_keys::list(ctx, &store, id).await,
        (Method::Delete, ["accounts", id, "keys", key]) => {
            admin_api_keys::revoke(ctx, &store, id, key, actor).await
        }
        (Method::Post, ["accounts", id, "keys", key, "roll"]) => {
            admin_api_keys::roll(ctx, &store, id, key, actor).await
        }
        (Method::Post, ["accounts", id, "projects"]) => create_project(ctx, &store, id).await,
        (Method::Get, ["accounts", id, "projects"]) => {
            admin_dashboard::list_projects(&store, id).await
        }
        (Method::Get, ["projects", id]) => Ok(json(200, &view(&load(&store, id).await?))),
        (Method::Get, ["accounts", id, "audit"]) => audit_list(ctx, &store, id).await,
        (Method::Patch, ["projects", id]) => update_project(ctx, &store, id, actor).await,
        (Method::Put, ["projects", id, "gateways", env, gw]) => {
            put_gateway(ctx, &store, id, env, gw, actor).await
        }
        (Method::Delete, ["projects", id, "gateways", env, gw]) => {
            let mut p = load(&store, id).await?;
            let (env, gw) = env_gateway(env, gw)?;
            p.gateways.get_mut(env).remove(&gw);
            store.put_project(&p).await?;
            let details = json!({"environment": env, "gateway": gw.as_str()});
            audit::record(ctx, &p.account_id, actor, "gateway.removed", &p.id, details).await;
            Ok(json(200, &view(&p)))
        }
        (Method::Post, ["projects", id, "preview-session"]) => {
            admin_dashboard::preview_session(ctx, &store, load(&store, id).await?).await
        }
        (Method::Post, ["projects", id, "webhook-secret"]) => {
            admin_webhooks::new_secret(ctx, &store, load(&store, id).await?, actor).await
        }
        (Method::Get, ["projects", id, "webhook-deliveries"]) => {
            admin_webhooks::list(ctx, &store, load(&store, id).await?).await
        }
        (Method::Post, ["webhook-deliveries", id, "resend"]) => {
            admin_webhooks::resend(ctx, &store, id, None).await
        }
        (Method::Get, ["projects", id, "guard"]) => guard_status(ctx, &store, id).await,
        (Method::Put, ["demo"]) => set_demo(ctx, &store).await,
        (Method::Get, ["keys"]) => admin_keys::show(ctx),
        (Method::Post, ["keys", "reseal"]) => admin_keys::reseal(ctx, &store).await,
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

pub(super) fn done(f: Fields<'_>) -> ApiResult<()> {
    let errors = f.finish();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

async fn create_account(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    let body = ctx.json_body().await?;
    let mut f = Fields::new(&body, vec!["body".into()]);
    let name = f.string("name", true, false, 100);
    done(f)?;
    let account = Account {
        id: new_id(),
        name: name.unwrap_or_default(),
        created_at: ctx.now,
    };
    store.put_account(&account).await?;
    Ok(json(201, &account))
}

async fn create_project(ctx: &mut Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
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

pub(super) async fn update_project(
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

fn env_gateway(env: &str, gw: &str) -> ApiResult<(Environment, GatewayKind)> {
    match (Environment::parse(env), GatewayKind::parse(gw)) {
        (Some(e), Some(g)) => Ok((e, g)),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

pub(super) async fn put_gateway(
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
    let mut f = Fields::new(&body, vec!["body".into()]);
    // The gateway's documented hosts for this environment (the simulator on loopback only in
    // local development's test slots); without one, the sandbox (test) or production (live).
    let at = deployment(ctx);
    let base_url = f.string("base_url", false, false, 300).and_then(|u| {
        url_policy::gateway_base_url(&u, gw, env, at)
            .map_err(|e| f.push("base_url", "value_error", base_url_message(e, gw, env)))
            .ok()
    });
    let creds = f.get("credentials");
    let credentials = parse_credentials(gw, creds, f.at("credentials"), &mut f.errors);
    if creds.is_none() {
        f.push("credentials", "missing", "Field required");
    }
    // A test slot takes no live key and a live slot no test key.
    if let Some(wrong) = credentials
        .as_ref()
        .and_then(|c| credential_env::check(c, env))
    {
        let mut loc = f.at("credentials");
        loc.push(wrong.field.into());
        f.errors.push(maven_core::FieldError::new(
            loc,
            "value_error",
            wrong.message,
        ));
    }
    done(f)?;
    let credentials = credentials.ok_or_else(|| ApiError::Internal("credentials".into()))?;
    let plain = serde_json::to_vec(&credentials)
        .map_err(|_| ApiError::Internal("could not encode credentials".into()))?;
    let slot = p.credentials_slot(env, gw);
    let sealed = seal_key(&ctx.env)?.seal(random_bytes::<12>()?, &plain, &slot)?;
    let base_url = base_url.unwrap_or_else(|| url_policy::default_base_url(gw, env));
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

/// The policy's reason, with the hosts this slot accepts when the host was the problem.
fn base_url_message(e: UrlError, gw: GatewayKind, env: Environment) -> String {
    match e {
        UrlError::GatewayHost => format!(
            "{}: {}",
            e.message(),
            url_policy::hosts(gw, env)
                .iter()
                .map(|h| format!("https://{h}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => e.message().to_string(),
    }
}

fn parse_credentials(
    gw: GatewayKind,
    v: Option<&Value>,
    loc: Vec<maven_core::Loc>,
    errors: &mut Vec<maven_core::FieldError>,
) -> Option<Credentials> {
    let v = v?;
    let mut f = Fields::new(v, loc);
    let mut s = |k: &'static str| f.string(k, true, false, 200).map(Secret::new);
    let c = match gw {
        GatewayKind::Stripe => s("secret_key").map(|secret_key| Credentials::Stripe { secret_key }),
        GatewayKind::Shift4 => s("secret_key").map(|secret_key| Credentials::Shift4 { secret_key }),
        GatewayKind::Authorizenet => match (s("api_login_id"), s("transaction_key")) {
            (Some(api_login_id), Some(transaction_key)) => Some(Credentials::Authorizenet {
                api_login_id,
                transaction_key,
            }),
            _ => None,
        },
        GatewayKind::Braintree => {
            let (public_key, private_key) = (s("public_key"), s("private_key"));
            let merchant_account_id = f.string("merchant_account_id", false, true, 100);
            let merchant_accounts = merchant_accounts(&mut f);
            let default_currency = f.currency("default_currency");
            match (public_key, private_key, merchant_accounts) {
                (Some(public_key), Some(private_key), Some(merchant_accounts)) => {
                    Some(Credentials::Braintree {
                        public_key,
                        private_key,
                        merchant_account_id,
                        merchant_accounts,
                        default_currency,
                    })
                }
                _ => None,
            }
        }
    };
    errors.extend(f.finish());
    c
}

/// Braintree `merchant_accounts`: `{"jpy": "<merchant account id>", …}`, one account per
/// currency (keys lower-case ISO 4217 codes on the allowlist, values 1–100 characters).
/// `None` when invalid (errors recorded); an empty map when absent.
fn merchant_accounts(f: &mut Fields<'_>) -> Option<BTreeMap<String, String>> {
    let loc = f.at("merchant_accounts");
    let value = match f.get("merchant_accounts") {
        None | Some(Value::Null) => return Some(BTreeMap::new()),
        Some(v) => v,
    };
    let Some(obj) = value.as_object() else {
        f.push(
            "merchant_accounts",
            "dict_type",
            "Input should be a valid dictionary",
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (currency, id) in obj {
        let mut at = loc.clone();
        at.push(maven_core::Loc::Key(currency.clone()));
        if !maven_core::money::is_known_currency(currency)
            || currency.to_ascii_lowercase() != *currency
        {
            f.errors
                .push(maven_core::validate::currency_error(at, currency));
            ok = false;
            continue;
        }
        match id.as_str().map(str::trim) {
            Some(id) if !id.is_empty() && id.chars().count() <= 100 => {
                out.insert(currency.clone(), id.to_string());
            }
            _ => {
                f.errors.push(maven_core::FieldError::new(
                    at,
                    "string_type",
                    "Input should be a merchant account id (1 to 100 characters)",
                ));
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub(super) async fn load(store: &Store, id: &str) -> ApiResult<Project> {
    store
        .project(id)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))
}

/// The operator's view of a project: everything but secrets.
pub(super) fn view(p: &Project) -> Value {
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
async fn set_demo(ctx: &mut Ctx, store: &Store) -> ApiResult<Response> {
    super::demo::require_dev(ctx)?;
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
async fn guard_status(ctx: &Ctx, store: &Store, id: &str) -> ApiResult<Response> {
    let project = load(store, id).await?;
    let guard = crate::objects::ObjectStub::new(&ctx.env, "PROJECT_GUARD", &project.id)?;
    let status: maven_core::guard::Status = guard
        .call("/status", &serde_json::json!({ "now": ctx.now }))
        .await?;
    Ok(json(200, &status))
}

/// `GET …/accounts/{id}/audit?limit=50`: newest first (at most 1,000 are kept).
pub(super) async fn audit_list(ctx: &Ctx, store: &Store, account_id: &str) -> ApiResult<Response> {
    store
        .account(account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Account"))?;
    let limit = ctx
        .req
        .url()
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "limit")
                .and_then(|(_, v)| v.parse::<usize>().ok())
        })
        .unwrap_or(maven_core::audit::DEFAULT_LIMIT)
        .clamp(1, maven_core::audit::MAX_ENTRIES);
    let entries: Vec<maven_core::audit::Entry> =
        crate::objects::ObjectStub::new(&ctx.env, "TEAM", &format!("team:{account_id}"))?
            .call::<crate::api_keys_do::Reply<Vec<maven_core::audit::Entry>>>(
                "/audit-list",
                &json!({ "limit": limit }),
            )
            .await?
            .into_result()?;
    Ok(json(200, &json!({ "entries": entries })))
}
