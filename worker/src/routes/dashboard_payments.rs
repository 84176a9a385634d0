//! The dashboard's Payments API under `/v1/dashboard/projects/{id}/payments…`
//! (docs/dashboard-payments.md): the project's ledger page by page, one payment's detail with
//! its timeline, and cancel, capture, void and refund. Every call names the environment the
//! dashboard's switch shows (`?environment=test|live`). The actions run the merchant API's own
//! code (`sessions::cancel_as`, `sessions::operate_as`) as the signed-in user's account, with
//! the page's `Idempotency-Key` (required here), and each one done is audited.

use super::dashboard::{actor, project_of, signed_in, Signed};
use super::sessions::{self, OpReply};
use crate::audit;
use crate::auth::Caller;
use crate::http::{json, ApiResult, Ctx};
use crate::objects::ObjectStub;
use crate::store::Store;
use maven_core::auth::Environment;
use maven_core::error::{ApiError, ErrorCode};
use maven_core::ledger::detail::{
    dashboard_list_query, environment_param, PaymentDetail, PaymentHistory,
};
use maven_core::ledger::{LedgerReply, ListRequest, SessionObject};
use maven_core::model::Project;
use maven_core::operation::OpKind;
use serde_json::json;
use worker::{Method, Response};

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
            let (environment, filters) = dashboard_list_query(&ctx.query_pairs()?, &p.id)?;
            let order = ListRequest {
                environment,
                filters,
            };
            Ok(json(200, &sessions::ledger_page(ctx, &p.id, &order).await?))
        }
        (Method::Get, [session_id]) => {
            let (_, p, caller) = scope(ctx, store, project_id).await?;
            let payment = payment_of(ctx, store, &caller, &p, session_id).await?;
            let events = events(ctx, &p.id, session_id).await?;
            let history: Option<PaymentHistory> =
                ObjectStub::new(&ctx.env, "SESSION_STATE", session_id)?
                    .call("/history", &json!({}))
                    .await?;
            let detail = PaymentDetail::build(payment, &events, history.as_ref());
            Ok(json(200, &detail))
        }
        (Method::Post, [session_id, "cancel"]) => {
            let (s, p, caller) = scope(ctx, store, project_id).await?;
            payment_of(ctx, store, &caller, &p, session_id).await?;
            let object = sessions::cancel_as(ctx, store, &caller, session_id).await?;
            note(ctx, &s, &caller, "payment.cancelled", &object, json!({})).await;
            Ok(json(200, &object))
        }
        (Method::Post, [session_id, op @ ("capture" | "void" | "refund")]) => {
            let (s, p, caller) = scope(ctx, store, project_id).await?;
            let kind = OpKind::parse(op).ok_or_else(|| ApiError::NotFound("Not Found".into()))?;
            // A click on the page sends a fresh key; its double (or a retry) replays the answer.
            if ctx.header("idempotency-key").is_none() {
                return Err(ApiError::BadRequest {
                    detail: "Send an Idempotency-Key with every capture, void or refund.".into(),
                    code: ErrorCode::InvalidIdempotencyKey,
                });
            }
            let body = ctx.optional_json_body().await?;
            payment_of(ctx, store, &caller, &p, session_id).await?;
            let reply = sessions::operate_as(ctx, store, &caller, session_id, kind, &body).await?;
            audit_op(ctx, &s, &caller, kind, &body, &reply).await;
            Ok(reply.response())
        }
        (_, []) | (_, [_]) | (_, [_, "cancel" | "capture" | "void" | "refund"]) => {
            Err(ApiError::MethodNotAllowed)
        }
        _ => Err(ApiError::NotFound("Not Found".into())),
    }
}

/// The signed-in user, their project, and the merchant caller the API's code runs as: the
/// user's account in the environment the page shows.
async fn scope(ctx: &Ctx, store: &Store, project_id: &str) -> ApiResult<(Signed, Project, Caller)> {
    let s = signed_in(ctx).await?;
    let p = project_of(store, &s, project_id).await?;
    let environment: Environment =
        environment_param(&ctx.query_pairs()?).map_err(|e| ApiError::validation(vec![e]))?;
    let caller = Caller {
        account_id: s.account_id.clone(),
        environment,
    };
    Ok((s, p, caller))
}

/// The session, when it is the account's, in this environment and of this project (another
/// project's is 404, as an unknown one).
async fn payment_of(
    ctx: &Ctx,
    store: &Store,
    caller: &Caller,
    p: &Project,
    session_id: &str,
) -> ApiResult<SessionObject> {
    let object = sessions::full_object(ctx, store, caller, session_id).await?;
    // Slugs are unique within an account and never change.
    if object.project != p.slug {
        return Err(ApiError::not_found("Session"));
    }
    Ok(object)
}

async fn events(
    ctx: &Ctx,
    project_id: &str,
    session_id: &str,
) -> ApiResult<Vec<maven_core::ledger::detail::LedgerEvent>> {
    let ledger = ObjectStub::new(&ctx.env, "LEDGER", project_id)?;
    match ledger
        .call::<LedgerReply>("/events", &json!({ "session_id": session_id }))
        .await?
    {
        LedgerReply::Events { events } => Ok(events),
        _ => Err(ApiError::Internal("unexpected ledger answer".into())),
    }
}

/// An operation that was done now (not a replay, not a kept refusal) goes to the audit log.
async fn audit_op(
    ctx: &Ctx,
    s: &Signed,
    caller: &Caller,
    kind: OpKind,
    body: &serde_json::Value,
    reply: &OpReply,
) {
    if reply.replayed || reply.status != 200 {
        return;
    }
    let Ok(object) = serde_json::from_str::<SessionObject>(&reply.text) else {
        return;
    };
    let action = match kind {
        OpKind::Capture => "payment.captured",
        OpKind::Void => "payment.voided",
        OpKind::Refund => "payment.refunded",
    };
    let asked = body.get("amount_cents").cloned().unwrap_or(json!(null));
    note(
        ctx,
        s,
        caller,
        action,
        &object,
        json!({"amount_cents": asked}),
    )
    .await;
}

async fn note(
    ctx: &Ctx,
    s: &Signed,
    caller: &Caller,
    action: &str,
    object: &SessionObject,
    mut details: serde_json::Value,
) {
    details["environment"] = json!(caller.environment.as_str());
    details["project"] = json!(object.project);
    details["status"] = json!(object.status);
    details["currency"] = json!(object.currency);
    details["amount_captured_cents"] = json!(object.amount_captured_cents);
    details["amount_refunded_cents"] = json!(object.amount_refunded_cents);
    audit::record(
        ctx,
        &s.account_id,
        &actor(s),
        action,
        &object.session_id,
        details,
    )
    .await;
}
