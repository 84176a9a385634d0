//! `POST /v1/widget-sessions/{id}/charge`: the form submits the card; one gateway call per
//! claim from the session's Durable Object; the result goes to KV for the public view, then the
//! project's webhook is queued.

use crate::gateway_http;
use crate::http::{json, ApiResult, Ctx};
use crate::routes::admin::{credentials_key, seal_key};
use crate::routes::sessions::live_session;
use crate::session_do::SessionDo;
use crate::store::Store;
use crate::webhooks;
use maven_core::card::{validate_card, CardInput};
use maven_core::charge::{card_fingerprint, Claim, Finished};
use maven_core::error::{ApiError, FieldError};
use maven_core::gateway::{Credentials, GatewayConfig, Outcome, PaymentRequest};
use maven_core::session::{ChargeResult, Session, SessionStatus};
use maven_core::time::year_month;
use maven_core::validate::Fields;
use maven_core::webhook::LastDecline;
use serde_json::{json, Value};
use worker::Response;

pub async fn submit(ctx: &mut Ctx, id: &str) -> ApiResult<Response> {
    let store = Store::from_env(&ctx.env)?;
    let mut session = live_session(&store, id, ctx.now).await?;
    if let Some(result) = &session.result {
        return Err(already_completed(result));
    }
    let project = store
        .project(&session.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    let body = ctx.json_body().await?;
    let fields = project.customization.merged(&session.overrides).fields;
    let card = parse_card(&body, year_month(ctx.now), fields)?;

    let stored = project
        .gateways
        .get(session.environment)
        .get(&session.gateway)
        .ok_or_else(|| ApiError::BadRequest {
            detail: "This session's gateway is no longer configured.".into(),
            code: "gateway_not_configured",
        })?;
    let plain = seal_key(&ctx.env)?.open(&stored.credentials_sealed)?;
    let credentials: Credentials = serde_json::from_slice(&plain)
        .map_err(|_| ApiError::Internal("stored credentials are unreadable".into()))?;
    let config = GatewayConfig {
        base_url: stored.base_url.clone(),
        credentials,
    };

    let fingerprint = card_fingerprint(
        credentials_key(&ctx.env)?.as_bytes(),
        &session.id,
        card.number.expose(),
    );
    // Brand and last 4 for a `payment-failed` webhook (the number itself goes to the gateway only).
    let (card_brand, card_last4) = (card.brand.as_str().to_string(), card.last4.clone());
    let state = SessionDo::new(ctx, &session.id)?;
    let claim: Claim = state
        .call(
            "/claim",
            json!({"now": ctx.now, "fingerprint": fingerprint}),
        )
        .await?;
    let request = PaymentRequest {
        session_id: session.id.clone(),
        attempt: claim.attempt,
        recovering: claim.recovering,
        amount_cents: session.amount_cents,
        currency: session.currency.clone(),
        mode: session.mode,
        capture: session.capture,
        description: session.description.clone(),
        card,
    };
    let outcome: Outcome = gateway_http::run(&config, &request).await;
    let finished: Finished = state
        .call(
            "/finish",
            json!({"attempt": claim.attempt, "outcome": outcome}),
        )
        .await?;

    match &finished {
        Finished::Approved(result) => {
            session.status = SessionStatus::from(result.status);
            session.result = Some(result.clone());
            store.put_session(&session).await?;
            notify(ctx, &store, &project, &session, None).await;
            Ok(json(200, &success_body(&session, result)))
        }
        Finished::Declined {
            attempts_left,
            code,
        } => {
            if *attempts_left == 0 {
                session.status = SessionStatus::Failed;
                store.put_session(&session).await?;
                let decline = LastDecline {
                    card_brand,
                    card_last4,
                    error_code: *code,
                };
                notify(ctx, &store, &project, &session, Some(&decline)).await;
            }
            Err(finished.error().unwrap_or(ApiError::TooManyAttempts))
        }
        Finished::Unavailable { reason } => {
            worker::console_warn!(
                "gateway {} unavailable: {}",
                session.gateway.as_str(),
                reason
            );
            Err(finished
                .error()
                .unwrap_or_else(|| ApiError::GatewayUnavailable(reason.clone())))
        }
    }
}

/// Queues the session's webhook. The customer's answer never depends on it: the payment is done.
async fn notify(
    ctx: &Ctx,
    store: &Store,
    project: &maven_core::model::Project,
    session: &Session,
    decline: Option<&LastDecline>,
) {
    if let Err(e) = webhooks::emit(&ctx.env, store, project, session, decline, ctx.now).await {
        worker::console_error!("webhook of session {} not queued: {}", session.id, e);
    }
}

fn already_completed(_: &ChargeResult) -> ApiError {
    ApiError::Conflict {
        detail: "This payment session is already completed.".into(),
        code: "already_completed",
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

/// `{"card": {number, exp_month, exp_year, cvc, name?, postal_code?}}`, checked by the same
/// code as the form.
fn parse_card(
    body: &Value,
    today: maven_core::card::YearMonth,
    fields: maven_core::customization::FormFields,
) -> ApiResult<maven_core::card::ValidCard> {
    let mut top = Fields::new(body, vec!["body".into()]);
    let card_value = top.get("card");
    if top.is_object() && card_value.is_none() {
        top.push("card", "missing", "Field required");
    }
    let mut errors: Vec<FieldError> = top.finish();
    let Some(card_value) = card_value else {
        return Err(ApiError::validation(errors));
    };
    let mut f = Fields::new(card_value, vec!["body".into(), "card".into()]);
    let number = f.string("number", true, false, 32);
    let exp_month = f.int("exp_month", true, 1, 12);
    let exp_year = f.int("exp_year", true, 0, 9999);
    let cvc = f.string("cvc", true, false, 8);
    let name = f.string("name", false, true, 200);
    let postal_code = f.string("postal_code", false, true, 32);
    errors.extend(f.finish());
    let (Some(number), Some(exp_month), Some(exp_year), Some(cvc)) =
        (number, exp_month, exp_year, cvc)
    else {
        return Err(ApiError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let input = CardInput {
        number: maven_core::Secret::new(number),
        exp_month: exp_month as u32,
        exp_year: exp_year as u32,
        cvc: maven_core::Secret::new(cvc),
        name,
        postal_code,
    };
    validate_card(
        &input,
        today,
        fields.cardholder_name,
        fields.postal_code,
        &["body".into(), "card".into()],
    )
    .map_err(ApiError::validation)
}
