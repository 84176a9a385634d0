//! Operator API for webhooks: create a project's signing secret (shown once, stored sealed),
//! list its recent deliveries with every attempt, and re-send a delivery.

use crate::audit;
use crate::http::{json, random_bytes, ApiResult, Ctx};
use crate::keys::seal_key;
use crate::store::Store;
use crate::webhooks;
use maven_core::audit::Actor;
use maven_core::error::{ApiError, FieldError};
use maven_core::model::Project;
use maven_core::webhook::new_secret as generate_secret;
use serde_json::{json, Value};
use worker::Response;

const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// `POST /v1/admin/projects/{id}/webhook-secret`: a new secret replaces the old one at once.
pub async fn new_secret(
    ctx: &mut Ctx,
    store: &Store,
    mut p: Project,
    actor: &Actor,
) -> ApiResult<Response> {
    let secret = generate_secret(&random_bytes::<24>()?);
    let slot = p.webhook_secret_slot();
    let sealed = seal_key(&ctx.env)?.seal(random_bytes::<12>()?, secret.as_bytes(), &slot)?;
    // The operator's roll replaces the secret at once (no overlap).
    p.roll_webhook_secret(sealed, ctx.now, 0);
    store.put_project(&p).await?;
    audit::record(
        ctx,
        &p.account_id,
        actor,
        "webhook.secret_rolled",
        &p.id,
        json!({}),
    )
    .await;
    // The only time the plaintext exists outside the merchant's hands.
    Ok(json(
        201,
        &json!({"project_id": p.id, "webhook_secret": secret}),
    ))
}

/// `GET /v1/admin/projects/{id}/webhook-deliveries?limit=20`: newest first.
pub async fn list(ctx: &mut Ctx, store: &Store, p: Project) -> ApiResult<Response> {
    let limit = limit(ctx)?;
    let mut out: Vec<Value> = Vec::new();
    for id in store.recent_delivery_ids(&p.id, limit).await? {
        if let Some(d) = store.delivery(&id).await? {
            out.push(d.view());
        }
    }
    Ok(json(200, &json!({"deliveries": out})))
}

fn limit(ctx: &Ctx) -> ApiResult<u64> {
    let url = ctx
        .req
        .url()
        .map_err(|_| ApiError::Internal("could not read the request URL".into()))?;
    let Some((_, v)) = url.query_pairs().find(|(k, _)| k == "limit") else {
        return Ok(DEFAULT_LIMIT);
    };
    match v.parse::<u64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::validation(vec![FieldError::new(
            vec!["query".into(), "limit".into()],
            "value_error",
            format!("Value error, limit must be an integer from 1 to {MAX_LIMIT}"),
        )])),
    }
}

/// `POST /v1/admin/webhook-deliveries/{id}/resend`: queues the same body again, with a fresh
/// round of retries, whatever the delivery's status. 202: delivery happens in the background.
/// With `project_id` (the dashboard), another project's delivery is "not found".
pub async fn resend(
    ctx: &mut Ctx,
    store: &Store,
    id: &str,
    project_id: Option<&str>,
) -> ApiResult<Response> {
    let mut d = store
        .delivery(id)
        .await?
        .filter(|d| project_id.is_none_or(|p| d.project_id == p))
        .ok_or_else(|| ApiError::not_found("Delivery"))?;
    d.resend();
    store.put_delivery(&d, ctx.now).await?;
    webhooks::enqueue(&ctx.env, &d.id).await?;
    Ok(json(202, &d.view()))
}
