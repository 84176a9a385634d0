//! The dashboard's Developers → Webhooks API under `/v1/dashboard/projects/{id}/webhooks…`:
//! the URL of each environment, the signing secret's roll (owners only, with an overlap during
//! which both secrets sign), the deliveries with every attempt and the exact body, re-send, and
//! "send a test event". Every change is audited.

use super::admin::webhooks as admin_webhooks;
use super::dashboard::{actor, owner, project_of, signed_in};
use crate::audit;
use crate::http::{deployment, json, new_id, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use crate::webhooks;
use maven_core::auth::Environment;
use maven_core::error::{ApiError, FieldError};
use maven_core::url_policy;
use maven_core::validate::Fields;
use maven_core::webhook::new_secret;
use maven_core::webhook::settings::{test_delivery, MAX_OVERLAP_SECS};
use serde_json::json;
use worker::{Method, Response};

/// Default overlap of a roll: 24 hours, long enough to deploy the new secret.
const DEFAULT_OVERLAP_SECS: i64 = 24 * 3600;

pub async fn route(
    ctx: &mut Ctx,
    store: &Store,
    method: &Method,
    project_id: &str,
    rest: &[&str],
) -> ApiResult<Response> {
    match (method, rest) {
        (Method::Get, []) => {
            let s = signed_in(ctx).await?;
            let p = project_of(store, &s, project_id).await?;
            Ok(json(200, &p.webhook_settings_view(ctx.now)))
        }
        (Method::Put, ["urls", env]) => {
            let s = signed_in(ctx).await?;
            let mut p = project_of(store, &s, project_id).await?;
            let env = environment(env)?;
            let body = ctx.json_body().await?;
            let mut f = Fields::new(&body, vec!["body".into()]);
            let at = deployment(&ctx.env);
            let url = f.string("url", true, true, 500).and_then(|u| {
                url_policy::webhook_url(&u, at)
                    .map_err(|e| f.push("url", "value_error", e.message()))
                    .ok()
            });
            super::admin::done(f)?;
            p.set_webhook_url(env, url.clone());
            store.put_project(&p).await?;
            let details = json!({"environment": env.as_str(), "webhook_url": url});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "webhook.url_updated",
                &p.id,
                details,
            )
            .await;
            Ok(json(200, &p.webhook_settings_view(ctx.now)))
        }
        (Method::Post, ["secret"]) => {
            let s = owner(ctx).await?;
            let mut p = project_of(store, &s, project_id).await?;
            let body = ctx.json_body().await?;
            let mut f = Fields::new(&body, vec!["body".into()]);
            let overlap = f.int("overlap_secs", false, 0, MAX_OVERLAP_SECS as i64);
            super::admin::done(f)?;
            let overlap = overlap.unwrap_or(DEFAULT_OVERLAP_SECS) as u64;
            let secret = new_secret(&random_bytes::<24>()?);
            let slot = p.webhook_secret_slot();
            let sealed =
                seal_key(&ctx.env)?.seal(random_bytes::<12>()?, secret.as_bytes(), &slot)?;
            p.roll_webhook_secret(sealed, ctx.now, overlap);
            store.put_project(&p).await?;
            let details = json!({"overlap_secs": overlap});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "webhook.secret_rolled",
                &p.id,
                details,
            )
            .await;
            let mut view = p.webhook_settings_view(ctx.now);
            // The only time the plaintext is shown.
            view["webhook_secret"] = json!(secret);
            Ok(json(201, &view))
        }
        (Method::Get, ["deliveries"]) => {
            let s = signed_in(ctx).await?;
            let p = project_of(store, &s, project_id).await?;
            admin_webhooks::list(ctx, store, p).await
        }
        (Method::Post, ["deliveries", delivery_id, "resend"]) => {
            let s = signed_in(ctx).await?;
            let p = project_of(store, &s, project_id).await?;
            let r = admin_webhooks::resend(ctx, store, delivery_id, Some(&p.id)).await?;
            let details = json!({"delivery_id": delivery_id});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "webhook.resent",
                &p.id,
                details,
            )
            .await;
            Ok(r)
        }
        (Method::Post, ["test"]) => {
            let s = signed_in(ctx).await?;
            let p = project_of(store, &s, project_id).await?;
            let body = ctx.json_body().await?;
            let mut f = Fields::new(&body, vec!["body".into()]);
            let env = f
                .literal("environment", true, &["test", "live"])
                .and_then(Environment::parse);
            if let Some(e) = env {
                if p.webhook_url_for(Some(e)).is_none() {
                    let msg = format!("Set a webhook URL for {} first.", e.as_str());
                    f.push("environment", "value_error", msg);
                } else if p.webhook_secret_sealed.is_none() {
                    f.push("environment", "value_error", "Roll a signing secret first.");
                }
            }
            super::admin::done(f)?;
            let env = env.unwrap_or(Environment::Test);
            let d = test_delivery(new_id(), &p, env, ctx.now);
            store.put_delivery(&d, ctx.now).await?;
            store.index_delivery(&d).await?;
            webhooks::enqueue(&ctx.env, &d.id).await?;
            let details = json!({"environment": env.as_str(), "delivery_id": d.id});
            audit::record(
                ctx,
                &s.account_id,
                &actor(&s),
                "webhook.test_sent",
                &p.id,
                details,
            )
            .await;
            Ok(json(202, &d.view()))
        }
        (_, [])
        | (_, ["urls", _])
        | (_, ["secret"])
        | (_, ["deliveries"])
        | (_, ["test"])
        | (_, ["deliveries", _, "resend"]) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

fn environment(raw: &str) -> ApiResult<Environment> {
    Environment::parse(raw).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new(
            vec!["path".into(), "environment".into()],
            "literal_error",
            "Input should be 'test' or 'live'",
        )])
    })
}
