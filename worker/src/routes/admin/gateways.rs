//! Operator API for a project's gateway credentials: set them per environment (sealed at rest,
//! never shown again) and remove them. The dashboard's Gateways page uses `put` too.

use super::{deployment, done, load, view};
use crate::audit;
use crate::http::{json, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use maven_core::audit::Actor;
use maven_core::auth::Environment;
use maven_core::credential_env;
use maven_core::error::ApiError;
use maven_core::gateway::{Credentials, GatewayKind};
use maven_core::model::StoredGateway;
use maven_core::url_policy::{self, UrlError};
use maven_core::validate::Fields;
use maven_core::Secret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use worker::Response;

pub(crate) fn env_gateway(env: &str, gw: &str) -> ApiResult<(Environment, GatewayKind)> {
    match (Environment::parse(env), GatewayKind::parse(gw)) {
        (Some(e), Some(g)) => Ok((e, g)),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

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
