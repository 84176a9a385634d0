//! `POST /v1/widget-sessions/{id}/charge`: the form submits the card. This route takes only
//! requests from the form page (no foreign `Origin`, and the page's form token for this
//! session, checked before anything is read or called), checks the input and hands the charge
//! to the session's Durable Object (`crate::session_do`), which owns it from claim to commit and
//! tells KV and the merchant itself.

use crate::batch::{self, Waiting};
use crate::http::{json, ApiResult, Ctx};
use crate::keys::{fingerprint_key, form_token_key};
use crate::objects::ObjectStub;
use crate::routes::sessions::live_session;
use crate::routes::widget_page::money_text;
use crate::session_do::ChargeOrder;
use crate::store::Store;
use maven_core::charge::{card_fingerprint, Finished};
use maven_core::charge_body::parse_charge_body;
use maven_core::error::ApiError;
use maven_core::error::ErrorCode;
use maven_core::form_screen::{charge_screen, ScreenContext};
use maven_core::form_token::{self, FormTokenError};
use maven_core::guard::{card_key, Reason, Verdict};
use maven_core::l10n;
use maven_core::model::Project;
use maven_core::session::{ChargeResult, Session, SessionStatus};
use maven_core::time::year_month;
use serde_json::{json, Value};
use std::time::Duration;
use worker::Response;

/// Every answer, refusals included, carries the `screen` the form shows for it
/// (`maven_core::form_screen`), worded in the form page's language: the form sends that locale
/// as `Accept-Language` (else the session's locale, else English).
pub async fn submit(ctx: &mut Ctx, id: &str) -> ApiResult<Response> {
    let mut seen = None;
    let answer = charge(ctx, id, &mut seen).await;
    let (session, project) = match &seen {
        Some((s, p)) => (Some(s), Some(p)),
        None => (None, None),
    };
    let labels = match (session, project) {
        (Some(s), Some(p)) => p.customization.merged(&s.overrides).labels,
        _ => Default::default(),
    };
    let asked = ctx.header("accept-language");
    let locale = l10n::page_locale(asked.as_deref(), session.and_then(|s| s.locale.as_deref()));
    let amount_text = session
        .map(|s| money_text(s.amount_cents, &s.currency, locale))
        .unwrap_or_default();
    let cx = ScreenContext {
        locale,
        amount_text: &amount_text,
        success_title: &labels.success,
        failure_title: &labels.failure,
    };
    let (error, retry_after) = match answer {
        Ok(Answer::Paid(mut body)) => {
            body["screen"] = charge_screen(200, &body, &cx);
            return Ok(json(200, &body));
        }
        Ok(Answer::Pending(error, secs)) => (error, Some(secs)),
        Err(error) => (error, None),
    };
    let mut body = error.body();
    body["screen"] = charge_screen(error.status(), &body, &cx);
    let mut r = crate::http::error_response_with_body(&error, &body);
    if let Some(secs) = retry_after {
        let _ = r.headers_mut().set("retry-after", &secs.to_string());
    }
    Ok(r)
}

/// How a charge the edge accepted ended: paid (the 200 body), or still with the gateway
/// (the error to answer and the seconds to wait before asking again).
enum Answer {
    Paid(Value),
    Pending(ApiError, u64),
}

