//! `POST /v1/widget-sessions/{id}/charge`: the form submits the card. This route only checks
//! the input and hands the charge to the session's Durable Object (`crate::session_do`), which
//! owns it from claim to commit and tells KV and the merchant itself.

use crate::http::{json, ApiResult, Ctx};
use crate::keys::fingerprint_key;
use crate::objects::ObjectStub;
use crate::routes::sessions::live_session;
use crate::session_do::ChargeOrder;
use crate::store::Store;
use maven_core::card::{validate_card, CardInput};
use maven_core::charge::{card_fingerprint, Finished};
use maven_core::error::{ApiError, FieldError};
use maven_core::session::{ChargeResult, Session};
use maven_core::time::year_month;
use maven_core::validate::Fields;
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
    let card = parse_card(&body, year_month(ctx.now), fields)?;
    if !project
        .gateways
        .get(session.environment)
        .contains_key(&session.gateway)
    {
        return Err(ApiError::BadRequest {
            detail: "This session's gateway is no longer configured.".into(),
            code: "gateway_not_configured",
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
