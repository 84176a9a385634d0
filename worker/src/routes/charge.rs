//! `POST /v1/widget-sessions/{id}/charge`: the form submits the card. This route only checks
//! the input and hands the charge to the session's Durable Object (`crate::session_do`), which
//! owns it from claim to commit and tells KV and the merchant itself.

use crate::http::{json, ApiResult, Ctx};
use crate::keys::fingerprint_key;
use crate::objects::ObjectStub;
use crate::routes::sessions::live_session;
use crate::session_do::ChargeOrder;
use crate::store::Store;
use maven_core::charge::{card_fingerprint, Finished};
use maven_core::charge_body::parse_charge_body;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::session::{ChargeResult, Session};
use maven_core::time::year_month;
use serde_json::{json, Value};
use worker::Response;

pub async fn submit(ctx: &mut Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let session = live_session(&store, id, ctx.now).await?;
    if let Some(result) = &session.result {
        return Err(already_completed(result));
    }
    let project = store
        .project(&session.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    let body = ctx.json_body().await?;
    let fields = project.customization.merged(&session.overrides).fields;
    let card = parse_charge_body(&body, year_month(ctx.now), fields, session.gateway)?;
    if !project
        .gateways
        .get(session.environment)
        .contains_key(&session.gateway)
    {
        return Err(ApiError::BadRequest {
            detail: "This session's gateway is no longer configured.".into(),
            code: ErrorCode::GatewayNotConfigured,
        });
    }
    let fingerprint = card_fingerprint(&fingerprint_key(&ctx.env)?, &session.id, &card);
    let order = ChargeOrder {
        session: session.clone(),
        card,
        fingerprint,
    };
    let body = serde_json::to_value(&order)
        .map_err(|_| ApiError::Internal("could not encode the charge".into()))?;
    let state = ObjectStub::new(&ctx.env, "SESSION_STATE", &session.id)?;
    let finished: Finished = state.call("/charge", &body).await?;
    match &finished {
        Finished::Approved(result) => Ok(json(200, &success_body(&session, result))),
        Finished::Pending { retry_after_secs } => {
            let mut r = crate::http::error_response(
                &finished
                    .error()
                    .unwrap_or_else(|| ApiError::GatewayUnavailable("try again".into())),
            );
            let _ = r
                .headers_mut()
                .set("retry-after", &retry_after_secs.to_string());
            Ok(r)
        }
        other => Err(other
            .error()
            .unwrap_or_else(|| ApiError::Internal("unexpected charge answer".into()))),
    }
}

fn already_completed(_: &ChargeResult) -> ApiError {
    ApiError::Conflict {
        detail: "This payment session is already completed.".into(),
        code: ErrorCode::AlreadyCompleted,
    }
}

/// The 200 body: brand and last 4 only.
fn success_body(session: &Session, r: &ChargeResult) -> Value {
    let mut body = json!({
        "status": r.status,
        "transaction_id": r.transaction_id,
        "card_brand": r.card_brand,
        "card_last4": r.card_last4,
        "amount_cents": session.amount_cents,
        "currency": session.currency,
    });
    if let Some(token) = &r.token {
        body["token"] = json!(token);
    }
    body
}