/// The charge itself. `seen` gets the session and its project once loaded (the screen names
/// the amount and uses the project's labels).
async fn charge(
    ctx: &mut Ctx,
    id: &str,
    seen: &mut Option<(Session, Project)>,
) -> ApiResult<Answer> {
    from_the_form(ctx, id).await?;
    let store = Store::from_env(&ctx.env)?;
    let session = live_session(&store, id, ctx.now).await?;
    if let Some(result) = &session.result {
        return Err(already_completed(result));
    }
    if session.status == SessionStatus::Cancelled {
        return Err(maven_core::charge::cancelled_error());
    }
    let project = store
        .project(&session.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Session"))?;
    let (session, project) = &*seen.insert((session, project));
    let body = ctx.json_body().await?;
    let fields = project.customization.merged(&session.overrides).fields;
    let card = parse_charge_body(&body, year_month(ctx.now), fields, session.gateway)?;
    let Some(stored) = project
        .gateways
        .get(session.environment)
        .get(&session.gateway)
    else {
        return Err(ApiError::BadRequest {
            detail: "This session's gateway is no longer configured.".into(),
            code: ErrorCode::GatewayNotConfigured,
        });
    };
    crate::gateway_http::allowed_base_url(&ctx.env, session, &stored.base_url)?;
    let key = fingerprint_key(&ctx.env)?;
    let fingerprint = card_fingerprint(&key, &session.id, &card);
    // The card-testing guard decides before anything reaches the session's object (and so a
    // gateway): one call to the project's `ProjectGuard`.
    let attempt = json!({
        "project_id": project.id,
        "now": ctx.now,
        "ip": crate::http::client_ip(ctx),
        "card": card_key(&key, &project.id, card.number.expose()),
        "limits": project.card_testing,
    });
    let guard = ObjectStub::new(&ctx.env, "PROJECT_GUARD", &project.id)?;
    check_guard(&guard, &attempt).await?;
    let order = ChargeOrder {
        session: session.clone(),
        card,
        fingerprint,
    };
    let body = serde_json::to_value(&order)
        .map_err(|_| ApiError::Internal("could not encode the charge".into()))?;
    let state = ObjectStub::new(&ctx.env, "SESSION_STATE", &session.id)?;
    let finished: Finished = state.call("/charge", &body).await?;
    // A decline reaches the guard before its answer, so a tester's next attempt is judged
    // with it counted (the budget holds exactly for one source at a time). An approval only
    // lowers the decline ratio: it is reported after the answer, off the paying customer's path.
    if matches!(finished, Finished::Declined { .. }) {
        report_guard(&guard, attempt, &finished).await;
    } else if matches!(finished, Finished::Approved(_)) {
        report_approval(ctx, &project.id, attempt);
    }
    match &finished {
        Finished::Approved(result) => Ok(Answer::Paid(success_body(session, result))),
        Finished::Pending { retry_after_secs } => Ok(Answer::Pending(
            finished
                .error()
                .unwrap_or_else(|| ApiError::GatewayUnavailable("try again".into())),
            *retry_after_secs,
        )),
        other => Err(other
            .error()
            .unwrap_or_else(|| ApiError::Internal("unexpected charge answer".into()))),
    }
}

/// 429 `rate_limited` / `card_testing_suspected` with `Retry-After` when the guard refuses.
/// A guard that cannot be reached lets the attempt through (logged): the session's own limit
/// of three declines still holds.
async fn check_guard(guard: &ObjectStub, attempt: &Value) -> ApiResult<()> {
    match guard.call::<Verdict>("/check", attempt).await {
        Ok(Verdict::Allow) => Ok(()),
        Ok(Verdict::Refuse {
            reason,
            retry_after_secs,
        }) => Err(ApiError::Throttled {
            code: match reason {
                Reason::RateLimited => ErrorCode::RateLimited,
                Reason::CardTestingSuspected => ErrorCode::CardTestingSuspected,
            },
            retry_after_secs,
        }),
        Err(e) => {
            worker::console_error!("card-testing guard unavailable, attempt let through: {e}");
            Ok(())
        }
    }
}

thread_local! {
    static APPROVALS: Waiting<Value> = Waiting::default();
}

/// An approval only lowers the project's decline ratio: it goes to the guard after the answer,
/// with the project's other approvals of the next 250 ms in one call (best effort).
fn report_approval(ctx: &Ctx, project_id: &str, mut attempt: Value) {
    attempt["declined"] = json!(false);
    let window = Duration::from_millis(250);
    batch::add(
        &APPROVALS,
        ctx,
        project_id,
        attempt,
        window,
        |env, project, many| async move {
            let sent = async {
                let guard = ObjectStub::new(&env, "PROJECT_GUARD", &project)?;
                guard.call::<Value>("/report_many", &json!(many)).await
            };
            if let Err(e) = sent.await {
                worker::console_error!("card-testing guard: approvals not recorded: {e}");
            }
        },
    );
}

/// Tells the guard what the gateway answered (approved or declined only; best effort).
async fn report_guard(guard: &ObjectStub, mut attempt: Value, finished: &Finished) {
    let declined = match finished {
        Finished::Approved(_) => false,
        Finished::Declined { .. } => true,
        _ => return,
    };
    attempt["declined"] = json!(declined);
    if let Err(e) = guard.call::<Value>("/report", &attempt).await {
        worker::console_error!("card-testing guard: outcome not recorded: {e}");
    }
}

/// 403 unless the request comes from this session's form page: an `Origin` header, when the
/// client sent one, must be the edge's own, and the form token must be valid for `id`. A refusal
/// happens before anything else: no body read, no Durable Object, no gateway. Only an authentic
/// token past its expiry (capped by the session's) reads the session, so a form left open past
/// the session's end still hears 410 (or 409 when it was paid), as before form tokens.
async fn from_the_form(ctx: &Ctx, id: &str) -> ApiResult<()> {
    if let Some(origin) = ctx.header("origin") {
        if origin.trim() != ctx.origin {
            return Err(ApiError::Forbidden {
                detail: "Charges are accepted only from the payment form's own origin.".into(),
                code: ErrorCode::OriginNotAllowed,
            });
        }
    }
    let token = ctx.header(form_token::HEADER);
    match form_token::verify(&form_token_key(&ctx.env)?, id, token.as_deref(), ctx.now) {
        Ok(()) => Ok(()),
        Err(FormTokenError::Expired) => {
            let session = live_session(&Store::from_env(&ctx.env)?, id, ctx.now).await?;
            match &session.result {
                Some(result) => Err(already_completed(result)),
                None => Err(FormTokenError::Expired.into()),
            }
        }
        Err(e) => Err(e.into()),
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
